# hub-3.0: starts
# hub-5.2: starts
# expect-3.0: HUB205
# expect-5.2: HUB205
# os.path.abspath and os.getcwd() are the Hub's working directory (here the config's).
import os.path as osp
from os import getcwd
load_subconfig(osp.realpath(osp.abspath('sub/../sub/short-token-services.py')))
load_subconfig(osp.join(getcwd(), 'sub', 'short-token-services.py'))
c.JupyterHub.load_roles = [{'name': 'joined-reader', 'scopes': ['read:users'], 'services': ['joined']}]
