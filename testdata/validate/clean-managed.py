# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# A Hub-managed service with a list command and an environment dict, and the
# idle culler's scopes.
c.JupyterHub.services = [
    {
        'name': 'idle-culler',
        'command': ['/bin/true', '--timeout=3600'],
        'environment': {'CULL_LOG_LEVEL': 'info'},
    },
]
c.JupyterHub.load_roles = [
    {
        'name': 'idle-culler',
        'scopes': ['list:users', 'read:users:activity', 'read:servers', 'delete:servers'],
        'services': ['idle-culler'],
    },
]
