# Loaded by sub-aug.py.
c.JupyterHub.services += [{'name': 'sub-aug', 'url': 'http://127.0.0.1:10156', 'api_token': 'aade320e5e346bb53feb2b6980a367f87e610609e4f58611a6014ff171fc3888'}]
