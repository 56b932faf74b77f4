c = get_config()  # noqa
# Never assigned: traitlets hands out a LazyConfigValue, which has .append but no +=.
c.JupyterHub.services.append({'name': 'lazy', 'api_token': 'lazy-token-0123456789'})
c.JupyterHub.load_roles.append({'name': 'lazy-role', 'scopes': ['read:users'], 'services': ['lazy']})
