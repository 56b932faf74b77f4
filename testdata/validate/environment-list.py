# hub-3.0: fatal: The 'environment' trait of a Service instance expected a dict
# expect: HUB104
c.JupyterHub.services = [{'name': 'envlist', 'command': ['/bin/true'], 'environment': ['MODE=batch']}]
