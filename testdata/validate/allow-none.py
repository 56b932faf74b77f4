# hub-3.0: starts
# hub-5.2: logs: No allow config found, it's possible that nobody can login to your Hub!
# login-3.0: bob allowed
# login-5.2: bob refused
# expect-3.0: HUB301
# expect-5.2: HUB301
# trap: written for 3.0, where an authenticator with no allowed_users lets in everyone it authenticates; 5.x lets in no one (Authenticator.allow_all defaults to False) and still starts, with only a warning
from jupyterhub.auth import Authenticator


class AnyoneAuthenticator(Authenticator):
    """Lets in whoever gives a name and any password, as PAM lets in every system account."""

    def authenticate(self, handler, data):
        return data["username"]


c.JupyterHub.authenticator_class = AnyoneAuthenticator
