# -*- coding: utf-8 -*-
# café ☕
c = get_config()
c.JupyterHub.services = []
