# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# Tokens and urls from the environment (the corpus test exports
# HUBCTL_CORPUS_TOKEN; HUBCTL_CORPUS_URL is left unset, so the default is used).
import os
c.JupyterHub.services = [
    {
        'name': 'env-service',
        'url': os.environ.get('HUBCTL_CORPUS_URL', 'http://127.0.0.1:10107'),
        'api_token': os.environ['HUBCTL_CORPUS_TOKEN'],
    },
]
c.JupyterHub.load_roles = [{'name': 'env-reader', 'scopes': ['read:users'], 'services': ['env-service']}]
