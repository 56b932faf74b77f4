# hub-3.0: fatal: Tokens must be at least 8 characters, got 'secret'
# expect: HUB103 HUB209
c.JupyterHub.api_tokens = {'secret': 'alice'}
