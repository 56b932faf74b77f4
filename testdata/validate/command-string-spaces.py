# hub-3.0: fatal: Failed to start service culler
# hub-5.2: fatal: json.decoder.JSONDecodeError: Expecting value
# expect-3.0: HUB104
# expect-5.2: HUB104
# trap: a command string is not split: the Hub loads it as the one-element list ['/bin/sleep 0'] and fails only when it starts the service (after the proxy is up); 5.x stores the str in its database as it is and fails reading it back in the same start
c.JupyterHub.services = [{'name': 'culler', 'command': '/bin/sleep 0'}]
