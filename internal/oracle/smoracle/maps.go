package smoracle

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MapQuery is a lookup of a key in one of the configuration's maps (a K
// line of the .cf), as sendmail's address test mode makes it: /map MAP
// KEY.
type MapQuery struct{ Map, Key string }

// MapAnswer is what sendmail's map lookup gave: the value when Found,
// and sendmail's status of the lookup (0, or an EX_ code such as 75 when
// the map could not be opened).
type MapAnswer struct {
	Value  string
	Found  bool
	Status int
}

// Maps builds the configuration in configDir as Run does and asks
// sendmail, in one address test session, each query's map for its key,
// in order. An answer sendmail's output does not hold fails the call.
func Maps(configDir string, qs []MapQuery, opt Options) (answers []MapAnswer, meta *Meta, err error) {
	cmds := make([]string, len(qs))
	for i, q := range qs {
		cmds[i] = "/map " + q.Map + " " + q.Key
	}
	chunks, meta, err := addressTest(configDir, cmds, opt)
	if err != nil {
		return nil, meta, err
	}
	answers = make([]MapAnswer, len(qs))
	for i, q := range qs {
		a, ok := mapAnswer(chunks[i], q)
		if !ok {
			return nil, meta, fmt.Errorf("smoracle: /map %s %s: no answer in sendmail's output %q", q.Map, q.Key, chunks[i])
		}
		answers[i] = a
	}
	return answers, meta, nil
}

// addressTest builds the configuration in configDir as Run does (the
// .mc compiled, the maps built with the real makemap, in private
// namespaces) and runs cmds in one address test session: the output of
// each command.
func addressTest(configDir string, cmds []string, opt Options) (chunks [][]string, meta *Meta, err error) {
	start := time.Now()
	c, sb, meta, err := open(configDir, &opt, 1)
	defer c.close(sb, opt, &err)
	if err != nil {
		return nil, meta, err
	}
	sb.do(func() {
		if err = c.build(); err != nil {
			return
		}
		meta.Build = time.Since(start)
		chunks, err = c.bt(cmds)
	})
	meta.Total = time.Since(start)
	return chunks, meta, err
}

var mapLookupRE = regexp.MustCompile(`^map_lookup: (\S+) \((.*)\) (?:(returns) (.*)|no match) \((\d+)\)$`)

// mapAnswer reads the map_lookup line of a /map command's output.
func mapAnswer(chunk []string, q MapQuery) (MapAnswer, bool) {
	for _, ln := range chunk {
		m := mapLookupRE.FindStringSubmatch(ln)
		if m == nil || m[1] != q.Map {
			continue
		}
		st, _ := strconv.Atoi(m[5])
		return MapAnswer{Value: m[4], Found: m[3] == "returns", Status: st}, true
	}
	return MapAnswer{}, false
}

// RulesetCall runs one of the configuration's rulesets in address test
// mode with session macros set first (.D lines): Macros are set in
// order, then RULESET INPUT is run.
type RulesetCall struct {
	Macros  [][2]string // {"{server_name}", "mx.example"}
	Ruleset string
	Input   string
}

// RulesetAnswer is what the ruleset returned (its workspace as sendmail
// displays it: tokens separated by blanks, a quoted string one token)
// and whether it ran at all.
type RulesetAnswer struct {
	Value string
	Ran   bool
}

// Rulesets builds the configuration in configDir as Run does and makes
// each call, in order, in one address test session (macros set by one
// call stay set for the next unless it sets them again).
func Rulesets(configDir string, calls []RulesetCall, opt Options) (answers []RulesetAnswer, meta *Meta, err error) {
	var cmds []string
	at := make([]int, len(calls)) // the command of each call
	for i, call := range calls {
		for _, m := range call.Macros {
			cmds = append(cmds, ".D"+m[0]+m[1])
		}
		at[i] = len(cmds)
		cmds = append(cmds, call.Ruleset+" "+call.Input)
	}
	chunks, meta, err := addressTest(configDir, cmds, opt)
	if err != nil {
		return nil, meta, err
	}
	answers = make([]RulesetAnswer, len(calls))
	for i, call := range calls {
		v, _, ok := returns(chunks[at[i]], call.Ruleset)
		answers[i] = RulesetAnswer{Value: strings.TrimSpace(v), Ran: ok}
	}
	return answers, meta, nil
}
