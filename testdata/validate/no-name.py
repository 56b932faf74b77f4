# hub-3.0: fatal: ValueError: service spec must have a name
# hub-5.2: fatal: ValueError: service spec must have a name
# expect-3.0: HUB102
# expect-5.2: HUB102
c.JupyterHub.services = [
    {'url': 'http://127.0.0.1:10112', 'api_token': '5b42c95845c1d53773bd261c30114d1d667405b50dbc1293f49177c3251a70ab'},
]
