define(`foo', `Hello World.')define(`echo', `$@')
traceon(`foo', `echo')foo echo(`gnus', `and gnats')
debugmode(`aeqlf')foo
debugmode(`-q')echo(a, b)
debugmode(`+c')foo
traceoff
foo
traceon(`undefined_yet')define(`undefined_yet', `now')undefined_yet
debugmode(`V')define(`v', `$1')v(x)
