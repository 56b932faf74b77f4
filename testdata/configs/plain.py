c = get_config()  # noqa
c.JupyterHub.authenticator_class = "dummy"
