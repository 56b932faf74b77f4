# hub-3.0: logs: JupyterHub.api_tokens is pending deprecation
# hub-5.2: logs: JupyterHub.api_tokens is pending deprecation
# expect-3.0: HUB209
# expect-5.2: HUB209
c.JupyterHub.api_tokens = {
    'eb5d3173a889db42ccdef6d415c15992639690e811e470254f10a71ed1572567': 'alice',
    'd01536fde63b0f8e3cf80847b8b3ca2ad5f0cf14f075dbd637f651d31ccd7234': 'bob',
}
