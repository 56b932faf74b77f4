c = get_config()
c.JupyterHub.services = [] + \
