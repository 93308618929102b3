m4wrap(`first wrap
')m4wrap(`second wrap
')m4wrap(`third', `with', `args
')define(`w', `m4wrap(`nested wrap
')')m4wrap(`w')dnl
body
divert(1)diverted
divert
