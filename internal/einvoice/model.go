package einvoice

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Syntax names the XML syntax an invoice arrived in. The strings are the
// ones the project's inspection output uses.
type Syntax string

// Supported syntaxes.
const (
	SyntaxUBLInvoice    Syntax = "UBL-Invoice"
	SyntaxUBLCreditNote Syntax = "UBL-CreditNote"
	SyntaxCII           Syntax = "CII"
)

// Invoice is the EN 16931 semantic model of one invoice or credit note.
// Dates are ISO "YYYY-MM-DD" strings as written (CII format 102 converted);
// other date formats are kept verbatim. Optional amounts are pointers so
// "absent" and "0" stay distinguishable, which the validation rules need.
type Invoice struct {
	Syntax Syntax `json:"syntax"`

	Number              string            `json:"number"`                          // BT-1
	IssueDate           string            `json:"issue_date"`                      // BT-2
	TypeCode            string            `json:"type_code"`                       // BT-3
	CurrencyCode        string            `json:"currency_code"`                   // BT-5
	TaxCurrencyCode     string            `json:"tax_currency_code,omitempty"`     // BT-6
	TaxPointDate        string            `json:"tax_point_date,omitempty"`        // BT-7
	TaxPointDateCode    string            `json:"tax_point_date_code,omitempty"`   // BT-8
	DueDate             string            `json:"due_date,omitempty"`              // BT-9
	BuyerReference      string            `json:"buyer_reference,omitempty"`       // BT-10, Leitweg-ID
	ProjectReference    string            `json:"project_reference,omitempty"`     // BT-11
	ContractReference   string            `json:"contract_reference,omitempty"`    // BT-12
	OrderReference      string            `json:"order_reference,omitempty"`       // BT-13
	SalesOrderReference string            `json:"sales_order_reference,omitempty"` // BT-14
	ReceivingAdviceRef  string            `json:"receiving_advice_ref,omitempty"`  // BT-15
	DespatchAdviceRef   string            `json:"despatch_advice_ref,omitempty"`   // BT-16
	TenderReference     string            `json:"tender_reference,omitempty"`      // BT-17
	ObjectIdentifier    string            `json:"object_identifier,omitempty"`     // BT-18
	BuyerAccountingRef  string            `json:"buyer_accounting_ref,omitempty"`  // BT-19
	PaymentTerms        string            `json:"payment_terms,omitempty"`         // BT-20
	Notes               []Note            `json:"notes,omitempty"`                 // BG-1 (BT-21, BT-22)
	ProfileID           string            `json:"profile_id,omitempty"`            // BT-23
	CustomizationID     string            `json:"customization_id"`                // BT-24
	PrecedingInvoices   []DocRef          `json:"preceding_invoices,omitempty"`    // BG-3
	Seller              Party             `json:"seller"`                          // BG-4
	Buyer               Party             `json:"buyer"`                           // BG-7
	Payee               *Party            `json:"payee,omitempty"`                 // BG-10
	TaxRepresentative   *Party            `json:"tax_representative,omitempty"`    // BG-11
	Delivery            *Delivery         `json:"delivery,omitempty"`              // BG-13
	InvoicingPeriod     *Period           `json:"invoicing_period,omitempty"`      // BG-14
	PaymentInstructions Payment           `json:"payment_instructions"`            // BG-16
	Allowances          []AllowanceCharge `json:"allowances,omitempty"`            // BG-20
	Charges             []AllowanceCharge `json:"charges,omitempty"`               // BG-21
	Totals              Totals            `json:"totals"`                          // BG-22
	VATBreakdown        []VATBreakdown    `json:"vat_breakdown,omitempty"`         // BG-23
	Attachments         []Attachment      `json:"attachments,omitempty"`           // BG-24
	Lines               []Line            `json:"lines"`                           // BG-25

	has docPresence // presence of required elements, for validation only
	xr  xrFacts     // what the XRechnung rules read (xrechnung.go)
}

// docPresence records whether required elements were present in the XML,
// where the model's zero values cannot tell "absent" from "0" or "".
type docPresence struct {
	monetaryTotal bool // BG-22 container
	lineNet       bool // BT-106
	taxExclusive  bool // BT-109
	taxInclusive  bool // BT-112
	payable       bool // BT-115
	// docTaxTotals counts tax totals in the document currency (BT-110).
	docTaxTotals int
	means        []paymentMeans // every BG-16 payment means, in order
	// amounts lists amount elements as written, for the currency code
	// list (BR-CL-03) and the UBL amount data type (UBL-DT-01).
	amounts []writtenAmount
	// docRefs lists every UBL AdditionalDocumentReference, in order
	// (BR-CL-07, UBL-SR-43).
	docRefs []docReference
	// lineCategories lists every UBL ClassifiedTaxCategory/ID as written,
	// wherever it stands (BR-CL-18).
	lineCategories []writtenCode
}

// writtenCode is a code as written, with its EN 16931 location.
type writtenCode struct {
	loc, value string
}

// writtenAmount is one amount element as written.
type writtenAmount struct {
	loc      string // EN 16931 location, e.g. "BG-22/BT-115"
	text     string
	currency string // currencyID attribute
	// checkCurrency: BR-CL-03 applies (UBL: the amounts its context
	// lists; CII: TaxTotalAmount with a currencyID).
	checkCurrency bool
	checkDigits   bool // UBL-DT-01 applies
}

// docReference is a UBL document reference as written: its type code and
// the scheme of its identifier.
type docReference struct {
	typeCode, scheme       string
	hasTypeCode, hasScheme bool
}

// paymentMeans is one payment means element as written.
type paymentMeans struct {
	code      string // BT-81
	hasCode   bool
	accountID []string // BT-84 of each payee account, "" when empty or absent

	paymentID    string // UBL cbc:PaymentID (BT-83), for UBL-SR-44
	hasPaymentID bool
}

// Note is BG-1.
type Note struct {
	SubjectCode string `json:"subject_code,omitempty"` // BT-21
	Text        string `json:"text"`                   // BT-22
}

// DocRef is a preceding invoice reference (BG-3).
type DocRef struct {
	Number    string `json:"number"`               // BT-25
	IssueDate string `json:"issue_date,omitempty"` // BT-26
}

// Identifier is an id with its optional scheme (ISO 6523 ICD, EAS, …).
type Identifier struct {
	Value  string `json:"value"`
	Scheme string `json:"scheme,omitempty"`
}

// Party is a seller (BG-4), buyer (BG-7), payee (BG-10) or tax
// representative (BG-11); BT numbers in comments are the seller's.
type Party struct {
	Name                string       `json:"name"`                            // BT-27
	TradingName         string       `json:"trading_name,omitempty"`          // BT-28
	Identifiers         []Identifier `json:"identifiers,omitempty"`           // BT-29
	LegalRegistrationID *Identifier  `json:"legal_registration_id,omitempty"` // BT-30
	VATID               string       `json:"vat_id,omitempty"`                // BT-31
	TaxRegistrationID   string       `json:"tax_registration_id,omitempty"`   // BT-32
	LegalInfo           string       `json:"legal_info,omitempty"`            // BT-33
	ElectronicAddress   *Identifier  `json:"electronic_address,omitempty"`    // BT-34
	Address             *Address     `json:"address,omitempty"`               // BG-5
	Contact             *Contact     `json:"contact,omitempty"`               // BG-6

	hasLegalName bool // BT-27 written as legal (registration) name
	hasPartyName bool // UBL cac:PartyName/cbc:Name (CII: Name) written

	// Written counts and codes the code-list and syntax rules read.
	vatIDs     int    // UBL PartyTaxScheme CompanyIDs of scheme VAT (UBL-SR-12/18)
	taxSchemes int    // UBL PartyTaxScheme elements (UBL-SR-42)
	sepaIDs    int    // UBL PartyIdentification IDs of scheme SEPA (BR-CL-10)
	regCountry string // UBL PartyLegalEntity registration address country (BR-CL-14)
	// ciiLocalIDs counts the CII ram:ID identifiers, which come first in
	// Identifiers and fall under BR-CL-11 rather than BR-CL-10.
	ciiLocalIDs int
}

// Address is BG-5 (seller), BG-8 (buyer), BG-12, BG-15.
type Address struct {
	Line1       string `json:"line1,omitempty"`       // BT-35
	Line2       string `json:"line2,omitempty"`       // BT-36
	Line3       string `json:"line3,omitempty"`       // BT-162
	City        string `json:"city,omitempty"`        // BT-37
	PostCode    string `json:"post_code,omitempty"`   // BT-38
	Subdivision string `json:"subdivision,omitempty"` // BT-39
	CountryCode string `json:"country_code"`          // BT-40
}

// Contact is BG-6 (seller) or BG-9 (buyer).
type Contact struct {
	Name  string `json:"name,omitempty"`  // BT-41
	Phone string `json:"phone,omitempty"` // BT-42
	Email string `json:"email,omitempty"` // BT-43
}

// Delivery is BG-13.
type Delivery struct {
	PartyName  string      `json:"party_name,omitempty"`  // BT-70
	LocationID *Identifier `json:"location_id,omitempty"` // BT-71
	Date       string      `json:"date,omitempty"`        // BT-72
	Address    *Address    `json:"address,omitempty"`     // BG-15
}

// Period is BG-14 (invoice) or BG-26 (line).
type Period struct {
	Start string `json:"start,omitempty"` // BT-73 / BT-134
	End   string `json:"end,omitempty"`   // BT-74 / BT-135
}

// Payment is BG-16, payment instructions.
type Payment struct {
	MeansCode       string           `json:"means_code,omitempty"`       // BT-81
	MeansText       string           `json:"means_text,omitempty"`       // BT-82
	RemittanceInfo  string           `json:"remittance_info,omitempty"`  // BT-83
	CreditTransfers []CreditTransfer `json:"credit_transfers,omitempty"` // BG-17
	Card            *PaymentCard     `json:"card,omitempty"`             // BG-18
	DirectDebit     *DirectDebit     `json:"direct_debit,omitempty"`     // BG-19
}

// CreditTransfer is BG-17.
type CreditTransfer struct {
	IBAN string `json:"iban,omitempty"` // BT-84, as written
	// ProprietaryID is BT-84 when the account is no IBAN (CII
	// ProprietaryID); kept apart so IBAN-based checks never see it.
	ProprietaryID string `json:"proprietary_id,omitempty"`
	AccountName   string `json:"account_name,omitempty"` // BT-85
	BIC           string `json:"bic,omitempty"`          // BT-86
}

// PaymentCard is BG-18.
type PaymentCard struct {
	PAN    string `json:"pan"`              // BT-87 (last digits only by rule)
	Holder string `json:"holder,omitempty"` // BT-88
}

// DirectDebit is BG-19.
type DirectDebit struct {
	MandateID      string `json:"mandate_id,omitempty"`      // BT-89
	CreditorID     string `json:"creditor_id,omitempty"`     // BT-90
	DebitedAccount string `json:"debited_account,omitempty"` // BT-91
}

// AllowanceCharge is a document allowance (BG-20) or charge (BG-21), or a
// line allowance/charge (BG-27/BG-28); BT numbers are the allowance's.
type AllowanceCharge struct {
	Amount      Decimal  `json:"amount"`                 // BT-92
	BaseAmount  *Decimal `json:"base_amount,omitempty"`  // BT-93
	Percent     *Decimal `json:"percent,omitempty"`      // BT-94
	VATCategory string   `json:"vat_category,omitempty"` // BT-95
	VATRate     *Decimal `json:"vat_rate,omitempty"`     // BT-96
	Reason      string   `json:"reason,omitempty"`       // BT-97
	ReasonCode  string   `json:"reason_code,omitempty"`  // BT-98

	hasAmount bool // BT-92 present
}

// Totals is BG-22, document totals.
type Totals struct {
	LineNet          Decimal  `json:"line_net"`                      // BT-106
	Allowances       *Decimal `json:"allowances,omitempty"`          // BT-107
	Charges          *Decimal `json:"charges,omitempty"`             // BT-108
	TaxExclusive     Decimal  `json:"tax_exclusive"`                 // BT-109
	Tax              *Decimal `json:"tax,omitempty"`                 // BT-110, in BT-5
	TaxInTaxCurrency *Decimal `json:"tax_in_tax_currency,omitempty"` // BT-111, in BT-6
	TaxInclusive     Decimal  `json:"tax_inclusive"`                 // BT-112
	Prepaid          *Decimal `json:"prepaid,omitempty"`             // BT-113
	Rounding         *Decimal `json:"rounding,omitempty"`            // BT-114
	Payable          Decimal  `json:"payable"`                       // BT-115
}

// VATBreakdown is BG-23.
type VATBreakdown struct {
	TaxableAmount   Decimal  `json:"taxable_amount"`             // BT-116
	TaxAmount       Decimal  `json:"tax_amount"`                 // BT-117
	Category        string   `json:"category"`                   // BT-118
	Rate            *Decimal `json:"rate,omitempty"`             // BT-119
	ExemptionReason string   `json:"exemption_reason,omitempty"` // BT-120
	ExemptionCode   string   `json:"exemption_code,omitempty"`   // BT-121

	hasTaxable, hasTaxAmount bool // BT-116, BT-117 present
}

// Attachment is BG-24, an additional supporting document. The model holds
// only metadata: embedded content can be megabytes and must not travel with
// the model (workflow history, JSON); Content decodes it on demand.
type Attachment struct {
	ID          string `json:"id"`                    // BT-122
	Description string `json:"description,omitempty"` // BT-123
	URI         string `json:"uri,omitempty"`         // BT-124
	Filename    string `json:"filename,omitempty"`    // BT-125 filename
	MimeCode    string `json:"mime_code,omitempty"`   // BT-125 mime code
	Size        int64  `json:"size,omitempty"`        // decoded size of BT-125 in bytes
	// TooLarge marks embedded content over MaxAttachmentBytes. Parse keeps
	// the metadata and Size but drops the content, so Content returns
	// ErrAttachmentTooLarge; the invoice itself stays readable.
	TooLarge bool `json:"too_large,omitempty"`

	content string // base64 text as in the XML; not serialised

	hasBinary bool // UBL EmbeddedDocumentBinaryObject written (UBL-DT-06/07)
}

// MaxAttachmentBytes is the largest decoded size of one embedded document
// (BT-125) whose content the model keeps. XRechnung and Peppol expect
// attachments of a few megabytes at most; 20 MiB leaves room for scanned
// contracts, while bigger content is most likely a mistake or an attack,
// and it is not copied out of the XML. No separate total is needed: MaxSize
// bounds all base64 text of one document to 50 MiB, about 37 MiB decoded.
const MaxAttachmentBytes = 20 << 20

var (
	// ErrNoContent reports an attachment without embedded content.
	ErrNoContent = errors.New("einvoice: attachment has no embedded content")
	// ErrAttachmentTooLarge reports embedded content over
	// MaxAttachmentBytes, which Parse dropped (Attachment.TooLarge).
	ErrAttachmentTooLarge = errors.New("einvoice: attachment too large")
)

// HasContent reports whether the attachment embeds a document (BT-125),
// also when it is TooLarge and Content returns ErrAttachmentTooLarge.
func (a Attachment) HasContent() bool { return a.content != "" || a.TooLarge }

// Content decodes the embedded document (BT-125). Invalid base64 is an
// error, never a panic: the content is whatever the sender wrote.
func (a Attachment) Content() ([]byte, error) {
	id := shortText(a.ID, 100)
	if a.TooLarge {
		return nil, fmt.Errorf("attachment %q of %d bytes, limit %d: %w", id, a.Size, MaxAttachmentBytes, ErrAttachmentTooLarge)
	}
	if a.content == "" {
		return nil, fmt.Errorf("attachment %q: %w", id, ErrNoContent)
	}
	b, err := base64.StdEncoding.DecodeString(a.content)
	if err != nil {
		return nil, fmt.Errorf("attachment %q: decode base64: %w", id, err)
	}
	return b, nil
}

// setContent stores the base64 text without whitespace and derives Size
// without decoding, so parsing stays cheap for large attachments. Content
// over MaxAttachmentBytes is not stored: the flag and the size are all the
// model keeps, and the tree holding the text is dropped after Parse.
func (a *Attachment) setContent(b64 string) {
	isSpace := func(r rune) bool { return r == ' ' || r == '\n' || r == '\r' || r == '\t' }
	n := int64(len(b64)) - int64(strings.Count(b64, " ")+strings.Count(b64, "\n")+
		strings.Count(b64, "\r")+strings.Count(b64, "\t"))
	if n == 0 {
		return
	}
	pad := int64(0)
	if t := strings.TrimRightFunc(b64, isSpace); strings.HasSuffix(t, "==") {
		pad = 2
	} else if strings.HasSuffix(t, "=") {
		pad = 1
	}
	a.Size = max(0, n/4*3-pad)
	if a.Size > MaxAttachmentBytes {
		a.TooLarge = true
		return
	}
	a.content = strings.Map(func(r rune) rune {
		if isSpace(r) {
			return -1
		}
		return r
	}, b64)
}

// Line is BG-25, an invoice line.
type Line struct {
	ID              string            `json:"id"`                         // BT-126
	Note            string            `json:"note,omitempty"`             // BT-127
	ObjectID        string            `json:"object_id,omitempty"`        // BT-128
	Quantity        Decimal           `json:"quantity"`                   // BT-129
	Unit            string            `json:"unit"`                       // BT-130
	NetAmount       Decimal           `json:"net_amount"`                 // BT-131
	OrderLineRef    string            `json:"order_line_ref,omitempty"`   // BT-132
	AccountingRef   string            `json:"accounting_ref,omitempty"`   // BT-133
	Period          *Period           `json:"period,omitempty"`           // BG-26
	Allowances      []AllowanceCharge `json:"allowances,omitempty"`       // BG-27
	Charges         []AllowanceCharge `json:"charges,omitempty"`          // BG-28
	Price           Price             `json:"price"`                      // BG-29
	VATCategory     string            `json:"vat_category"`               // BT-151
	VATRate         *Decimal          `json:"vat_rate,omitempty"`         // BT-152
	ItemName        string            `json:"item_name"`                  // BT-153
	ItemDescription string            `json:"item_description,omitempty"` // BT-154
	SellerItemID    string            `json:"seller_item_id,omitempty"`   // BT-155
	BuyerItemID     string            `json:"buyer_item_id,omitempty"`    // BT-156
	StandardItemID  *Identifier       `json:"standard_item_id,omitempty"` // BT-157
	Classifications []Identifier      `json:"classifications,omitempty"`  // BT-158, scheme = list id
	Attributes      []ItemAttribute   `json:"attributes,omitempty"`       // BG-32
	OriginCountry   string            `json:"origin_country,omitempty"`   // BT-159

	hasQuantity, hasNetAmount, hasPrice bool // BT-129, BT-131, BT-146 present

	docRefs []docReference // UBL line DocumentReference elements (BR-CL-07)
}

// ItemAttribute is BG-32, an item attribute.
type ItemAttribute struct {
	Name  string `json:"name"`  // BT-160
	Value string `json:"value"` // BT-161
}

// Price is BG-29.
type Price struct {
	Net          Decimal  `json:"net"`                     // BT-146
	Discount     *Decimal `json:"discount,omitempty"`      // BT-147
	Gross        *Decimal `json:"gross,omitempty"`         // BT-148
	BaseQuantity *Decimal `json:"base_quantity,omitempty"` // BT-149
	BaseUnit     string   `json:"base_unit,omitempty"`     // BT-150
}
