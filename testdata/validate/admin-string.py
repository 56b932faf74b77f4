# hub-3.0: fatal: Not a boolean value: 'yes'
# hub-5.2: fatal: Not a boolean value: 'yes'
# expect-3.0: HUB104 HUB207
# expect-5.2: HUB104 HUB207
# trap: the service row is committed and put in the admin role before the failing commit, so the database keeps an admin service named ops even after the config is fixed
c.JupyterHub.services = [
    {'name': 'ops', 'url': 'http://127.0.0.1:10114', 'api_token': 'b1ccce7e1f41e8c44fd6f10b111bae50e66e98a1bda80f7fb986d00453db5ff0', 'admin': 'yes'},
]
