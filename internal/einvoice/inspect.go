package einvoice

import "strings"

// Summary is the project's machine-readable inspection output: the same
// keys for every input kind so results can be compared field by field. The
// caller adds "sha256" of the input bytes. Absent values are null.
type Summary struct {
	InvoiceNumber     *string  `json:"invoice_number"`
	IssueDate         *string  `json:"issue_date"`
	TypeCode          *string  `json:"type_code"`
	Currency          *string  `json:"currency"`
	SellerName        *string  `json:"seller_name"`
	BuyerName         *string  `json:"buyer_name"`
	BuyerReference    *string  `json:"buyer_reference"`
	TaxExclusiveTotal *string  `json:"tax_exclusive_total"`
	TaxTotal          *string  `json:"tax_total"`
	TaxInclusiveTotal *string  `json:"tax_inclusive_total"`
	PayableAmount     *string  `json:"payable_amount"`
	LineCount         int      `json:"line_count"`
	DueDate           *string  `json:"due_date"`
	IBANs             []string `json:"ibans"`
	CustomizationID   *string  `json:"customization_id"`
	ProfileID         *string  `json:"profile_id"`
	Syntax            string   `json:"syntax"`
}

// Inspect summarises an invoice with values as written in the XML. IBANs
// are normalised (spaces removed, upper case) because real files carry
// grouped IBANs and comparisons must not depend on formatting.
func Inspect(inv *Invoice) Summary {
	s := Summary{
		InvoiceNumber:     opt(inv.Number),
		IssueDate:         opt(inv.IssueDate),
		TypeCode:          opt(inv.TypeCode),
		Currency:          opt(inv.CurrencyCode),
		SellerName:        opt(inv.Seller.Name),
		BuyerName:         opt(inv.Buyer.Name),
		BuyerReference:    opt(inv.BuyerReference),
		TaxExclusiveTotal: opt(inv.Totals.TaxExclusive.String()),
		TaxTotal:          optDec(inv.Totals.Tax),
		TaxInclusiveTotal: opt(inv.Totals.TaxInclusive.String()),
		PayableAmount:     opt(inv.Totals.Payable.String()),
		LineCount:         len(inv.Lines),
		DueDate:           opt(inv.DueDate),
		IBANs:             []string{},
		CustomizationID:   opt(inv.CustomizationID),
		ProfileID:         opt(inv.ProfileID),
		Syntax:            string(inv.Syntax),
	}
	for _, ct := range inv.PaymentInstructions.CreditTransfers {
		if iban := NormalizeIBAN(ct.IBAN); iban != "" {
			s.IBANs = append(s.IBANs, iban)
		}
	}
	return s
}

// NormalizeIBAN removes whitespace and upper-cases an IBAN.
func NormalizeIBAN(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optDec(d *Decimal) *string {
	if d == nil {
		return nil
	}
	return opt(d.String())
}
