# hub-3.0: fatal: The 'environment' trait of a Service instance expected a dict
# hub-5.2: fatal: The 'environment' trait of a Service instance expected a dict
# expect-3.0: HUB104
# expect-5.2: HUB104
c.JupyterHub.services = [{'name': 'envlist', 'command': ['/bin/true'], 'environment': ['MODE=batch']}]
