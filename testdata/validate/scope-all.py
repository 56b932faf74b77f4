# hub-3.0: fatal: Draft scope 'all' is now called 'inherit'
# expect: HUB109
c.JupyterHub.load_roles = [{'name': 'everything', 'scopes': ['all']}]
