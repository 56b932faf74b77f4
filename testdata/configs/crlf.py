c = get_config()
# windows line ends
c.JupyterHub.services = [{"name": "crlf-svc", "api_token": "0123456789abcdef"}]
