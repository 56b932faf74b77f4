# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB201
# expect-5.2: HUB201
# trap: the two entries become one service: both tokens are registered to it, every other field comes from the last entry, so the url of the first entry is dropped and the service is not proxied
c.JupyterHub.services = [
    {'name': 'reports', 'url': 'http://127.0.0.1:10122', 'api_token': '9754e65e3deec622346074ee49765ede87024e45bd4720c1340747e787c129dc'},
    {'name': 'reports', 'api_token': '5ff1c59d609e228e16dc64d47812190a89fae46384d29f392bae649958634c8a'},
]
