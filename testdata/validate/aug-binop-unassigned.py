# hub-3.0: fatal: TypeError: unsupported operand type(s) for +: 'LazyConfigValue' and 'list'
# hub-5.2: fatal: TypeError: unsupported operand type(s) for +: 'LazyConfigValue' and 'list'
# expect-3.0: HUB115
# expect-5.2: HUB115
c.JupyterHub.services = c.JupyterHub.services + [{'name': 'plus', 'url': 'http://127.0.0.1:10154', 'api_token': 'b38e0be375b387262668b46ff62035c09672987efe39e34302e766f3c4ee3f23'}]
