# hub-3.0: fatal: ValueError: Unsupported url scheme: ftp://127.0.0.1:10117/services/files/
# hub-5.2: fatal: ValueError: Unsupported scheme in URL for service files: ftp://127.0.0.1:10117. Must be http[s]
# expect-3.0: HUB105
# expect-5.2: HUB105
# trap: 3.0 accepts a non-http(s) url with an explicit port while it reads the config (ftp://host:port becomes a proto ftp server); it fails only in start(), after the proxy is up, when it probes the service url
c.JupyterHub.services = [
    {'name': 'files', 'url': 'ftp://127.0.0.1:10117', 'api_token': '2cd2eceff24b4c07cecb09c8ebb5f2b999488a87174ee34704779697dc79b072'},
]
