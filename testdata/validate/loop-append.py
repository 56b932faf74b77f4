# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB301
# expect-5.2: HUB301
# A for loop builds the services; the reader does not run loops, so what it
# appends is unknown to it.
names = ['alpha-sync', 'beta-sync']
tokens = ['e2b4c6d8f0a1b3c5d7e9f1a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2', 'f3c5d7e9a1b2c4d6e8f0a2b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3']
for name, token in zip(names, tokens):
    c.JupyterHub.services.append({'name': name, 'api_token': token})
c.JupyterHub.load_roles = [{'name': 'syncers', 'scopes': ['read:users', 'read:groups'], 'services': names}]
