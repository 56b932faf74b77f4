# Loaded by clean-subconfig.py.
c.JupyterHub.services = [
    {'name': 'from-sub', 'url': 'http://127.0.0.1:10108', 'api_token': '35da51448c3acc6c02e4e998e322a264130b1f25681113fee6c1b7a74537d30e'},
]
