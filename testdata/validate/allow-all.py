# hub-3.0: logs: Config option `allow_all` not recognized by `PAMAuthenticator`.
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# trap: the upgrade's fix for allow-none-pam.py: allow_all is new in 5.0; 3.0's traitlets only warns that it does not know the option and lets everyone in as before
c.JupyterHub.authenticator_class = 'pam'
c.Authenticator.allow_all = True
