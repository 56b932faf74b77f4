# hub-3.0: fatal: The 'command' trait of a Service instance expected a list, not the int 5
# expect: HUB104
c.JupyterHub.services = [{'name': 'numbers', 'command': 5}]
