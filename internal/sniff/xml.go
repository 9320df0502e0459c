package sniff

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// Root element namespaces of the e-invoice syntaxes (XRechnung 3.0,
// ZUGFeRD/Factur-X).
const (
	nsUBLInvoice    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	nsUBLCreditNote = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
	nsCII           = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
	nsZUGFeRD1      = "urn:ferd:CrossIndustryDocument:invoice:1p0"
)

// detectXML streams the whole document once: the root element decides
// the kind, and reading to the end proves the document well-formed and
// free of DTDs, so later stages can parse it without their own guards.
func detectXML(r io.ReaderAt, size int64, o Options) (Result, error) {
	if size > o.MaxXMLBytes {
		return Result{}, fmt.Errorf("xml of %d bytes exceeds limit of %d: %w", size, o.MaxXMLBytes, ErrTooLarge)
	}
	sr := io.NewSectionReader(r, 0, size)
	var in io.Reader = sr

	var bom [3]byte
	n, _ := sr.ReadAt(bom[:], 0)
	switch {
	case n >= 3 && bytes.Equal(bom[:3], utf8BOM):
		// encoding/xml does not skip a byte order mark.
		in = io.NewSectionReader(r, 3, size-3)
	case n >= 2 && (bom[0] == 0xFE && bom[1] == 0xFF || bom[0] == 0xFF && bom[1] == 0xFE):
		return Result{}, fmt.Errorf("xml: utf-16 encoding: %w", ErrUnsupported)
	}

	d := xml.NewDecoder(in)
	d.Strict = true
	d.CharsetReader = charsetReader

	var (
		root   xml.Name
		seen   bool
		depth  int
		closed bool
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if errors.Is(err, ErrUnsupported) {
				return Result{}, fmt.Errorf("xml declaration: %w", err)
			}
			return Result{}, fmt.Errorf("xml: %w: %w", ErrBroken, short(err))
		}
		switch t := tok.(type) {
		case xml.Directive:
			// <!DOCTYPE ...>, <!ENTITY ...>: an internal DTD can define
			// entity expansion bombs, an external one fetches from the net.
			// No e-invoice syntax uses a DTD.
			kw := strings.Fields(string(t))
			what := "markup declaration"
			if len(kw) > 0 {
				what = "<!" + kw[0]
			}
			return Result{}, fmt.Errorf("xml: %s found, DTD declarations are not allowed: %w", what, ErrUnsafeXML)
		case xml.StartElement:
			if closed {
				return Result{}, fmt.Errorf("xml: second root element %q: %w", t.Name.Local, ErrBroken)
			}
			depth++
			if depth > o.MaxXMLDepth {
				return Result{}, fmt.Errorf("xml: element nesting deeper than %d: %w", o.MaxXMLDepth, ErrUnsafeXML)
			}
			if !seen {
				root, seen = t.Name, true
			}
		case xml.EndElement:
			depth--
			if depth == 0 {
				closed = true
			}
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return Result{}, fmt.Errorf("xml: text outside the root element: %w", ErrBroken)
			}
		}
	}
	if !seen {
		return Result{}, fmt.Errorf("xml: no root element: %w", ErrBroken)
	}
	return classifyXMLRoot(root), nil
}

// classifyXMLRoot maps the root element to a kind. Local name and
// namespace must both match: an <Invoice> in some other namespace is not
// UBL.
func classifyXMLRoot(n xml.Name) Result {
	switch {
	case n.Space == nsUBLInvoice && n.Local == "Invoice":
		return Result{Kind: records.KindXMLUBL, Detail: "UBL Invoice"}
	case n.Space == nsUBLCreditNote && n.Local == "CreditNote":
		return Result{Kind: records.KindXMLUBL, Detail: "UBL CreditNote"}
	case n.Space == nsCII && n.Local == "CrossIndustryInvoice":
		return Result{Kind: records.KindXMLCII, Detail: "CII CrossIndustryInvoice"}
	case n.Space == nsZUGFeRD1 && n.Local == "CrossIndustryDocument":
		return Result{Kind: records.KindXMLCII, Detail: "ZUGFeRD 1.0 CrossIndustryDocument (legacy)"}
	}
	detail := "XML root " + n.Local
	if n.Space != "" {
		detail += " (" + n.Space + ")"
	}
	return Result{Kind: records.KindXMLOther, Detail: truncate(detail, 200)}
}

// charsetReader supports the single-byte encodings German senders still
// declare. EN 16931 and XRechnung require UTF-8, so anything more exotic is
// refused rather than guessed.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968":
		// ASCII is a subset of UTF-8; encoding/xml rejects invalid UTF-8.
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
		truncate(label, 40), ErrUnsupported)
}

// truncate shortens s to at most n bytes without splitting a rune.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
