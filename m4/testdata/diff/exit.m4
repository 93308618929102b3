define(`x', `X')x
divert(1)lost diversion
divert
m4wrap(`lost wrap')
m4exit(`3')
never read
