# hub-3.0: fatal: KeyError: "Scope 'shares' for role share-manager does not exist"
# hub-5.2: starts
# expect-3.0: HUB109
# expect-5.2:
# Written for 5.x: the sharing scopes (shares, read:shares) are new in 5.0, and 3.0 refuses the role.
c.JupyterHub.load_roles = [{'name': 'share-manager', 'scopes': ['shares', 'read:shares'], 'users': ['alice']}]
