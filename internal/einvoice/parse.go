package einvoice

import (
	"errors"
	"fmt"
	"io"
)

// Namespaces of the supported root elements.
const (
	nsUBLInvoice    = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	nsUBLCreditNote = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
	nsCII           = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
)

var (
	// ErrLegacyZUGFeRD reports a ZUGFeRD 1.0 document (root
	// CrossIndustryDocument). It predates EN 16931 and is no XRechnung; the
	// caller routes it to manual handling instead of guessing a mapping.
	ErrLegacyZUGFeRD = errors.New("einvoice: legacy zugferd 1.0 (CrossIndustryDocument)")
	// ErrUnknownSyntax reports well-formed XML that is no UBL or CII invoice.
	ErrUnknownSyntax = errors.New("einvoice: not a ubl or cii invoice")
)

// Parse reads one e-invoice XML document and maps it to the semantic model,
// detecting the syntax from the root element. Errors wrap ErrUnsafeXML,
// ErrTooLarge, ErrTooDeep, ErrTooManyElements, ErrUnsupportedEncoding,
// ErrMalformedXML, ErrLegacyZUGFeRD, ErrUnknownSyntax or ErrBadDecimal; all
// are permanent for the same bytes.
func Parse(r io.Reader) (*Invoice, error) {
	root, err := readTree(r)
	if err != nil {
		return nil, fmt.Errorf("parse e-invoice: %w", err)
	}
	var inv *Invoice
	switch {
	case root.local == "Invoice" && root.space == nsUBLInvoice:
		inv, err = fromUBL(root, SyntaxUBLInvoice)
	case root.local == "CreditNote" && root.space == nsUBLCreditNote:
		inv, err = fromUBL(root, SyntaxUBLCreditNote)
	case root.local == "CrossIndustryInvoice" && root.space == nsCII:
		inv, err = fromCII(root)
	case root.local == "CrossIndustryDocument":
		return nil, fmt.Errorf("parse e-invoice: %w", ErrLegacyZUGFeRD)
	default:
		return nil, fmt.Errorf("parse e-invoice: root {%s}%s: %w", root.space, root.local, ErrUnknownSyntax)
	}
	if err != nil {
		return nil, fmt.Errorf("parse e-invoice %s: %w", inv.syntaxOr(root.local), err)
	}
	return inv, nil
}

func (inv *Invoice) syntaxOr(s string) string {
	if inv == nil {
		return s
	}
	return string(inv.Syntax)
}
