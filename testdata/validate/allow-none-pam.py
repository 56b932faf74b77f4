# hub-3.0: starts
# hub-5.2: logs: No allow config found, it's possible that nobody can login to your Hub!
# expect-3.0:
# expect-5.2:
# trap: written for 3.0, where PAM with no allowed_users lets every user with a system account log in; 5.x allows no one unless allowed_users, allow_all, allow_existing_users (or an admin list) says so, and starts anyway with only a warning
c.JupyterHub.authenticator_class = 'pam'
