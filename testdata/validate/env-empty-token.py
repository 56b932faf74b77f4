# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# trap: the variable is unset, so api_token is '' and the external service silently gets no token at all (it cannot call the Hub's API)
import os
c.JupyterHub.services = [
    {'name': 'tokenless', 'url': 'http://127.0.0.1:10151', 'api_token': os.environ.get('HUBCTL_CORPUS_UNSET_TOKEN', '')},
]
