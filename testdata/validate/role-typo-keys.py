# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB210
# expect-5.2: HUB210
# trap: unknown role keys are ignored: "service" (for "services") leaves the service without the role, "descripton" leaves the role without a description
c.JupyterHub.services = [{'name': 'exporter', 'url': 'http://127.0.0.1:10133', 'api_token': '826f431ac36c80225fe8447f1b922a889d5148394d25c22950918c9605d4e187'}]
c.JupyterHub.load_roles = [
    {'name': 'exporter', 'descripton': 'export usage', 'scopes': ['read:users:activity'], 'service': ['exporter']},
]
