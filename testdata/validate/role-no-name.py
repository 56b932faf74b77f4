# hub-3.0: fatal: KeyError: 'name'
# expect: HUB112
c.JupyterHub.load_roles = [{'description': 'no name', 'scopes': ['read:users']}]
