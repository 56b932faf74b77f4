# hub-3.0: fatal: No such service field: enviroment
# hub-5.2: fatal: No such service field: enviroment
# expect-3.0: HUB101
# expect-5.2: HUB101
c.JupyterHub.services = [
    {'name': 'mailer', 'command': ['/bin/true'], 'enviroment': {'SMTP_HOST': 'localhost'}},
]
