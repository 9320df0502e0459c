package einvoice

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Limits for hostile input. Real XRechnung files are below 1 MiB without
// attachments and rarely nest deeper than 12 elements; the bounds leave
// room for large embedded attachments but stop memory and stack exhaustion.
const (
	// MaxSize is the largest XML document Parse reads.
	MaxSize = 50 << 20
	// MaxDepth is the deepest element nesting Parse accepts.
	MaxDepth = 64
	// MaxElements is the largest number of elements Parse accepts. The
	// XRechnung test suite's largest invoice has 519 elements for 23 lines,
	// about 20 per line, so half a million allow some 20,000 richly
	// described lines. The tree costs about 230 bytes per element; the
	// bound keeps it near 110 MiB, where MaxSize alone would admit twelve
	// million "<a/>" elements and some 2.8 GiB.
	MaxElements = 500_000
	// maxNameLen bounds element names and namespace URIs. The longest in
	// UBL and CII are below 100 bytes; names end up in error messages.
	maxNameLen = 1024
)

var (
	// ErrUnsafeXML reports a DTD, entity declaration or other directive.
	// E-invoice schemas never need them and they are the vehicle of XXE and
	// entity-expansion attacks, so they are refused rather than ignored.
	ErrUnsafeXML = errors.New("einvoice: unsafe xml (doctype or entity declaration)")
	// ErrTooLarge reports input beyond MaxSize, or an element name or
	// namespace longer than any vocabulary uses.
	ErrTooLarge = errors.New("einvoice: xml too large")
	// ErrTooDeep reports element nesting beyond MaxDepth.
	ErrTooDeep = errors.New("einvoice: xml nested too deeply")
	// ErrTooManyElements reports a document with more than MaxElements
	// elements.
	ErrTooManyElements = errors.New("einvoice: xml has too many elements")
	// ErrMalformedXML reports input that is not well-formed XML.
	ErrMalformedXML = errors.New("einvoice: malformed xml")
	// ErrUnsupportedEncoding reports a character encoding other than UTF-8
	// and the single-byte Latin encodings older exports declare: EN 16931
	// syntaxes are exchanged in UTF-8, and UTF-16 is refused rather than
	// transcoded, as intake (package sniff) does.
	ErrUnsupportedEncoding = errors.New("einvoice: unsupported character encoding")
)

// node is a minimal element tree. The parsers navigate by local name: the
// UBL and CII vocabularies never reuse a local name with two meanings under
// one parent, and matching on local names tolerates odd prefixes.
type node struct {
	space, local string
	attrs        []xml.Attr
	text         string
	kids         []*node
	// endsWithBreak records that the whitespace trimmed off the end of text
	// held a line break. XRechnung's discount terms (BR-DE-18) must end
	// with one, and trimming would hide its absence.
	endsWithBreak bool
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readTree reads one XML document into a node tree, enforcing the limits.
// Everything outside the one root element must be whitespace, comments or
// processing instructions; directives (DOCTYPE, ENTITY) anywhere are refused.
func readTree(r io.Reader) (*node, error) {
	var buf bytes.Buffer
	if l, ok := r.(interface{ Len() int }); ok && l.Len() <= MaxSize {
		// One allocation of the right size instead of doubling up to it.
		buf.Grow(l.Len() + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read xml: %w", err)
	}
	if n > MaxSize {
		return nil, fmt.Errorf("read xml: more than %d bytes: %w", MaxSize, ErrTooLarge)
	}
	data := bytes.TrimPrefix(buf.Bytes(), utf8BOM)
	if isUTF16or32(data) {
		return nil, fmt.Errorf("read xml: utf-16 or utf-32 byte order: %w", ErrUnsupportedEncoding)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	// encoding/xml formats the CharsetReader error with %v; keep it to
	// return the sentinel.
	var charsetErr error
	dec.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		r, err := charsetReader(label, in)
		charsetErr = err
		return r, err
	}

	var root *node
	var stack []*node
	var text strings.Builder
	elements := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			switch {
			case charsetErr != nil:
				return nil, fmt.Errorf("read xml: %w", charsetErr)
			case hasMarkupDeclaration(data):
				// A DTD the tokenizer choked on is still a DTD: say so.
				return nil, fmt.Errorf("read xml: %w", ErrUnsafeXML)
			}
			return nil, fmt.Errorf("read xml: %w: %w", ErrMalformedXML, shortError{err})
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if elements++; elements > MaxElements {
				return nil, fmt.Errorf("read xml: more than %d elements: %w", MaxElements, ErrTooManyElements)
			}
			if len(stack) >= MaxDepth {
				return nil, fmt.Errorf("read xml: depth over %d: %w", MaxDepth, ErrTooDeep)
			}
			if len(t.Name.Local) > maxNameLen || len(t.Name.Space) > maxNameLen {
				return nil, fmt.Errorf("read xml: element name over %d bytes: %w", maxNameLen, ErrTooLarge)
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
				raw := text.String()
				nd.text = strings.TrimSpace(raw)
				nd.endsWithBreak = strings.ContainsAny(raw[len(strings.TrimRightFunc(raw, unicode.IsSpace)):], "\r\n")
			}
			text.Reset()
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, fmt.Errorf("read xml: text outside the root element: %w", ErrMalformedXML)
				}
				continue
			}
			if text.Len() == 0 {
				// Usually the whole text: size the buffer once, so a
				// 40 MiB attachment does not cost twice that in copies.
				text.Grow(len(t))
			}
			text.Write(t)
		case xml.Directive:
			return nil, fmt.Errorf("read xml: %w", ErrUnsafeXML)
		}
	}
	if root == nil {
		return nil, fmt.Errorf("read xml: no root element: %w", ErrMalformedXML)
	}
	return root, nil
}

// isUTF16or32 recognises UTF-16 and UTF-32 by byte order mark or by the
// zero bytes around a leading '<', which encoding/xml would report as
// invalid UTF-8.
func isUTF16or32(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	switch {
	case b[0] == 0xFE && b[1] == 0xFF, b[0] == 0xFF && b[1] == 0xFE:
		return true
	case b[0] == 0 && b[1] == '<', b[0] == '<' && b[1] == 0:
		return true
	case len(b) >= 4 && b[0] == 0 && b[1] == 0 && (b[2] == 0xFE || b[3] == '<'):
		return true
	}
	return false
}

// hasMarkupDeclaration reports "<!DOCTYPE" or "<!ENTITY" in any case
// anywhere in b. It runs only after a tokenizer error, to classify it.
func hasMarkupDeclaration(b []byte) bool {
	for {
		i := bytes.Index(b, []byte("<!"))
		if i < 0 {
			return false
		}
		b = b[i+2:]
		for _, kw := range []string{"doctype", "entity"} {
			if len(b) >= len(kw) && strings.EqualFold(string(b[:len(kw)]), kw) {
				return true
			}
		}
	}
}

// shortError caps the message of an error whose text can quote the input
// (names, entity references), keeping the cause for errors.Is.
type shortError struct{ err error }

func (e shortError) Error() string { return shortText(e.err.Error(), 200) }
func (e shortError) Unwrap() error { return e.err }

// shortText shortens s to at most n bytes without splitting a rune.
func shortText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// charsetReader accepts the encodings seen in e-invoices, the same set as
// intake (package sniff): UTF-8, which the standards require, and the
// single-byte Latin encodings of older German exports.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968":
		return in, nil
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "iso_8859-1:1987", "latin1", "latin-1", "l1",
		"iso-ir-100", "cp819", "ibm819":
		return charmap.ISO8859_1.NewDecoder().Reader(in), nil
	case "iso-8859-15", "iso8859-15", "iso_8859-15", "latin-9", "latin9", "l9":
		return charmap.ISO8859_15.NewDecoder().Reader(in), nil
	case "windows-1252", "cp1252", "x-cp1252":
		return charmap.Windows1252.NewDecoder().Reader(in), nil
	}
	return nil, fmt.Errorf("encoding %q (supported: UTF-8, ISO-8859-1, ISO-8859-15, windows-1252): %w",
		shortText(label, 40), ErrUnsupportedEncoding)
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
			// The message quotes the text, which can be megabytes.
			d.err = fmt.Errorf("%s %s: %w", m.local, what, shortError{err})
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
