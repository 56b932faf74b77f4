# hub-3.0: starts
# expect: HUB104
# trap: a command string is wrapped as a one-element list, not split; it works here only because it has no arguments
c.JupyterHub.services = [{'name': 'oneword', 'command': '/bin/true'}]
