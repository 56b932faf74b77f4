# hub-3.0: fatal: Invalid role name: 'ta'
# expect: HUB107
c.JupyterHub.load_roles = [{'name': 'ta', 'scopes': ['read:users'], 'users': ['tara']}]
