# hub-3.0: fatal: Invalid role name: 'Ops Team'
# hub-5.2: fatal: Invalid role name: 'Ops Team'
# expect-3.0: HUB101 HUB103 HUB107 HUB109
# expect-5.2: HUB101 HUB103 HUB107 HUB109
# Several errors: the Hub reports only the first it meets. Roles are loaded
# before services, and a role's name is checked before its scopes.
c.JupyterHub.services = [
    {'name': 'ops', 'url': 'http://127.0.0.1:10142', 'api_token': 'short', 'timout': 30},
]
c.JupyterHub.load_roles = [
    {'name': 'Ops Team', 'scopes': ['read:user'], 'services': ['ops']},
]
