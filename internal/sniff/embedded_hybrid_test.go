package sniff

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// hybridPDF writes a one-page PDF/A-3b with the attachments, as the
// project's own writer does: each file in the catalog's /AF array and in
// the EmbeddedFiles name tree, compressed with Flate where that helps.
func hybridPDF(t testing.TB, atts ...pdfa.Attachment) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, pdfa.Write(&b, pdfa.Document{
		Title:       "Rechnung",
		Created:     time.Date(2024, 5, 2, 10, 0, 0, 0, time.UTC),
		Pages:       []pdfa.Page{{WidthPt: 595, HeightPt: 842}},
		Attachments: atts,
	}))
	return b.Bytes()
}

func xmlAttachment(name, rel, content string) pdfa.Attachment {
	return pdfa.Attachment{Name: name, MediaType: "text/xml", Relationship: rel, Data: []byte(content)}
}

// nameTreePDF embeds files only in an EmbeddedFiles name tree with an
// intermediate /Kids node and no /AF, as older ZUGFeRD producers do. Each
// file is given as its file specification's extra entries (/F, /UF) and
// content; keys are the name tree keys.
func nameTreePDF(keys []string, specs []string, contents []string) []byte {
	// Objects from 8: 8 root node, 9 leaf node, then per file a file
	// specification and its stream.
	var names []string
	var extra []string
	for i := range keys {
		spec, stream := 10+2*i, 11+2*i
		names = append(names, fmt.Sprintf("%s %d 0 R", keys[i], spec))
		extra = append(extra,
			fmt.Sprintf("<< /Type /Filespec %s /EF << /F %d 0 R >> >>", specs[i], stream),
			pdfStream("/Type /EmbeddedFile /Subtype /text#2Fxml", contents[i]))
	}
	objs := append([]string{
		"<< /Kids [9 0 R] >>",
		"<< /Limits [(a) (z)] /Names [" + strings.Join(names, " ") + "] >>",
	}, extra...)
	return onePagePDFWithCatalog("<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 8 0 R >> >>", contentText, objs...)
}

// utf16Hex is a PDF text string in UTF-16BE with byte order mark, the
// way /UF carries non-Latin file names.
func utf16Hex(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, r := range s {
		fmt.Fprintf(&b, "%04X", r)
	}
	b.WriteString(">")
	return b.String()
}

const zugferd1XML = `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12">
 <rsm:HeaderExchangedDocument><ram:ID>471102</ram:ID></rsm:HeaderExchangedDocument>
</rsm:CrossIndustryDocument>`

func TestEmbeddedInvoiceHybrids(t *testing.T) {
	invoice := string(readFile(t, corpus(t, "einvoice/xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_uncefact.xml")))
	ubl := string(readFile(t, corpus(t, "einvoice/xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_ubl.xml")))
	delivery := `<?xml version="1.0"?><Lieferschein><Nr>7</Nr></Lieferschein>`

	cases := []struct {
		name     string
		pdf      []byte
		opts     Options
		wantName string
		wantXML  string
		wantErr  error
	}{
		{name: "factur-x.xml as associated file, Alternative",
			pdf:      hybridPDF(t, xmlAttachment("factur-x.xml", "Alternative", invoice)),
			wantName: "factur-x.xml", wantXML: invoice},
		{name: "factur-x.xml as associated file, Data",
			pdf:      hybridPDF(t, xmlAttachment("factur-x.xml", "Data", invoice)),
			wantName: "factur-x.xml", wantXML: invoice},
		{name: "zugferd-invoice.xml only in the name tree, below /Kids",
			pdf:      nameTreePDF([]string{"(zugferd-invoice.xml)"}, []string{"/F (zugferd-invoice.xml)"}, []string{invoice}),
			wantName: "zugferd-invoice.xml", wantXML: invoice},
		{name: "xrechnung.xml (ZUGFeRD XRECHNUNG profile, UBL)",
			pdf:      hybridPDF(t, xmlAttachment("xrechnung.xml", "Alternative", ubl)),
			wantName: "xrechnung.xml", wantXML: ubl},
		{name: "name only in /UF, as UTF-16",
			pdf:      nameTreePDF([]string{"(Anhang 1)"}, []string{"/F (anhang1.bin) /UF " + utf16Hex("Factur-X.XML")}, []string{invoice}),
			wantName: "Factur-X.XML", wantXML: invoice},
		{name: "name only in the name tree key",
			pdf:      nameTreePDF([]string{"(XRECHNUNG.xml)"}, []string{"/F (datei)"}, []string{ubl}),
			wantName: "XRECHNUNG.xml", wantXML: ubl},
		{name: "two xml attachments, invoice second",
			pdf: hybridPDF(t, xmlAttachment("lieferschein.xml", "Supplement", delivery),
				xmlAttachment("factur-x.xml", "Alternative", invoice)),
			wantName: "factur-x.xml", wantXML: invoice},
		{name: "two xml attachments in the name tree, invoice second",
			pdf: nameTreePDF([]string{"(a.xml)", "(factur-x.xml)"},
				[]string{"/F (a.xml)", "/F (factur-x.xml)"}, []string{delivery, invoice}),
			wantName: "factur-x.xml", wantXML: invoice},
		{name: "zugferd 1.0 under its 1.0 spelling",
			pdf:      hybridPDF(t, xmlAttachment("ZUGFeRD-invoice.xml", "Alternative", zugferd1XML)),
			wantName: "ZUGFeRD-invoice.xml", wantXML: zugferd1XML},
		{name: "unrelated attachment only",
			pdf:     hybridPDF(t, xmlAttachment("lieferschein.xml", "Supplement", delivery)),
			wantErr: ErrNoEInvoice},
		{name: "invoice name on a non-xml path component",
			pdf:     hybridPDF(t, xmlAttachment("factur-x.xml.pdf", "Supplement", delivery)),
			wantErr: ErrNoEInvoice},
		{name: "plain PDF/A without attachments",
			pdf:     hybridPDF(t),
			wantErr: ErrNoEInvoice},
		{name: "truncated hybrid",
			pdf:     truncated(hybridPDF(t, xmlAttachment("factur-x.xml", "Alternative", invoice))),
			wantErr: ErrBroken},
		{name: "damaged cross-reference table, repaired by scanning the objects",
			pdf:      brokenXref(hybridPDF(t, xmlAttachment("factur-x.xml", "Alternative", invoice))),
			wantName: "factur-x.xml", wantXML: invoice},
		{name: "garbage between header and %%EOF",
			pdf:     []byte("%PDF-1.7\n" + strings.Repeat("\x00garbage(<<[", 500) + "\n%%EOF\n"),
			wantErr: ErrBroken},
		{name: "embedded stream not valid flate",
			pdf: onePagePDFWithCatalog("<< /Type /Catalog /Pages 2 0 R /AF [9 0 R] >>", contentText,
				pdfStream("/Type /EmbeddedFile /Filter /FlateDecode", "this is not zlib data"),
				"<< /Type /Filespec /F (factur-x.xml) /EF << /F 8 0 R >> >>"),
			wantErr: ErrBroken},
		{name: "embedded xml over the limit, compressed below it",
			pdf:     hybridPDF(t, xmlAttachment("factur-x.xml", "Alternative", invoice)),
			opts:    Options{MaxXMLBytes: 2000},
			wantErr: ErrTooLarge},
		{name: "embedded xml over the limit, stored",
			pdf:     nameTreePDF([]string{"(factur-x.xml)"}, []string{"/F (factur-x.xml)"}, []string{invoice}),
			opts:    Options{MaxXMLBytes: 2000},
			wantErr: ErrTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name, xml, err := c.opts.EmbeddedInvoice(bytes.NewReader(c.pdf), int64(len(c.pdf)))
			if c.wantErr != nil {
				require.ErrorIs(t, err, c.wantErr)
				require.Empty(t, name)
				require.Nil(t, xml)
				require.Less(t, len(err.Error()), 500, "error message quotes too much")
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.wantName, name)
			require.Equal(t, c.wantXML, string(xml), "extracted bytes differ from the embedded ones")

			// Detect agrees on what the PDF is.
			res, err := Detect(bytes.NewReader(c.pdf), int64(len(c.pdf)), "application/pdf")
			require.NoError(t, err)
			require.Equal(t, records.KindPDFEInvoice, res.Kind)
			require.Equal(t, c.wantName, res.EmbeddedXML)
		})
	}
}

// TestEmbeddedLegacyZUGFeRD: sniff extracts the ZUGFeRD 1.0 XML like any
// other; telling it apart is the e-invoice parser's job.
func TestEmbeddedLegacyZUGFeRD(t *testing.T) {
	pdf := hybridPDF(t, xmlAttachment("ZUGFeRD-invoice.xml", "Alternative", zugferd1XML))
	_, xml, err := EmbeddedInvoice(bytes.NewReader(pdf), int64(len(pdf)))
	require.NoError(t, err)
	_, err = einvoice.Parse(bytes.NewReader(xml))
	require.ErrorIs(t, err, einvoice.ErrLegacyZUGFeRD)
}

// TestEmbeddedFlateBomb: an attachment that inflates far beyond the limit
// is stopped while decoding, not after.
func TestEmbeddedFlateBomb(t *testing.T) {
	bomb := "<?xml version=\"1.0\"?><x>" + strings.Repeat(" ", 64<<20) + "</x>"
	pdf := hybridPDF(t, xmlAttachment("factur-x.xml", "Alternative", bomb))
	require.Less(t, len(pdf), 1<<20, "the bomb should compress well")
	bomb = ""

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, _, err := Options{MaxXMLBytes: 1 << 20}.EmbeddedInvoice(bytes.NewReader(pdf), int64(len(pdf)))
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, ErrTooLarge)
	alloc := after.TotalAlloc - before.TotalAlloc
	require.Less(t, alloc, uint64(32<<20), "decoding allocated %d MiB for a 1 MiB limit", alloc>>20)
}

func truncated(pdf []byte) []byte { return pdf[:len(pdf)/2] }

// brokenXref keeps %%EOF but points startxref into the middle of nowhere
// and overwrites the cross-reference table.
func brokenXref(pdf []byte) []byte {
	out := bytes.Clone(pdf)
	i := bytes.LastIndex(out, []byte("xref\n"))
	for j := i; j < len(out) && j < i+200; j++ {
		if out[j] >= '0' && out[j] <= '9' {
			out[j] = '7'
		}
	}
	return out
}
