package einvoice

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits for hostile input. Real XRechnung files are below 1 MiB without
// attachments and rarely nest deeper than 12 elements; the bounds leave
// room for large embedded attachments but stop memory and stack exhaustion.
const (
	// MaxSize is the largest XML document Parse reads.
	MaxSize = 50 << 20
	// MaxDepth is the deepest element nesting Parse accepts.
	MaxDepth = 64
)

var (
	// ErrUnsafeXML reports a DTD, entity declaration or other directive.
	// E-invoice schemas never need them and they are the vehicle of XXE and
	// entity-expansion attacks, so they are refused rather than ignored.
	ErrUnsafeXML = errors.New("einvoice: unsafe xml (doctype or entity declaration)")
	// ErrTooLarge reports input beyond MaxSize.
	ErrTooLarge = errors.New("einvoice: xml too large")
	// ErrTooDeep reports element nesting beyond MaxDepth.
	ErrTooDeep = errors.New("einvoice: xml nested too deeply")
	// ErrMalformedXML reports input that is not well-formed XML.
	ErrMalformedXML = errors.New("einvoice: malformed xml")
)

// node is a minimal element tree. The parsers navigate by local name: the
// UBL and CII vocabularies never reuse a local name with two meanings under
// one parent, and matching on local names tolerates odd prefixes.
type node struct {
	space, local string
	attrs        []xml.Attr
	text         string
	kids         []*node
}

// readTree reads one XML document into a node tree, enforcing the limits.
func readTree(r io.Reader) (*node, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read xml: %w", err)
	}
	if n > MaxSize {
		return nil, fmt.Errorf("read xml: more than %d bytes: %w", MaxSize, ErrTooLarge)
	}
	data := buf.Bytes()
	// A DOCTYPE is refused before tokenising, independent of where the
	// decoder would stop.
	if bytes.Contains(data, []byte("<!DOCTYPE")) || bytes.Contains(data, []byte("<!ENTITY")) {
		return nil, fmt.Errorf("read xml: %w", ErrUnsafeXML)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = charsetReader

	var root *node
	var stack []*node
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read xml: %w: %w", ErrMalformedXML, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= MaxDepth {
				return nil, fmt.Errorf("read xml: depth over %d: %w", MaxDepth, ErrTooDeep)
			}
			nd := &node{space: t.Name.Space, local: t.Name.Local, attrs: t.Attr}
			if len(stack) == 0 {
				if root != nil {
					return nil, fmt.Errorf("read xml: second root element: %w", ErrMalformedXML)
				}
				root = nd
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, nd)
			}
			stack = append(stack, nd)
			text.Reset()
		case xml.EndElement:
			nd := stack[len(stack)-1]
			if len(nd.kids) == 0 {
				nd.text = strings.TrimSpace(text.String())
			}
			text.Reset()
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				text.Write(t)
			}
		case xml.Directive:
			return nil, fmt.Errorf("read xml: %w", ErrUnsafeXML)
		}
	}
	if root == nil {
		return nil, fmt.Errorf("read xml: no root element: %w", ErrMalformedXML)
	}
	return root, nil
}

// charsetReader accepts the encodings seen in e-invoices. UTF-8 is what the
// standards require; ISO-8859-1 occurs in older exports and maps 1:1 to
// Unicode code points, so it needs no external tables.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "latin1", "iso8859-1", "l1":
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(b)*2)
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("unsupported charset %q", label)
}

// child returns the first child with the given local name, or nil.
// Methods are nil-safe so lookups chain without checks.
func (n *node) child(local string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.local == local {
			return k
		}
	}
	return nil
}

// path follows a chain of first children.
func (n *node) path(locals ...string) *node {
	for _, l := range locals {
		n = n.child(l)
	}
	return n
}

// all returns every child with the given local name.
func (n *node) all(local string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		if k.local == local {
			out = append(out, k)
		}
	}
	return out
}

// str returns the trimmed text at path, or "".
func (n *node) str(locals ...string) string {
	if m := n.path(locals...); m != nil {
		return m.text
	}
	return ""
}

// attr returns the value of an unqualified attribute, or "".
func (n *node) attr(local string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// decoder collects the first amount error while mapping, so the mapping
// code stays a flat list of assignments.
type decoder struct {
	err error
}

// dec parses an optional amount at path; absent → nil.
func (d *decoder) dec(n *node, locals ...string) *Decimal {
	m := n.path(locals...)
	if m == nil {
		return nil
	}
	return d.decNode(m, strings.Join(locals, "/"))
}

func (d *decoder) decNode(m *node, what string) *Decimal {
	if m == nil {
		return nil
	}
	v, err := ParseDecimal(m.text)
	if err != nil {
		if d.err == nil {
			d.err = fmt.Errorf("%s %s: %w", m.local, what, err)
		}
		return nil
	}
	return &v
}

// val is dec for required amounts: absent or malformed → zero.
func (d *decoder) val(n *node, locals ...string) Decimal {
	if p := d.dec(n, locals...); p != nil {
		return *p
	}
	return Decimal{}
}
