# hub-3.0: fatal-on-second-start: KeyError: 'scopes'
# hub-5.2: logs: Role lister will have no scopes
# expect-3.0: HUB113 HUB210
# expect-5.2: HUB113 HUB210
# trap: "scope" is not a role key; the role is made with no scopes (only a warning) and every later start fails on 3.0; 5.x starts every time with the role granting nothing
c.JupyterHub.services = [{'name': 'lister', 'url': 'http://127.0.0.1:10132', 'api_token': '05dea9e914fe173116f41e06f93951ffda16f3b4604863337ace6065ff260cb5'}]
c.JupyterHub.load_roles = [{'name': 'lister', 'scope': ['list:users'], 'services': ['lister']}]
