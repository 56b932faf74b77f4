# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB204
# expect-5.2: HUB204
# trap: a role with scopes [] grants nothing; the Hub only warns "New defined role placeholder has no scopes" (on the first start)
c.JupyterHub.services = [{'name': 'placeholder', 'url': 'http://127.0.0.1:10126', 'api_token': '21b37fd110d2fcfc07c7855f743e8ded012e2fa734f11a64b9188a7371690268'}]
c.JupyterHub.load_roles = [{'name': 'placeholder', 'scopes': [], 'services': ['placeholder']}]
