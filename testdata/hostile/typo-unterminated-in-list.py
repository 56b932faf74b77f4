c = get_config()
c.Spawner.args = [
'--allow-root,
]
