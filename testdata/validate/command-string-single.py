# hub-3.0: starts
# hub-5.2: fatal: json.decoder.JSONDecodeError: Expecting value
# expect-3.0: HUB104
# expect-5.2: HUB104
# trap: a command string is wrapped as a one-element list, not split; on 3.0 it works here only because it has no arguments; 5.x stores the str in its database as it is and fails reading it back in the same start (JSONDecodeError), arguments or not
c.JupyterHub.services = [{'name': 'oneword', 'command': '/bin/true'}]
