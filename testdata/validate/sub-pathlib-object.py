# hub-3.0: fatal: AttributeError: 'PosixPath' object has no attribute 'strip'
# hub-5.2: fatal: AttributeError: 'PosixPath' object has no attribute 'strip'
# expect-3.0: HUB116
# expect-5.2: HUB116
# load_subconfig takes a string; traitlets calls .strip() on what it is given.
from pathlib import Path
load_subconfig(Path(__file__).parent / 'sub' / 'clean-services.py')
