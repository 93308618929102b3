package ir

import (
	"bytes"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

// MarshalYAML writes a position as "file:line:col".
func (p Pos) MarshalYAML() (any, error) { return p.String(), nil }

// UnmarshalYAML reads a position written by MarshalYAML.
func (p *Pos) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	q, err := ParsePos(s)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*p = q
	return nil
}

// IsZero lets omitempty leave unknown positions out.
func (p Pos) IsZero() bool { return p == Pos{} }

// Encode writes c in the canonical YAML encoding: fields in declaration
// order, lists in source order, empty fields left out, two-space indent.
func Encode(w io.Writer, c *Config) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return fmt.Errorf("encoding the IR: %w", err)
	}
	return enc.Close()
}

// Marshal returns the canonical YAML encoding of c.
func Marshal(c *Config) ([]byte, error) {
	var b bytes.Buffer
	err := Encode(&b, c)
	return b.Bytes(), err
}

// Decode reads a Config from its YAML encoding. Unknown fields are an
// error.
func Decode(r io.Reader) (*Config, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("decoding the IR: %w", err)
	}
	return &c, nil
}
