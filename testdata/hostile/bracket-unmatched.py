c = get_config()
c.JupyterHub.load_roles = [{'name': 'r'}])
