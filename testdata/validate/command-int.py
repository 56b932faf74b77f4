# hub-3.0: fatal: The 'command' trait of a Service instance expected a list, not the int 5
# hub-5.2: fatal: The 'command' trait of a Service instance expected a list, not the int 5
# expect-3.0: HUB104
# expect-5.2: HUB104
c.JupyterHub.services = [{'name': 'numbers', 'command': 5}]
