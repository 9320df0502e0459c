package einvoice

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

const corpusDir = "../../../shared/corpus/einvoice"

func loadTruth(t *testing.T) map[string]map[string]any {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus missing in CI: %v", err)
		}
		t.Skipf("corpus not present: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(corpusDir, "expected", "truth.json"))
	if err != nil {
		t.Fatalf("read truth: %v", err)
	}
	var truth map[string]map[string]any
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatalf("decode truth: %v", err)
	}
	return truth
}

func parseFile(t *testing.T, rel string) (*Invoice, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, rel))
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	inv, err := Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
	return inv, data
}

func TestInspectMatchesTruth(t *testing.T) {
	truth := loadTruth(t)
	if len(truth) != 80 {
		t.Fatalf("truth has %d entries, want 80", len(truth))
	}
	keys := make([]string, 0, len(truth))
	for k := range truth {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, rel := range keys {
		want := truth[rel]
		t.Run(rel, func(t *testing.T) {
			inv, data := parseFile(t, rel)
			raw, err := json.Marshal(Inspect(inv))
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			var got map[string]any
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("unmarshal: %v", err)
			}
			sum := sha256.Sum256(data)
			got["sha256"] = hex.EncodeToString(sum[:])
			if !reflect.DeepEqual(got, want) {
				for k := range want {
					if !reflect.DeepEqual(got[k], want[k]) {
						t.Errorf("%s: got %v, want %v", k, got[k], want[k])
					}
				}
				for k := range got {
					if _, ok := want[k]; !ok {
						t.Errorf("extra key %s", k)
					}
				}
			}
		})
	}
}

// TestTwinsAgree checks syntax independence: the UBL and CII twin of each
// case must give the same header and totals in the model.
func TestTwinsAgree(t *testing.T) {
	truth := loadTruth(t)
	pairs := 0
	for rel := range truth {
		if !strings.HasSuffix(rel, "_ubl.xml") {
			continue
		}
		twin := strings.TrimSuffix(rel, "_ubl.xml") + "_uncefact.xml"
		if _, ok := truth[twin]; !ok {
			continue
		}
		pairs++
		t.Run(rel, func(t *testing.T) {
			u, _ := parseFile(t, rel)
			c, _ := parseFile(t, twin)
			// Party names are left out: in the comprehensive cases the UBL
			// twin has only a trading name for the buyer, so BT-44 differs
			// by content (truth.json records that too).
			type view struct {
				Number, IssueDate, TypeCode, Currency, DueDate, BuyerRef, Customization, Profile string
				Lines                                                                            int
			}
			v := func(inv *Invoice) view {
				return view{inv.Number, inv.IssueDate, inv.TypeCode, inv.CurrencyCode, inv.DueDate,
					inv.BuyerReference, inv.CustomizationID, inv.ProfileID, len(inv.Lines)}
			}
			if gu, gc := v(u), v(c); gu != gc {
				t.Errorf("twins differ:\nubl %+v\ncii %+v", gu, gc)
			}
			// Amounts compare numerically: "6679.8" and "6679.80" are the
			// same amount written with different precision.
			amounts := []struct {
				name string
				a, b Decimal
			}{
				{"BT-106", u.Totals.LineNet, c.Totals.LineNet},
				{"BT-109", u.Totals.TaxExclusive, c.Totals.TaxExclusive},
				{"BT-112", u.Totals.TaxInclusive, c.Totals.TaxInclusive},
				{"BT-115", u.Totals.Payable, c.Totals.Payable},
			}
			// BT-110 is optional in CII (01.05 omits it, UBL writes 0).
			if u.Totals.Tax != nil && c.Totals.Tax != nil {
				amounts = append(amounts, struct {
					name string
					a, b Decimal
				}{"BT-110", *u.Totals.Tax, *c.Totals.Tax})
			}
			for _, a := range amounts {
				if a.a.Cmp(a.b) != 0 {
					t.Errorf("%s: ubl %s, cii %s", a.name, a.a, a.b)
				}
			}
			for i := range u.Lines {
				if u.Lines[i].NetAmount.Cmp(c.Lines[i].NetAmount) != 0 || u.Lines[i].ID != c.Lines[i].ID {
					t.Errorf("line %d differs: %s/%s vs %s/%s", i, u.Lines[i].ID, u.Lines[i].NetAmount, c.Lines[i].ID, c.Lines[i].NetAmount)
				}
			}
		})
	}
	if pairs != 40 {
		t.Errorf("found %d twin pairs, want 40", pairs)
	}
}

func TestParseRejects(t *testing.T) {
	deep := `<?xml version="1.0"?><Invoice xmlns="` + nsUBLInvoice + `">` +
		strings.Repeat("<a>", MaxDepth+10) + strings.Repeat("</a>", MaxDepth+10) + `</Invoice>`
	tests := []struct {
		name string
		xml  string
		want error
	}{
		{"doctype", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><Invoice xmlns="` + nsUBLInvoice + `"><ID>&e;</ID></Invoice>`, ErrUnsafeXML},
		{"external entity", `<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>`, ErrUnsafeXML},
		{"depth bomb", deep, ErrTooDeep},
		{"zugferd 1.0", `<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"/>`, ErrLegacyZUGFeRD},
		{"unknown root", `<Order xmlns="urn:x"/>`, ErrUnknownSyntax},
		{"malformed", `<Invoice xmlns="` + nsUBLInvoice + `"><ID>`, ErrMalformedXML},
		{"bad amount", `<Invoice xmlns="` + nsUBLInvoice + `" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cac:LegalMonetaryTotal><cbc:PayableAmount>1e5</cbc:PayableAmount></cac:LegalMonetaryTotal></Invoice>`, ErrBadDecimal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.xml))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseTooLarge(t *testing.T) {
	r := strings.NewReader("<a>" + strings.Repeat(" ", MaxSize) + "</a>")
	if _, err := Parse(r); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
}

const creditNote = `<?xml version="1.0" encoding="UTF-8"?>
<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
 <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
 <cbc:ID>GS-42</cbc:ID>
 <cbc:IssueDate>2024-05-02</cbc:IssueDate>
 <cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>
 <cbc:Note>#AAI#Gutschrift wegen Retoure</cbc:Note>
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
 <cbc:BuyerReference>04011000-12345-03</cbc:BuyerReference>
 <cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>R-1</cbc:ID><cbc:IssueDate>2024-04-01</cbc:IssueDate></cac:InvoiceDocumentReference></cac:BillingReference>
 <cac:AdditionalDocumentReference><cbc:ID>A1</cbc:ID><cbc:DocumentDescription>Retourenschein</cbc:DocumentDescription>
  <cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="text/csv" filename="r.csv">aGVsbG8=</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>
 <cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>Lieferant GmbH</cbc:Name></cac:PartyName>
  <cac:PartyTaxScheme><cbc:CompanyID>DE123456789</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>
 <cac:AccountingCustomerParty><cac:Party><cac:PartyLegalEntity><cbc:RegistrationName>Stadt Musterhausen</cbc:RegistrationName></cac:PartyLegalEntity></cac:Party></cac:AccountingCustomerParty>
 <cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode><cbc:PaymentDueDate>2024-05-30</cbc:PaymentDueDate>
  <cac:PayeeFinancialAccount><cbc:ID>de79 0000 0000 1234 5678 90</cbc:ID><cac:FinancialInstitutionBranch><cbc:ID>BANKDEFFXXX</cbc:ID></cac:FinancialInstitutionBranch></cac:PayeeFinancialAccount></cac:PaymentMeans>
 <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">1.9</cbc:TaxAmount>
  <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">10</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">1.9</cbc:TaxAmount>
   <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>
 <cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="EUR">10</cbc:LineExtensionAmount>
  <cbc:TaxExclusiveAmount currencyID="EUR">10</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount currencyID="EUR">11.9</cbc:TaxInclusiveAmount>
  <cbc:PayableAmount currencyID="EUR">11.90</cbc:PayableAmount></cac:LegalMonetaryTotal>
 <cac:CreditNoteLine><cbc:ID>1</cbc:ID><cbc:CreditedQuantity unitCode="H87">2</cbc:CreditedQuantity>
  <cbc:LineExtensionAmount currencyID="EUR">10</cbc:LineExtensionAmount>
  <cac:Item><cbc:Name>Toner</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
  <cac:Price><cbc:PriceAmount currencyID="EUR">5</cbc:PriceAmount></cac:Price></cac:CreditNoteLine>
</CreditNote>`

func TestParseCreditNote(t *testing.T) {
	inv, err := Parse(strings.NewReader(creditNote))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	s := Inspect(inv)
	checks := []struct{ name, got, want string }{
		{"syntax", s.Syntax, "UBL-CreditNote"},
		{"number", *s.InvoiceNumber, "GS-42"},
		{"type", *s.TypeCode, "381"},
		{"due date", *s.DueDate, "2024-05-30"},
		{"seller", *s.SellerName, "Lieferant GmbH"},
		{"buyer", *s.BuyerName, "Stadt Musterhausen"},
		{"payable", *s.PayableAmount, "11.90"},
		{"tax", *s.TaxTotal, "1.9"},
		{"iban", strings.Join(s.IBANs, ","), "DE79000000001234567890"},
		{"bic", inv.PaymentInstructions.CreditTransfers[0].BIC, "BANKDEFFXXX"},
		{"vat id", inv.Seller.VATID, "DE123456789"},
		{"note code", inv.Notes[0].SubjectCode, "AAI"},
		{"preceding", inv.PrecedingInvoices[0].Number, "R-1"},
		{"qty", inv.Lines[0].Quantity.String() + " " + inv.Lines[0].Unit, "2 H87"},
		{"item", inv.Lines[0].ItemName, "Toner"},
		{"vat rate", inv.VATBreakdown[0].Rate.String(), "19"},
		{"attachment", inv.Attachments[0].Filename + " " + inv.Attachments[0].MimeCode, "r.csv text/csv"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if s.LineCount != 1 {
		t.Errorf("line count %d", s.LineCount)
	}
	a := inv.Attachments[0]
	b, err := a.Content()
	if err != nil || string(b) != "hello" || a.Size != 5 {
		t.Errorf("attachment content %q size %d err %v", b, a.Size, err)
	}
	raw, _ := json.Marshal(inv)
	if bytes.Contains(raw, []byte("aGVsbG8")) {
		t.Error("attachment bytes leaked into the model's json")
	}
}

// TestAttachmentsFromCorpus checks that embedded attachments decode to
// the size derived during parsing.
func TestAttachmentsFromCorpus(t *testing.T) {
	loadTruth(t)
	for _, rel := range []string{
		"xrechnung-testsuite/src/test/technical-cases/cius/01.01_comprehensive_test_ubl.xml",
		"xrechnung-testsuite/src/test/technical-cases/cius/01.01_comprehensive_test_uncefact.xml",
	} {
		inv, _ := parseFile(t, rel)
		for _, a := range inv.Attachments {
			if !a.HasContent() {
				continue
			}
			b, err := a.Content()
			if err != nil {
				t.Fatalf("%s attachment %s: %v", rel, a.ID, err)
			}
			if int64(len(b)) != a.Size {
				t.Errorf("%s attachment %s: size %d, decoded %d", rel, a.ID, a.Size, len(b))
			}
		}
	}
}
