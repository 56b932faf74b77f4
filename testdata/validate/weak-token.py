# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB205
# expect-5.2: HUB205
# trap: the Hub accepts any token of 8 characters or more
c.JupyterHub.services = [
    {'name': 'weak', 'url': 'http://127.0.0.1:10127', 'api_token': 'my-service-token-2024'},
    {'name': 'passphrase', 'api_token': 'correct-horse-battery-staple-and-some-more'},
    {'name': 'shorthex', 'api_token': 'ec36e9a2f31007b0689bd0ab07ce517'},
]
