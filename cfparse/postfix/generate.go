package postfix

//go:generate go run ./internal/gendefaults -o defaults_table.go
