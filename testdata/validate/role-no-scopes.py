# hub-3.0: fatal-on-second-start: KeyError: 'scopes'
# hub-5.2: logs: Role observer will have no scopes
# expect-3.0: HUB113
# expect-5.2: HUB113
# trap: the first start only warns "New defined role observer has no scopes"; every start after that fails on 3.0; 5.x starts every time with a role that grants nothing (warning "Role observer will have no scopes")
c.JupyterHub.load_roles = [{'name': 'observer', 'users': ['olga']}]
