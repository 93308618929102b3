package m4

// eval: C-like integer expressions on 32-bit two's complement integers,
// with GNU m4 1.4.19's operators, precedence and messages:
//
//	|| && | ^ & (== != =) (> >= < <=) (<< >>) (+ -) (* / %) ** (unary + - ~ !)
//
// Numbers are decimal, 0x hexadecimal, 0b binary, 0 octal or 0rN:digits in
// radix N (1..36). Arithmetic wraps around; shifts use the low five bits
// of the count. In "a || b" and "a && b", an arithmetic error (division by
// zero) on the side that is not evaluated in C is ignored, as GNU does.

type evalTok int

const (
	etError evalTok = iota
	etBadOp
	etPlus
	etMinus
	etExponent
	etTimes
	etDivide
	etModulo
	etAssign
	etEq
	etNotEq
	etGt
	etGtEq
	etLs
	etLsEq
	etLShift
	etRShift
	etLNot
	etLAnd
	etLOr
	etNot
	etAnd
	etOr
	etXor
	etLeftP
	etRightP
	etNumber
	etEOText
)

type evalErr int

const (
	evNoError evalErr = iota
	evDivideZero
	evModuloZero
	evNegativeExponent
	evSyntaxError // errors from here on are syntax errors
	evMissingRight
	evUnknownInput
	evExcessInput
	evInvalidOperator
)

type evaluator struct {
	p    *Processor
	text []byte
	pos  int
	last int
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (e *evaluator) lex(val *int32) evalTok {
	for e.pos < len(e.text) && isSpace(e.text[e.pos]) {
		e.pos++
	}
	e.last = e.pos
	if e.pos >= len(e.text) {
		return etEOText
	}
	t := e.text
	if isDigit(t[e.pos]) {
		base := uint32(10)
		if t[e.pos] == '0' {
			e.pos++
			c := byte(0)
			if e.pos < len(t) {
				c = t[e.pos]
			}
			switch c {
			case 'x', 'X':
				base = 16
				e.pos++
			case 'b', 'B':
				base = 2
				e.pos++
			case 'r', 'R':
				base = 0
				e.pos++
				for e.pos < len(t) && isDigit(t[e.pos]) && base <= 36 {
					base = 10*base + uint32(t[e.pos]-'0')
					e.pos++
				}
				if base == 0 || base > 36 || e.pos >= len(t) || t[e.pos] != ':' {
					return etError
				}
				e.pos++
			default:
				base = 8
			}
		}
		var value uint32
		for ; e.pos < len(t); e.pos++ {
			c := t[e.pos]
			var digit uint32
			switch {
			case isDigit(c):
				digit = uint32(c - '0')
			case c >= 'a' && c <= 'z':
				digit = uint32(c-'a') + 10
			case c >= 'A' && c <= 'Z':
				digit = uint32(c-'A') + 10
			default:
				goto done
			}
			if base == 1 {
				if digit == 1 {
					value++
				} else if digit == 0 && value == 0 {
					continue
				} else {
					goto done
				}
			} else if digit >= base {
				goto done
			} else {
				value = value*base + digit
			}
		}
	done:
		*val = int32(value)
		return etNumber
	}
	c := t[e.pos]
	e.pos++
	next := byte(0)
	if e.pos < len(t) {
		next = t[e.pos]
	}
	switch c {
	case '+':
		if next == '+' || next == '=' {
			return etBadOp
		}
		return etPlus
	case '-':
		if next == '-' || next == '=' {
			return etBadOp
		}
		return etMinus
	case '*':
		if next == '*' {
			e.pos++
			return etExponent
		} else if next == '=' {
			return etBadOp
		}
		return etTimes
	case '/':
		if next == '=' {
			return etBadOp
		}
		return etDivide
	case '%':
		if next == '=' {
			return etBadOp
		}
		return etModulo
	case '=':
		if next == '=' {
			e.pos++
			return etEq
		}
		return etAssign
	case '!':
		if next == '=' {
			e.pos++
			return etNotEq
		}
		return etLNot
	case '>':
		if next == '=' {
			e.pos++
			return etGtEq
		} else if next == '>' {
			e.pos++
			if e.pos < len(t) && t[e.pos] == '=' {
				return etBadOp
			}
			return etRShift
		}
		return etGt
	case '<':
		if next == '=' {
			e.pos++
			return etLsEq
		} else if next == '<' {
			e.pos++
			if e.pos < len(t) && t[e.pos] == '=' {
				return etBadOp
			}
			return etLShift
		}
		return etLs
	case '^':
		if next == '=' {
			return etBadOp
		}
		return etXor
	case '~':
		return etNot
	case '&':
		if next == '&' {
			e.pos++
			return etLAnd
		} else if next == '=' {
			return etBadOp
		}
		return etAnd
	case '|':
		if next == '|' {
			e.pos++
			return etLOr
		} else if next == '=' {
			return etBadOp
		}
		return etOr
	case '(':
		return etLeftP
	case ')':
		return etRightP
	}
	return etError
}

func (e *evaluator) undo() { e.pos = e.last }

// evaluate computes expr; on error it prints GNU's message and reports
// failure.
func (p *Processor) evaluate(expr []byte) (int32, bool) {
	e := &evaluator{p: p, text: expr}
	var val int32
	et := e.lex(&val)
	err := e.logicalOr(et, &val)
	if err == evNoError && e.pos < len(e.text) {
		// only blanks may follow
		var dummy int32
		if e.lex(&dummy) == etBadOp {
			err = evInvalidOperator
		} else {
			err = evExcessInput
		}
	}
	s := string(expr)
	switch err {
	case evNoError:
		return val, false
	case evMissingRight:
		p.warn("bad expression in eval (missing right parenthesis): " + s)
	case evSyntaxError:
		p.warn("bad expression in eval: " + s)
	case evUnknownInput:
		p.warn("bad expression in eval (bad input): " + s)
	case evExcessInput:
		p.warn("bad expression in eval (excess input): " + s)
	case evInvalidOperator:
		p.warn("invalid operator in eval: " + s)
		p.retcode = 1
	case evDivideZero:
		p.warn("divide by zero in eval: " + s)
	case evModuloZero:
		p.warn("modulo by zero in eval: " + s)
	case evNegativeExponent:
		p.warn("negative exponent in eval: " + s)
	}
	return 0, true
}

func (e *evaluator) logicalOr(et evalTok, v1 *int32) evalErr {
	if er := e.logicalAnd(et, v1); er != evNoError {
		return er
	}
	var v2 int32
	for et = e.lex(&v2); et == etLOr; et = e.lex(&v2) {
		et = e.lex(&v2)
		if et == etError {
			return evUnknownInput
		}
		er := e.logicalAnd(et, &v2)
		switch {
		case er == evNoError:
			*v1 = b2i(*v1 != 0 || v2 != 0)
		case *v1 != 0 && er < evSyntaxError:
			*v1 = 1
		default:
			return er
		}
	}
	if et == etError {
		return evUnknownInput
	}
	e.undo()
	return evNoError
}

func (e *evaluator) logicalAnd(et evalTok, v1 *int32) evalErr {
	if er := e.or(et, v1); er != evNoError {
		return er
	}
	var v2 int32
	for et = e.lex(&v2); et == etLAnd; et = e.lex(&v2) {
		et = e.lex(&v2)
		if et == etError {
			return evUnknownInput
		}
		er := e.or(et, &v2)
		switch {
		case er == evNoError:
			*v1 = b2i(*v1 != 0 && v2 != 0)
		case *v1 == 0 && er < evSyntaxError:
			// v1 is already 0
		default:
			return er
		}
	}
	if et == etError {
		return evUnknownInput
	}
	e.undo()
	return evNoError
}

// binary runs one left-associative precedence level: operand parses the
// operands, ops lists the operator tokens, apply combines two values.
func (e *evaluator) binary(et evalTok, v1 *int32, operand func(evalTok, *int32) evalErr,
	isOp func(evalTok) bool, apply func(op evalTok, a, b int32) (int32, evalErr)) evalErr {
	if er := operand(et, v1); er != evNoError {
		return er
	}
	var v2 int32
	op := e.lex(&v2)
	for ; isOp(op); op = e.lex(&v2) {
		et = e.lex(&v2)
		if et == etError {
			return evUnknownInput
		}
		if er := operand(et, &v2); er != evNoError {
			return er
		}
		r, er := apply(op, *v1, v2)
		if er != evNoError {
			return er
		}
		*v1 = r
	}
	if op == etError {
		return evUnknownInput
	}
	e.undo()
	return evNoError
}

func (e *evaluator) or(et evalTok, v1 *int32) evalErr {
	return e.binary(et, v1, e.xor, func(t evalTok) bool { return t == etOr },
		func(_ evalTok, a, b int32) (int32, evalErr) { return a | b, evNoError })
}

func (e *evaluator) xor(et evalTok, v1 *int32) evalErr {
	return e.binary(et, v1, e.and, func(t evalTok) bool { return t == etXor },
		func(_ evalTok, a, b int32) (int32, evalErr) { return a ^ b, evNoError })
}

func (e *evaluator) and(et evalTok, v1 *int32) evalErr {
	return e.binary(et, v1, e.equality, func(t evalTok) bool { return t == etAnd },
		func(_ evalTok, a, b int32) (int32, evalErr) { return a & b, evNoError })
}

func (e *evaluator) equality(et evalTok, v1 *int32) evalErr {
	return e.binary(et, v1, e.cmp, func(t evalTok) bool { return t == etEq || t == etNotEq || t == etAssign },
		func(op evalTok, a, b int32) (int32, evalErr) {
			if op == etAssign {
				e.p.warn("Warning: recommend ==, not =, for equality operator")
				op = etEq
			}
			return b2i((op == etEq) == (a == b)), evNoError
		})
}

func (e *evaluator) cmp(et evalTok, v1 *int32) evalErr {
	return e.binary(et, v1, e.shift, func(t evalTok) bool { return t == etGt || t == etGtEq || t == etLs || t == etLsEq },
		func(op evalTok, a, b int32) (int32, evalErr) {
			switch op {
			case etGt:
				return b2i(a > b), evNoError
			case etGtEq:
				return b2i(a >= b), evNoError
			case etLs:
				return b2i(a < b), evNoError
			}
			return b2i(a <= b), evNoError
		})
}

func (e *evaluator) shift(et evalTok, v1 *int32) evalErr {
	return e.binary(et, v1, e.add, func(t evalTok) bool { return t == etLShift || t == etRShift },
		func(op evalTok, a, b int32) (int32, evalErr) {
			n := uint32(b) & 0x1f
			if op == etLShift {
				return int32(uint32(a) << n), evNoError
			}
			// arithmetic right shift, spelled out as GNU does
			if a < 0 {
				return ^int32(uint32(^a) >> n), evNoError
			}
			return int32(uint32(a) >> n), evNoError
		})
}

func (e *evaluator) add(et evalTok, v1 *int32) evalErr {
	return e.binary(et, v1, e.mult, func(t evalTok) bool { return t == etPlus || t == etMinus },
		func(op evalTok, a, b int32) (int32, evalErr) {
			if op == etPlus {
				return int32(uint32(a) + uint32(b)), evNoError
			}
			return int32(uint32(a) - uint32(b)), evNoError
		})
}

func (e *evaluator) mult(et evalTok, v1 *int32) evalErr {
	return e.binary(et, v1, e.exp, func(t evalTok) bool { return t == etTimes || t == etDivide || t == etModulo },
		func(op evalTok, a, b int32) (int32, evalErr) {
			switch op {
			case etTimes:
				return int32(uint32(a) * uint32(b)), evNoError
			case etDivide:
				switch b {
				case 0:
					return 0, evDivideZero
				case -1:
					return int32(-uint32(a)), evNoError
				}
				return a / b, evNoError
			}
			switch b {
			case 0:
				return 0, evModuloZero
			case -1:
				return 0, evNoError
			}
			return a % b, evNoError
		})
}

// exp is right-associative: a ** b ** c is a ** (b ** c).
func (e *evaluator) exp(et evalTok, v1 *int32) evalErr {
	if er := e.unary(et, v1); er != evNoError {
		return er
	}
	var v2 int32
	for et = e.lex(&v2); et == etExponent; et = e.lex(&v2) {
		et = e.lex(&v2)
		if et == etError {
			return evUnknownInput
		}
		if er := e.exp(et, &v2); er != evNoError {
			return er
		}
		if v2 < 0 {
			return evNegativeExponent
		}
		if *v1 == 0 && v2 == 0 {
			return evDivideZero
		}
		// base ** v2 modulo 2**32, by squaring (GNU multiplies v2 times;
		// the result is the same)
		result, base := uint32(1), uint32(*v1)
		for n := uint32(v2); n > 0; n >>= 1 {
			if n&1 != 0 {
				result *= base
			}
			base *= base
		}
		*v1 = int32(result)
	}
	if et == etError {
		return evUnknownInput
	}
	e.undo()
	return evNoError
}

func (e *evaluator) unary(et evalTok, v1 *int32) evalErr {
	if et == etPlus || et == etMinus || et == etNot || et == etLNot {
		et2 := e.lex(v1)
		if et2 == etError {
			return evUnknownInput
		}
		if er := e.unary(et2, v1); er != evNoError {
			return er
		}
		switch et {
		case etMinus:
			*v1 = int32(-uint32(*v1))
		case etNot:
			*v1 = ^*v1
		case etLNot:
			*v1 = b2i(*v1 == 0)
		}
		return evNoError
	}
	return e.simple(et, v1)
}

func (e *evaluator) simple(et evalTok, v1 *int32) evalErr {
	switch et {
	case etLeftP:
		et = e.lex(v1)
		if et == etError {
			return evUnknownInput
		}
		if er := e.logicalOr(et, v1); er != evNoError {
			return er
		}
		var v2 int32
		et = e.lex(&v2)
		if et == etError {
			return evUnknownInput
		}
		if et != etRightP {
			return evMissingRight
		}
		return evNoError
	case etNumber:
		return evNoError
	case etBadOp:
		return evInvalidOperator
	}
	return evSyntaxError
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
