# hub-3.0: starts
# hub-5.2: logs: Creating service scoped without oauth.
# expect-3.0: HUB211
# expect-5.2: HUB211
# trap: oauth_client_allowed_scopes without a url or oauth_redirect_uri: neither Hub registers an OAuth client, so the scopes do nothing (5.x counts only oauth_client_id, oauth_redirect_uri and oauth_no_confirm as OAuth configured: no HUB111)
c.JupyterHub.services = [
    {'name': 'scoped', 'api_token': 'ed01de8bcb3fb3d17ad6e6d956dbb0a48badecdcf42fa0185aa3a0ec7196bdd4', 'oauth_client_allowed_scopes': ['read:users']},
]
