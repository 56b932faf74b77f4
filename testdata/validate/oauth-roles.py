# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB208
# expect-5.2: HUB208
# trap: role names in oauth_roles that do not exist (no-such-role) are dropped without a word
c.JupyterHub.services = [
    {
        'name': 'notebook-viewer',
        'url': 'http://127.0.0.1:10131',
        'api_token': 'a0937dd17bc7afd85005db1d299dbc5b56075c31e3214deea023aedd7cade35b',
        'oauth_roles': ['user', 'no-such-role'],
    },
]
