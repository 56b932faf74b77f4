# hub-3.0: fatal: TypeError: unsupported operand type(s) for +=: 'LazyConfigValue' and 'list'
# hub-5.2: fatal: TypeError: unsupported operand type(s) for +=: 'LazyConfigValue' and 'list'
# expect-3.0: HUB115
# expect-5.2: HUB115
# += on a list trait this file never assigned: traitlets holds a LazyConfigValue there.
c.JupyterHub.services += [{'name': 'late', 'url': 'http://127.0.0.1:10150', 'api_token': '38026be6dc6271738815fa6b1d6759c996fb71da5a17d05b428095448e300f44'}]
