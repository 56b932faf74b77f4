# hub-3.0: fatal: cannot access local variable 'port'
# expect: HUB105
c.JupyterHub.services = [
    {'name': 'noscheme', 'url': '127.0.0.1:10118', 'api_token': '2372fc3bb41112bd5abcd7fa912da939aa80347586a518892d362ab5f45b8b29'},
]
