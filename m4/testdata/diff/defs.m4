define(`foo', `FOO')pushdef(`foo', `FOO2')foo popdef(`foo')foo popdef(`foo')foo
define(`bar', `BAR')undefine(`bar')bar
define(`baz', defn(`define'))baz(`qux', `QUX')qux
defn(`foo') defn(`nosuch') defn(`foo', `bar')
define(`mydnl', defn(`dnl'))mydnl this is eaten
hello
indir(`define', `ind', `IND')ind indir(`nosuch')
builtin(`define', `bi', `BI')bi builtin(`nosuch')
define(`self', ``$0'')self
define(`rec', `ifelse($1, 0, done, `rec(decr($1))')')rec(10)
pushdef(`stack', 1)pushdef(`stack', 2)pushdef(`stack', 3)stack popdef(`stack')stack popdef(`stack')stack
define(`f', ``$0':$1')f(f(f(undefine(`f')`hello world')))
define(`g', `1')g(define(`g', `2'))g
traceon(`foo')traceoff(`foo')
dumpdef(`foo', `nosuch')
define(`', `empty name')pushdef(`', `again')defn(`')popdef(`')undefine(`')dumpdef(`')
