package einvoice

import (
	"fmt"
	"strings"
	"testing"
)

func TestCodeListFacts(t *testing.T) {
	tests := []struct {
		list codeList
		code string
		want bool
	}{
		{currencies, "EUR", true},
		{currencies, "XXY", false},
		{currencies, "eur", false},
		{currencies, " EUR ", true}, // normalize-space
		{currencies, "EUR USD", false},
		{unitCodes, "C62", true},
		{unitCodes, "H87", true},
		{unitCodes, "XPP", true},
		{unitCodes, "2D", false},
		{countries, "DE", true},
		{countries, "XI", true},
		{countries, "EL", false}, // a VAT prefix, no ISO 3166-1 code
		{icdSchemes, "0002", true},
		{icdSchemes, "0088", true},
		{icdSchemes, "0240", true},
		{icdSchemes, "0181", false},
		{icdSchemes, "0092", false},
		{icdSchemes, "9930", false},
		{easSchemes, "9930", true},
		{easSchemes, "EM", true},
		{vatCategories, "L", true},
		{vatCategories, "AA", false},
		{paymentMeansCodes, "58", true},
		{paymentMeansCodes, "99", false},
		{invoiceTypeCodes, "380", true},
		{invoiceTypeCodes, "381", false},
		{creditNoteTypeCodes, "381", true},
		{mimeCodes, "application/pdf", true},
		{mimeCodes, "application/xml", false},
		{vatexCodes, "VATEX-EU-IC", true},
	}
	for _, tt := range tests {
		if got := tt.list.has(tt.code); got != tt.want {
			t.Errorf("has(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

// TestCodeListsUnique guards the copied lists against a doubled or mangled
// entry: every code appears once and is a single token.
func TestCodeListsUnique(t *testing.T) {
	for name, src := range map[string]string{
		"invoice types": srcInvoiceTypeCodes, "credit note types": srcCreditNoteTypeCodes,
		"currencies": srcCurrencies, "reference qualifiers": srcReferenceQualifiers,
		"note subjects": srcNoteSubjects, "icd": srcICD, "eas": srcEAS,
		"item classifications": srcItemClassifications, "countries": srcCountries,
		"payment means": srcPaymentMeans, "vat categories": srcVATCategories,
		"allowance reasons": srcAllowanceReasons, "charge reasons": srcChargeReasons,
		"vatex": srcVATEX, "mime codes": srcMimeCodes, "units": srcUnitCodes,
	} {
		codes := strings.Fields(src)
		if len(newCodeList(src)) != len(codes) {
			seen := map[string]bool{}
			for _, c := range codes {
				if seen[c] {
					t.Errorf("%s: %q listed twice", name, c)
				}
				seen[c] = true
			}
		}
	}
	if n := len(strings.Fields(srcICD)); n != 235 {
		t.Errorf("ICD list has %d codes, want 235 (0002–0240 without 0092, 0103, 0181, 0182)", n)
	}
}

// ublLineDoc is a UBL invoice fragment with one line; the %s verbs take the
// unit code, the base quantity unit and extra header elements.
const ublLineDoc = `<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>%s
 <cac:InvoiceLine><cbc:ID>1</cbc:ID>
  <cbc:InvoicedQuantity unitCode="%s">1</cbc:InvoicedQuantity>
  <cbc:LineExtensionAmount currencyID="EUR">10.00</cbc:LineExtensionAmount>
  <cac:Price><cbc:PriceAmount currencyID="EUR">10.0000</cbc:PriceAmount>
   <cbc:BaseQuantity unitCode="%s">1</cbc:BaseQuantity></cac:Price>
 </cac:InvoiceLine>
</Invoice>`

// TestCodeListRulesOnDocuments covers rules the CEN unit tests leave
// untested or only test on fragments Parse refuses (BR-CL-23's empty
// quantities).
func TestCodeListRulesOnDocuments(t *testing.T) {
	tests := []struct {
		name, unit, baseUnit, header string
		rule                         string
		want                         []string // locations
	}{
		{"units valid", "MON", "KW", "", "BR-CL-23", nil},
		{"units invalid", "2D", "MO", "", "BR-CL-23", []string{"BG-25[1]/BT-130", "BG-25[1]/BG-29/BT-150"}},
		{"price with four decimals", "C62", "C62", "", "UBL-DT-01", nil},
		{"currency of an amount", "C62", "C62",
			`<cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUX">1.00</cbc:PayableAmount></cac:LegalMonetaryTotal>`,
			"BR-CL-03", []string{"BG-22/BT-115"}},
		{"vatex in lower case", "C62", "C62",
			`<cac:TaxTotal><cac:TaxSubtotal><cac:TaxCategory><cbc:ID>E</cbc:ID><cbc:TaxExemptionReasonCode>vatex-eu-132</cbc:TaxExemptionReasonCode></cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>`,
			"BR-CL-22", nil},
		{"vatex unknown", "C62", "C62",
			`<cac:TaxTotal><cac:TaxSubtotal><cac:TaxCategory><cbc:ID>E</cbc:ID><cbc:TaxExemptionReasonCode>VATEX-EU-999</cbc:TaxExemptionReasonCode></cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>`,
			"BR-CL-22", []string{"BG-23[1]/BT-121"}},
		{"note subject", "C62", "C62", `<cbc:Note>#XYZ#text</cbc:Note><cbc:Note>#AAI#text</cbc:Note>`, "BR-CL-08", []string{"BG-1[1]/BT-21"}},
		{"endpoint scheme", "C62", "C62",
			`<cac:AccountingSupplierParty><cac:Party><cbc:EndpointID schemeID="0181">x</cbc:EndpointID></cac:Party></cac:AccountingSupplierParty>`,
			"BR-CL-25", []string{"BG-4/BT-34"}},
		{"delivery location scheme", "C62", "C62",
			`<cac:Delivery><cac:DeliveryLocation><cbc:ID schemeID="0088">x</cbc:ID></cac:DeliveryLocation></cac:Delivery>`,
			"BR-CL-26", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := Parse(strings.NewReader(fmt.Sprintf(ublLineDoc, tt.header, tt.unit, tt.baseUnit)))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			var got []string
			for _, f := range Validate(inv) {
				if f.Rule == tt.rule {
					got = append(got, f.Location)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("%s at %v, want %v", tt.rule, got, tt.want)
			}
		})
	}
}
