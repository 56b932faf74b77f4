# hub-3.0: logs: Creating oauth client service-dashboard
# hub-5.2: logs: Creating service dashboard with oauth_client_id=service-dashboard
# expect-3.0:
# expect-5.2:
# An external service that is not behind the proxy: its own oauth_redirect_uri and no url. Both Hubs register its OAuth client (no HUB111 on 5.x: the redirect URI is what it needs).
c.JupyterHub.services = [
    {
        'name': 'dashboard',
        'api_token': '19eab5b4e7b1da04845cc36d1f1dd5c31172fa893654a0fb507305bb53bcb6a1',
        'oauth_redirect_uri': 'https://dashboard.example.org/oauth_callback',
        'oauth_client_allowed_scopes': ['read:users:name'],
    },
]
