# hub-3.0: fatal: No such service field: timeout
# hub-5.2: fatal: No such service field: timeout
# expect-3.0: HUB101 HUB301
# expect-5.2: HUB101 HUB301
# The token is built by a call the reader does not evaluate, but the unknown
# key is still visible to it.
import secrets
token = secrets.token_hex(32)
c.JupyterHub.services = [{'name': 'gen', 'url': 'http://127.0.0.1:10145', 'api_token': token, 'timeout': 10}]
