package postfix

import (
	"bytes"
	"flag"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"mailcc/internal/testenv"
	"mailcc/ir"
)

var update = flag.Bool("update", false, "rewrite the golden IR dumps of corpus/postfix")

// testHost pins the host-dependent defaults of the golden dumps.
var testHost = &Host{Hostname: "mx.example.test", PID: 4242, Interfaces: []net.IPNet{
	{IP: net.IPv4(127, 0, 0, 1), Mask: net.CIDRMask(8, 32)},
	{IP: net.IPv4(192, 0, 2, 10), Mask: net.CIDRMask(24, 32)},
	{IP: net.ParseIP("::1"), Mask: net.CIDRMask(128, 128)},
}}

// corpusDirs are the Postfix configurations of both corpora.
func corpusDirs(t *testing.T) (project, shared []string) {
	project, _ = filepath.Glob(filepath.Join(testenv.Root(), "corpus", "postfix", "*", "main.cf"))
	if s := testenv.Shared(); s != "" {
		shared, _ = filepath.Glob(filepath.Join(s, "corpus", "postfix", "*", "main.cf"))
	}
	for i := range project {
		project[i] = filepath.Dir(project[i])
	}
	for i := range shared {
		shared[i] = filepath.Dir(shared[i])
	}
	return project, shared
}

// isTemplate reports whether a main.cf is a template of some
// configuration manager (Jinja, ERB, Salt, Puppet, installer
// placeholders) rather than a configuration Postfix reads as it is.
func isTemplate(data []byte) bool {
	for _, m := range []string{"{{", "{%", "<%", "%{", "PH_", "!POS_"} {
		if bytes.Contains(data, []byte(m)) {
			return true
		}
	}
	return false
}

// TestLowerCorpus lowers every Postfix configuration of both corpora:
// no panic, a valid IR that survives the YAML round trip, and positions
// that point into the files read.
func TestLowerCorpus(t *testing.T) {
	project, shared := corpusDirs(t)
	if len(project) == 0 {
		t.Fatal("no corpus/postfix cases")
	}
	for _, dir := range append(project, shared...) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			cfg, diags := Lower(dir, Options{Host: testHost})
			testenv.RoundTrip(t, cfg)
			for _, d := range cfg.Validate() {
				t.Errorf("invalid IR: %v", d)
			}
			for _, d := range diags {
				if d.Pos.Filename == "" {
					t.Errorf("diagnostic without a file: %v", d)
				}
			}
		})
	}
}

// TestGoldenIR compares the IR of each project corpus case with its
// golden dump (go test -update rewrites them).
func TestGoldenIR(t *testing.T) {
	project, _ := corpusDirs(t)
	for _, dir := range project {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var cfg *ir.Config
			var diags string
			testenv.InDir(t, dir, func() {
				c, d := Lower(".", Options{Root: ".", Host: testHost})
				cfg, diags = c, d.Format(100)
			})
			got, err := ir.Marshal(cfg)
			if err != nil {
				t.Fatal(err)
			}
			testenv.Golden(t, filepath.Join(dir, "ir.yaml"), got, *update)
			testenv.Golden(t, filepath.Join(dir, "diagnostics.txt"), []byte(diags), *update)
		})
	}
}

// comparedParams are the parameters whose value the IR holds in a typed
// field; TestIRAgainstPostconf checks each against postconf -x.
var comparedParams = []string{
	"myhostname", "mydomain", "myorigin", "smtpd_banner", "smtp_helo_name",
	"default_transport", "relay_transport", "recipient_delimiter", "relayhost",
	"mydestination", "relay_domains", "mynetworks",
	"smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
	"smtpd_relay_restrictions", "smtpd_recipient_restrictions", "smtpd_data_restrictions",
	"alias_maps", "virtual_alias_maps", "canonical_maps", "sender_canonical_maps",
	"recipient_canonical_maps", "smtp_generic_maps", "relocated_maps", "transport_maps",
	"smtpd_milters", "non_smtpd_milters", "masquerade_domains", "smtp_sasl_password_maps",
}

// TestIRAgainstPostconf checks, for every main.cf of both corpora that
// is not a template and that the real postconf reads, that the values
// the IR holds are what postconf -x prints: identity, domains, networks,
// restriction lists (restrictions, their tables and arguments, in
// order), the tables of each rewriting stage, routing and milters.
func TestIRAgainstPostconf(t *testing.T) {
	postconf := testenv.Tool(t, "postconf")
	project, shared := corpusDirs(t)
	agree, total := 0, 0
	// postconf sleeps a second after some warnings: run the cases side
	// by side.
	type run struct {
		dir, tmp string
		res      testenv.Result
		skip     bool
	}
	dirs := append(project, shared...)
	runs := make([]run, len(dirs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i, dir := range dirs {
		data, _ := os.ReadFile(filepath.Join(dir, "main.cf"))
		if isTemplate(data) {
			runs[i].skip = true
			continue
		}
		// postconf -c wants a folder with main.cf (and reads master.cf).
		tmp := t.TempDir()
		os.WriteFile(filepath.Join(tmp, "main.cf"), data, 0o644)
		if m, err := os.ReadFile(filepath.Join(dir, "master.cf")); err == nil {
			os.WriteFile(filepath.Join(tmp, "master.cf"), m, 0o644)
		}
		runs[i] = run{dir: dir, tmp: tmp}
		wg.Add(1)
		go func(r *run) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r.res = testenv.Run(t, r.tmp, nil, postconf, append([]string{"-x", "-c", r.tmp}, comparedParams...)...)
		}(&runs[i])
	}
	wg.Wait()
	for _, r := range runs {
		if r.skip {
			continue
		}
		dir, tmp, res := r.dir, r.tmp, r.res
		if res.Code != 0 {
			t.Logf("%s: postconf fails (%s); not compared", filepath.Base(dir), bytes.TrimSpace(res.Stderr))
			continue
		}
		want := map[string]string{}
		for _, line := range strings.Split(string(res.Stdout), "\n") {
			if name, value, ok := strings.Cut(line, " ="); ok {
				want[name] = strings.TrimPrefix(value, " ")
			}
		}
		cfg, _ := Lower(tmp, Options{SkipTables: true})
		got := irParams(cfg)
		total++
		ok := true
		for _, name := range comparedParams {
			w := normalise(name, want[name])
			g, modelled := got[name]
			if !modelled {
				continue
			}
			if w == nil {
				continue // a /file or a value the IR splits further
			}
			if len(g) == 1 {
				// postconf prints values without leading white space.
				g = []string{strings.TrimLeft(g[0], " \t")}
			}
			if diff := cmp.Diff(w, g); diff != "" {
				ok = false
				t.Errorf("%s: %s: the IR disagrees with postconf -x %s (-postconf +ir):\n%s", filepath.Base(dir), name, name, diff)
			}
		}
		if ok {
			agree++
		}
	}
	t.Logf("IR agrees with postconf -x on %d of %d main.cf files (%d parameters each)", agree, total, len(comparedParams))
	if total == 0 {
		t.Fatal("no main.cf compared")
	}
}

// normalise splits a postconf -x value as the IR holds it; nil when the
// value has /file elements (which the IR reads and inlines).
func normalise(name, value string) []string {
	switch name {
	case "myhostname", "mydomain", "myorigin", "smtpd_banner", "smtp_helo_name",
		"default_transport", "relay_transport", "recipient_delimiter":
		// postconf prints values without their leading white space.
		return []string{value}
	}
	var out []string
	for _, tk := range tokenize(value) {
		w := tk.text
		if strings.HasPrefix(strings.TrimPrefix(w, "!"), "/") {
			return nil
		}
		if strings.HasPrefix(w, "{") {
			return nil // a {...} milter or table with settings
		}
		switch name {
		case "mynetworks":
			w = strings.ToLower(w)
		case "mydestination", "relay_domains", "masquerade_domains":
			if _, isTable := tableType(strings.TrimPrefix(w, "!")); !isTable {
				w = strings.ToLower(strings.TrimSuffix(w, "."))
			}
		case "relayhost", "transport_maps", "smtp_sasl_password_maps":
			if len(out) == 1 {
				continue // the IR models the first
			}
		}
		if strings.HasSuffix(name, "_restrictions") {
			if _, isTable := tableType(w); !isTable {
				w = strings.ToLower(w)
			}
		}
		out = append(out, w)
	}
	if name == "mynetworks" {
		sortStrings(out)
	}
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// irParams renders the IR's typed fields as the parameters they came
// from, split into elements.
func irParams(cfg *ir.Config) map[string][]string {
	m := map[string][]string{
		"myhostname":          {cfg.Identity.Hostname.Value},
		"mydomain":            {cfg.Identity.Domain.Value},
		"myorigin":            {cfg.Identity.Origin.Value},
		"smtpd_banner":        {cfg.Identity.Banner.Value},
		"smtp_helo_name":      {cfg.Identity.HeloName.Value},
		"default_transport":   {cfg.Routing.DefaultMailer.Value},
		"relay_transport":     {cfg.Routing.RelayMailer.Value},
		"recipient_delimiter": {cfg.Rewrite.RecipientDelimiter},
	}
	domains := func(ds []ir.DomainMatch) []string {
		var out []string
		for _, d := range ds {
			s := d.Domain
			if d.Table != "" {
				s = d.Table
			}
			if d.OnlySubdomains {
				s = "." + s
			}
			if d.Negated {
				s = "!" + s
			}
			out = append(out, s)
		}
		return out
	}
	m["mydestination"] = domains(cfg.LocalDomains)
	m["relay_domains"] = domains(cfg.Relay.Domains)
	var nets []string
	for _, n := range cfg.Relay.Networks {
		s := n.Source
		if n.Negated {
			s = "!" + s
		}
		nets = append(nets, s)
	}
	nets = append(nets, domains(cfg.Relay.ClientNames)...)
	sortStrings(nets)
	m["mynetworks"] = nets
	for _, name := range []string{"smtpd_client_restrictions", "smtpd_helo_restrictions", "smtpd_sender_restrictions",
		"smtpd_relay_restrictions", "smtpd_recipient_restrictions", "smtpd_data_restrictions"} {
		m[name] = nil
	}
	for _, st := range cfg.Policy.Stages {
		var words []string
		for _, c := range st.Checks {
			words = append(words, c.Name)
			if c.Table != "" && !(c.Kind == ir.CheckAccess && c.Name == c.Table) {
				words = append(words, c.Table)
			} else {
				words = append(words, c.Args...)
			}
		}
		m[st.List] = words
	}
	for _, name := range []string{"alias_maps", "virtual_alias_maps", "canonical_maps", "sender_canonical_maps",
		"recipient_canonical_maps", "smtp_generic_maps", "relocated_maps"} {
		m[name] = nil
	}
	for _, st := range cfg.Rewrite.Stages {
		if st.Kind == ir.RewriteMasquerade {
			var ds []string
			for _, d := range st.Masquerade.Domains {
				if d.Negated {
					ds = append(ds, "!"+d.Domain)
				} else {
					ds = append(ds, d.Domain)
				}
			}
			m[st.Name] = ds
			continue
		}
		m[st.Name] = st.Tables
	}
	m["transport_maps"] = nil
	if cfg.Routing.Transport != nil {
		m["transport_maps"] = []string{cfg.Routing.Transport.Table}
	}
	m["relayhost"] = nil
	if cfg.Routing.SmartHost != nil {
		m["relayhost"] = []string{cfg.Routing.SmartHost.Raw}
	}
	m["smtp_sasl_password_maps"] = nil
	if cfg.Client.AuthTable != "" {
		m["smtp_sasl_password_maps"] = []string{cfg.Client.AuthTable}
	}
	m["smtpd_milters"], m["non_smtpd_milters"] = nil, nil
	for _, ml := range cfg.Milters {
		p := "smtpd_milters"
		if !ml.Input {
			p = "non_smtpd_milters"
		}
		m[p] = append(m[p], ml.Socket)
	}
	return m
}
