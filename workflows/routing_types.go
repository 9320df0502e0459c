package workflows

import (
	"time"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// ExtractInput asks for the fields of a document to be read out of its
// text (OCR pages with word positions, or the text rendition) or its
// e-invoice record, and stored with the document.
type ExtractInput struct {
	WorkflowID string       `json:"workflow_id"`
	Document   string       `json:"document"` // sha256 of the original
	Kind       records.Kind `json:"kind"`
	// OCRPages are the page OCR results of a scan, in page order.
	OCRPages []blob.Ref `json:"ocr_pages,omitempty"`
	// Text is the text rendition (born-digital PDFs; scans also have one).
	Text       *blob.Ref `json:"text,omitempty"`
	InvoiceID  int64     `json:"invoice_id,omitempty"`
	Title      string    `json:"title"` // the original's name, the fallback title
	ReceivedAt time.Time `json:"received_at"`
}

// ExtractOutput is the part of the extraction the workflow needs; the full
// result stays with the document in the store (no letter text in history).
type ExtractOutput struct {
	Type           string  `json:"type"`
	TypeConfidence float64 `json:"type_confidence"`
	FileNumber     string  `json:"file_number,omitempty"` // a quoted number that names an existing file
	LeitwegID      string  `json:"leitweg_id,omitempty"`
}

// RouteInput asks routing to decide where a document goes. The activity
// reads the extraction result and the text from the store.
type RouteInput struct {
	WorkflowID string `json:"workflow_id"`
	Document   string `json:"document"`
	EInvoice   bool   `json:"einvoice,omitempty"`
}

// Routing action kinds, as in internal/routing.
const (
	RouteFile     = "file"      // into the file FileNumber
	RouteOpenFile = "open_file" // a new file under PlanCode
	RouteAssign   = "assign"    // a task in Unit's inbox
	RouteApprove  = "approve"   // the invoice approval, by Unit
	RouteTriage   = "triage"    // a registrar decides
)

// RouteAction is one thing to do with a document.
type RouteAction struct {
	Kind       string `json:"kind"`
	PlanCode   string `json:"plan_code,omitempty"`
	Title      string `json:"title,omitempty"`
	Unit       string `json:"unit,omitempty"`
	FileNumber string `json:"file_number,omitempty"`
}

// RouteDecision is where a document goes and why.
type RouteDecision struct {
	Rule    string        `json:"rule"`
	Reason  string        `json:"reason"`
	Actions []RouteAction `json:"actions"`
	Triage  bool          `json:"triage,omitempty"`
}

// AddTriageInput puts a document into the triage queue.
type AddTriageInput struct {
	WorkflowID string        `json:"workflow_id"`
	Document   string        `json:"document"`
	Suggestion RouteDecision `json:"suggestion"`
}

// AddTriageOutput is the queue item and what a decision may name: the
// validator of the registrar's decision checks units and plan codes
// against these without I/O.
type AddTriageOutput struct {
	ItemID    int64    `json:"item_id"`
	Units     []string `json:"units"`
	PlanCodes []string `json:"plan_codes"`
}

// TriageDecision is the registrar's answer (UpdateTriageDecide).
type TriageDecision struct {
	User    string        `json:"user"`
	Actions []RouteAction `json:"actions"`
	Comment string        `json:"comment,omitempty"`
}

// ApplyRoutingInput carries out a decision: open or find the file, file the
// document, record the decision with the document, index it for search.
type ApplyRoutingInput struct {
	WorkflowID string        `json:"workflow_id"`
	Document   string        `json:"document"`
	Decision   RouteDecision `json:"decision"`
	By         string        `json:"by"` // "system:routing" or the registrar
	At         time.Time     `json:"at"` // workflow time of the decision
	// CheckOnly validates the decision (files exist and are open) without
	// changing anything; the triage Update runs it before accepting.
	CheckOnly bool `json:"check_only,omitempty"`
}

// ApplyRoutingOutput says where the document is now and which tasks to
// start.
type ApplyRoutingOutput struct {
	FileNumber string     `json:"file_number,omitempty"`
	Unit       string     `json:"unit,omitempty"`
	Title      string     `json:"title"`
	Tasks      []TaskSpec `json:"tasks,omitempty"`
	// Policy is the configured deadlines of the tasks.
	Policy TaskPolicy `json:"policy"`
	// InvoiceID is the invoice record the approval works on (for a paper
	// invoice made from the extraction).
	InvoiceID int64 `json:"invoice_id,omitempty"`
}

// TaskSpec is a task the workflow starts after routing.
type TaskSpec struct {
	Unit string `json:"unit"`
	Kind string `json:"kind"` // "document" or "invoice-approval"
}

// RoutingResult is how routing ended, part of InboundResult.
type RoutingResult struct {
	Rule       string   `json:"rule"`
	Reason     string   `json:"reason"`
	Triage     bool     `json:"triage,omitempty"` // it went through the triage queue
	DecidedBy  string   `json:"decided_by"`
	FileNumber string   `json:"file_number,omitempty"`
	Unit       string   `json:"unit,omitempty"`
	Tasks      []string `json:"tasks,omitempty"` // ClerkTask workflow ids
}
