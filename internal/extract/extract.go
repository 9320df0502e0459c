package extract

import (
	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/ocr"
)

// DocType is the kind of document, as the mail room routes it.
type DocType string

// Document types.
const (
	TypeInvoice  DocType = "invoice"  // Rechnung, Abschlags-, Schlussrechnung, Gutschrift
	TypeLetter   DocType = "letter"   // letters and applications (Antrag, Widerspruch, Anfrage)
	TypeReminder DocType = "reminder" // Mahnung, Zahlungserinnerung
	TypeNotice   DocType = "notice"   // Bescheid: an official notice with legal effect
	TypeOther    DocType = "other"    // no text to go by
)

// Input is one document. Pages win over Text when they have words.
type Input struct {
	// Pages is the OCR result with word boxes, when the document was
	// scanned.
	Pages []ocr.Page
	// Text is the plain text (pages separated by "\f") of a born-digital
	// PDF, used when Pages is empty.
	Text string
	// Invoice is the parsed e-invoice, when the document is one; its data
	// wins over text.
	Invoice *einvoice.Invoice
}

// Party is who sent the document.
type Party struct {
	Name string `json:"name,omitempty"`
	// Address is "street, PLZ city" as printed.
	Address string `json:"address,omitempty"`
}

// Reference is a file number the sender quotes, with the label it stood
// under ("Ihr Zeichen", "Az.", …). Label is empty for a value found in
// the value column of an information block whose label OCR could not
// read; it is only reported when no labelled reference was found.
type Reference struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Result is what Extract found. Empty fields were not found.
type Result struct {
	Type           DocType `json:"type"`
	TypeConfidence float64 `json:"type_confidence"` // 0..1
	// TypeReason says in a few words what decided the type, e.g.
	// `keyword "Rechnung" + total amount`.
	TypeReason string `json:"type_reason"`
	Sender     Party  `json:"sender"`
	// LetterDate is the date of the letter, ISO yyyy-mm-dd; never a
	// receipt stamp's date.
	LetterDate string `json:"letter_date,omitempty"`
	// References are our file numbers as the sender quotes them ("Ihr
	// Zeichen", "Ihr Aktenzeichen", "Az.", "Aktenzeichen", "(Az. …)" in
	// the subject), in order of reliability. The sender's own reference
	// is never among them.
	References []Reference `json:"references,omitempty"`
	// SenderReference is the sender's own reference ("Unser Zeichen").
	SenderReference string `json:"sender_reference,omitempty"`
	Subject         string `json:"subject,omitempty"`
	// IBANs are normalised (no spaces) and checksum-verified.
	IBANs []string `json:"ibans,omitempty"`
	// Amount is the total payable as decimal text "1234.56".
	Amount        string `json:"amount,omitempty"`
	Currency      string `json:"currency,omitempty"`
	InvoiceNumber string `json:"invoice_number,omitempty"`
	// LeitwegID is returned even with a wrong check digit; Warnings then
	// says so.
	LeitwegID string   `json:"leitweg_id,omitempty"`
	DueDate   string   `json:"due_date,omitempty"` // ISO yyyy-mm-dd
	Warnings  []string `json:"warnings,omitempty"`
}

// Extract classifies the document and reads its fields.
func Extract(in Input) Result {
	d := newDoc(docLines(in))
	var r Result
	d.fill(&r)
	if in.Invoice != nil {
		fromInvoice(in.Invoice, &r)
	}
	classify(d, in.Invoice, &r)
	return r
}
