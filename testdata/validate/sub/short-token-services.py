# Loaded by sub-file-join.py, sub-pathlib.py and sub-abspath.py: its short token (HUB205) shows hubctl followed the path.
c.JupyterHub.services = [{'name': 'joined', 'url': 'http://127.0.0.1:10157', 'api_token': 'c0ffee0123456789abcd'}]
