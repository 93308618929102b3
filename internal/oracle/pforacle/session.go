package pforacle

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	// replyTimeout bounds the wait for one reply line.
	replyTimeout = 30 * time.Second
	// pollInterval is how often a waiting session looks at the mail log
	// for a fatal error of the daemon it waits for.
	pollInterval = 100 * time.Millisecond
)

// maillog follows the instance's maillog_file.
type maillog struct {
	path    string
	off     int64
	partial []byte
	lines   []string
	fatals  []fatalLine
}

// fatalLine is a "fatal:" or "panic:" line of the log.
type fatalLine struct {
	proc string // the syslog name and program, "postfix/oracle-rcpt/smtpd"
	text string // "fatal: ..."
	seen time.Time
}

var fatalRE = regexp.MustCompile(` (postfix[^\s\[]*)\[\d+\]: ((?:fatal|panic): .*)$`)

// update reads what was appended to the log since the last call.
func (m *maillog) update() {
	f, err := os.Open(m.path)
	if err != nil {
		return
	}
	defer f.Close()
	if _, err := f.Seek(m.off, io.SeekStart); err != nil {
		return
	}
	b, err := io.ReadAll(f)
	if len(b) == 0 {
		return
	}
	m.off += int64(len(b))
	b = append(m.partial, b...)
	end := strings.LastIndexByte(string(b), '\n')
	m.partial = append([]byte(nil), b[end+1:]...)
	if end < 0 {
		return
	}
	now := time.Now()
	for _, ln := range strings.Split(string(b[:end]), "\n") {
		m.lines = append(m.lines, ln)
		if sm := fatalRE.FindStringSubmatch(ln); sm != nil {
			m.fatals = append(m.fatals, fatalLine{proc: sm[1], text: sm[2], seen: now})
		}
	}
}

// oracleError is a probe the oracle could not answer (decision error).
type oracleError struct{ msg string }

func (e *oracleError) Error() string { return e.msg }

func oracleErrorf(format string, args ...any) error {
	return &oracleError{fmt.Sprintf(format, args...)}
}

// reply is one SMTP reply: its code ("" if the last line has none) and
// its lines.
type reply struct {
	code  string
	lines []string
}

// session is an SMTP client connection to one of the listeners. While it
// waits for a reply it watches the mail log: an smtpd that dies with a
// fatal error at start-up leaves the connection unanswered (the master
// holds it while it throttles the service), and the oracle answers
// "error" with Postfix's message instead of hanging.
type session struct {
	in       *instance
	ctx      context.Context
	listener string
	conn     net.Conn
	r        *bufio.Reader
	w        *textproto.Writer
	partial  string
	mark     int  // fatal lines in the log when the session began
	greeted  bool // a reply has been read
	dead     bool // a read failed: the connection is of no more use
}

// dial connects to a listener.
func (in *instance) dial(ctx context.Context, listener string) (*session, error) {
	if msg, ok := in.broken[listener]; ok {
		return nil, &oracleError{"postfix smtpd does not start: " + msg}
	}
	in.log.update()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(in.ports[listener]))
	c, err := net.DialTimeout("tcp4", addr, 5*time.Second)
	if err != nil {
		return nil, oracleErrorf("oracle: %v", err)
	}
	return &session{
		in: in, ctx: ctx, listener: listener, conn: c,
		r: bufio.NewReader(c), w: textproto.NewWriter(bufio.NewWriter(c)),
		mark: len(in.log.fatals),
	}, nil
}

// cmd sends a command line and reads its reply.
func (s *session) cmd(line string) (reply, error) {
	s.conn.SetWriteDeadline(time.Now().Add(replyTimeout))
	if s.dead {
		return reply{}, oracleErrorf("oracle: the connection is lost")
	}
	if err := s.w.PrintfLine("%s", line); err != nil {
		s.dead = true
		return reply{}, oracleErrorf("oracle: %v", err)
	}
	return s.reply()
}

// data sends a message (LF line ends; dot-stuffed here) and the final
// dot, and reads the reply.
func (s *session) data(msg string) (reply, error) {
	s.conn.SetWriteDeadline(time.Now().Add(replyTimeout))
	dw := s.w.DotWriter()
	if _, err := io.WriteString(dw, msg); err != nil {
		return reply{}, oracleErrorf("oracle: %v", err)
	}
	if err := dw.Close(); err != nil {
		return reply{}, oracleErrorf("oracle: %v", err)
	}
	return s.reply()
}

// reply reads one reply, all its lines.
func (s *session) reply() (reply, error) {
	var r reply
	for {
		ln, err := s.readLine()
		if err != nil {
			s.dead = true
			return r, err
		}
		r.lines = append(r.lines, ln)
		if len(ln) < 4 || ln[3] != '-' {
			break
		}
	}
	s.greeted = true
	if last := r.lines[len(r.lines)-1]; len(last) >= 3 && isDigits(last[:3]) {
		r.code = last[:3]
	}
	return r, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// readLine reads a line, looking at the mail log whenever it has waited
// pollInterval.
func (s *session) readLine() (string, error) {
	start := time.Now()
	for {
		s.conn.SetReadDeadline(time.Now().Add(pollInterval))
		chunk, err := s.r.ReadString('\n')
		s.partial += chunk
		if err == nil {
			ln := strings.TrimRight(s.partial, "\r\n")
			s.partial = ""
			return ln, nil
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			return "", s.closed(err)
		}
		if err := s.watch(time.Since(start)); err != nil {
			return "", err
		}
	}
}

// watch decides whether a session that has waited for a reply should
// give up.
func (s *session) watch(waited time.Duration) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	in := s.in
	in.log.update()
	proc := syslogName(s.listener) + "/smtpd"
	for i, f := range in.log.fatals {
		if f.proc != proc {
			continue
		}
		// This smtpd died, or (before the greeting, after a second)
		// the master throttles a service whose smtpd dies at start-up.
		if i >= s.mark || !s.greeted && waited > time.Second {
			if !s.greeted {
				in.broken[s.listener] = f.text
				return &oracleError{"postfix smtpd does not start: " + f.text}
			}
			return &oracleError{"postfix smtpd died: " + f.text}
		}
	}
	// Another daemon's fatal error while this one waits (trivial-rewrite,
	// cleanup, ...): give it a few seconds to recover.
	for _, f := range in.log.fatals[s.mark:] {
		if time.Since(f.seen) > 3*time.Second {
			return &oracleError{"postfix " + f.proc + " died: " + f.text}
		}
	}
	if waited > replyTimeout {
		return oracleErrorf("oracle: no reply from postfix within %v", replyTimeout)
	}
	return nil
}

// closed is the error of a connection that ended: the fatal error of
// its smtpd when the log has one.
func (s *session) closed(err error) error {
	if !errors.Is(err, io.EOF) {
		return oracleErrorf("oracle: %v", err)
	}
	proc := syslogName(s.listener) + "/smtpd"
	for range 10 {
		s.in.log.update()
		for _, f := range s.in.log.fatals[s.mark:] {
			if f.proc == proc {
				return &oracleError{"postfix smtpd died: " + f.text}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &oracleError{"oracle: connection closed by postfix"}
}

// close says QUIT (unless the server stopped answering) and closes the
// connection.
func (s *session) close() {
	if !s.dead {
		s.conn.SetDeadline(time.Now().Add(time.Second))
		if s.w.PrintfLine("QUIT") == nil {
			s.r.ReadString('\n')
		}
	}
	s.conn.Close()
}

// xtext encodes an XCLIENT attribute value (RFC 1891).
func xtext(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '!' || c > '~' || c == '+' || c == '=' {
			fmt.Fprintf(&b, "+%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
