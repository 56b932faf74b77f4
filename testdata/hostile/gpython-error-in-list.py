c = get_config()
c.Spawner.args = [
$HOME,
]
