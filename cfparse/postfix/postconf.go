package postfix

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"mailcc/source"
)

// PostconfOptions are the options of Postfix's postconf that mailcc's
// postconf supports.
type PostconfOptions struct {
	// ConfigDir is -c: the folder of main.cf and master.cf. "" means
	// $MAIL_CONFIG, or /etc/postfix.
	ConfigDir string
	// Defaults (-d) shows built-in defaults, NonDefault (-n) only what
	// main.cf sets, Expand (-x) expands $name in values.
	Defaults, NonDefault, Expand bool
	// HideName (-h) prints values only, HideValue (-H) names only, Fold
	// (-f) folds long lines.
	HideName, HideValue, Fold bool
	// Overrides (-o name=value) replace main.cf settings.
	Overrides []string
	// Names are the parameters to show; none shows them all.
	Names []string
	// Host gives the host-dependent defaults; nil is this machine.
	Host *Host
	// Prog names the program in messages ("postconf" when empty).
	Prog string
	// Getenv reads the environment ($MAIL_CONFIG); nil is os.LookupEnv.
	Getenv func(string) (string, bool)
}

// Postconf prints parameters as Postfix 3.7's postconf does: "name =
// value" lines sorted by name (-n: those main.cf sets; -d: the
// defaults; -x: expanded), with its warnings on stderr. It returns the
// exit status: 0, or 1 after a fatal error.
func Postconf(opt PostconfOptions, stdout, stderr io.Writer) (status int) {
	p := newPCF(opt, stderr)
	out := bufio.NewWriterSize(stdout, 4096)
	p.out = out
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(*fatalError)
			if !ok {
				panic(r)
			}
			// postconf exits without flushing what it has buffered.
			fmt.Fprintf(stderr, "%s: fatal: %s\n", p.prog, printable(f.msg))
			status = 1
		}
	}()
	p.run()
	out.Flush()
	return 0
}

// Parameter classes and attributes (postconf's PCF_PARAM_FLAG_*).
type nodeFlags uint16

const (
	nodeRaw nodeFlags = 1 << iota
	nodeBuiltin
	nodeService
	nodeUser
	nodeLegacy
	nodeReadOnly
	nodeDBMS

	nodeClassMask = nodeBuiltin | nodeService | nodeUser
)

// node is a known parameter.
type node struct {
	flags nodeFlags
	def   func() string
}

// dict is a name=value table that remembers the order of insertion
// (Postfix's hash tables have a random order; mailcc's messages come in
// the order of the file).
type dict struct {
	vals  map[string]string
	order []string
}

func newDict() *dict { return &dict{vals: map[string]string{}} }

func (d *dict) get(name string) (string, bool) {
	if d == nil {
		return "", false
	}
	v, ok := d.vals[name]
	return v, ok
}

func (d *dict) set(name, value string) {
	if _, ok := d.vals[name]; !ok {
		d.order = append(d.order, name)
	}
	d.vals[name] = value
}

func (d *dict) del(name string) {
	if _, ok := d.vals[name]; !ok {
		return
	}
	delete(d.vals, name)
	for i, n := range d.order {
		if n == name {
			d.order = append(d.order[:i:i], d.order[i+1:]...)
			break
		}
	}
}

// names returns a copy of the names in order.
func (d *dict) names() []string { return append([]string(nil), d.order...) }

// masterEnt is a master.cf entry as postconf sees it.
type masterEnt struct {
	svc       *Service
	namespace string
	ro        *dict
	all       *dict // nil when the entry has no -o settings
	valid     map[string]bool
}

// pcf is one run of postconf.
type pcf struct {
	opt       PostconfOptions
	prog      string
	configDir string
	stderr    io.Writer
	out       *bufio.Writer

	main        *dict
	table       map[string]*node
	master      []*masterEnt
	namespaces  map[string]*dict
	restClasses map[string]bool
	dbmsSeen    map[string]bool

	hostCache, domainCache, networksCache *string
	varHostname                           *string
}

func newPCF(opt PostconfOptions, stderr io.Writer) *pcf {
	p := &pcf{opt: opt, prog: opt.Prog, stderr: stderr, main: newDict(),
		namespaces: map[string]*dict{}, restClasses: map[string]bool{}, dbmsSeen: map[string]bool{}}
	if p.prog == "" {
		p.prog = "postconf"
	}
	return p
}

func (p *pcf) fatalf(format string, args ...any) {
	panic(&fatalError{msg: fmt.Sprintf(format, args...)})
}

func (p *pcf) warnf(format string, args ...any) {
	fmt.Fprintf(p.stderr, "%s: warning: %s\n", p.prog, printable(fmt.Sprintf(format, args...)))
}

// printable replaces what is not printable ASCII with '?', as Postfix
// does to every message it logs.
func printable(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}

func (p *pcf) getenv(name string) (string, bool) {
	if p.opt.Getenv != nil {
		return p.opt.Getenv(name)
	}
	return os.LookupEnv(name)
}

func (p *pcf) run() {
	o := p.opt
	if o.Defaults && o.NonDefault {
		p.fatalf("specify one of -d -n")
	}
	if o.Defaults && len(o.Overrides) > 0 {
		p.fatalf("specify one of -d -o")
	}
	if o.HideName && o.HideValue {
		p.fatalf("specify one of -h -H")
	}
	p.configDir = "/etc/postfix"
	if o.ConfigDir != "" {
		p.configDir = o.ConfigDir
		p.main.set("config_directory", p.configDir)
	} else if d, ok := p.getenv("MAIL_CONFIG"); ok {
		p.configDir = d
		p.main.set("config_directory", p.configDir)
	}
	if !o.Defaults {
		p.readMain()
		for _, ov := range o.Overrides {
			name, value, _, _, ok := splitNameValueString(ov)
			if !ok {
				_, why := nameValueError(ov)
				p.fatalf("invalid parameter override: %s: %s", ov, why)
			}
			p.main.set(name, value)
		}
	}
	p.registerBuiltin()
	p.readMaster()
	p.registerService()
	if !o.Defaults {
		p.registerUser()
	}
	p.show()
	if !o.Defaults {
		p.out.Flush()
		p.flagUnusedMain()
		p.flagUnusedMaster()
	}
}

// strerror is C's strerror() text for err (glibc's wording).
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return "No such file or directory"
	}
	if errors.Is(err, fs.ErrPermission) {
		return "Permission denied"
	}
	return err.Error()
}

func (p *pcf) readMain() {
	path := p.configDir + "/main.cf"
	data, err := os.ReadFile(path)
	if err != nil {
		p.fatalf("open %s: %s", path, strerror(err))
	}
	preset := map[string]string{}
	for _, n := range p.main.order {
		preset[n] = p.main.vals[n]
	}
	m, _ := parseMainCF(path, data, preset)
	for _, pr := range m.problems {
		p.report(path, pr)
	}
	for _, prm := range m.Params {
		p.main.set(prm.Name, prm.Value)
	}
}

// report prints a parse problem as Postfix does: warnings go on, the
// first error is fatal.
func (p *pcf) report(path string, pr problem) {
	if pr.houseOnly {
		return
	}
	var msg string
	switch {
	case pr.line > 0:
		msg = fmt.Sprintf("%s, line %d: %s", path, pr.line, pr.native)
	case pr.line < 0:
		msg = pr.native
	default:
		msg = fmt.Sprintf("%s: %s", path, pr.native)
	}
	if pr.sev == source.Error {
		p.fatalf("%s", msg)
	}
	p.warnf("%s", msg)
}

func (p *pcf) registerBuiltin() {
	p.table = make(map[string]*node, len(builtinParams)+64)
	for i := range builtinParams {
		b := &builtinParams[i]
		n := &node{flags: nodeBuiltin}
		if b.flags&paramRaw != 0 {
			n.flags |= nodeRaw
		}
		if b.flags&paramReadOnly != 0 {
			n.flags |= nodeReadOnly
		}
		def := b.def
		n.def = func() string { return def }
		switch b.name {
		case "myhostname":
			n.def = p.defaultHostname
		case "mydomain":
			n.def = p.defaultDomain
		case "mynetworks":
			n.def = p.defaultNetworks
		case "process_id":
			pid := strconv.Itoa(p.opt.Host.pid())
			n.def = func() string { return pid }
		case "process_name":
			prog := p.prog
			n.def = func() string { return prog }
		}
		p.table[b.name] = n
	}
	for _, name := range legacyParams {
		p.table[name] = &node{flags: nodeLegacy, def: func() string { return "" }}
	}
}

// mainEval is mail_conf_lookup_eval(): a main.cf value expanded with
// main.cf values only.
func (p *pcf) mainEval(name string) (string, bool) {
	v, ok := p.main.get(name)
	if !ok {
		return "", false
	}
	e := newExpander(expRecurse, func(n string, _ bool) (string, bool) { return p.main.get(n) })
	e.warn = func(s string) { p.warnf("%s", s) }
	out, st := e.expand(v)
	if e.fatal != nil {
		p.fatalf("%s", e.fatal.msg)
	}
	if st&statusError != 0 {
		p.fatalf("dictionary mail_dict: macro processing error")
	}
	return out, true
}

func (p *pcf) checkHostname() string {
	if p.hostCache != nil {
		return *p.hostCache
	}
	name := p.opt.Host.hostname()
	if !strings.Contains(name, ".") {
		domain, ok := p.mainEval("mydomain")
		if !ok {
			domain = "localdomain"
		}
		name += "." + domain
	}
	p.hostCache = &name
	return name
}

func (p *pcf) defaultHostname() string { return p.checkHostname() }

func (p *pcf) defaultDomain() string {
	if p.domainCache != nil {
		return *p.domainCache
	}
	if p.varHostname == nil {
		name, ok := p.mainEval("myhostname")
		if !ok {
			name = p.checkHostname()
		}
		p.varHostname = &name
	}
	d := "localdomain"
	if i := strings.IndexByte(*p.varHostname, '.'); i >= 0 {
		d = (*p.varHostname)[i+1:]
	}
	p.domainCache = &d
	return d
}

func (p *pcf) defaultNetworks() string {
	if p.networksCache != nil {
		return *p.networksCache
	}
	get := func(name string) string {
		if !p.opt.Defaults {
			if v, ok := p.mainEval(name); ok {
				return v
			}
		}
		return p.expandValue(p.defaultOf(name), nil)
	}
	ifaces := get("inet_interfaces")
	style := get("mynetworks_style")
	protos := get("inet_protocols")
	v4, v6, err := protocols(protos)
	if err != nil {
		p.fatalf("%v", err)
	}
	result := ""
	if v4 || v6 {
		// Postfix checks the style before it looks at the interfaces.
		if _, err := networksStyle(style); err != nil {
			p.fatalf("%v", err)
		}
		addrs, err := p.opt.Host.ownAddresses(ifaces, v4, v6)
		if err != nil {
			p.fatalf("%v", err)
		}
		result, err = mynetworks(addrs, style)
		if err != nil {
			p.fatalf("%v", err)
		}
	}
	p.networksCache = &result
	return result
}

// defaultOf is a known parameter's default value ("" for others).
func (p *pcf) defaultOf(name string) string {
	if n := p.table[name]; n != nil {
		return n.def()
	}
	return ""
}

func (p *pcf) readMaster() {
	path := p.configDir + "/master.cf"
	data, err := os.ReadFile(path)
	if err != nil {
		p.warnf("open %s: %s", path, strerror(err))
		return
	}
	m := parseMasterCF(path, data)
	// Problems come in file order; an entry's problems come before the
	// next entry is read, so a fatal one stops everything after it.
	for _, pr := range m.problems {
		if pr.houseOnly {
			continue
		}
		if pr.sev == source.Error && pr.line > 0 {
			p.fatalf("file %s: line %d: %s", path, pr.line, pr.native)
		}
		p.report(path, pr)
	}
	for _, s := range m.Services {
		e := &masterEnt{svc: s, namespace: s.Name() + "/" + s.Type(), ro: newDict()}
		e.ro.set("process_name", s.ProcessName())
		e.ro.set("service_name", s.ServiceName())
		p.master = append(p.master, e)
	}
}

// serviceSuffixes are the per-transport parameters of delivery agents
// and the parameter each defaults to.
var serviceSuffixes = [][2]string{
	{"_recipient_limit", "default_recipient_limit"},
	{"_extra_recipient_limit", "default_extra_recipient_limit"},
	{"_recipient_refill_limit", "default_recipient_refill_limit"},
	{"_recipient_refill_delay", "default_recipient_refill_delay"},
	{"_delivery_slot_cost", "default_delivery_slot_cost"},
	{"_delivery_slot_loan", "default_delivery_slot_loan"},
	{"_delivery_slot_discount", "default_delivery_slot_discount"},
	{"_minimum_delivery_slots", "default_minimum_delivery_slots"},
	{"_initial_destination_concurrency", "initial_destination_concurrency"},
	{"_destination_concurrency_limit", "default_destination_concurrency_limit"},
	{"_destination_recipient_limit", "default_destination_recipient_limit"},
	{"_destination_concurrency_positive_feedback", "default_destination_concurrency_positive_feedback"},
	{"_destination_concurrency_negative_feedback", "default_destination_concurrency_negative_feedback"},
	{"_destination_concurrency_failed_cohort_limit", "default_destination_concurrency_failed_cohort_limit"},
	{"_destination_rate_delay", "default_destination_rate_delay"},
	{"_transport_rate_delay", "default_transport_rate_delay"},
}

var timeLimitSuffix = [2]string{"_time_limit", "command_time_limit"}

// serviceParams returns the per-service parameter suffixes of a
// master.cf command.
func serviceParams(command string) [][2]string {
	switch command {
	case "local", "error", "virtual", "smtp", "lmtp":
		return serviceSuffixes
	case "pipe":
		return append([][2]string{timeLimitSuffix}, serviceSuffixes...)
	case "spawn":
		return [][2]string{timeLimitSuffix}
	}
	return nil
}

func (p *pcf) registerService() {
	for _, e := range p.master {
		for _, sp := range serviceParams(e.svc.Command()) {
			name := e.svc.Name() + sp[0]
			if n := p.table[name]; n != nil {
				n.flags = n.flags&^nodeClassMask | nodeService
				continue
			}
			def := "$" + sp[1]
			p.table[name] = &node{flags: nodeService, def: func() string { return def }}
		}
	}
}

func userDefault() string { return "" }

func (p *pcf) registerUser() {
	for _, e := range p.master {
		var d *dict
		args := e.svc.Args
		for i := 0; i < len(args); i++ {
			a := args[i].Text
			if a == "" || a[0] != '-' || a == "--" {
				break
			}
			if len(a) < 2 || a[1] != 'o' || i+1 >= len(args) {
				continue
			}
			if a == "-o" {
				if name, value, _, _, ok := splitNameValueString(args[i+1].Text); ok {
					if d == nil {
						if d = p.namespaces[e.namespace]; d == nil {
							d = newDict()
							p.namespaces[e.namespace] = d
						}
					}
					d.set(name, value)
				}
			}
			i++
		}
		if d == nil {
			d = p.namespaces[e.namespace]
		}
		if d != nil {
			e.all = d
			e.valid = map[string]bool{}
		}
	}
	for _, e := range p.master {
		if e.all != nil {
			p.scanNamespace(e.all, e)
		}
	}
	p.scanDefaults()
	p.scanNamespace(p.main, nil)
}

// flagUser is pcf_flag_user_parameter(): a $name found in a value.
func (p *pcf) flagUser(name string, class nodeFlags, scope *masterEnt) {
	source := "main.cf"
	if scope != nil {
		source = "master.cf"
	}
	supplied := false
	if _, ok := scope.allGet(name); ok {
		supplied = true
		scope.valid[name] = true
	} else if _, ok := p.main.get(name); ok {
		supplied = true
		if p.table[name] == nil {
			p.table[name] = &node{flags: class, def: userDefault}
		}
	}
	if scope == nil {
		for _, e := range p.master {
			if e.all != nil {
				if _, ok := e.all.get(name); ok {
					supplied = true
					e.valid[name] = true
				}
			}
		}
	}
	if !supplied && class&nodeDBMS == 0 && p.table[name] == nil {
		p.warnf("%s/%s: undefined parameter: %s", p.configDir, source, name)
	}
}

func (e *masterEnt) allGet(name string) (string, bool) {
	if e == nil {
		return "", false
	}
	return e.all.get(name)
}

// scanValue finds the $names in value (every branch) and flags them.
func (p *pcf) scanValue(value string, class nodeFlags, scope *masterEnt) {
	e := newExpander(expScan, func(name string, _ bool) (string, bool) {
		p.flagUser(name, class, scope)
		return "", false
	})
	e.warn = func(s string) { p.warnf("%s", s) }
	e.expand(value)
}

// evalIn is dict_eval() on one name space: $name expanded with that
// name space's values only.
func (p *pcf) evalIn(d *dict, dictName, value string) string {
	e := newExpander(expRecurse, func(n string, _ bool) (string, bool) { return d.get(n) })
	e.warn = func(s string) { p.warnf("%s", s) }
	out, st := e.expand(value)
	if e.fatal != nil {
		p.fatalf("%s", e.fatal.msg)
	}
	if st&statusError != 0 {
		p.fatalf("dictionary %s: macro processing error", dictName)
	}
	return out
}

func (p *pcf) scanNamespace(d *dict, scope *masterEnt) {
	source := "main.cf"
	dictName := "mail_dict"
	if scope != nil {
		source = "master.cf"
		dictName = scope.namespace
	}
	if v, ok := d.get("smtpd_restriction_classes"); ok {
		for _, name := range strings.FieldsFunc(p.evalIn(d, dictName, v), isListSep) {
			if scope == nil {
				p.restClasses[name] = true
			}
			p.flagUser(name, nodeUser, scope)
		}
	}
	for _, name := range d.names() {
		value, ok := d.get(name)
		if !ok {
			continue
		}
		if scope != nil && !scope.valid[name] && p.restClasses[name] {
			scope.valid[name] = true
		}
		n := p.table[name]
		if n != nil {
			if n.flags&nodeReadOnly != 0 {
				p.warnf("%s/%s: read-only parameter assignment: %s=%s", p.configDir, source, name, value)
				d.del(name)
				continue
			}
			if n.flags&nodeLegacy != 0 {
				n.flags = n.flags&^nodeClassMask | nodeUser
			}
			if n.flags&nodeRaw != 0 {
				continue
			}
		}
		p.scanValue(value, nodeUser, scope)
		if n != nil && n.flags&(nodeBuiltin|nodeService) != 0 {
			p.registerDBMS(p.expandValue(value, scope), scope)
		}
	}
}

func (p *pcf) scanDefaults() {
	names := make([]string, 0, len(p.table))
	for name := range p.table {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		n := p.table[name]
		if n.flags&nodeRaw != 0 {
			continue
		}
		if _, ok := p.main.get(name); ok {
			continue
		}
		p.scanValue(n.def(), nodeUser, nil)
	}
}

// lookup is pcf_lookup_parameter_value(): the value of name in a
// master.cf name space, in main.cf or its default.
func (p *pcf) lookup(defaults, nonDefault bool, name string, scope *masterEnt) (string, bool) {
	if !defaults {
		if scope != nil {
			if v, ok := scope.ro.get(name); ok {
				return v, true
			}
			if v, ok := scope.all.get(name); ok {
				return v, true
			}
		}
		if v, ok := p.main.get(name); ok {
			return v, true
		}
		if nonDefault {
			return "", false
		}
	}
	if n := p.table[name]; n != nil {
		return n.def(), true
	}
	return "", false
}

// expandValue is pcf_expand_parameter_value(): value with $name expanded
// recursively from main.cf and the defaults (-d: the defaults only).
func (p *pcf) expandValue(value string, scope *masterEnt) string {
	e := newExpander(expRecurse, func(name string, _ bool) (string, bool) {
		return p.lookup(p.opt.Defaults, false, name, scope)
	})
	e.warn = func(s string) { p.warnf("%s", s) }
	out, st := e.expand(value)
	if e.fatal != nil {
		p.fatalf("%s", e.fatal.msg)
	}
	if st&statusError != 0 {
		p.fatalf("macro processing error")
	}
	return out
}

// dbmsSuffixes are the parameters of Postfix's database clients, which
// postconf accepts as prefix_suffix in main.cf for a type:prefix table.
var dbmsSuffixes = map[string][]string{
	"ldap":     {"bind", "bind_dn", "bind_pw", "cache", "cache_expiry", "cache_size", "chase_referrals", "debuglevel", "dereference", "domain", "expansion_limit", "leaf_result_attribute", "query_filter", "recursion_limit", "result_attribute", "result_filter", "result_format", "sasl_authz_id", "sasl_mechs", "sasl_minssf", "sasl_realm", "scope", "search_base", "server_host", "server_port", "size_limit", "special_result_attribute", "start_tls", "terminal_result_attribute", "timeout", "tls_ca_cert_dir", "tls_ca_cert_file", "tls_cert", "tls_cipher_suite", "tls_key", "tls_random_file", "tls_require_cert", "version"},
	"mysql":    {"additional_conditions", "dbname", "domain", "expansion_limit", "hosts", "option_file", "option_group", "password", "query", "require_result_set", "result_format", "select_field", "table", "tls_CAfile", "tls_CApath", "tls_cert_file", "tls_ciphers", "tls_key_file", "tls_verify_cert", "user", "where_field"},
	"pgsql":    {"additional_conditions", "dbname", "domain", "expansion_limit", "hosts", "password", "query", "result_format", "select_field", "select_function", "table", "user", "where_field"},
	"sqlite":   {"additional_conditions", "dbpath", "domain", "expansion_limit", "query", "result_format", "select_field", "table", "where_field"},
	"memcache": {"backup", "data_size_limit", "domain", "flags", "key_format", "line_size_limit", "max_try", "memcache", "retry_pause", "timeout", "ttl"},
}

// splitTokens splits text at commas and white space, keeping {...}
// groups in one word (mystrtokq with CHARS_COMMA_SP).
func splitTokens(text string) []string {
	toks := tokenize(text)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.text
	}
	return out
}

// extpar takes the text inside {...} without stripping it, and says
// what is wrong with the braces (Postfix's extpar() without
// EXTPAR_FLAG_STRIP).
func extpar(text string) (string, string) {
	level := 1
	for i := 1; i < len(text); i++ {
		switch text[i] {
		case '}':
			level--
			if level == 0 {
				if i+1 < len(text) {
					return text[1:i], fmt.Sprintf("syntax error after '}' in \"%s\"", text)
				}
				return text[1:i], ""
			}
		case '{':
			level++
		}
	}
	return text[1:], fmt.Sprintf("missing '}' in \"%s\"", text)
}

func (p *pcf) dbmsWarn(scope *masterEnt, err string) {
	if scope != nil {
		p.warnf("master.cf:%s: %s", scope.namespace, err)
	} else {
		p.warnf("main.cf: %s", err)
	}
}

// registerDBMS is pcf_register_dbms_helper(): type:name tables of the
// database clients in an expanded value.
func (p *pcf) registerDBMS(value string, scope *masterEnt) {
	for _, tok := range splitTokens(value) {
		if tok[0] == '{' {
			inner, err := extpar(tok)
			if err != "" {
				p.dbmsWarn(scope, err)
			}
			p.registerDBMS(inner, scope)
			continue
		}
		typ, rest, ok := strings.Cut(tok, ":")
		for ok && typ == "proxy" {
			typ, rest, ok = strings.Cut(rest, ":")
		}
		if !ok {
			continue
		}
		suffixes, known := dbmsSuffixes[typ]
		switch {
		case strings.HasPrefix(rest, "/"):
			if known {
				p.checkDBMSClient(typ, rest, suffixes)
			}
		case strings.HasPrefix(rest, "."):
		case strings.HasPrefix(rest, "{"):
			inner, err := extpar(rest)
			if err != "" {
				p.dbmsWarn(scope, err)
			}
			p.registerDBMS(inner, scope)
		case known:
			for _, s := range suffixes {
				p.flagUser(rest+"_"+s, nodeDBMS|nodeUser, scope)
			}
		}
	}
}

// checkDBMSClient reads a database client's configuration file and
// warns about the settings its client does not know.
func (p *pcf) checkDBMSClient(typ, path string, suffixes []string) {
	spec := typ + ":" + path
	if p.dbmsSeen[spec] {
		return
	}
	p.dbmsSeen[spec] = true
	st, err := os.Stat(path)
	if err != nil {
		if !errors.Is(err, fs.ErrPermission) {
			p.warnf("open \"%s\" configuration \"%s\": %s", typ, path, strerror(err))
		}
		return
	}
	if !st.Mode().IsRegular() {
		p.warnf("open \"%s\" configuration \"%s\": not a regular file", typ, path)
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !errors.Is(err, fs.ErrPermission) {
			p.warnf("open \"%s\" configuration \"%s\": %s", typ, path, strerror(err))
		}
		return
	}
	m, _ := parseMainCF(path, data, nil)
	for _, pr := range m.problems {
		p.report(path, pr)
	}
	d := newDict()
	for _, prm := range m.Params {
		d.set(prm.Name, prm.Value)
	}
	for _, s := range suffixes {
		d.del(s)
	}
	for _, name := range d.order {
		p.warnf("%s: unused parameter: %s=%s", spec, name, d.vals[name])
	}
}

func (p *pcf) show() {
	if len(p.opt.Names) > 0 {
		for _, name := range p.opt.Names {
			n := p.table[name]
			if n == nil {
				p.warnf("%s: unknown parameter", name)
				continue
			}
			p.printParam(name, n)
		}
		return
	}
	names := make([]string, 0, len(p.table))
	for name, n := range p.table {
		if n.flags&nodeClassMask != 0 {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		p.printParam(name, p.table[name])
	}
}

func (p *pcf) printParam(name string, n *node) {
	value, ok := p.lookup(p.opt.Defaults, p.opt.NonDefault, name, nil)
	if !ok {
		return
	}
	switch {
	case p.opt.HideValue:
		p.printLine(name)
	default:
		if p.opt.Expand && n.flags&nodeRaw == 0 {
			value = p.expandValue(value, nil)
		}
		if p.opt.HideName {
			p.printLine(value)
		} else {
			p.printLine(name + " = " + value)
		}
	}
}

// printLine prints text with its white space normalised (postconf's
// pcf_print_line()): words joined by one space, or with -f folded at 80
// columns with a four-space indent.
func (p *pcf) printLine(text string) {
	lineLen := 0
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }) {
		if lineLen > 0 {
			if !p.opt.Fold || lineLen+len(w) < 80 {
				p.out.WriteByte(' ')
				lineLen++
			} else {
				p.out.WriteString("\n    ")
				lineLen = 4
			}
		}
		p.out.WriteString(w)
		lineLen += len(w)
	}
	p.out.WriteByte('\n')
}

func (p *pcf) flagUnusedMain() {
	for _, name := range p.main.names() {
		if p.table[name] == nil {
			v, _ := p.main.get(name)
			p.warnf("%s/main.cf: unused parameter: %s=%s", p.configDir, name, v)
		}
	}
}

func (p *pcf) flagUnusedMaster() {
	for _, e := range p.master {
		if e.all == nil {
			continue
		}
		for _, name := range e.all.names() {
			if p.table[name] == nil && !e.valid[name] {
				v, _ := e.all.get(name)
				p.warnf("%s/master.cf: unused parameter: %s=%s", p.configDir, name, v)
			}
		}
	}
}
