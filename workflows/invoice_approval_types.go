package workflows

import (
	"strconv"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// Names of the invoice approval.
const (
	// InvoiceApprovalName is the workflow type; InvoiceApprovalIDPrefix +
	// the invoice record id is its workflow id.
	InvoiceApprovalName     = "InvoiceApproval"
	InvoiceApprovalIDPrefix = "approval-"

	// Human steps (Updates with validators) and the status query.
	UpdateApprove       = "approve"
	UpdateReject        = "reject"
	UpdateCancel        = "cancel"
	QueryApprovalStatus = "status"

	ActivityLoadApproval   = "LoadApproval"
	ActivityEnterStage     = "EnterStage"
	ActivityRecordDecision = "RecordDecision"
	ActivityNotifyApproval = "NotifyApproval"
	ActivityExportBooking  = "ExportBooking"
	ActivityCloseApproval  = "CloseApproval"

	// ChangeApproval starts InvoiceApproval for the approve action instead
	// of a clerk task of kind invoice-approval.
	ChangeApproval = "2026-11-24-approval"

	// ErrTypeApprovalRefused: a decision the rules do not allow (four
	// eyes, limit, absent principal); the message is German.
	ErrTypeApprovalRefused = "ApprovalRefused"

	// TaskKindInvoiceCorrection is the clerk task a rejection (not back to
	// the sender) leaves in the receiving unit.
	TaskKindInvoiceCorrection = "invoice-correction"

	// ActorApproval is the actor of automatic decisions (formal check,
	// arithmetic check of an e-invoice whose calculation rules passed).
	ActorApproval = "system:approval"
)

// InvoiceApprovalID is the workflow id of an invoice's approval.
func InvoiceApprovalID(invoiceID int64) string {
	return InvoiceApprovalIDPrefix + strconv.FormatInt(invoiceID, 10)
}

// InvoiceApprovalInput starts the approval of one invoice record.
type InvoiceApprovalInput struct {
	InvoiceID      int64  `json:"invoice_id"`
	DocumentSHA256 string `json:"document_sha256"`
	// Unit is the receiving (ordering) unit routing chose; empty means the
	// one the invoice's Leitweg-ID names, else the configuration's default.
	Unit string `json:"unit,omitempty"`
}

// ApprovalContext is what the workflow works with, loaded once at the
// start (and the organisation again before each stage and deadline): the
// Dienstanweisung, the case, the payment terms and the organisation.
type ApprovalContext struct {
	Config approval.Config `json:"config"`
	Case   approval.Case   `json:"case"`
	Terms  approval.Terms  `json:"terms"`
	// Formal check: the validation verdict and the duplicate flag.
	Accepted    bool   `json:"accepted"`
	DuplicateOf *int64 `json:"duplicate_of,omitempty"`
	Number      string `json:"number"`
	// Org is the organisation at the time of loading.
	Org records.Organisation `json:"org"`
}

// LoadApprovalInput asks for the ApprovalContext.
type LoadApprovalInput struct {
	InvoiceID int64  `json:"invoice_id"`
	Unit      string `json:"unit,omitempty"`
	OrgOnly   bool   `json:"org_only,omitempty"` // refresh: only the organisation
}

// EnterStageInput records that a stage now waits, and for whom.
type EnterStageInput struct {
	InvoiceID int64                 `json:"invoice_id"`
	Stage     approval.StageKind    `json:"stage"`
	Assignees []string              `json:"assignees"`
	At        time.Time             `json:"at"`
	Status    records.InvoiceStatus `json:"status"`
	Terms     approval.Terms        `json:"terms"`
}

// RecordDecisionInput stores one decision (idempotent on invoice and Seq)
// and its audit event.
type RecordDecisionInput struct {
	InvoiceID      int64             `json:"invoice_id"`
	DocumentSHA256 string            `json:"document_sha256"`
	WorkflowID     string            `json:"workflow_id"`
	Seq            int               `json:"seq"`
	Decision       approval.Decision `json:"decision"`
}

// NotifyApprovalInput is a reminder or escalation notice.
type NotifyApprovalInput struct {
	InvoiceID int64     `json:"invoice_id"`
	Seq       int       `json:"seq"`    // makes the notice's id unique within the run
	Notice    string    `json:"notice"` // "discount", "due", "escalation"
	To        []string  `json:"to"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
}

// ExportBookingInput publishes the booking of an approved invoice.
type ExportBookingInput struct {
	InvoiceID int64               `json:"invoice_id"`
	Unit      string              `json:"unit"`
	Terms     approval.Terms      `json:"terms"`
	Decisions []approval.Decision `json:"decisions"`
	At        time.Time           `json:"at"`
}

// CloseApprovalInput records how an approval ended that did not end in a
// booking: rejected (to correction, or back to the sender) or cancelled.
type CloseApprovalInput struct {
	InvoiceID      int64                 `json:"invoice_id"`
	DocumentSHA256 string                `json:"document_sha256"`
	Status         records.InvoiceStatus `json:"status"`
	Reason         string                `json:"reason"`
	By             string                `json:"by"`
	ToSender       bool                  `json:"to_sender,omitempty"`
	Unit           string                `json:"unit"`
	At             time.Time             `json:"at"`
}

// ApproveRequest is the UpdateApprove argument.
type ApproveRequest struct {
	User    string             `json:"user"`
	Stage   approval.StageKind `json:"stage"`
	Comment string             `json:"comment,omitempty"`
}

// RejectRequest is the UpdateReject argument: the reason is required;
// ToSender sends the invoice back to its sender, else it goes to
// correction in the receiving unit.
type RejectRequest struct {
	User     string             `json:"user"`
	Stage    approval.StageKind `json:"stage"`
	Reason   string             `json:"reason"`
	ToSender bool               `json:"to_sender,omitempty"`
}

// CancelRequest is the UpdateCancel argument.
type CancelRequest struct {
	User   string `json:"user"`
	Reason string `json:"reason"`
}

// ApprovalState answers QueryApprovalStatus and every update.
type ApprovalState struct {
	InvoiceID int64                 `json:"invoice_id"`
	Status    records.InvoiceStatus `json:"status"`
	Stage     approval.StageKind    `json:"stage,omitempty"` // waiting for this stage
	StageName string                `json:"stage_name,omitempty"`
	Assignees []string              `json:"assignees,omitempty"`
	Since     *time.Time            `json:"since,omitempty"`
	Unit      string                `json:"unit"`
	Amount    string                `json:"amount"`
	Currency  string                `json:"currency"`
	Terms     approval.Terms        `json:"terms"`
	Decisions []approval.Decision   `json:"decisions"`
	Notices   []string              `json:"notices,omitempty"`
	Reason    string                `json:"reason,omitempty"` // why it was rejected or cancelled
}

// InvoiceApprovalResult is how the approval ended.
type InvoiceApprovalResult struct {
	Status    records.InvoiceStatus `json:"status"` // booked, rejected-in-approval, cancelled
	Reason    string                `json:"reason,omitempty"`
	Decisions []approval.Decision   `json:"decisions"`
}
