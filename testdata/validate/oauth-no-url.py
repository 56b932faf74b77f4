# hub-3.0: starts
# hub-5.2: fatal: ValueError: Service portal has oauth configured, but is missing required oauth_redirect_uri.
# expect-3.0: HUB211
# expect-5.2: HUB111
# trap: oauth_client_id and oauth_no_confirm without url (or oauth_redirect_uri) are ignored by 3.0: no OAuth client is registered for the service; 5.x refuses to start: HUB111
c.JupyterHub.services = [
    {
        'name': 'portal',
        'api_token': '44eaa7b247303d54ada50a400cdcd94b2ec93046b6759c19f6eb23023992fde2',
        'oauth_client_id': 'service-portal',
        'oauth_no_confirm': True,
    },
]
