# hub-3.0: fatal-on-second-start: KeyError: 'scopes'
# expect: HUB113
# trap: the first start only warns "New defined role observer has no scopes"; every start after that fails
c.JupyterHub.load_roles = [{'name': 'observer', 'users': ['olga']}]
