# hub-3.0: fatal: services from-missing defined in config role definition missing-reader but not present in database
# hub-5.2: fatal: ValueError: Found undefined service from-missing in role missing-reader. Define it first in c.JupyterHub.services.
# expect-3.0: HUB110 HUB212
# expect-5.2: HUB110 HUB212
# trap: load_subconfig of a file that does not exist is silently ignored (traitlets treats it as empty)
load_subconfig('sub/missing-services.py')
c.JupyterHub.load_roles = [{'name': 'missing-reader', 'scopes': ['read:users'], 'services': ['from-missing']}]
