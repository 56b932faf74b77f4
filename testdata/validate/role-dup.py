# hub-3.0: fatal: ValueError: Role reader multiply defined
# hub-5.2: fatal: ValueError: Role reader multiply defined
# expect-3.0: HUB108
# expect-5.2: HUB108
c.JupyterHub.load_roles = [
    {'name': 'reader', 'scopes': ['read:users']},
    {'name': 'reader', 'scopes': ['read:groups']},
]
