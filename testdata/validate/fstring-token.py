# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB301
# expect-5.2: HUB301
# The reader cannot parse f-strings, so this service's token is unknown to it.
prefix = '8685e11dfdf4820d7e0ff5d2d1bf51a5'
suffix = '761941ac15addb46acf14bb9f1e02b04'
c.JupyterHub.services = [
    {'name': 'fstring', 'url': 'http://127.0.0.1:10134', 'api_token': f'{prefix}{suffix}'},
]
