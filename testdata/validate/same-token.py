# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB202
# expect-5.2: HUB202
# trap: the token is registered to the last service only (app.py keeps a dict keyed by token); alpha gets no token, and on later starts the first owner in the database keeps it whatever the order
c.JupyterHub.services = [
    {'name': 'alpha', 'api_token': '27657fc1ac6ca75e2f46d472f9ac69a27425e03d0f64c17054b201566b28faba'},
    {'name': 'beta', 'api_token': '27657fc1ac6ca75e2f46d472f9ac69a27425e03d0f64c17054b201566b28faba'},
]
