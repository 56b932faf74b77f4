# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB201 HUB202 HUB203 HUB208 HUB209
# expect-5.2: HUB201 HUB202 HUB203 HUB208 HUB209
# trap: the duplicate "relay" entries merge into one service holding both tokens; the token it shares with "mirror" goes to "mirror" (the last entry), and the api_tokens copy of it is skipped, so user frank is never created
shared = '0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9'
c.JupyterHub.services = [
    {'name': 'relay', 'url': 'http://127.0.0.1:10146', 'api_token': shared},
    {'name': 'mirror', 'url': 'http://127.0.0.1:10147', 'api_token': shared, 'oauth_roles': ['user']},
    {'name': 'relay', 'url': 'http://127.0.0.1:10148', 'api_token': 'f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f'},
]
c.JupyterHub.api_tokens = {shared: 'frank'}
