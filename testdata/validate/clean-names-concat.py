# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# Names bound earlier, string concatenation and list concatenation.
host = '127.0.0.1'
base = 'http://' + host
token_head = '71925d0ec0eaa37dd62bbe01b697c5c1'
token_tail = 'c5aa16df93f86674f9fde3d8c54fdd58'
grader = {
    'name': 'grader',
    'url': base + ':10102',
    'api_token': token_head + token_tail,
}
common = [grader]
extra = [{'name': 'stats', 'url': base + ':' + '10103', 'api_token': 'a55f101edd490cf9b52937428da57e41' + '311b94d3f4009ccf985c6e4cf9e6c3de'}]
c.JupyterHub.services = common + extra
read_only = ['read:users', 'read:groups']
c.JupyterHub.load_roles = [
    {'name': 'grader', 'scopes': read_only + ['admin:servers'], 'services': ['grader']},
    {'name': 'stats', 'scopes': read_only, 'services': [extra[0]['name']]},
]
