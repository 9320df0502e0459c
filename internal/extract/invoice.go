package extract

import (
	"strings"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
)

// fromInvoice overwrites what the text gave with the e-invoice's data,
// which is what the sender declared, field by field.
func fromInvoice(inv *einvoice.Invoice, r *Result) {
	if n := strings.TrimSpace(inv.Seller.Name); n != "" {
		r.Sender.Name = n
		if a := inv.Seller.Address; a != nil {
			street := strings.TrimSpace(a.Line1)
			city := strings.TrimSpace(strings.TrimSpace(a.PostCode) + " " + strings.TrimSpace(a.City))
			switch {
			case street != "" && city != "":
				r.Sender.Address = street + ", " + city
			case street != "" || city != "":
				r.Sender.Address = street + city
			}
		}
	}
	if iso, ok := isoOnly(inv.IssueDate); ok {
		r.LetterDate = iso
	}
	if iso, ok := isoOnly(inv.DueDate); ok {
		r.DueDate = iso
	}
	if n := strings.TrimSpace(inv.Number); n != "" {
		r.InvoiceNumber = n
	}
	amount := inv.Totals.Payable
	if amount.Sign() == 0 && inv.Totals.TaxInclusive.Sign() != 0 {
		amount = inv.Totals.TaxInclusive
	}
	if v := decimalText(amount.String()); v != "" {
		r.Amount = v
		r.Currency = strings.TrimSpace(inv.CurrencyCode)
	}
	var ibans []string
	seen := map[string]bool{}
	for _, ct := range inv.PaymentInstructions.CreditTransfers {
		s := strings.ToUpper(strings.ReplaceAll(ct.IBAN, " ", ""))
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		if ValidIBAN(s) {
			ibans = append(ibans, s)
		} else {
			r.Warnings = append(r.Warnings, "e-invoice IBAN with wrong checksum dropped")
		}
	}
	if len(ibans) > 0 {
		r.IBANs = ibans
	}
	if br := strings.TrimSpace(inv.BuyerReference); br != "" {
		if form, _ := ValidLeitwegID(br); form {
			r.LeitwegID = ""
			// Drop a warning about a Leitweg-ID read from text.
			var keep []string
			for _, w := range r.Warnings {
				if !strings.HasPrefix(w, "leitweg-id ") {
					keep = append(keep, w)
				}
			}
			r.Warnings = keep
			setLeitweg(r, br)
		}
	}
}

// isoOnly accepts only valid ISO dates; the model keeps other formats
// verbatim.
func isoOnly(s string) (string, bool) {
	ds := findDates(strings.TrimSpace(s))
	if len(ds) == 1 && ds[0].start == 0 && ds[0].end == len(strings.TrimSpace(s)) && isoDatePattern.MatchString(s) {
		return ds[0].iso, true
	}
	return "", false
}
