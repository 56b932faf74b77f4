# hub-3.0: starts
# hub-5.2: starts
# expect-3.0:
# expect-5.2:
# trap: an empty name passes the Hub's only check ('name' in spec): it creates a service called '' and registers its token
c.JupyterHub.services = [{'name': '', 'api_token': 'aa11bb22cc33dd44ee55ff6600778899aa11bb22cc33dd44ee55ff6600778899'}]
