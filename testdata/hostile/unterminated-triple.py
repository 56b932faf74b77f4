c = get_config()
c.JupyterHub.services = [{
    'name': 'announcement',
    'command': ['''python3
]
