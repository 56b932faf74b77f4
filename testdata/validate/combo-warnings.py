# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB204 HUB205 HUB207 HUB209
# expect-5.2: HUB204 HUB205 HUB207 HUB209
c.JupyterHub.services = [
    {'name': 'legacy', 'url': 'http://127.0.0.1:10144', 'api_token': 'legacy-token-please-change', 'admin': True},
]
c.JupyterHub.load_roles = [{'name': 'nothing-yet', 'scopes': []}]
c.JupyterHub.api_tokens = {'f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3': 'erin'}
