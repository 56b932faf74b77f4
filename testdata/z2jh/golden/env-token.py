c = get_config()  # noqa

# >>> hubctl managed block >>>
# Written by hubctl. Change it with `hubctl service add --replace NAME` or
# `hubctl service remove NAME`, not by hand: hubctl refuses to edit a block
# it cannot read back. Everything outside this block is yours.
# hubctl-block: v1 lead=1
import os as _hubctl_os
_hubctl_services = [
    {
        'name': 'cull-idle',
        'api_token': _hubctl_os.environ['HUBCTL_TOKEN_CULL_IDLE'],
        'command': ['/home/admin/bin/hubctl', 'cull', '--timeout=3600'],
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
]
# .extend works whether c.JupyterHub.services was set, appended to, or never
# touched (traitlets then holds a LazyConfigValue, which has no +=).
c.JupyterHub.services.extend(_hubctl_services)
c.JupyterHub.load_roles.extend(_hubctl_roles)
del _hubctl_services, _hubctl_roles, _hubctl_os
# <<< hubctl managed block <<<
