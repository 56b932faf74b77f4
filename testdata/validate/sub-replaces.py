# hub-3.0: fatal: services original defined in config role definition original-reader but not present in database
# hub-5.2: fatal: ValueError: Found undefined service original in role original-reader. Define it first in c.JupyterHub.services.
# expect-3.0: HUB110
# expect-5.2: HUB110
# trap: the sibling file assigns c.JupyterHub.services, which replaces the list assigned before load_subconfig
c.JupyterHub.services = [{'name': 'original', 'url': 'http://127.0.0.1:10141', 'api_token': '51a0b04a9276d3e9a4525065a3608f21e08a4f14dc9b401aeecc00ad11669fc7'}]
load_subconfig('sub/replace-services.py')
c.JupyterHub.load_roles = [{'name': 'original-reader', 'scopes': ['read:users'], 'services': ['original']}]
