# hub-3.0: fatal: TypeError: unsupported operand type(s) for +=: 'LazyConfigValue' and 'list'
# hub-5.2: fatal: TypeError: unsupported operand type(s) for +=: 'LazyConfigValue' and 'list'
# expect-3.0: HUB115
# expect-5.2: HUB115
# .append on an unassigned trait works (traitlets records it lazily); a later += still fails.
c.JupyterHub.services.append({'name': 'first', 'url': 'http://127.0.0.1:10152', 'api_token': '8c5db5e4c0e22de18c3bc5bdfbf7e11a34a1a98c398e1de6715968b2317eaae2'})
c.JupyterHub.services += [{'name': 'second', 'url': 'http://127.0.0.1:10153', 'api_token': '04a45c10516eabfa0bf9b25219b18c250c23a3b3e087d2a1680029d90a089071'}]
