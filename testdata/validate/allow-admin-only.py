# hub-3.0: starts
# hub-5.2: logs: No allow config found, it's possible that nobody can login to your Hub!
# expect-3.0:
# expect-5.2:
# trap: on 3.0 every PAM user logs in and root is an admin; on 5.x admin_users is not allow config: only the admins may log in
c.JupyterHub.authenticator_class = 'pam'
c.Authenticator.admin_users = {'root'}
