divert(-1)
define(`MYDOMAINS', `LOCAL_DOMAIN(`$1')ifelse(`$2', `', `', `MYDOMAINS(shift($@))')')
divert(0)dnl
MYDOMAINS(`a.example.org', `b.example.org', `c.example.org')dnl
