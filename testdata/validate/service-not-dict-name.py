# hub-3.0: fatal: The 'services' trait of a JupyterHub instance contains a Dict of a List which expected a dict, not the str 'username-sync'
# hub-5.2: fatal: The 'services' trait of a JupyterHub instance contains a Dict of a List which expected a dict, not the str 'username-sync'
# expect-3.0: HUB114
# expect-5.2: HUB114
# One good entry does not save the list: traitlets checks every entry when it loads the config.
c.JupyterHub.services = [
    {'name': 'ok', 'url': 'http://127.0.0.1:10121', 'api_token': '8ae5858bd62e999db66d132e88d4e079db30cb71462ced2f03809898ba85b037'},
    'username-sync',
]
