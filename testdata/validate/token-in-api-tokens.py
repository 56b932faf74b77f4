# hub-3.0: logs: JupyterHub.api_tokens is pending deprecation
# hub-5.2: logs: JupyterHub.api_tokens is pending deprecation
# expect-3.0: HUB203 HUB209
# expect-5.2: HUB203 HUB209
# trap: service tokens are loaded first; the api_tokens entry with the same token is skipped ("Not duplicating token") and user carol is never created
tok = '9889c046447510af67f39bac6ecfa08febe51460cf4207ffed74bb756bd1a089'
c.JupyterHub.services = [{'name': 'sync', 'url': 'http://127.0.0.1:10125', 'api_token': tok}]
c.JupyterHub.api_tokens = {tok: 'carol'}
