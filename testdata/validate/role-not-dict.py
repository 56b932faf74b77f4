# hub-3.0: fatal: The 'load_roles' trait of a JupyterHub instance contains a Dict of a List which expected a dict, not the str 'admin'
# expect: HUB114
c.JupyterHub.load_roles = ['admin']
