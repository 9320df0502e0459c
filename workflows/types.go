package workflows

import (
	"time"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// InboundInput starts InboundDocument. It is what the intake envelope says
// about the document; the bytes are in the intake object store under Object.
type InboundInput struct {
	SHA256       string                `json:"sha256"`
	Size         int64                 `json:"size"`
	MediaType    string                `json:"media_type"`
	OriginalName string                `json:"original_name"`
	Source       records.Source        `json:"source"`
	ReceivedAt   time.Time             `json:"received_at"`
	ScanProtocol *records.ScanProtocol `json:"scan_protocol,omitempty"`
	Object       string                `json:"object"`
}

// InboundResult is what a finished InboundDocument reports.
type InboundResult struct {
	RegisterNumber string         `json:"register_number"`
	EntryID        int64          `json:"entry_id"`
	Original       blob.Ref       `json:"original"`
	Kind           records.Kind   `json:"kind"`
	KindDetail     string         `json:"kind_detail,omitempty"`
	Failed         string         `json:"failed,omitempty"`  // reason when the document could not be processed
	Archive        *ArchiveOutput `json:"archive,omitempty"` // archival PDF/A and text, when made
	// Invoice is the e-invoice verdict, for kinds xml-ubl, xml-cii and
	// pdf-einvoice.
	Invoice *CheckEInvoiceOutput `json:"invoice,omitempty"`
	// Returned is set when a rejected invoice was handed back to its sender.
	Returned bool `json:"returned,omitempty"`
	// Routing says where the document went: file, unit, tasks.
	Routing *RoutingResult `json:"routing,omitempty"`
}

// InboundStatus answers QueryInboundStatus.
type InboundStatus struct {
	Step           string       `json:"step"`
	RegisterNumber string       `json:"register_number,omitempty"`
	Kind           records.Kind `json:"kind,omitempty"`
	PagesTotal     int          `json:"pages_total,omitempty"`
	PagesDone      int          `json:"pages_done,omitempty"`
	// Invoice is the e-invoice verdict once the check ran.
	Invoice *CheckEInvoiceOutput `json:"invoice,omitempty"`
	// Triage is routing's suggestion while the document waits for a
	// registrar (Step "triage").
	Triage *RouteDecision `json:"triage,omitempty"`
	// Routing is where the document went, once routed.
	Routing *RoutingResult `json:"routing,omitempty"`
}

// StoreOriginalInput copies the original from the intake object store into
// the blob store.
type StoreOriginalInput struct {
	WorkflowID string         `json:"workflow_id"`
	Object     string         `json:"object"`
	SHA256     string         `json:"sha256"`
	Size       int64          `json:"size"`
	MediaType  string         `json:"media_type"`
	Source     records.Source `json:"source"`
	ReceivedAt time.Time      `json:"received_at"`
}

// RegisterInput creates the register entry.
type RegisterInput struct {
	Entry records.NewEntry `json:"entry"`
}

// RegisterOutput names the entry created (or found).
type RegisterOutput struct {
	EntryID        int64  `json:"entry_id"`
	RegisterNumber string `json:"register_number"`
	Created        bool   `json:"created"`
}

// DetectKindInput asks what the stored original is.
type DetectKindInput struct {
	WorkflowID string   `json:"workflow_id"`
	Original   blob.Ref `json:"original"`
}

// DetectKindOutput is the detected kind.
type DetectKindOutput struct {
	Kind   records.Kind `json:"kind"`
	Detail string       `json:"detail,omitempty"`
	Pages  int          `json:"pages,omitempty"`
}

// MarkFailedInput records that a document could not be processed further.
type MarkFailedInput struct {
	WorkflowID string `json:"workflow_id"`
	SHA256     string `json:"sha256"`
	Step       string `json:"step"`
	Reason     string `json:"reason"`
	// Document, when set, also lists the document in the quarantine, where
	// the mailroom looks for what needs a person (an encrypted PDF, a page
	// whose text could not be read).
	Document *InboundInput `json:"document,omitempty"`
}

// QuarantineInput puts a document whose original could not be stored into
// the intake quarantine, where the mailroom sees it and can requeue it.
type QuarantineInput struct {
	WorkflowID string       `json:"workflow_id"`
	Reason     string       `json:"reason"`
	Message    string       `json:"message"`
	Document   InboundInput `json:"document"`
}

// OCRPageInput asks for the text of one page of a scanned original.
type OCRPageInput struct {
	WorkflowID string   `json:"workflow_id"`
	Original   blob.Ref `json:"original"`
	Page       int      `json:"page"` // 0-based
	Languages  string   `json:"languages,omitempty"`
}

// OCRPageOutput points at the page's recognised words, stored as a blob so
// that history stays small and a retry after a crash finds them.
type OCRPageOutput struct {
	Page   int      `json:"page"`
	Result blob.Ref `json:"result"`
	Words  int      `json:"words"`
	DPI    int      `json:"dpi"`
}

// BuildArchiveInput assembles the archival PDF/A and the text rendition of a
// scanned original from its pages' OCR results.
type BuildArchiveInput struct {
	WorkflowID   string                `json:"workflow_id"`
	Original     blob.Ref              `json:"original"`
	Pages        []blob.Ref            `json:"pages"` // OCR result per page, in page order
	Title        string                `json:"title"`
	ReceivedAt   time.Time             `json:"received_at"` // dates the PDF, so a rebuild is byte-identical
	ScanProtocol *records.ScanProtocol `json:"scan_protocol,omitempty"`
}

// ArchiveOutput names the renditions made.
type ArchiveOutput struct {
	PDF  blob.Ref `json:"pdf"`
	Text blob.Ref `json:"text"`
	// OCRPages are the page OCR results (words with positions) of a scan,
	// which extraction reads; empty for born-digital PDFs.
	OCRPages []blob.Ref `json:"ocr_pages,omitempty"`
	Pages    int        `json:"pages"`
	Checks   []string   `json:"checks,omitempty"` // checks done, as recorded in the scan protocol
}

// ArchivePDFInput makes the archival rendition of a born-digital PDF: kept
// as it is when it passes the PDF/A self-check, converted otherwise.
type ArchivePDFInput struct {
	WorkflowID string    `json:"workflow_id"`
	Original   blob.Ref  `json:"original"`
	Title      string    `json:"title"`
	ReceivedAt time.Time `json:"received_at"`
	// EInvoice marks a hybrid e-invoice: its archival copy must be PDF/A-3
	// with the XML inside, and the document's status is the e-invoice
	// verdict, not "archived".
	EInvoice bool `json:"einvoice,omitempty"`
}

// CheckEInvoiceInput asks to validate an e-invoice document and file its
// XML, validation report, readable rendition and invoice record.
type CheckEInvoiceInput struct {
	WorkflowID string       `json:"workflow_id"`
	Original   blob.Ref     `json:"original"`
	Kind       records.Kind `json:"kind"` // xml-ubl, xml-cii or pdf-einvoice
	ReceivedAt time.Time    `json:"received_at"`
}

// CheckEInvoiceOutput is the verdict and where everything went. The
// invoice data itself stays in the invoice record, not in the history.
type CheckEInvoiceOutput struct {
	InvoiceID   int64                 `json:"invoice_id"`
	Number      string                `json:"number"`
	Scenario    string                `json:"scenario"`
	Accepted    bool                  `json:"accepted"`
	Status      records.InvoiceStatus `json:"status"`
	Errors      int                   `json:"errors"`
	Warnings    int                   `json:"warnings"`
	DuplicateOf *int64                `json:"duplicate_of,omitempty"`
	XML         blob.Ref              `json:"xml"`
	Report      blob.Ref              `json:"report"`
	View        blob.Ref              `json:"view"` // zero when no rendition could be made
}

// ReturnInvoiceInput hands a rejected invoice with its report to the
// outbound channel that notifies the sender.
type ReturnInvoiceInput struct {
	WorkflowID string `json:"workflow_id"`
	InvoiceID  int64  `json:"invoice_id"`
}
