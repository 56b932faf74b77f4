# hub-3.0: fatal: KeyError: 'name'
# hub-5.2: fatal: KeyError: 'name'
# expect-3.0: HUB112
# expect-5.2: HUB112
c.JupyterHub.load_roles = [{'description': 'no name', 'scopes': ['read:users']}]
