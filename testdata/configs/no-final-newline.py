c = get_config()
c.JupyterHub.admin_access = True