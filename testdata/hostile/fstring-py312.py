c = get_config()
c.JupyterHub.services = [{'name': f'{"a"}-svc', 'url': 'http://127.0.0.1:1'}]
x = f'{1+
2}'
