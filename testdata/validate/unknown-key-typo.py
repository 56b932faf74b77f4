# hub-3.0: fatal: No such service field: enviroment
# expect: HUB101
c.JupyterHub.services = [
    {'name': 'mailer', 'command': ['/bin/true'], 'enviroment': {'SMTP_HOST': 'localhost'}},
]
