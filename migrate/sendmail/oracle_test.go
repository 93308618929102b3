package sendmail_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailcc/internal/oracle/pforacle"
	"mailcc/internal/oracle/smoracle"
	"mailcc/internal/testenv"
	"mailcc/migrate/report"
	"mailcc/migrate/sendmail"
	"mailcc/runtime/probe"
)

// copyCaseFile copies a file of the oracle's own (hosts, hostname) from
// the case into the migrated configuration, when the case has it.
func copyCaseFile(t *testing.T, from, to, name string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(from, name))
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(to, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// postfixLimit lets one private Postfix start at a time: several
// starting at once have been seen to wedge (migrate/postfix's tests).
var postfixLimit = make(chan struct{}, 1)

// postfixAnswers asks the real Postfix the probes on the configuration
// as it is written (pforacle.Options.AsConfigured), within 90 seconds.
func postfixAnswers(dir string, probes []probe.Probe) ([]probe.Result, error) {
	postfixLimit <- struct{}{}
	defer func() { <-postfixLimit }()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	res, _, err := pforacle.RunContext(ctx, dir, probes, pforacle.Options{AsConfigured: true})
	return res, err
}

// TestEquivalence: the real sendmail (smoracle) runs the migrated
// configuration of every Postfix case of corpus/trace and answers the
// case's probes; each answer is compared with the real Postfix's on the
// original configuration, every probe asked of the smtpd as configured
// (pforacle.Options.AsConfigured): the corpus's expected.jsonl is
// recorded with the shared oracle's convention, which asks connect and
// mail probes with smtpd_delay_reject = no whatever main.cf says, and
// so is not what the configuration being migrated does. A disagreement counts as predicted when the report
// has a non-exact item that describes the probe. The test fails when
// sendmail cannot run the configuration or cannot answer a probe, and
// for every disagreement the report does not predict; the figures are
// logged, with the target of 98% agreement per case.
func TestEquivalence(t *testing.T) {
	testenv.Tool(t, "m4")
	testenv.Tool(t, "postfix")
	testenv.CFDir(t)
	bin := testenv.SendmailPrograms(t)
	var mu sync.Mutex
	var tallies []report.Tally
	t.Run("cases", func(t *testing.T) {
		for _, c := range traceCases(t, "pf-") {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				res := migrate(t, load(t, c.dir), sendmail.Options{})
				dir := t.TempDir()
				writeFiles(t, dir, res)
				copyCaseFile(t, c.dir, dir, "hosts")
				copyCaseFile(t, c.dir, dir, "hostname")
				probes, _, hosts, err := report.ReadCase(c.dir)
				if err != nil {
					t.Fatal(err)
				}
				want, err := postfixAnswers(c.dir, probes)
				if errors.Is(err, pforacle.ErrNoNamespace) {
					testenv.Missing(t, "unshare(CLONE_NEWUTS|CLONE_NEWNET) (root or CAP_SYS_ADMIN)")
				}
				if err != nil {
					t.Fatalf("the real Postfix cannot run the case: %v", err)
				}
				if len(want) != len(probes) {
					t.Fatalf("Postfix: %d answers for %d probes", len(want), len(probes))
				}
				got, meta, err := smoracle.Run(dir, probes, smoracle.Options{BinDir: bin, Workers: 4, FoldAliasNames: true})
				if err != nil && strings.Contains(err.Error(), "private UTS") {
					testenv.Missing(t, "private namespaces for sendmail (run as root)")
				}
				if err != nil {
					t.Fatalf("sendmail cannot run the migrated configuration: %v", err)
				}
				if len(got) != len(probes) {
					t.Fatalf("%d answers for %d probes", len(got), len(probes))
				}
				// a route through a mailer with a port of its own is
				// Postfix's next hop host:port
				report.ViaPorts(got, meta.MailerPorts)
				tl := report.Check(t, c.name, "postfix", "sendmail", probes, want, got, res.Report.Predicts, hosts, os.Getenv("MIGRATE_VERBOSE") != "")
				t.Logf("%s: %d of %d probes agree; %d differ, %d of them predicted by the report (which also flags %d that agree)",
					c.name, tl.Agree, tl.Total, tl.Differ, tl.Predicted, tl.Flagged)
				mu.Lock()
				tallies = append(tallies, tl)
				mu.Unlock()
			})
		}
	})
	t.Log(report.Table("postfix -> sendmail equivalence", tallies))
}
