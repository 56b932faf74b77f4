# hub-3.0: fatal: AttributeError: No such service field: timeout
# hub-5.2: fatal: AttributeError: No such service field: timeout
# expect-3.0: HUB101
# expect-5.2: HUB101
# timeout is a service key only from JupyterHub 6.0 on.
c.JupyterHub.services = [
    {'name': 'slow', 'url': 'http://127.0.0.1:10111', 'api_token': 'bcacbb1a2c191ecb0ec8ed16b271975dcb19d536335b67c1276a10c739ec2004', 'timeout': 60},
]
