package postfix

import (
	"mailcc/source"
)

// isSpace is Postfix's ISSPACE: C isspace() on ASCII bytes (space, tab,
// newline, vertical tab, form feed, carriage return).
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// isAlnum is Postfix's ISALNUM: ASCII letters and digits.
func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// segment says that the logical line's bytes from off on come from the
// file's bytes from fileOff on (until the next segment).
type segment struct {
	off, fileOff int
}

// logicalLine is one logical line of main.cf or master.cf: physical lines
// joined the way Postfix's readllines() joins them, with a map back to
// the file.
type logicalLine struct {
	text  []byte
	first int // number of its first physical line
	segs  []segment
	file  *source.File
}

// fileOffset returns the offset in the file of the logical line's byte i
// (i may be len(text): just after the last byte).
func (l *logicalLine) fileOffset(i int) int {
	if len(l.segs) == 0 {
		return 0
	}
	s := l.segs[0]
	for _, t := range l.segs[1:] {
		if t.off > i {
			break
		}
		s = t
	}
	return s.fileOff + i - s.off
}

// pos returns the source position of the logical line's byte i.
func (l *logicalLine) pos(i int) source.Pos { return l.file.Pos(l.fileOffset(i)) }

// position resolves the logical line's byte i to file, line and column.
func (l *logicalLine) position(i int) source.Position { return l.file.Position(l.pos(i)) }

// lineWarning is a logical line that readllines() skips with a warning:
// one that starts with white space (continuation text with nothing to
// continue).
type lineWarning struct {
	line *logicalLine
}

// readLogicalLines splits data into logical lines as Postfix's
// readllines() does:
//
//   - a physical line whose first non-blank byte is '#', or that is blank,
//     is dropped, also between a line and its continuation;
//   - a physical line that starts with white space continues the logical
//     line before it: the newline goes, the white space stays;
//   - a logical line that starts with white space (text before which
//     there is nothing to continue) is skipped with a warning.
func readLogicalLines(file *source.File, data []byte) (lines []*logicalLine, warnings []lineWarning) {
	pos, lineno := 0, 0
	for {
		l := &logicalLine{file: file}
		var buf []byte
		for {
			start := len(buf)
			lineStart := pos
			end := pos
			for end < len(data) && data[end] != '\n' {
				end++
			}
			sawNL := end < len(data)
			if sawNL || end > lineStart {
				lineno++
			}
			buf = append(buf, data[lineStart:end]...)
			if sawNL {
				pos = end + 1
			} else {
				pos = end
			}
			i := start
			for i < len(buf) && isSpace(buf[i]) {
				i++
			}
			if i == len(buf) || buf[i] == '#' {
				buf = buf[:start]
			} else {
				if start == 0 {
					l.first = lineno
				}
				l.segs = append(l.segs, segment{off: start, fileOff: lineStart})
			}
			if !sawNL {
				break
			}
			if len(buf) > 0 {
				if pos >= len(data) {
					break
				}
				if next := data[pos]; next != '#' && !isSpace(next) {
					break
				}
			}
		}
		if len(buf) == 0 {
			return lines, warnings
		}
		l.text = buf
		if isSpace(buf[0]) {
			warnings = append(warnings, lineWarning{line: l})
			continue
		}
		lines = append(lines, l)
	}
}

// cString cuts b at its first NUL byte, as Postfix's C string functions
// see it.
func cString(b []byte) []byte {
	for i, c := range b {
		if c == 0 {
			return b[:i]
		}
	}
	return b
}
