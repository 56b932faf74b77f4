c = get_config()  # noqa
c.JupyterHub.services = []
c.JupyterHub.services += [{'name': 'aug', 'url': 'http://127.0.0.1:9999', 'api_token': 'aug-token-0123456789'}]
