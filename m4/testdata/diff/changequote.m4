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
