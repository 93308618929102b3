define(`x')x define() define(`a', `b', `c', `d')a
undefine() divert(`a') divert(1, 2) dnl(1)
len(a, b) substr() eval() ifdef(a) translit()
include(`/no/such/file') sinclude(`/no/such/file')
errprint(`to stderr
') errprint(`several', `args
')
m4exit(`300')
