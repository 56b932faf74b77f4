# hub-3.0: fatal: KeyError: 'name'
# hub-5.2: fatal: KeyError: 'name'
# expect-3.0: HUB108 HUB109 HUB110 HUB112
# expect-5.2: HUB108 HUB109 HUB110 HUB112
# The Hub collects every role's name before it checks any role, so the
# nameless third role stops it before the duplicate, the retired scope "all"
# or the undefined service.
c.JupyterHub.load_roles = [
    {'name': 'auditor', 'scopes': ['read:users'], 'services': ['ghost']},
    {'name': 'auditor', 'scopes': ['all']},
    {'scopes': ['read:groups']},
]
