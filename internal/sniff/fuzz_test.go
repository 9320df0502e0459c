package sniff

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzEmbeddedInvoice asserts that extracting the e-invoice XML from a
// PDF never panics, never returns more than the limit and classifies every
// failure. The seeds are hybrid PDFs as pdfa.Write and other producers
// write them, stored (not Flate-compressed) where possible so mutations
// reach the structure, plus broken ones.
//
//	go test -run='^$' -fuzz=FuzzEmbeddedInvoice -fuzztime=60s ./internal/sniff/
func FuzzEmbeddedInvoice(f *testing.F) {
	// A stored attachment: pdfa.Write compresses only where that helps.
	incompressible := make([]byte, 512)
	x := uint32(1)
	for i := range incompressible {
		x = x*1664525 + 1013904223
		incompressible[i] = byte(x >> 24)
	}
	f.Add(hybridPDF(f, xmlAttachment("factur-x.xml", "Alternative", ciiXML)))
	f.Add(hybridPDF(f, xmlAttachment("lieferschein.xml", "Supplement", "<x/>"),
		xmlAttachment("xrechnung.xml", "Alternative", ciiXML)))
	f.Add(hybridPDF(f, xmlAttachment("factur-x.xml", "Data", string(incompressible))))
	f.Add(hybridPDF(f, xmlAttachment("anhang.xml", "Supplement", "<x/>")))
	f.Add(nameTreePDF([]string{"(a.xml)", "(zugferd-invoice.xml)"},
		[]string{"/F (a.xml)", "/F (x) /UF " + utf16Hex("ZUGFeRD-invoice.xml")}, []string{"<x/>", ciiXML}))
	f.Add(afOnlyPDF("factur-x.xml", true))
	f.Add(afOnlyPDF("factur-x.xml", false))
	f.Add(onePagePDF(contentText))
	f.Add(truncated(hybridPDF(f, xmlAttachment("factur-x.xml", "Alternative", ciiXML))))
	f.Add([]byte("%PDF-1.7\n1 0 obj << /Type /Catalog /Names << /EmbeddedFiles 1 0 R >> >> endobj\n%%EOF\n"))

	const limit = 64 << 10
	o := Options{MaxXMLBytes: limit, MaxPDFBytes: 1 << 20, MaxPDFDecodeBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, pdf []byte) {
		name, xml, err := o.EmbeddedInvoice(bytes.NewReader(pdf), int64(len(pdf)))
		if err != nil {
			if name != "" || xml != nil {
				t.Fatalf("error %v with name %q and %d bytes", err, name, len(xml))
			}
			for _, s := range []error{ErrNoEInvoice, ErrBroken, ErrTooLarge, ErrEncrypted} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error without sentinel: %v", err)
		}
		if name == "" {
			t.Fatal("xml without an attachment name")
		}
		if len(xml) > limit {
			t.Fatalf("%d bytes returned, limit %d", len(xml), limit)
		}
	})
}
