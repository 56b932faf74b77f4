# hub-3.0: fatal: The 'load_roles' trait of a JupyterHub instance contains a Dict of a List which expected a dict, not the str 'admin'
# hub-5.2: fatal: The 'load_roles' trait of a JupyterHub instance contains a Dict of a List which expected a dict, not the str 'admin'
# expect-3.0: HUB114
# expect-5.2: HUB114
c.JupyterHub.load_roles = ['admin']
