# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# The services come from a sibling file; the role here names one of them.
load_subconfig('sub/clean-services.py')
c.JupyterHub.load_roles = [{'name': 'sub-reader', 'scopes': ['read:users'], 'services': ['from-sub']}]
