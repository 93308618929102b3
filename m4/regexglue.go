package m4

import "mailcc/m4/internal/regex"

// compileRegex compiles a GNU Emacs-syntax regular expression.
func compileRegex(pattern []byte) (compiledRegex, error) {
	re, err := regex.Compile(pattern)
	if err != nil {
		return nil, err
	}
	return re, nil
}
