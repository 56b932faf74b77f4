# hub-3.0: fatal: ValueError: Invalid role name: 'Culler'
# expect: HUB107
c.JupyterHub.load_roles = [{'name': 'Culler', 'scopes': ['list:users']}]
