package sendmail

import (
	"flag"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"mailcc/internal/testenv"
	"mailcc/ir"
)

var update = flag.Bool("update", false, "rewrite the golden IR dumps of corpus/mc")

// irDecls renders what an ir.Config says the .cf declares, in the form
// the differential test compares: the maps, classes, class files,
// macros, options, mailers, mail filters and queue groups.
func irDecls(cfg *ir.Config) *decls {
	d := newDecls()
	for _, t := range cfg.Tables {
		if t.Kind == ir.AliasTable {
			continue
		}
		d.K[t.Name] = squeeze(t.Backend.Spec)
	}
	for _, c := range cfg.Classes {
		var words []string
		for _, m := range c.Members {
			if m.From == "" {
				words = append(words, m.Value)
			}
		}
		if len(words) > 0 {
			d.addClass(c.Name, words)
		}
		for _, f := range c.Files {
			d.F[c.Name] = append(d.F[c.Name], renderClassFile(f))
		}
	}
	for _, o := range cfg.Options {
		if strings.HasPrefix(o.Name, "$") {
			name := strings.Trim(o.Name[1:], "{}")
			d.D[name] = o.Raw
			continue
		}
		d.O[o.Name] = append(d.O[o.Name], squeeze(o.Raw))
	}
	for _, l := range cfg.Listeners {
		d.O["DaemonPortOptions"] = append(d.O["DaemonPortOptions"], squeeze(l.Spec))
	}
	for _, s := range cfg.Client.Overrides {
		if s.Name == "ClientPortOptions" {
			d.O["ClientPortOptions"] = append(d.O["ClientPortOptions"], squeeze(s.Value))
		}
	}
	for _, m := range cfg.Mailers {
		fields := []string{"P=" + m.Path, "F=" + m.Flags}
		for _, e := range m.Equates {
			fields = append(fields, e.Name+"="+e.Value)
		}
		fields = append(fields, "A="+m.Args)
		d.M[m.Name] = normFields(fields)
	}
	for _, m := range cfg.Milters {
		var fields []string
		if m.Socket != "" {
			fields = append(fields, "S="+m.Socket)
		}
		if m.Flags != "" {
			fields = append(fields, "F="+m.Flags)
		}
		if m.Timeouts != "" {
			fields = append(fields, "T="+m.Timeouts)
		}
		for _, e := range m.Equates {
			fields = append(fields, e.Name+"="+e.Value)
		}
		d.X[m.Name] = normFields(fields)
	}
	for _, o := range cfg.Opaque {
		if o.Kind == "QUEUE_GROUP" {
			d.Q[o.Name] = fieldsNorm(o.Text)
		}
	}
	return d
}

func normFields(fields []string) string {
	var out []string
	for _, f := range fields {
		name, val, _ := strings.Cut(f, "=")
		out = append(out, strings.TrimSpace(name)+"="+squeeze(val))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

func renderClassFile(f ir.ClassFile) string {
	s := ""
	if f.Optional {
		s = "-o "
	}
	if f.Program {
		s += "|"
	}
	s += f.Path
	if f.Format != "" {
		s += " " + f.Format
	}
	return squeeze(s)
}

// normalize puts a .cf's declarations in the IR's terms: M, X and Q
// fields in sorted order, class files parsed, $={class} words replaced by
// that class's words.
func (d *decls) normalize() *decls {
	for k, v := range d.M {
		d.M[k] = normFields(strings.Split(v, ", "))
	}
	for k, v := range d.X {
		d.X[k] = normFields(strings.Split(v, ", "))
	}
	for k, vs := range d.F {
		for i, v := range vs {
			vs[i] = renderClassFile(parseClassFile(v))
		}
		d.F[k] = vs
	}
	for _, words := range d.C {
		for w := range words {
			if strings.HasPrefix(w, "$={") && strings.HasSuffix(w, "}") {
				delete(words, w)
				for o := range d.C[w[3:len(w)-1]] {
					words[o] = true
				}
			}
		}
	}
	return d
}

// TestIRAgainstGNU lowers every .mc of the corpora that GNU m4 compiles
// and checks that the IR's maps, classes, macros, options, mailers and
// filters are what the m4-generated sendmail.cf declares; that the IR is
// the same when the cf library cannot be found; and that it survives a
// YAML round trip.
func TestIRAgainstGNU(t *testing.T) {
	m4bin := testenv.Tool(t, "m4")
	cfDir := testenv.CFDir(t)
	files := mcCorpus(t)
	agree, compared := 0, 0
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f)) + "/" + filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			mc := prepareMC(t, f, dir, filepath.Join(cfDir, "m4", "cf.m4"))
			cf, ok, _ := gnuCF(t, m4bin, cfDir, mc)
			cfg, _ := Load(mc, nil, Options{})
			testenv.RoundTrip(t, cfg)
			// the same .mc naming a cf library that is not there
			nolib := prepareMC(t, f, dir, "/nonexistent/sendmail-cf/m4/cf.m4")
			cfg2, _ := Load(nolib, nil, Options{})
			if diff := cmp.Diff(cfg, cfg2, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("the IR depends on the cf library being installed (-with +without):\n%s", diff)
			}
			if !ok {
				// Checked above (round trip, no dependence on the
				// library); there is no .cf to compare with.
				t.Logf("GNU m4 does not compile %s: no .cf to compare", name)
				return
			}
			compared++
			want, _ := ParseCF("sendmail.cf", cf)
			d := declsOf(want).normalize().diff(irDecls(cfg))
			if known := knownDiffs[filepath.Base(f)]; known != nil {
				var rest []string
				for _, x := range d {
					if !known.MatchString(x) {
						rest = append(rest, x)
					}
				}
				d = rest
			}
			if len(d) > 0 {
				t.Errorf("%d differences between the IR and the .cf GNU m4 generates:\n  %s", len(d), strings.Join(d, "\n  "))
				return
			}
			agree++
		})
	}
	t.Logf("%d of %d .mc files GNU m4 compiles: the IR's declarations agree with the .cf", agree, compared)
}

// TestGoldenIR compares the IR of each project corpus case with its
// golden dump (corpus/mc/<case>/ir.yaml, diagnostics in diagnostics.txt);
// -update rewrites them.
func TestGoldenIR(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(testenv.Root(), "corpus", "mc", "*"))
	if len(dirs) == 0 {
		t.Fatal("no corpus/mc cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var cfg *ir.Config
			var diags string
			mcs, _ := filepath.Glob(filepath.Join(dir, "*.mc"))
			if len(mcs) != 1 {
				t.Fatalf("%s: want one .mc, have %v", dir, mcs)
			}
			testenv.InDir(t, dir, func() {
				c, d := Load(filepath.Base(mcs[0]), nil, Options{Root: "."})
				cfg, diags = c, d.Format(100)
			})
			testenv.RoundTrip(t, cfg)
			got, err := ir.Marshal(cfg)
			if err != nil {
				t.Fatal(err)
			}
			testenv.Golden(t, filepath.Join(dir, "ir.yaml"), got, *update)
			testenv.Golden(t, filepath.Join(dir, "diagnostics.txt"), []byte(diags), *update)
		})
	}
}
