c = get_config()  # noqa

# >>> hubctl managed block >>>
# Written by hubctl. Change it with `hubctl service add --replace NAME` or
# `hubctl service remove NAME`, not by hand: hubctl refuses to edit a block
# it cannot read back. Everything outside this block is yours.
# hubctl-block: v1 lead=1
_hubctl_services = [
    {
        'name': 'cull-idle',
        'api_token': 'ff80ccf0d4bb6bdeb5a989636bb64f7fa70dab2bd59fe18c5e5d85a9df59862f',
        'command': ['/home/admin/bin/hubctl', 'cull', '--timeout=3600'],
    },
    {
        'name': 'metrics',
        'api_token': 'd7ab173dc0c94c1a0ac2efc85184ce0834f50b99f9b532e1889ee1753ae0fb05',
    },
]
_hubctl_roles = [
    {
        'name': 'cull-idle-role',
        'description': 'least-privilege role hubctl gives the idle culler',
        'scopes': [
            'list:users',
            'read:users:activity',
            'read:servers',
            'delete:servers',
        ],
        'services': ['cull-idle'],
    },
    {
        'name': 'metrics-role',
        'scopes': ['read:metrics'],
        'services': ['metrics'],
    },
]
# .extend works whether c.JupyterHub.services was set, appended to, or never
# touched (traitlets then holds a LazyConfigValue, which has no +=).
c.JupyterHub.services.extend(_hubctl_services)
c.JupyterHub.load_roles.extend(_hubctl_roles)
del _hubctl_services, _hubctl_roles
# <<< hubctl managed block <<<
