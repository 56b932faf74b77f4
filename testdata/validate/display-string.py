# hub-3.0: fatal: The 'display' trait of a Service instance expected a boolean
# hub-5.2: fatal: The 'display' trait of a Service instance expected a boolean
# expect-3.0: HUB104
# expect-5.2: HUB104
c.JupyterHub.services = [
    {'name': 'hidden', 'url': 'http://127.0.0.1:10116', 'api_token': '7f0df4a2b6232295ea1ca5a148ae4025531b03c738c7ad27893a8de9f35213c6', 'display': 'no'},
]
