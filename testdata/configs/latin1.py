# -*- coding: latin-1 -*-
# café
c = get_config()
