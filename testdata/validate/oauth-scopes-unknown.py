# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB109
# expect-5.2: HUB109
# trap: 3.0 does not check oauth_client_allowed_scopes at start: the misspelled read:user and the retired all are stored on the service's OAuth client as they are (only role scopes are checked); per oauth/provider.py:154,577 they become the client's default scopes and fail the scope check only when the service asks for OAuth
c.JupyterHub.services = [
    {
        'name': 'sso',
        'url': 'http://127.0.0.1:10150',
        'api_token': '6f1e2d3c4b5a69788796a5b4c3d2e1f06f1e2d3c4b5a69788796a5b4c3d2e1f0',
        'oauth_client_allowed_scopes': ['read:user', 'all'],
    },
]
