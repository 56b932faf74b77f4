# A stand-in of TLJH's jupyterhub_config.py for hubctl's tests, written from
# the facts in hub/tljh.go (TLJH 2.0.0: tljh/jupyterhub_config.py,
# tljh/configurer.py update_services and set_cull_idle_service). It does
# what TLJH does to c.JupyterHub.services, in TLJH's order, and nothing else:
#  1. read $TLJH_INSTALL_PREFIX/config/config.yaml over TLJH's cull defaults
#     (TLJH reads it with ruamel.yaml; PyYAML, which both test roots have,
#     reads these plain mappings, booleans and integers the same);
#  2. reset the list, then append TLJH's culler when services.cull.enabled;
#  3. load_subconfig every jupyterhub_config.d/*.py, sorted.
import os
import sys
from glob import glob

import yaml

c = get_config()  # noqa

config_dir = os.path.join(os.environ.get("TLJH_INSTALL_PREFIX", "/opt/tljh"), "config")
cull = {"enabled": True, "timeout": 600, "every": 60, "concurrency": 5,
        "users": False, "max_age": 0, "remove_named_servers": False}
try:
    with open(os.path.join(config_dir, "config.yaml")) as f:
        cull.update(((yaml.safe_load(f) or {}).get("services") or {}).get("cull") or {})
except FileNotFoundError:
    pass

c.JupyterHub.services = []
if cull["enabled"]:
    command = [sys.executable, "-m", "jupyterhub_idle_culler",
               "--timeout=%d" % cull["timeout"], "--cull-every=%d" % cull["every"],
               "--concurrency=%d" % cull["concurrency"], "--max-age=%d" % cull["max_age"]]
    if cull["users"]:
        command.append("--cull-users")
    if cull["remove_named_servers"]:
        command.append("--remove-named-servers")
    c.JupyterHub.services.append({"name": "cull-idle", "admin": True, "command": command})

for extra in sorted(glob(os.path.join(config_dir, "jupyterhub_config.d", "*.py"))):
    load_subconfig(extra)  # noqa
