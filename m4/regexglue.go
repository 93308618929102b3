package m4

import "errors"

// compileRegex compiles a GNU Emacs-syntax regular expression.
var compileRegex = func(pattern []byte) (compiledRegex, error) {
	return nil, errors.New("regular expressions are not available yet")
}
