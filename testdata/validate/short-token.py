# hub-3.0: fatal: ValueError: Tokens must be at least 8 characters, got 'abc1234'
# expect: HUB103
c.JupyterHub.services = [
    {'name': 'tiny', 'url': 'http://127.0.0.1:10113', 'api_token': 'abc1234'},
]
