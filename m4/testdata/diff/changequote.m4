changequote([, ])dnl
define([a], [A])[a] a [[a]]
changequote(<<, >>)dnl
define(<<b>>, <<B>>)<<b>> b <<<<b>>>>
changequote(`{{', `}}')dnl
define({{c}}, {{C}}){{c}} c {{{{c}}}} {{unclosed { and }} done}}
changequote(`', `')dnl
`a' no quoting here
changequote`'dnl
changequote
define(`d', `D')`d' d
changequote(`"')dnl
define("e", "E")"e" e
changequote
changequote(`x', `')dnl
define(xfx', xFx')xfx' f
changequote
define(`hi', `HI')define(`hi1hi2', `hello')dnl
changecom(`q', `Q')dnl
q hi Q hi
changecom(`1', `2')dnl
hi1hi2 hi 1hi2
changecom(`ab', `cd')dnl
xab hi cd hi ab hi cd
changecom
changequote(`hq', `Q')dnl
hqhi Q hi hq x hi Q
changequote
