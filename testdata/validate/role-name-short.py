# hub-3.0: fatal: Invalid role name: 'ta'
# hub-5.2: fatal: Invalid role name: 'ta'
# expect-3.0: HUB107
# expect-5.2: HUB107
c.JupyterHub.load_roles = [{'name': 'ta', 'scopes': ['read:users'], 'users': ['tara']}]
