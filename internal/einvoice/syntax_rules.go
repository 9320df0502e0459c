package einvoice

import "strings"

// UBL syntax rules of the CEN Schematron 1.3.x (UBL-DT, UBL-SR) that the
// CEN unit tests cover. They bind the UBL syntax, so CII invoices are not
// judged by them.

func isUBL(inv *Invoice) bool { return inv.Syntax != SyntaxCII }

// distinctOver reports more than one distinct value.
func distinctOver(values []string) bool {
	for _, v := range values {
		if v != values[0] {
			return true
		}
	}
	return false
}

// syntaxRules is the table of the UBL syntax rules, appended to the
// code-list rules.
var syntaxRules = []rule{
	{"UBL-DT-01", SeverityFatal, "Amounts shall be decimal up to two fraction digits",
		func(inv *Invoice) []string {
			var out []string
			for _, a := range inv.has.amounts {
				if _, frac, ok := strings.Cut(a.text, "."); ok && a.checkDigits && len(frac) > 2 {
					out = append(out, a.loc)
				}
			}
			return out
		}},
	{"UBL-DT-06", SeverityFatal, "Binary object elements shall contain the mime code attribute",
		func(inv *Invoice) []string {
			var out []string
			for i, a := range inv.Attachments {
				if isUBL(inv) && a.hasBinary && a.MimeCode == "" {
					out = append(out, idx("BG-24", i)+"/BT-125")
				}
			}
			return out
		}},
	{"UBL-DT-07", SeverityFatal, "Binary object elements shall contain the file name attribute",
		func(inv *Invoice) []string {
			var out []string
			for i, a := range inv.Attachments {
				if isUBL(inv) && a.hasBinary && a.Filename == "" {
					out = append(out, idx("BG-24", i)+"/BT-125")
				}
			}
			return out
		}},
	{"UBL-SR-12", SeverityFatal, "Seller VAT identifier shall occur maximum once",
		func(inv *Invoice) []string { return when(isUBL(inv) && inv.Seller.vatIDs > 1, "BG-4/BT-31") }},
	{"UBL-SR-18", SeverityFatal, "Buyer VAT identifier shall occur maximum once",
		func(inv *Invoice) []string { return when(isUBL(inv) && inv.Buyer.vatIDs > 1, "BG-7/BT-48") }},
	{"UBL-SR-42", SeverityFatal, "Party tax scheme shall occur maximum twice in accounting supplier party",
		func(inv *Invoice) []string { return when(isUBL(inv) && inv.Seller.taxSchemes > 2, "BG-4") }},
	{"UBL-SR-43", SeverityFatal, "Scheme identifier shall only be used for invoiced object (document type code with value 130 or 50)",
		func(inv *Invoice) []string {
			if !isUBL(inv) {
				return nil
			}
			var out []string
			attachment := 0 // references other than 130 are the BG-24 the parser keeps
			for _, r := range inv.has.docRefs {
				code := r.typeCode
				if code == "130" {
					continue
				}
				attachment++
				ok := (inv.Syntax == SyntaxUBLCreditNote && code == "50") || (!r.hasScheme && !r.hasTypeCode)
				if !ok {
					out = append(out, idx("BG-24", attachment-1))
				}
			}
			return out
		}},
	{"UBL-SR-44", SeverityFatal, "An Invoice may only have one unique PaymentID, but the PaymentID may be used for multiple PaymentMeans",
		func(inv *Invoice) []string {
			var ids []string
			for _, m := range inv.has.means {
				if m.hasPaymentID {
					ids = append(ids, m.paymentID)
				}
			}
			return when(isUBL(inv) && distinctOver(ids), "BG-16/BT-83")
		}},
	{"UBL-SR-47", SeverityFatal, "When there are more than one payment means code, they shall be equal",
		func(inv *Invoice) []string {
			var codes []string
			for _, m := range inv.has.means {
				if m.hasCode {
					codes = append(codes, m.code)
				}
			}
			return when(isUBL(inv) && distinctOver(codes), "BG-16/BT-81")
		}},
}
