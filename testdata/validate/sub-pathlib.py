# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB205
# expect-5.2: HUB205
from pathlib import Path
here = Path(__file__).resolve().parent
load_subconfig(str(here / 'sub' / 'short-token-services.py'))
c.JupyterHub.load_roles = [{'name': 'joined-reader', 'scopes': ['read:users'], 'services': ['joined']}]
