# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# A list assigned, then grown with .append, .extend and +=.
c.JupyterHub.services = []
c.JupyterHub.services.append({'name': 'backup', 'url': 'http://127.0.0.1:10104', 'api_token': 'b2237308fa694d6de49600badb49e8799a01642b27cf3abdf97217635424c1c7'})
c.JupyterHub.services.extend([
    {'name': 'metrics', 'api_token': 'e4a19389e85494265f9b170bbcccc8f41a4ff4fab71f8bd6263eb56bd89497e8'},
])
c.JupyterHub.services += [{'name': 'reaper', 'command': ['/bin/true']}]
c.JupyterHub.load_roles = [{'name': 'backup', 'scopes': ['read:users'], 'services': ['backup']}]
c.JupyterHub.load_roles.append({'name': 'metrics', 'scopes': ['read:metrics'], 'services': ['metrics']})
c.JupyterHub.load_roles += [{'name': 'reaper', 'scopes': ['list:users', 'delete:servers'], 'services': ['reaper']}]
