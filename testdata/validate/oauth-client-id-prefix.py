# hub-3.0: fatal: Service oauth client ids must start with 'service-'
# hub-5.2: fatal: Service oauth client ids must start with 'service-'
# expect-3.0: HUB106
# expect-5.2: HUB106
c.JupyterHub.services = [
    {'name': 'viewer', 'url': 'http://127.0.0.1:10119', 'api_token': '8cc2dd170364a14d3e96872aee8a0c3a61a59828a0fae3be2549749f99c2498d', 'oauth_client_id': 'viewer'},
]
