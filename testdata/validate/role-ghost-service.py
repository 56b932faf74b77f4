# hub-3.0: fatal: ValueError: services ghost defined in config role definition watcher but not present in database
# hub-5.2: fatal: ValueError: Found undefined service ghost in role watcher. Define it first in c.JupyterHub.services.
# expect-3.0: HUB110
# expect-5.2: HUB110
c.JupyterHub.services = [
    {'name': 'watcher-svc', 'url': 'http://127.0.0.1:10120', 'api_token': '2d4263b07a8e809fb6ea455fb1b0bf0cc86cdca31a50646e0ed33ceb12195a05'},
]
c.JupyterHub.load_roles = [{'name': 'watcher', 'scopes': ['read:users'], 'services': ['ghost']}]
