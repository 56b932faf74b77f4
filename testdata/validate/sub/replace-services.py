# Loaded by sub-replaces.py: assigning replaces the list the main file built.
c.JupyterHub.services = [{'name': 'replacement', 'url': 'http://127.0.0.1:10140', 'api_token': '3a99c3f285637abf3e834ec28aba6d0a8ebc2679470b11ee040bbc6ed78703b9'}]
