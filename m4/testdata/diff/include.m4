define(`inc', `INC')dnl
include(`incl.txt')
__file__ __line__
sinclude(`incl.txt')undivert(`incl.txt')
include(`incl-noeol.txt')after noeol
