# hub-3.0: fatal: ValueError: Role reader multiply defined
# expect: HUB108
c.JupyterHub.load_roles = [
    {'name': 'reader', 'scopes': ['read:users']},
    {'name': 'reader', 'scopes': ['read:groups']},
]
