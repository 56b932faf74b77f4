# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# The admin role given to a service through load_roles (instead of the
# deprecated admin flag), with scope filters in another role.
c.JupyterHub.services = [
    {'name': 'provisioner', 'url': 'http://127.0.0.1:10110', 'api_token': 'abb37fb291b2e7599f2aecb0e90e4bb63114207b32bf8d2c12bf08897fd1472f'},
    {'name': 'monitor', 'api_token': 'b306e0f52186bfc80f98e5ce64b184b545b32d4cd5aa028828b4409144248023'},
]
c.JupyterHub.load_roles = [
    {'name': 'admin', 'services': ['provisioner'], 'users': ['root-admin']},
    {
        'name': 'monitor',
        'scopes': ['read:users:activity', 'read:servers!service=monitor', 'read:services!service', 'access:services!service=provisioner'],
        'services': ['monitor'],
    },
]
