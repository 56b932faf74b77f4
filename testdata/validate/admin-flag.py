# hub-3.0: logs: Service superuser sets `admin: True`, which is deprecated in JupyterHub 2.0.
# hub-5.2: logs: Service superuser sets `admin: True`, which is deprecated in JupyterHub 2.0.
# expect-3.0: HUB207
# expect-5.2: HUB207
# trap: admin: True puts the service in the admin role when the service is first created; removing the flag later does not take the role away
c.JupyterHub.services = [
    {'name': 'superuser', 'url': 'http://127.0.0.1:10130', 'api_token': '91fddecb9c06cc0516d8691d4cbccf470e69c3d585342f3a3022bf5a1c28f8b5', 'admin': True},
]
