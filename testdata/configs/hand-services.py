# A config as admins write it: comments, a hand-written service and role.
import os

c = get_config()  # noqa

c.JupyterHub.services = [
    {
        'name': 'announcement',  # the announcement service
        'url': 'http://127.0.0.1:8888',
        'command': ['python3', '-m', 'jupyterhub.services.announcement'],
    },
]
c.JupyterHub.load_roles = [
    {'name': 'announcement-role', 'scopes': ['read:users:name'], 'services': ['announcement']},
]
# trailing comment
