# hub-3.0: logs: Config option `allow_all` not recognized by `AnyoneAuthenticator`.
# hub-5.2: starts
# login-3.0: bob allowed
# login-5.2: bob allowed
# expect-3.0: HUB301
# expect-5.2: HUB301
# trap: the upgrade's fix for allow-none.py: allow_all is new in 5.0; 3.0's traitlets only warns that it does not know the option, and lets everyone in as before
from jupyterhub.auth import Authenticator


class AnyoneAuthenticator(Authenticator):
    """Lets in whoever gives a name and any password, as PAM lets in every system account."""

    def authenticate(self, handler, data):
        return data["username"]


c.JupyterHub.authenticator_class = AnyoneAuthenticator
c.Authenticator.allow_all = True
