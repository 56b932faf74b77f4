# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB301
# expect-5.2: HUB301
# The services list comes from a function the reader does not evaluate.
def make_services(names):
    return [
        {'name': n, 'api_token': '%064x' % (0xc1a3047bfbe6d41a + i)}
        for i, n in enumerate(names)
    ]

c.JupyterHub.services = make_services(['first', 'second'])
c.JupyterHub.load_roles = [{'name': 'readers', 'scopes': ['read:users'], 'services': ['first', 'second']}]
