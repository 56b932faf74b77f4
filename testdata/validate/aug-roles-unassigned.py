# hub-3.0: fatal: TypeError: unsupported operand type(s) for +=: 'LazyConfigValue' and 'list'
# hub-5.2: fatal: TypeError: unsupported operand type(s) for +=: 'LazyConfigValue' and 'list'
# expect-3.0: HUB115
# expect-5.2: HUB115
c.JupyterHub.services = [{'name': 'reader', 'url': 'http://127.0.0.1:10151', 'api_token': 'fe0cfe7aea246562e337f0f55a95e2f570a997f50652b591a6c935801d4053eb'}]
c.JupyterHub.load_roles += [{'name': 'reader', 'scopes': ['read:users'], 'services': ['reader']}]
