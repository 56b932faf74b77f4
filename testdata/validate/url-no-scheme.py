# hub-3.0: fatal: cannot access local variable 'port'
# hub-5.2: fatal: ValueError: Unsupported scheme in URL for service noscheme: 127.0.0.1:10118. Must be http[s]
# expect-3.0: HUB105
# expect-5.2: HUB105
c.JupyterHub.services = [
    {'name': 'noscheme', 'url': '127.0.0.1:10118', 'api_token': '2372fc3bb41112bd5abcd7fa912da939aa80347586a518892d362ab5f45b8b29'},
]
