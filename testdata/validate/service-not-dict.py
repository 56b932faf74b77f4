# hub-3.0: fatal: The 'services' trait of a JupyterHub instance contains a Dict of a List which expected a dict, not the str 'jupyterhub-idle-culler'
# hub-5.2: fatal: The 'services' trait of a JupyterHub instance contains a Dict of a List which expected a dict, not the str 'jupyterhub-idle-culler'
# expect-3.0: HUB114
# expect-5.2: HUB114
c.JupyterHub.services = ['jupyterhub-idle-culler']
