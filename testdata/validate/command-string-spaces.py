# hub-3.0: fatal: Failed to start service culler
# expect: HUB104
# trap: a command string is not split: the Hub loads it as the one-element list ['/bin/sleep 0'] and fails only when it starts the service (after the proxy is up)
c.JupyterHub.services = [{'name': 'culler', 'command': '/bin/sleep 0'}]
