c = get_config()
load_subconfig('/dev/urandom')
