# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB205
# expect-5.2: HUB205
# The idiom most configs use to load a file beside them.
import os
load_subconfig(os.path.join(os.path.dirname(__file__), 'sub', 'short-token-services.py'))
c.JupyterHub.load_roles = [{'name': 'joined-reader', 'scopes': ['read:users'], 'services': ['joined']}]
