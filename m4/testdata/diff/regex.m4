regexp(`GNUs not Unix', `\<[a-z]\w+') regexp(`GNUs not Unix', `\<Q\w*') regexp(`GNUs not Unix', `\w\(\w+\)$', `*** \& *** \1 ***')
regexp(`abc', `\(b\)', `\\\10\a') regexp(`abc', `b', `\1\') regexp(`abc', `\(\(d\)?\)\(c\)', `[\1\2\3\4]')
patsubst(`GNUs not Unix', `^', `OBS: ') patsubst(`GNUs not Unix', `\<', `OBS: ') patsubst(`GNUs not Unix', `\w*', `(\&)')
patsubst(`GNUs not Unix', `\w+', `(\&)') patsubst(`GNUs not Unix', `[A-Z][a-z]+') patsubst(`GNUs not Unix', `not', `NOT\')
patsubst(`abc', `') patsubst(`abc', `', `\\-') patsubst(`a.b.c', `\.', `:') patsubst(`hello world', `o\|l', `_')
regexp(`abc', `(') regexp(`abc', `\(') patsubst(`abc', `[')
regexp(`line1
line2', `^line2') regexp(`x.y', `.y') regexp(`aaa', `a*') regexp(`ab', `a\|ab', `\&')
