package postfix_test

import (
	"path/filepath"
	"testing"

	"mailcc/cfparse"
	"mailcc/ir"
	"mailcc/migrate/internal/irfacts"
	"mailcc/migrate/postfix"
)

// TestMigratedIR: sendmail → Postfix → IR differs from the original IR
// only in what the report lists. Every sendmail configuration of the
// corpora (the trace cases with their tables, and the .mc files of
// TestCorpusConfigurations) is migrated and the migration lowered as
// Postfix's; the facts both IRs hold (irFacts) are compared, and every
// question the original's tables answer (lookupsOf) is put to the
// migrated IR's tables (through the real postmap for those the IR keeps
// opaque). Every difference must be named by a report item that is not
// exact.
func TestMigratedIR(t *testing.T) {
	type config struct {
		name string
		cfg  *ir.Config
	}
	var cs []config
	for _, c := range smCases(t) {
		cs = append(cs, config{c.name, loadSendmailCase(t, c)})
	}
	for _, mc := range corpusMCs(t) {
		cfg, _, err := cfparse.Load([]string{mc}, cfparse.Options{Root: t.TempDir()})
		if err != nil {
			t.Fatalf("%s: not loaded: %v", mc, err)
		}
		cs = append(cs, config{filepath.Base(filepath.Dir(mc)) + "/" + filepath.Base(mc), cfg})
	}
	total, same, listed := 0, 0, 0
	for _, c := range cs {
		res, err := postfix.Migrate(c.cfg, postfix.Options{Provenance: true})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		dir := t.TempDir()
		writeFiles(t, dir, res)
		mig := loadPostfix(t, dir)
		x := irfacts.NewExplainer(res.Report, irfacts.Provenance(res.Files))
		n1, d1 := irfacts.CompareFacts(irfacts.Facts(c.cfg), irfacts.Facts(mig), x)
		ans := irfacts.NewPostfixAnswers(t, mig, dir)
		n2, d2 := irfacts.CompareLookups(irfacts.SendmailLookups(c.cfg), ans, ans.Extras(), x)
		total += n1 + n2
		same += n1 + n2 - len(d1) - len(d2)
		listed += irfacts.Check(t, c.name, "sendmail → Postfix", append(d1, d2...))
	}
	t.Logf("sendmail → Postfix → IR on %d configurations: %d facts and lookups, %d the same, %d differ as the report lists", len(cs), total, same, listed)
}
