len() len(abc) len(`a,b')
index(`gnus, gnats, and armadillos', `nat') index(`abc', `d') index(`', `') index(abc)
substr(`hello world', 6) substr(`hello', 1, 3) substr(`hello', -1) substr(`hello', 2, 0) substr(`hello', 10) substr(`hello', 1, 100)
translit(`GNUs not Unix', `A-Z') translit(`GNUs not Unix', `a-z', `A-Z') translit(`GNUs not Unix', `A-Z', `z-a') translit(`+,-12345', `+--1-5', `<;>a-c-a') translit(`abc', `c-a', `x-z') translit(`hello', `lo', `L')
incr(1) incr(-1) decr(0) incr(2147483647) decr(-2147483648) incr(x) incr() incr( 5)
__line__ __file__ __program__ __gnu__ __unix__ unix
sysval
