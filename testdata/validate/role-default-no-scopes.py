# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# Default roles (user, admin, server, token) named without a "scopes" key
# are merged with their default definition, so they keep their scopes and,
# unlike a new role without scopes, do not break the next start.
c.JupyterHub.services = [{'name': 'helper', 'api_token': '0f9e8d7c6b5a49382716f5e4d3c2b1a00f9e8d7c6b5a49382716f5e4d3c2b1a0'}]
c.JupyterHub.load_roles = [
    {'name': 'user', 'users': ['uma']},
    {'name': 'server', 'description': 'what single-user servers may do'},
    {'name': 'admin', 'services': ['helper']},
]
