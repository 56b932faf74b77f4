# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# Every service key 3.0 accepts that is not deprecated.
c.JupyterHub.services = [
    {
        'name': 'dashboard',
        'url': 'http://127.0.0.1:10109',
        'api_token': '47b020d566765f29f7233cf8e215c396ab9be19f018d23077832cadffdd1c417',
        'info': {'description': 'course dashboard'},
        'display': True,
        'oauth_no_confirm': True,
        'oauth_client_id': 'service-dashboard',
        'oauth_redirect_uri': 'http://127.0.0.1:10109/oauth_callback',
        'oauth_client_allowed_scopes': ['read:users:name'],
    },
    {
        'name': 'worker',
        'command': ['/bin/true'],
        'cwd': '/',
        'environment': {'WORKER_MODE': 'batch'},
        'user': '',
    },
]
