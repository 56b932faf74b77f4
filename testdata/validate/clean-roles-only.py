# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# Roles for users and groups only. The Hub creates users and groups it has
# not seen yet; it also lets a default role (user) be partly overridden.
c.JupyterHub.load_roles = [
    {'name': 'user', 'scopes': ['self', 'read:users:name']},
    {
        'name': 'teaching-assistant',
        'description': 'look after the students of a course',
        'scopes': ['admin:servers!group=course-101', 'read:users!group=course-101', 'access:servers!group=course-101'],
        'users': ['tara'],
        'groups': ['tas'],
    },
]
