# hub-3.0: fatal: UnboundLocalError: cannot access local variable 'port'
# hub-5.2: fatal: ValueError: Unsupported scheme in URL for service files: ftp://127.0.0.1. Must be http[s]
# expect-3.0: HUB105
# expect-5.2: HUB105
c.JupyterHub.services = [
    {'name': 'files', 'url': 'ftp://127.0.0.1', 'api_token': '25e42340ba3f846ebda36b545540dc49fbb177d0abf792657404fffb926248f2'},
]
