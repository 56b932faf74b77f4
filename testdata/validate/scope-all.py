# hub-3.0: fatal: Draft scope 'all' is now called 'inherit'
# hub-5.2: fatal: Draft scope 'all' is now called 'inherit'
# expect-3.0: HUB109
# expect-5.2: HUB109
c.JupyterHub.load_roles = [{'name': 'everything', 'scopes': ['all']}]
