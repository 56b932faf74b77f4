# hub-3.0: fatal: TypeError: unsupported operand type(s) for +=: 'LazyConfigValue' and 'list'
# hub-5.2: fatal: TypeError: unsupported operand type(s) for +=: 'LazyConfigValue' and 'list'
# expect-3.0: HUB115
# expect-5.2: HUB115
# The list is assigned here, but each subconfig gets a fresh Config of its
# own, where += on the unassigned trait fails.
c.JupyterHub.services = [{'name': 'main', 'url': 'http://127.0.0.1:10155', 'api_token': '3b9daa6bc8c70b034496a121c4a61ef91b013408275889277e3be6bc45d139f6'}]
load_subconfig('sub/aug-services.py')
