package ir

import (
	"mailcc/source"
)

// position turns a Pos into a source.Position for diagnostics.
func (p Pos) position() source.Position {
	return source.Position{Filename: p.File, Line: p.Line, Column: p.Col}
}

// Table returns the table named name, or nil.
func (c *Config) Table(name string) *Table {
	for _, t := range c.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Class returns the class named name, or nil.
// Option is the option or main.cf parameter named name (the first),
// nil when the configuration does not set it.
func (c *Config) Option(name string) *Option {
	for i := range c.Options {
		if c.Options[i].Name == name {
			return &c.Options[i]
		}
	}
	return nil
}

func (c *Config) Class(name string) *Class {
	for i := range c.Classes {
		if c.Classes[i].Name == name {
			return &c.Classes[i]
		}
	}
	return nil
}

// Validate checks that the Config is consistent: table names are unique
// and every table a check, rewriting stage or routing refers to exists.
func (c *Config) Validate() source.Diagnostics {
	var diags source.Diagnostics
	seen := map[string]*Table{}
	for _, t := range c.Tables {
		if prev := seen[t.Name]; prev != nil {
			diags.Errorf(t.Pos.position(), "table %q is declared twice (first at %s)", t.Name, prev.Pos)
			continue
		}
		seen[t.Name] = t
	}
	ref := func(name string, pos Pos, what string) {
		if name != "" && seen[name] == nil {
			diags.Errorf(pos.position(), "%s refers to table %q, which is not declared", what, name)
		}
	}
	for _, st := range c.Policy.Stages {
		for _, ch := range st.Checks {
			ref(ch.Table, ch.Pos, string(st.Stage)+" check "+string(ch.Kind))
		}
	}
	for _, rs := range c.Rewrite.Stages {
		for _, t := range rs.Tables {
			ref(t, rs.Pos, "rewriting stage "+string(rs.Kind))
		}
	}
	if tr := c.Routing.Transport; tr != nil {
		ref(tr.Table, tr.Pos, "routing")
	}
	for _, t := range c.Routing.Local.Aliases {
		ref(t, Pos{}, "local delivery")
	}
	ref(c.Client.AuthTable, Pos{}, "the SMTP client")
	return diags
}
