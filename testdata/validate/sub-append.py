# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# A sibling file appends to the list assigned here: traitlets merges the
# lazy append into this list, so both services exist (the role names both).
c.JupyterHub.services = [{'name': 'main', 'url': 'http://127.0.0.1:10139', 'api_token': '1334415bcd850767c3a3c9ea0a5343627d22d0eee5aa7e656cfd08bc96c70f0d'}]
load_subconfig('sub/append-service.py')
c.JupyterHub.load_roles = [{'name': 'both', 'scopes': ['read:users'], 'services': ['main', 'appended']}]
