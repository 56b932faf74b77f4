# Loaded by sub-append.py, after it assigned c.JupyterHub.services.
c.JupyterHub.services.append({'name': 'appended', 'url': 'http://127.0.0.1:10138', 'api_token': '7a936571fa86ab8d08390e84cff0b04b23a15e8c1efaae2e71232b1b6b011630'})
