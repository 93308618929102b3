package ir

import (
	"bytes"
	"encoding/json"
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

// EncodeJSON writes c as JSON with the same field names and order as
// the YAML encoding (one object per line's worth of indentation).
func EncodeJSON(w io.Writer, c *Config) error {
	var n yaml.Node
	if err := n.Encode(c); err != nil {
		return fmt.Errorf("encoding the IR: %w", err)
	}
	var b bytes.Buffer
	if err := writeJSON(&b, &n, ""); err != nil {
		return err
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

// writeJSON writes a YAML node tree as indented JSON.
func writeJSON(b *bytes.Buffer, n *yaml.Node, indent string) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			b.WriteString("null")
			return nil
		}
		return writeJSON(b, n.Content[0], indent)
	case yaml.MappingNode:
		if len(n.Content) == 0 {
			b.WriteString("{}")
			return nil
		}
		b.WriteString("{\n")
		for i := 0; i+1 < len(n.Content); i += 2 {
			b.WriteString(indent + "  ")
			writeJSONString(b, n.Content[i].Value)
			b.WriteString(": ")
			if err := writeJSON(b, n.Content[i+1], indent+"  "); err != nil {
				return err
			}
			if i+2 < len(n.Content) {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteString("[\n")
		for i, c := range n.Content {
			b.WriteString(indent + "  ")
			if err := writeJSON(b, c, indent+"  "); err != nil {
				return err
			}
			if i+1 < len(n.Content) {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float", "!!bool":
			b.WriteString(n.Value)
		case "!!null":
			b.WriteString("null")
		default:
			writeJSONString(b, n.Value)
		}
	case yaml.AliasNode:
		return writeJSON(b, n.Alias, indent)
	}
	return nil
}

// writeJSONString writes s as a JSON string.
func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s)
	b.Write(q)
}
