// Package cfparse finds out which MTA a configuration belongs to and
// lowers it into the IR with the parser of that MTA's package
// (cfparse/sendmail, cfparse/postfix).
//
// # Syntax
//
// A configuration is named by a folder or by files. A folder laid out
// like /etc/mail (it holds a sendmail.mc, or exactly one .mc) is
// sendmail's; one laid out like /etc/postfix (it holds main.cf) is
// Postfix's. Files: a .mc (or a file that includes cf.m4) is sendmail's;
// main.cf and master.cf are Postfix's (the folder holding them is the
// configuration directory).
//
// # Semantics
//
// Paths the configuration names are read under Options.Root when it is
// set (a configuration kept in a repository or copied out of /etc). A
// table or class file under /etc/mail or /etc/postfix that does not exist
// falls back to the file of that name beside the .mc or main.cf, and the
// IR's Sources note says so.
//
// # Diagnostics
//
// Errors and warnings are positioned (file:line:col) and sorted; an
// error in one file does not stop the others from being read.
package cfparse

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"mailcc/cfparse/postfix"
	"mailcc/cfparse/sendmail"
	"mailcc/ir"
	"mailcc/source"
)

// Options configure Load.
type Options struct {
	// From forces the dialect ("sendmail" or "postfix"); empty: detect.
	From ir.Dialect
	// Root resolves the absolute paths the configuration names.
	Root string
	// SkipTables: do not read the text sources of tables.
	SkipTables bool
}

// Load reads the configuration named by args (a folder, or files) and
// lowers it. err is set when there is nothing to read (no such folder,
// no configuration in it); problems in the configuration itself are
// diagnostics.
func Load(args []string, opts Options) (*ir.Config, source.Diagnostics, error) {
	dialect, target, err := detect(args, opts.From)
	if err != nil {
		return nil, nil, err
	}
	switch dialect {
	case ir.Sendmail:
		cfg, diags := sendmail.Load(target, nil, sendmail.Options{Root: opts.Root, SkipTables: opts.SkipTables})
		return cfg, diags, nil
	case ir.Postfix:
		cfg, diags := postfix.Load(target, postfix.LoadOptions{Root: opts.Root, SkipTables: opts.SkipTables})
		return cfg, diags, nil
	}
	return nil, nil, fmt.Errorf("unknown configuration dialect %q (sendmail or postfix)", dialect)
}

// detect decides the dialect and what to read: the .mc for sendmail,
// the configuration directory for Postfix.
func detect(args []string, from ir.Dialect) (ir.Dialect, string, error) {
	if len(args) == 0 {
		return "", "", fmt.Errorf("no configuration named: give a folder (/etc/mail, /etc/postfix) or a .mc, main.cf or master.cf")
	}
	var mc, pfDir string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return "", "", fmt.Errorf("%s: %w", a, unwrap(err))
		}
		if st.IsDir() {
			m, p := inspectDir(a)
			if from == ir.Postfix || (from == "" && m == "" && p != "") {
				if p == "" {
					return "", "", fmt.Errorf("%s: no main.cf in this folder", a)
				}
				pfDir = a
				continue
			}
			if m == "" && p != "" {
				return "", "", fmt.Errorf("%s holds a Postfix configuration (main.cf), not sendmail's", a)
			}
			if m == "" {
				return "", "", fmt.Errorf("%s: neither a sendmail.mc nor a main.cf in this folder", a)
			}
			mc = m
			continue
		}
		switch base := filepath.Base(a); {
		case base == "main.cf" || base == "master.cf":
			pfDir = filepath.Dir(a)
		case from == ir.Postfix:
			return "", "", fmt.Errorf("%s: not a main.cf or master.cf", a)
		default:
			mc = a
		}
	}
	switch {
	case mc != "" && pfDir != "":
		return "", "", fmt.Errorf("both a sendmail configuration (%s) and a Postfix one (%s) named: lower one at a time", mc, pfDir)
	case mc != "":
		if from == ir.Postfix {
			return "", "", fmt.Errorf("%s is a sendmail configuration, not Postfix's", mc)
		}
		return ir.Sendmail, mc, nil
	case pfDir != "":
		if from == ir.Sendmail {
			return "", "", fmt.Errorf("%s holds a Postfix configuration, not sendmail's", pfDir)
		}
		return ir.Postfix, pfDir, nil
	}
	return "", "", fmt.Errorf("no configuration found in %s", strings.Join(args, " "))
}

// inspectDir finds the .mc and main.cf of a folder.
func inspectDir(dir string) (mc, mainCF string) {
	if _, err := os.Stat(filepath.Join(dir, "sendmail.mc")); err == nil {
		mc = filepath.Join(dir, "sendmail.mc")
	} else if mcs, _ := filepath.Glob(filepath.Join(dir, "*.mc")); len(mcs) == 1 {
		mc = mcs[0]
	}
	if _, err := os.Stat(filepath.Join(dir, "main.cf")); err == nil {
		mainCF = filepath.Join(dir, "main.cf")
	}
	return mc, mainCF
}

func unwrap(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
