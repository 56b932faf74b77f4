# hub-3.0: fatal: KeyError: "Scope 'read:user' for role reader does not exist"
# hub-5.2: fatal: jupyterhub.scopes.ScopeNotFound: "Scope 'read:user' for role reader does not exist"
# expect-3.0: HUB109
# expect-5.2: HUB109
c.JupyterHub.load_roles = [{'name': 'reader', 'scopes': ['read:user']}]
