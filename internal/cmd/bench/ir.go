package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// irStatsCase parses and lowers a sendmail configuration with a
// 1,000,000-entry access map and a 100,000-entry aliases file (mailcc ir
// --stats: the whole IR is built, counts are printed instead of it) and
// compares it with the real makemap building the hash map of the same
// access source. mailcc's run is checked first: both tables loaded whole,
// no errors.
func irStatsCase(name string) benchCase {
	const accessN, aliasesN = 1000000, 100000
	return benchCase{name: name, target: 0.25, memory: true, setup: func(dir string) ([]string, []string, error) {
		makemap := filepath.Join(cache(), "sendmail-bin", "usr", "sbin", "makemap")
		if _, err := os.Stat(makemap); err != nil {
			return nil, nil, fmt.Errorf("sendmail's makemap is needed (make deps): %w", err)
		}
		mc := "divert(-1)\n# mailcc bench: a mail hub with large tables\ndivert(0)dnl\n" +
			"OSTYPE(`linux')dnl\nDOMAIN(`generic')dnl\nFEATURE(`access_db')dnl\n" +
			"MAILER(`local')dnl\nMAILER(`smtp')dnl\n"
		if err := os.WriteFile(filepath.Join(dir, "sendmail.mc"), []byte(mc), 0o644); err != nil {
			return nil, nil, err
		}
		// DOMAIN(generic) reads class w from local-host-names
		hosts := "# this host's names\nmail.example.com\nexample.com\nexample.org\n"
		if err := os.WriteFile(filepath.Join(dir, "local-host-names"), []byte(hosts), 0o644); err != nil {
			return nil, nil, err
		}
		if err := writeLines(filepath.Join(dir, "access"), accessN, mixedAccessLine); err != nil {
			return nil, nil, err
		}
		if err := writeLines(filepath.Join(dir, "aliases"), aliasesN, aliasLine); err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "empty.cf"), nil, 0o644); err != nil {
			return nil, nil, err
		}
		// run in dir, --root .: /etc/mail/access and /etc/mail/aliases are
		// looked for under dir (not on this host), then found beside the .mc
		return []string{makemap, "-C", "empty.cf", "hash", "access", "<access"},
			[]string{*mailcc, "ir", "--stats", "--root", ".", "."}, nil
	}, check: func(out string) error {
		stats := map[string]string{}
		for _, l := range strings.Split(out, "\n") {
			if k, v, ok := strings.Cut(l, "\t"); ok {
				stats[k] = v
			}
		}
		for _, want := range []struct {
			key string
			n   int
		}{{"entries:access", accessN}, {"entries:aliases", aliasesN}, {"errors", 0}} {
			if n, err := strconv.Atoi(stats[want.key]); err != nil || n != want.n {
				return fmt.Errorf("mailcc ir --stats: %s is %q, want %d:\n%s", want.key, stats[want.key], want.n, out)
			}
		}
		return nil
	}}
}

// writeLines writes the n entries line(i) renders, for i from 0.
func writeLines(path string, n int, line func(w *bufio.Writer, i int)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := 0; i < n; i++ {
		line(w, i)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// mixedAccessLine renders access entry i, cycling through the key forms
// of access(5) (IPv4 addresses and prefixes, IPv6, domains, hosts, user@,
// user@domain, untagged and with Connect:, From:, To:, Spam: tags) and
// its values (OK, RELAY, REJECT, DISCARD, SKIP, FRIEND, ERROR: with and
// without an enhanced status code); now and then a comment or an empty
// line comes before it. Keys hold i, so none repeats (once folded).
func mixedAccessLine(w *bufio.Writer, i int) {
	if i%1000 == 0 {
		fmt.Fprintf(w, "# block %d: entries added by the abuse desk\n", i/1000)
	} else if i%997 == 0 {
		w.WriteString("\n")
	}
	j := i >> 4 // unique within each of the 16 forms: IPv4 octets from it
	hi, lo := j>>8, j&255
	switch i % 16 {
	case 0:
		fmt.Fprintf(w, "Connect:10.%d.%d\tRELAY\n", hi, lo) // a /24
	case 1:
		fmt.Fprintf(w, "Connect:IPv6:2001:db8:%x:%x\tREJECT\n", i>>16, i&0xffff)
	case 2:
		fmt.Fprintf(w, "From:Spammer%d@Bad%d.Example\tERROR:5.7.1:550 Mail from your domain is refused\n", i, i%977)
	case 3:
		fmt.Fprintf(w, "To:user%d@Customer%d.Example.COM\tOK\n", i, i%1013)
	case 4:
		fmt.Fprintf(w, "host%d.partner%d.example\tRELAY\n", i, i%331)
	case 5:
		fmt.Fprintf(w, "Spam:friend%d@example.org\tFRIEND\n", i)
	case 6:
		fmt.Fprintf(w, "172.%d.%d\tREJECT\n", hi, lo) // untagged
	case 7:
		fmt.Fprintf(w, "Connect:dialup%d.isp.example\tERROR:\"550 Dial-up hosts may not send mail directly\"\n", i)
	case 8:
		fmt.Fprintf(w, "From:newsletter%d@\tDISCARD\n", i)
	case 9:
		fmt.Fprintf(w, "To:postmaster@client%d.example\tOK\n", i)
	case 10:
		fmt.Fprintf(w, "IPv6:2001:db8:0:0:0:0:%x:%x\tOK\n", i>>16, i&0xffff) // in full, as sendmail writes it
	case 11:
		fmt.Fprintf(w, "From:bulk%d.example.net\tERROR:4.7.1:450 Try again later\n", i)
	case 12:
		fmt.Fprintf(w, "Connect:192.168.%d.%d\tDISCARD\n", hi, lo)
	case 13:
		fmt.Fprintf(w, "relay%d.example.com\tSKIP\n", i)
	case 14:
		fmt.Fprintf(w, "203.0.%d.%d\tREJECT\n", hi, lo)
	default:
		fmt.Fprintf(w, "From:abuse%d@Example%d.com\tRELAY\n", i, i%101)
	}
}

// aliasLine renders alias i: a local user, lists continued on indented
// lines, programs, files, :include: lists, owner- and -request aliases
// and addresses elsewhere; now and then a comment comes before it.
func aliasLine(w *bufio.Writer, i int) {
	if i%500 == 0 {
		fmt.Fprintf(w, "# department %d\n", i/500)
	}
	switch i % 10 {
	case 0:
		fmt.Fprintf(w, "user%d: local%d\n", i, i)
	case 1:
		fmt.Fprintf(w, "list%d: alice%d, bob%d@example.org,\n\tcarol%d,\n\t\\dave%d\n", i, i, i, i, i)
	case 2:
		fmt.Fprintf(w, "vacation%d: \\vacation%d, \"|/usr/bin/vacation vacation%d\"\n", i, i, i)
	case 3:
		fmt.Fprintf(w, "archive%d: /var/spool/archive/%d\n", i, i)
	case 4:
		fmt.Fprintf(w, "staff%d: :include:/etc/mail/lists/staff%d\n", i, i)
	case 5:
		fmt.Fprintf(w, "owner-staff%d: admin%d\n", i-1, i)
	case 6:
		fmt.Fprintf(w, "Team%d:\tlead%d,\n    member%d-a,\n    member%d-b,\n    member%d-c@partner.example\n", i, i, i, i, i)
	case 7:
		fmt.Fprintf(w, "ticket%d: \"|/usr/local/bin/ticket --queue %d\"\n", i, i%50)
	case 8:
		fmt.Fprintf(w, "former%d: former%d@newjob%d.example.com\n", i, i, i%211)
	default:
		fmt.Fprintf(w, "staff%d-request: owner-staff%d\n", i-5, i-5)
	}
}
