# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# An external service (url + api_token) and a role for it.
c.JupyterHub.services = [
    {
        'name': 'announcements',
        'url': 'http://127.0.0.1:10101',
        'api_token': '668c24756b21f75b08532d90519b23ba40f7423e7f4d2f22feca95578381c653',
        'display': False,
        'info': {'owner': 'ops'},
    },
]
c.JupyterHub.load_roles = [
    {
        'name': 'announcer',
        'description': 'post announcements',
        'scopes': ['read:users:name', 'read:users:activity'],
        'services': ['announcements'],
    },
]
