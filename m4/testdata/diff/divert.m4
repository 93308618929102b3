divert(1)one
divert(2)two
divert(-1)discarded
divert(3)three
divert(0)zero
divnum
undivert(2)
divert(4)four
divert(0)dnl
undivert(3, 1)dnl
after
divert(5)five
divert(6)six-then-undivert-5 undivert(5)
divert(0)end
undivert(`')undivert(`  1')
