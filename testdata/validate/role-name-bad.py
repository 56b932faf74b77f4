# hub-3.0: fatal: ValueError: Invalid role name: 'Culler'
# hub-5.2: fatal: jupyterhub.roles.InvalidNameError: Invalid role name: 'Culler'
# expect-3.0: HUB107
# expect-5.2: HUB107
c.JupyterHub.load_roles = [{'name': 'Culler', 'scopes': ['list:users']}]
