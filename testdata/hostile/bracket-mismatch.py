c = get_config()
c.JupyterHub.services = [{'name': 'a')]
