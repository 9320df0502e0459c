package records

import (
	"encoding/json"
	"time"
)

// DocumentMeta is what extraction read out of a document and where routing
// sent it, kept with the document so that a clerk sees it and an auditor can
// tell why a document landed where it did.
type DocumentMeta struct {
	DocumentSHA256 string `json:"document_sha256"`
	Type           string `json:"type"` // invoice, letter, reminder, notice, other
	Sender         string `json:"sender,omitempty"`
	LetterDate     string `json:"letter_date,omitempty"` // YYYY-MM-DD
	Subject        string `json:"subject,omitempty"`
	FileNumber     string `json:"file_number,omitempty"` // a quoted number that names an existing file
	Amount         string `json:"amount,omitempty"`      // decimal text
	LeitwegID      string `json:"leitweg_id,omitempty"`
	// Extracted is the whole extraction result as JSON (internal/extract).
	Extracted json.RawMessage `json:"extracted,omitempty"`
	// Routing: the rule that matched, why, and the decision as JSON
	// (internal/routing). Empty until routed.
	RoutingRule   string          `json:"routing_rule,omitempty"`
	RoutingReason string          `json:"routing_reason,omitempty"`
	Routing       json.RawMessage `json:"routing,omitempty"`
	RoutedBy      string          `json:"routed_by,omitempty"` // "system:routing" or the registrar
	RoutedAt      *time.Time      `json:"routed_at,omitempty"`
	Unit          string          `json:"unit,omitempty"` // the unit the document was routed to
	UpdatedAt     time.Time       `json:"updated_at"`
}

// TriageStatus is open until a registrar decides.
type TriageStatus string

const (
	TriageOpen    TriageStatus = "open"
	TriageDecided TriageStatus = "decided"
)

// TriageItem is a document routing was not sure about. Its workflow waits
// for the registrar's decision (a Temporal Update); this row is the list the
// registrar works from.
type TriageItem struct {
	ID             int64           `json:"id"`
	DocumentSHA256 string          `json:"document_sha256"`
	WorkflowID     string          `json:"workflow_id"`
	Reason         string          `json:"reason"`               // why routing could not decide
	Suggestion     json.RawMessage `json:"suggestion,omitempty"` // routing's decision, for the registrar to start from
	Status         TriageStatus    `json:"status"`
	Decision       json.RawMessage `json:"decision,omitempty"`
	DecidedBy      string          `json:"decided_by,omitempty"`
	DecidedAt      *time.Time      `json:"decided_at,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
}

// TaskStatus is where a clerk task stands.
type TaskStatus string

const (
	TaskOpen      TaskStatus = "open"      // in the unit's inbox, nobody has claimed it
	TaskClaimed   TaskStatus = "claimed"   // a clerk works on it
	TaskFollowUp  TaskStatus = "follow-up" // Wiedervorlage: comes back on FollowUpOn
	TaskDone      TaskStatus = "done"
	TaskForwarded TaskStatus = "forwarded" // handed to another unit; a new task exists there
)

// Task is the listing row of a ClerkTask workflow: the workflow is the
// truth, this row is what inboxes are read from. The workflow writes it on
// every change, with Version increasing, so an older write never overwrites
// a newer one.
type Task struct {
	ID             string     `json:"id"` // the ClerkTask workflow id
	DocumentSHA256 string     `json:"document_sha256"`
	Title          string     `json:"title"`
	Kind           string     `json:"kind"` // "document" or "invoice-approval"
	Unit           string     `json:"unit"`
	Assignee       string     `json:"assignee,omitempty"`
	Status         TaskStatus `json:"status"`
	FileNumber     string     `json:"file_number,omitempty"`
	Due            *time.Time `json:"due,omitempty"`          // when the next reminder or escalation fires
	FollowUpOn     *time.Time `json:"follow_up_on,omitempty"` // Wiedervorlage date
	EscalatedTo    string     `json:"escalated_to,omitempty"`
	Version        int64      `json:"version"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// SearchDoc is what the full-text index holds for one document.
type SearchDoc struct {
	DocumentSHA256 string `json:"document_sha256"`
	Title          string `json:"title"` // subject, or the original name
	Type           string `json:"type"`
	Unit           string `json:"unit"` // visibility: members of this unit (and readers of everything)
	FileNumber     string `json:"file_number,omitempty"`
	Sender         string `json:"sender,omitempty"`
	Date           string `json:"date"` // YYYY-MM-DD: the letter date, else the receipt date
	// Body is the searchable text: OCR or PDF text, or for an e-invoice its
	// data (number, parties, lines, notes).
	Body string `json:"-"`
}
