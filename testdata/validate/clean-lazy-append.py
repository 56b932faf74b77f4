# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# .append on c.JupyterHub.services and load_roles without assigning them first:
# traitlets turns these into lazy values applied to the (empty) defaults.
c.JupyterHub.services.append({'name': 'lazy', 'url': 'http://127.0.0.1:10106', 'api_token': '98829c900ec0893e5505c34867de1ae994aa2e07a6bc4623a624385103d2a748'})
c.JupyterHub.load_roles.append({'name': 'lazy-reader', 'scopes': ['read:users:name'], 'services': ['lazy']})
