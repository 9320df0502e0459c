package audit

import (
	"encoding/json"
	"time"
)

// Report is the readable history of one case for an auditor: the events of
// the trail about the case and everything belonging to it, joined with what
// the workflow engine recorded (timers, retries, updates), in time order.
type Report struct {
	// Subject is the case the report was asked for.
	Subject Subject `json:"subject"`
	// Objects are the objects the history covers: the subject and what
	// belongs to it (a file's documents, a document's tasks and invoice).
	Objects []Object `json:"objects"`
	// Workflows are the ids of the workflow runs whose history is joined in.
	Workflows []string `json:"workflows"`
	// Generated is when and by whom the report was made.
	Generated   time.Time `json:"generated"`
	GeneratedBy string    `json:"generated_by"`
	// Verification is the state of the whole chain when the report was made.
	Verification Result `json:"verification"`
	// Entries are the history, oldest first.
	Entries []Entry `json:"entries"`
	// Notes are caveats worth an auditor's attention (e.g. a workflow
	// history that was no longer available).
	Notes []string `json:"notes,omitempty"`
}

// Subject names the case of a report.
type Subject struct {
	Kind  string `json:"kind"` // "file", "document" or "invoice"
	ID    string `json:"id"`   // file number, document sha256, invoice id
	Title string `json:"title,omitempty"`
}

// Object is one object a report covers.
type Object struct {
	Type  string `json:"type"` // as in Event.ObjectType
	ID    string `json:"id"`
	Label string `json:"label,omitempty"` // e.g. the register number or file title
}

// Entry sources.
const (
	SourceTrail    = "audit"    // an event of the hash-chained trail
	SourceWorkflow = "workflow" // an event of a Temporal workflow history
)

// Entry is one line of a report.
type Entry struct {
	Time   time.Time `json:"time"`
	Source string    `json:"source"` // SourceTrail or SourceWorkflow
	// Seq is the trail's sequence number (trail entries only).
	Seq int64 `json:"seq,omitempty"`
	// Workflow and EventID locate a workflow entry in its history.
	Workflow string `json:"workflow,omitempty"`
	EventID  int64  `json:"event_id,omitempty"`
	Actor    string `json:"actor,omitempty"`
	// Action is the machine name: the trail's action, or the workflow
	// event type such as "TimerFired".
	Action string `json:"action"`
	// Object is "type id" of the object the entry is about.
	Object string `json:"object,omitempty"`
	// Summary is one German sentence an auditor can read without the
	// manual, e.g. "Aktivität OCRPage, Versuch 2 (vorher: Zeitüberschreitung)".
	Summary string `json:"summary"`
	// Details are the event's details as stored (trail) or the salient
	// attributes (workflow).
	Details json.RawMessage `json:"details,omitempty"`
	// Personal is the personal data of a trail event; nil if none or erased.
	Personal json.RawMessage `json:"personal,omitempty"`
	// Erased is set when the event's personal data was erased.
	Erased bool `json:"erased,omitempty"`
	// Hash is the trail event's chain hash in hex (trail entries only).
	Hash string `json:"hash,omitempty"`
}
