# hub-3.0: starts
# hub-5.2: logs: No allow config found, it's possible that nobody can login to your Hub!
# login-3.0: alice allowed
# login-3.0: bob allowed
# login-5.2: alice refused
# login-5.2: bob refused
# expect-3.0: HUB301
# expect-5.2: HUB301
# trap: on 3.0 everyone logs in and alice is an admin; on 5.x admin_users is no allow config: no one logs in, not even alice (the Hub adds the admins to allowed_users only when allowed_users is set), and the Hub only warns
from jupyterhub.auth import Authenticator


class AnyoneAuthenticator(Authenticator):
    """Lets in whoever gives a name and any password, as PAM lets in every system account."""

    def authenticate(self, handler, data):
        return data["username"]


c.JupyterHub.authenticator_class = AnyoneAuthenticator
c.Authenticator.admin_users = {"alice"}
