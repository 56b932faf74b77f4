c = get_config()
c.JupyterHub.services = [
    {'name': 'a', 'url': 'http://127.0.0.1:1'},
