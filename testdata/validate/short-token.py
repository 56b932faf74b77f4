# hub-3.0: fatal: ValueError: Tokens must be at least 8 characters, got 'abc1234'
# hub-5.2: fatal: ValueError: APIToken.token must be at least 8 characters, got 7: abc1...
# expect-3.0: HUB103
# expect-5.2: HUB103
c.JupyterHub.services = [
    {'name': 'tiny', 'url': 'http://127.0.0.1:10113', 'api_token': 'abc1234'},
]
