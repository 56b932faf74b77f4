# hub-3.0: fatal: Tokens must be at least 8 characters, got 'secret'
# hub-5.2: fatal: ValueError: APIToken.token must be at least 8 characters, got 6: secr...
# expect-3.0: HUB103 HUB209
# expect-5.2: HUB103 HUB209
c.JupyterHub.api_tokens = {'secret': 'alice'}
