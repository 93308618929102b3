dnl quoting, nesting, comments and rescanning
define(`a', `A')define(`b', `a`'a')
a b `a' ``a'' ```a''' `b'b
# a comment: a b `a'
a# comment right after a name
changecom(`/*', `*/')a /* a b */ a # no longer a comment a
changecom()a # a
changecom(`#')a # b
define(`x', `$1$2')x(`(', `)')
define(`paren', `($1)')paren(a, b) paren((a, b)) paren(`(a, b)')
define(`nested', ``$1'')nested(`a')
`unbalanced '' quotes'
define(`cat', `$1$2$3')cat(`a', `b', `c')cat cat() cat(,,)
