# hub-3.0: starts
# expect: HUB211
# trap: oauth_client_id and oauth_no_confirm without url (or oauth_redirect_uri) are ignored by 3.0: no OAuth client is registered for the service (JupyterHub 5 refuses this config: HUB111 is a 5.x-only error)
c.JupyterHub.services = [
    {
        'name': 'portal',
        'api_token': '44eaa7b247303d54ada50a400cdcd94b2ec93046b6759c19f6eb23023992fde2',
        'oauth_client_id': 'service-portal',
        'oauth_no_confirm': True,
    },
]
