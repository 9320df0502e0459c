package records

import (
	"strings"
	"time"
)

// InvoiceStatus is where an e-invoice stands between receipt and payment.
type InvoiceStatus string

// Invoice statuses set by the inbound workflow. The approval workflow
// (sachlich richtig, rechnerisch richtig, Anordnung) moves accepted
// invoices on from here.
const (
	// InvoiceAccepted: the formal check passed (no finding at level error
	// or fatal); the invoice waits for approval.
	InvoiceAccepted InvoiceStatus = "accepted"
	// InvoiceRejected: the formal check failed; the invoice goes back to
	// the sender with its validation report.
	InvoiceRejected InvoiceStatus = "rejected"
	// InvoiceReturned: the return-to-sender notice was handed to the
	// outbound channel.
	InvoiceReturned InvoiceStatus = "returned"
)

// Renditions of an e-invoice, beside the delivered original.
const (
	// RenditionInvoiceXML is the invoice XML, the legal original. For an
	// XML delivery it is the original itself; for a hybrid PDF it is the
	// XML the PDF carries.
	RenditionInvoiceXML RenditionKind = "einvoice-xml"
	// RenditionInvoiceReport is the validation report (JSON).
	RenditionInvoiceReport RenditionKind = "einvoice-report"
	// RenditionInvoiceView is the readable PDF/A-3 with the XML embedded.
	RenditionInvoiceView RenditionKind = "einvoice-view"
)

// Invoice is the invoice record: what the e-invoice says, as far as the
// approval workflow, duplicate check and listings need it, plus where its
// XML, report and rendition are. Amounts are decimal strings as written in
// the XML; they are never floats.
type Invoice struct {
	ID             int64  `json:"id"`
	DocumentSHA256 string `json:"document_sha256"` // the register entry (delivered file)
	XMLSHA256      string `json:"xml_sha256"`      // the legal original
	ReportSHA256   string `json:"report_sha256"`
	ViewSHA256     string `json:"view_sha256,omitempty"` // readable rendition; empty if it could not be made
	WorkflowID     string `json:"workflow_id"`

	Syntax          string `json:"syntax"`   // UBL-Invoice, UBL-CreditNote, CII, or SyntaxPaper
	Scenario        string `json:"scenario"` // validation scenario, e.g. XR-UBL-Invoice
	CustomizationID string `json:"customization_id"`

	Number         string   `json:"number"`     // BT-1
	IssueDate      string   `json:"issue_date"` // BT-2, YYYY-MM-DD
	TypeCode       string   `json:"type_code"`  // BT-3
	Currency       string   `json:"currency"`   // BT-5
	SellerName     string   `json:"seller_name"`
	SellerVATID    string   `json:"seller_vat_id,omitempty"`
	BuyerName      string   `json:"buyer_name"`
	BuyerReference string   `json:"buyer_reference,omitempty"` // BT-10, Leitweg-ID
	OrderReference string   `json:"order_reference,omitempty"` // BT-13
	NetTotal       string   `json:"net_total"`                 // BT-109
	TaxTotal       string   `json:"tax_total,omitempty"`       // BT-110
	GrossTotal     string   `json:"gross_total"`               // BT-112
	Payable        string   `json:"payable"`                   // BT-115
	DueDate        string   `json:"due_date,omitempty"`        // BT-9
	PaymentTerms   string   `json:"payment_terms,omitempty"`   // BT-20
	IBANs          []string `json:"ibans"`

	Accepted bool          `json:"accepted"`
	Errors   int           `json:"errors"`   // findings at level error or fatal
	Warnings int           `json:"warnings"` // findings at level warning
	Status   InvoiceStatus `json:"status"`

	// DuplicateKey identifies "the same invoice" for the duplicate check:
	// seller, invoice number, issue date and payable amount, normalised.
	DuplicateKey string `json:"duplicate_key"`
	// DuplicateOf is the earliest other invoice with the same key, if any.
	// A likely duplicate is flagged, not dropped: a person decides.
	DuplicateOf *int64 `json:"duplicate_of,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// InvoiceDuplicateKey builds the duplicate-check key. The seller is its VAT
// identifier when given (names are spelled differently across a supplier's
// systems), otherwise its name folded to lower case with runs of spaces
// collapsed. The amount is canonical (no trailing fractional zeros, so
// "336.9" and "336.90" match).
func InvoiceDuplicateKey(sellerVATID, sellerName, number, issueDate, payable string) string {
	seller := strings.ToUpper(strings.Join(strings.Fields(sellerVATID), ""))
	if seller == "" {
		seller = "name:" + strings.ToLower(strings.Join(strings.Fields(sellerName), " "))
	} else {
		seller = "vat:" + seller
	}
	return strings.Join([]string{seller, strings.TrimSpace(number), strings.TrimSpace(issueDate), canonicalAmount(payable)}, "|")
}

// canonicalAmount strips a plus sign, leading zeros and trailing fractional
// zeros from a decimal string; anything else is left as written.
func canonicalAmount(s string) string {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	s = strings.TrimLeft(s, "0")
	if s == "" || strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	if neg && s != "0" {
		s = "-" + s
	}
	return s
}

// SyntaxPaper marks the invoice record of a paper (or plain PDF) invoice:
// its data comes from extraction, it has no XML and no validation report,
// and its arithmetic is checked by a person.
const SyntaxPaper = "paper"
