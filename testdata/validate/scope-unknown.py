# hub-3.0: fatal: KeyError: "Scope 'read:user' for role reader does not exist"
# expect: HUB109
c.JupyterHub.load_roles = [{'name': 'reader', 'scopes': ['read:user']}]
