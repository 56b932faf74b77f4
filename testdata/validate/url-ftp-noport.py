# hub-3.0: fatal: UnboundLocalError: cannot access local variable 'port'
# expect: HUB105
c.JupyterHub.services = [
    {'name': 'files', 'url': 'ftp://127.0.0.1', 'api_token': '25e42340ba3f846ebda36b545540dc49fbb177d0abf792657404fffb926248f2'},
]
