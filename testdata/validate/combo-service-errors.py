# hub-3.0: fatal: service spec must have a name
# hub-5.2: fatal: service spec must have a name
# expect-3.0: HUB102 HUB103 HUB104 HUB209
# expect-5.2: HUB102 HUB103 HUB104 HUB209
# Services are loaded before any token, so the nameless service stops the
# Hub before the short api_tokens key or the bad command could.
c.JupyterHub.services = [
    {'url': 'http://127.0.0.1:10143', 'api_token': 'c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e3f5a7b9c1d3e5f7a9b1c3d5'},
    {'name': 'runner', 'command': 42},
]
c.JupyterHub.api_tokens = {'tok': 'dave'}
