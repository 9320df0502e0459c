package sniff

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

const (
	ublCreditNote = `<?xml version="1.0" encoding="UTF-8"?>
<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
  <cbc:ID>GS-2026-001</cbc:ID>
</CreditNote>`

	zugferd1 = `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0">
  <rsm:SpecifiedExchangedDocumentContext/>
</rsm:CrossIndustryDocument>`

	billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol2;</Invoice>`

	externalEntity = `<?xml version="1.0"?>
<!DOCTYPE Invoice SYSTEM "http://example.invalid/invoice.dtd">
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>`

	otherXML = `<?xml version="1.0" encoding="UTF-8"?>
<Antrag xmlns="urn:example:antrag"><Name>Erika Mustermann</Name></Antrag>`

	wrongNamespaceInvoice = `<Invoice xmlns="urn:example:not-ubl"><ID>1</ID></Invoice>`
)

// latin1XML is an ISO-8859-1 document with an umlaut encoded as one byte.
var latin1XML = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n" +
	"<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\"><Note>Gr\xfc\xdfe</Note></Invoice>"

var cp1252XML = "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n" +
	"<rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\">" +
	"<Note>\x80 100</Note></rsm:CrossIndustryInvoice>"

func TestDetect(t *testing.T) {
	tests := []struct {
		name      string
		data      func(t *testing.T) []byte
		mediaType string
		opts      *Options

		wantErr      error
		wantErrText  string // substring of the error message
		wantKind     records.Kind
		wantDetail   string // substring of Detail
		wantPages    int
		wantEmbedded string
	}{
		// XML e-invoices from the KoSIT XRechnung test suite.
		{
			name: "UBL invoice from corpus",
			data: func(t *testing.T) []byte {
				return readFile(t, corpus(t, "einvoice/xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_ubl.xml"))
			},
			mediaType: "application/xml",
			wantKind:  records.KindXMLUBL, wantDetail: "UBL Invoice",
		},
		{
			name: "CII invoice from corpus",
			data: func(t *testing.T) []byte {
				return readFile(t, corpus(t, "einvoice/xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_uncefact.xml"))
			},
			mediaType: "text/xml; charset=utf-8",
			wantKind:  records.KindXMLCII, wantDetail: "CII CrossIndustryInvoice",
		},
		{
			name:      "UBL credit note",
			data:      text(ublCreditNote),
			mediaType: "application/xml",
			wantKind:  records.KindXMLUBL, wantDetail: "UBL CreditNote",
		},
		{
			name:      "ZUGFeRD 1.0 is legacy CII",
			data:      text(zugferd1),
			mediaType: "application/xml",
			wantKind:  records.KindXMLCII, wantDetail: "ZUGFeRD 1.0 CrossIndustryDocument (legacy)",
		},
		{
			name:      "XML with byte order mark",
			data:      text("\xef\xbb\xbf" + ublCreditNote),
			mediaType: "application/xml",
			wantKind:  records.KindXMLUBL, wantDetail: "UBL CreditNote",
		},
		{
			name:      "ISO-8859-1 declared",
			data:      text(latin1XML),
			mediaType: "application/xml",
			wantKind:  records.KindXMLUBL, wantDetail: "UBL Invoice",
		},
		{
			name:      "windows-1252 declared",
			data:      text(cp1252XML),
			mediaType: "application/xml",
			wantKind:  records.KindXMLCII,
		},
		{
			name:      "unknown encoding",
			data:      text(`<?xml version="1.0" encoding="EBCDIC-DE"?><a/>`),
			mediaType: "application/xml",
			wantErr:   ErrUnsupported, wantErrText: "EBCDIC-DE",
		},
		{
			name:      "UTF-16 byte order mark",
			data:      text("\xff\xfe<\x00a\x00/\x00>\x00"),
			mediaType: "application/xml",
			wantErr:   ErrUnsupported, wantErrText: "utf-16",
		},
		{
			name:      "non-invoice XML",
			data:      text(otherXML),
			mediaType: "application/xml",
			wantKind:  records.KindXMLOther, wantDetail: "XML root Antrag (urn:example:antrag)",
		},
		{
			name: "non-invoice XML from corpus (VEFA test set)",
			data: func(t *testing.T) []byte {
				return readFile(t, corpus(t, "einvoice-rules/cen-unit-tests/test/CreditNote-unit-UBL/BR-12.xml"))
			},
			mediaType: "application/xml",
			wantKind:  records.KindXMLOther, wantDetail: "XML root testSet",
		},
		{
			name:      "Invoice in a foreign namespace is not UBL",
			data:      text(wrongNamespaceInvoice),
			mediaType: "application/xml",
			wantKind:  records.KindXMLOther, wantDetail: "XML root Invoice (urn:example:not-ubl)",
		},
		{
			name:      "DOCTYPE with entities rejected",
			data:      text(billionLaughs),
			mediaType: "application/xml",
			wantErr:   ErrUnsafeXML, wantErrText: "DTD",
		},
		{
			name:      "external DTD rejected",
			data:      text(externalEntity),
			mediaType: "application/xml",
			wantErr:   ErrUnsafeXML, wantErrText: "<!DOCTYPE",
		},
		{
			name:      "nesting beyond the depth limit",
			data:      text(strings.Repeat("<a>", 200) + strings.Repeat("</a>", 200)),
			mediaType: "application/xml",
			wantErr:   ErrUnsafeXML, wantErrText: "deeper than 128",
		},
		{
			name:      "XML over the size limit",
			data:      text(otherXML),
			mediaType: "application/xml",
			opts:      &Options{MaxXMLBytes: 64},
			wantErr:   ErrTooLarge,
		},
		{
			name:      "truncated XML",
			data:      text(otherXML[:len(otherXML)-10]),
			mediaType: "application/xml",
			wantErr:   ErrBroken,
		},
		{
			name:      "two root elements",
			data:      text(`<a/><b/>`),
			mediaType: "application/xml",
			wantErr:   ErrBroken, wantErrText: "second root",
		},
		{
			name:      "declared XML but garbage",
			data:      text("PK\x03\x04 this is a zip"),
			mediaType: "application/xml",
			wantErr:   ErrBroken,
		},

		// PDFs built in the test.
		{
			name:      "text PDF",
			data:      fixed(onePagePDF(contentText)),
			mediaType: "application/pdf",
			wantKind:  records.KindPDFText, wantDetail: "PDF 1 page, text layer", wantPages: 1,
		},
		{
			name:      "image-only PDF is a scan",
			data:      fixed(onePagePDF(contentImage)),
			mediaType: "application/pdf",
			wantKind:  records.KindPDFScan, wantDetail: "PDF 1 page, no text layer", wantPages: 1,
		},
		{
			name:      "OCR'd scan with invisible text has a text layer",
			data:      fixed(onePagePDF(contentOCR)),
			mediaType: "application/pdf",
			wantKind:  records.KindPDFText, wantDetail: "invisible text layer (OCR)", wantPages: 1,
		},
		{
			name:      "empty text-show strings are no text layer",
			data:      fixed(onePagePDF(contentEmptyText)),
			mediaType: "application/pdf",
			wantKind:  records.KindPDFScan, wantPages: 1,
		},
		{
			name:      "inline image data that looks like text is skipped",
			data:      fixed(onePagePDF(contentInline)),
			mediaType: "application/pdf",
			wantKind:  records.KindPDFScan, wantPages: 1,
		},
		{
			name:      "text inside a form XObject",
			data:      fixed(onePagePDF(contentForm)),
			mediaType: "application/pdf",
			wantKind:  records.KindPDFText, wantPages: 1,
		},
		{
			name:      "text on a later page, inherited resources",
			data:      fixed(twoPagePDF()),
			mediaType: "application/pdf",
			wantKind:  records.KindPDFText, wantDetail: "PDF 2 pages, text layer", wantPages: 2,
		},
		{
			name:      "text only beyond the scanned pages",
			data:      fixed(twoPagePDF()),
			mediaType: "application/pdf",
			opts:      &Options{TextScanPages: 1},
			wantKind:  records.KindPDFScan, wantPages: 2,
		},
		{
			name: "hybrid PDF with factur-x.xml (EmbeddedFiles)",
			data: func(t *testing.T) []byte {
				return withAttachments(t, onePagePDF(contentText), map[string]string{"factur-x.xml": ciiXML})
			},
			mediaType: "application/pdf",
			wantKind:  records.KindPDFEInvoice, wantEmbedded: "factur-x.xml", wantDetail: "embedded factur-x.xml", wantPages: 1,
		},
		{
			name: "hybrid scan with xrechnung.xml among other attachments",
			data: func(t *testing.T) []byte {
				return withAttachments(t, onePagePDF(contentImage), map[string]string{
					"lieferschein.csv": "pos;menge\n1;2\n",
					"xrechnung.xml":    ciiXML,
				})
			},
			mediaType: "application/pdf",
			wantKind:  records.KindPDFEInvoice, wantEmbedded: "xrechnung.xml", wantPages: 1,
		},
		{
			name:      "hybrid PDF with /AF only, ZUGFeRD 1.0 name",
			data:      fixed(afOnlyPDF("ZUGFeRD-invoice.xml", true)),
			mediaType: "application/pdf",
			wantKind:  records.KindPDFEInvoice, wantEmbedded: "ZUGFeRD-invoice.xml", wantPages: 1,
		},
		{
			name:      "file spec without embedded stream does not count",
			data:      fixed(afOnlyPDF("factur-x.xml", false)),
			mediaType: "application/pdf",
			wantKind:  records.KindPDFText,
		},
		{
			name: "other attachments only",
			data: func(t *testing.T) []byte {
				return withAttachments(t, onePagePDF(contentText), map[string]string{"anlage.xml": otherXML})
			},
			mediaType: "application/pdf",
			wantKind:  records.KindPDFText,
		},
		{
			name: "encrypted PDF with open password",
			data: func(t *testing.T) []byte {
				return encrypted(t, onePagePDF(contentText), "geheim", "besitzer")
			},
			mediaType: "application/pdf",
			wantErr:   ErrEncrypted,
		},
		{
			name: "permissions-only encryption opens without password",
			data: func(t *testing.T) []byte {
				return encrypted(t, onePagePDF(contentText), "", "besitzer")
			},
			mediaType: "application/pdf",
			wantKind:  records.KindPDFText, wantPages: 1,
		},
		{
			name:      "truncated PDF",
			data:      fixed(onePagePDF(contentText)[:120]),
			mediaType: "application/pdf",
			wantErr:   ErrBroken, wantErrText: "truncated",
		},
		{
			name: "PDF cut off in the trailer",
			data: func(t *testing.T) []byte {
				b := onePagePDF(contentText)
				return b[:len(b)-30]
			},
			mediaType: "application/pdf",
			wantErr:   ErrBroken, wantErrText: "truncated",
		},
		{
			name:      "junk after %%EOF is tolerated",
			data:      fixed(append(onePagePDF(contentText), strings.Repeat("\r\n", 100)...)),
			mediaType: "application/pdf",
			wantKind:  records.KindPDFText,
		},
		{
			name: "dangling object references are repaired, not fatal",
			data: fixed(buildPDF(
				pdfCatalog, pdfPages1,
				"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 9 0 R >> >> /Contents 4 0 R >>",
				pdfStream("", contentImage),
			)),
			mediaType: "application/pdf",
			wantKind:  records.KindPDFScan, wantPages: 1,
		},
		{
			name: "page count that lies",
			data: fixed(buildPDF(
				pdfCatalog, "<< /Type /Pages /Kids [3 0 R] /Count 3 >>",
				"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
				pdfStream("", contentImage),
			)),
			mediaType: "application/pdf",
			wantErr:   ErrBroken,
		},
		{
			name:      "PDF header followed by garbage",
			data:      text("%PDF-1.4\n" + strings.Repeat("\x00\xff garbage ", 50) + "\n%%EOF\n"),
			mediaType: "application/pdf",
			wantErr:   ErrBroken,
		},
		{
			name:      "declared PDF without PDF header",
			data:      text("this is not a pdf at all"),
			mediaType: "application/pdf",
			wantErr:   ErrBroken, wantErrText: "no pdf signature",
		},
		{
			name:      "PDF over the page limit",
			data:      fixed(twoPagePDF()),
			mediaType: "application/pdf",
			opts:      &Options{MaxPages: 1},
			wantErr:   ErrTooLarge, wantErrText: "2 pages",
		},
		{
			name:      "PDF over the size limit",
			data:      fixed(onePagePDF(contentText)),
			mediaType: "application/pdf",
			opts:      &Options{MaxPDFBytes: 100},
			wantErr:   ErrTooLarge,
		},

		// Images.
		{
			name:      "PNG",
			data:      func(t *testing.T) []byte { return pngFile(t, 40, 30) },
			mediaType: "image/png",
			wantKind:  records.KindScanImage, wantDetail: "PNG 40x30", wantPages: 1,
		},
		{
			name:      "JPEG",
			data:      func(t *testing.T) []byte { return jpegFile(t, 20, 10) },
			mediaType: "image/jpeg",
			wantKind:  records.KindScanImage, wantDetail: "JPEG 20x10", wantPages: 1,
		},
		{
			name:      "truncated PNG",
			data:      func(t *testing.T) []byte { return pngFile(t, 40, 30)[:20] },
			mediaType: "image/png",
			wantErr:   ErrBroken,
		},
		{
			name:      "multi-page TIFF, little endian",
			data:      fixed(tiffFile(binary.LittleEndian, []tiffPage{{}, {}}, -1)),
			mediaType: "image/tiff",
			wantKind:  records.KindScanImage, wantDetail: "TIFF 2 pages", wantPages: 2,
		},
		{
			name:      "multi-page TIFF, big endian, thumbnail not a page",
			data:      fixed(tiffFile(binary.BigEndian, []tiffPage{{}, {thumbnail: true}, {}, {}}, -1)),
			mediaType: "image/tiff",
			wantKind:  records.KindScanImage, wantDetail: "TIFF 3 pages", wantPages: 3,
		},
		{
			name:      "TIFF whose directories loop",
			data:      fixed(tiffFile(binary.LittleEndian, []tiffPage{{}, {}}, 0)),
			mediaType: "image/tiff",
			wantErr:   ErrBroken, wantErrText: "loops",
		},
		{
			name:      "TIFF over the page limit",
			data:      fixed(tiffFile(binary.LittleEndian, []tiffPage{{}, {}, {}}, -1)),
			mediaType: "image/tiff",
			opts:      &Options{MaxPages: 2},
			wantErr:   ErrTooLarge,
		},
		{
			name:      "truncated TIFF",
			data:      fixed(tiffFile(binary.LittleEndian, []tiffPage{{}, {}}, -1)[:40]),
			mediaType: "image/tiff",
			wantErr:   ErrBroken,
		},

		// Media types.
		{
			name:      "bytes win over a wrong declared type",
			data:      func(t *testing.T) []byte { return pngFile(t, 2, 2) },
			mediaType: "application/pdf",
			wantKind:  records.KindScanImage, wantDetail: "PNG",
		},
		{
			name:      "image/jpg alias as sent by mail clients",
			data:      func(t *testing.T) []byte { return jpegFile(t, 8, 8) },
			mediaType: "image/jpg",
			wantKind:  records.KindScanImage, wantDetail: "JPEG 8x8",
		},
		{
			name:      "octet-stream is sniffed",
			data:      fixed(onePagePDF(contentText)),
			mediaType: "application/octet-stream",
			wantKind:  records.KindPDFText,
		},
		{
			name:      "unsupported media type",
			data:      text("PK\x03\x04"),
			mediaType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			wantErr:   ErrUnsupported,
		},
		{
			name:      "unknown bytes without a declared type",
			data:      text("PK\x03\x04"),
			mediaType: "",
			wantErr:   ErrUnsupported,
		},
		{
			name:      "empty input",
			data:      text(""),
			mediaType: "application/pdf",
			wantErr:   ErrBroken,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data(t)
			o := DefaultOptions()
			if tt.opts != nil {
				o = *tt.opts
			}
			got, err := o.Detect(bytes.NewReader(data), int64(len(data)), tt.mediaType)
			t.Logf("result %+v, error %v", got, err)

			if tt.wantErr != nil {
				require.Error(t, err)
				require.ErrorIs(t, err, tt.wantErr, "error: %v", err)
				for _, other := range allErrors {
					if other != tt.wantErr {
						require.NotErrorIs(t, err, other, "error wraps more than one sentinel: %v", err)
					}
				}
				if tt.wantErrText != "" {
					require.Contains(t, err.Error(), tt.wantErrText)
				}
				require.Equal(t, Result{}, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantKind, got.Kind, "detail: %s", got.Detail)
			require.Contains(t, got.Detail, tt.wantDetail)
			if tt.wantPages != 0 {
				require.Equal(t, tt.wantPages, got.Pages)
			}
			require.Equal(t, tt.wantEmbedded, got.EmbeddedXML)
		})
	}
}

var allErrors = []error{ErrUnsupported, ErrBroken, ErrEncrypted, ErrTooLarge, ErrUnsafeXML}

func text(s string) func(*testing.T) []byte {
	return func(*testing.T) []byte { return []byte(s) }
}

func fixed(b []byte) func(*testing.T) []byte {
	return func(*testing.T) []byte { return b }
}

// TestDetectCorpus runs every XML instance of the XRechnung test suite:
// *_ubl.xml must be UBL, *_uncefact.xml CII.
func TestDetectCorpus(t *testing.T) {
	root := corpus(t, "einvoice/xrechnung-testsuite/src/test")
	var files []string
	require.NoError(t, filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".xml") {
			files = append(files, path)
		}
		return err
	}))
	require.NotEmpty(t, files)

	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			fi, err := f.Stat()
			require.NoError(t, err)

			got, err := Detect(f, fi.Size(), "application/xml")
			require.NoError(t, err)
			switch {
			case strings.HasSuffix(path, "_ubl.xml"):
				require.Equal(t, records.KindXMLUBL, got.Kind)
				require.Equal(t, "UBL Invoice", got.Detail)
			case strings.HasSuffix(path, "_uncefact.xml"):
				require.Equal(t, records.KindXMLCII, got.Kind)
			default:
				t.Fatalf("unexpected corpus file naming: %s", path)
			}
		})
	}
}

// TestRecoverParser checks the guard every pdfcpu call runs under: a panic
// becomes ErrBroken and the result is zeroed.
func TestRecoverParser(t *testing.T) {
	run := func() (res Result, err error) {
		defer recoverParser(&res, &err, "pdf")
		res = Result{Kind: records.KindPDFText}
		panic("simulated parser crash")
	}
	res, err := run()
	require.ErrorIs(t, err, ErrBroken)
	require.Contains(t, err.Error(), "pdf parser panic")
	require.Equal(t, Result{}, res)
}

// TestShortErrorKeepsCause: third-party messages are cut, causes stay
// reachable for errors.Is.
func TestShortErrorKeepsCause(t *testing.T) {
	cause := fmt.Errorf("wrong type <%s>: %w", strings.Repeat("(Erika Mustermann) ", 100), os.ErrInvalid)
	err := fmt.Errorf("pdf read: %w: %w", ErrBroken, short(cause))
	require.ErrorIs(t, err, ErrBroken)
	require.ErrorIs(t, err, os.ErrInvalid)
	require.Less(t, len(err.Error()), 300)
}

func TestScanContent(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    contentStats
		wantDo  []string
	}{
		{name: "simple text", content: "BT /F1 12 Tf (a) Tj ET", want: contentStats{visibleText: 1}},
		{name: "TJ array", content: "BT /F1 12 Tf [(H) -20 (allo)] TJ ET", want: contentStats{visibleText: 1}},
		{name: "quote operators", content: "BT /F1 12 Tf 14 TL (a) ' 1 2 (b) \" ET", want: contentStats{visibleText: 2}},
		{name: "hex string", content: "BT /F1 12 Tf <0041> Tj <> Tj ET", want: contentStats{visibleText: 1}},
		{name: "no font selected", content: "BT (a) Tj ET"},
		{name: "font selected before BT survives ET", content: "/F1 12 Tf BT ET BT (a) Tj ET", want: contentStats{visibleText: 1}},
		{name: "text outside BT ignored", content: "/F1 12 Tf (a) Tj"},
		{name: "render mode 3 invisible", content: "BT 3 Tr /F1 9 Tf (a) Tj ET", want: contentStats{invisibleText: 1}},
		{name: "render mode 7 clip only", content: "BT 7 Tr /F1 9 Tf (a) Tj ET", want: contentStats{invisibleText: 1}},
		{name: "Q restores render mode", content: "q 3 Tr Q BT /F1 9 Tf (a) Tj ET", want: contentStats{visibleText: 1}},
		{name: "parentheses and escapes in strings", content: `BT /F1 9 Tf (a \) Tj (nested) ET) Tj ET`, want: contentStats{visibleText: 1}},
		{name: "comment hides operators", content: "BT /F1 9 Tf % (a) Tj\nET"},
		{name: "operator-like names are names", content: "BT /F1 9 Tf /Tj /TJ ET"},
		{name: "image XObject", content: "q 1 0 0 1 0 0 cm /Im#30 Do Q", wantDo: []string{"Im0"}},
		{name: "inline image", content: "/F1 9 Tf BT BI /W 1 /H 1 /BPC 8 /CS /G ID \x00EI\x01 (x) Tj EI ET", want: contentStats{images: 1}},
		{name: "unterminated string", content: "BT /F1 9 Tf (abc"},
		{name: "dictionary operands", content: "/OC << /Type /OCMD >> BDC BT /F1 9 Tf (a) Tj ET EMC", want: contentStats{visibleText: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got contentStats
			var dos []string
			err := scanContent([]byte(tt.content), textState{}, &got, func(name string, _ textState) error {
				dos = append(dos, name)
				return nil
			})
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.wantDo, dos)
		})
	}
}

// TestDetectConcurrent runs PDF detection from several goroutines: the
// worker calls Detect concurrently, and pdfcpu has package state. Run with
// -race to make this meaningful.
func TestDetectConcurrent(t *testing.T) {
	inputs := [][]byte{onePagePDF(contentText), onePagePDF(contentImage), twoPagePDF(), afOnlyPDF("factur-x.xml", true)}
	want := []records.Kind{records.KindPDFText, records.KindPDFScan, records.KindPDFText, records.KindPDFEInvoice}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(inputs))
	for range 4 {
		for i, in := range inputs {
			wg.Go(func() {
				res, err := Detect(bytes.NewReader(in), int64(len(in)), "application/pdf")
				if err == nil && res.Kind != want[i] {
					err = fmt.Errorf("input %d: kind %s, want %s", i, res.Kind, want[i])
				}
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestDefaultsFillZeroOptions(t *testing.T) {
	require.Equal(t, DefaultOptions(), Options{}.withDefaults())
	o := Options{MaxPages: 7}.withDefaults()
	require.Equal(t, 7, o.MaxPages)
	require.Equal(t, DefaultOptions().MaxXMLBytes, o.MaxXMLBytes)
}

// fuzzMediaTypes are the declared types the fuzzer picks from; fuzzing
// the type string itself mostly explores mime.ParseMediaType.
var fuzzMediaTypes = []string{"application/pdf", "image/tiff", "image/png", "image/jpeg", "application/xml", ""}

// FuzzDetect asserts Detect never panics and every error carries a
// sentinel, whatever the bytes. The seeds run with every go test.
func FuzzDetect(f *testing.F) {
	f.Add(onePagePDF(contentText), uint8(0))
	f.Add(onePagePDF(contentInline), uint8(0))
	f.Add(onePagePDF(contentForm), uint8(0))
	f.Add(twoPagePDF(), uint8(0))
	f.Add(afOnlyPDF("factur-x.xml", true), uint8(0))
	f.Add(tiffFile(binary.LittleEndian, []tiffPage{{}, {}}, -1), uint8(1))
	f.Add(tiffFile(binary.BigEndian, []tiffPage{{}, {thumbnail: true}}, -1), uint8(1))
	f.Add([]byte(ublCreditNote), uint8(4))
	f.Add([]byte(billionLaughs), uint8(4))
	f.Add([]byte(latin1XML), uint8(4))
	f.Fuzz(func(t *testing.T, data []byte, mt uint8) {
		o := Options{MaxPDFBytes: 1 << 20, MaxPDFDecodeBytes: 1 << 20, MaxPages: 50}
		mediaType := fuzzMediaTypes[int(mt)%len(fuzzMediaTypes)]
		res, err := o.Detect(bytes.NewReader(data), int64(len(data)), mediaType)
		if err != nil {
			for _, s := range allErrors {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error without sentinel: %v", err)
		}
		if res.Kind == records.KindUnknown {
			t.Fatalf("no kind and no error")
		}
	})
}
