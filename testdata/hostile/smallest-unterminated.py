x = (
'abc
