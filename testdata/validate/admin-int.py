# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB207
# expect-5.2: HUB207
# trap: admin: 1 is taken as True (traitlets' Bool accepts the ints 0 and 1) and the service is put in the admin role
c.JupyterHub.services = [
    {'name': 'ops', 'url': 'http://127.0.0.1:10115', 'api_token': '9a1d883c598dc8197d56f909306a5a25363ebdb8589a1b15c6d18acfd60addae', 'admin': 1},
]
