package records

import "time"

// Invoice statuses set by the approval workflow, which takes an accepted
// invoice through the stages of the Dienstanweisung (formal check, sachlich
// richtig, rechnerisch richtig, Anordnung) and hands a booking record to
// finance.
const (
	// InvoiceInApproval: the approval workflow runs; InvoiceStage says
	// which stage waits for whom.
	InvoiceInApproval InvoiceStatus = "in-approval"
	// InvoiceApproved: every stage approved; the booking record is made
	// but finance has not confirmed its export yet.
	InvoiceApproved InvoiceStatus = "approved"
	// InvoiceBooked: the booking record was exported to finance.
	InvoiceBooked InvoiceStatus = "booked"
	// InvoiceRejectedInApproval: a stage rejected the invoice; it waits
	// for a correction (back to in-approval) or goes back to the sender
	// (returned).
	InvoiceRejectedInApproval InvoiceStatus = "rejected-in-approval"
	// InvoiceCancelled: the invoice will not be paid (a duplicate, a
	// credit note settled it, the sender withdrew it).
	InvoiceCancelled InvoiceStatus = "cancelled"
)

// invoiceTransitions lists where each status may go. booked, returned and
// cancelled are final.
var invoiceTransitions = map[InvoiceStatus][]InvoiceStatus{
	InvoiceAccepted:           {InvoiceInApproval, InvoiceCancelled},
	InvoiceRejected:           {InvoiceReturned},
	InvoiceInApproval:         {InvoiceApproved, InvoiceRejectedInApproval, InvoiceCancelled},
	InvoiceRejectedInApproval: {InvoiceInApproval, InvoiceReturned, InvoiceCancelled},
	InvoiceApproved:           {InvoiceBooked, InvoiceCancelled},
}

// CanBecome says whether an invoice in status s may move to status to.
// Staying in the same status is allowed (a retried activity sets it again).
func (s InvoiceStatus) CanBecome(to InvoiceStatus) bool {
	if s == to {
		return s.Known()
	}
	for _, next := range invoiceTransitions[s] {
		if next == to {
			return true
		}
	}
	return false
}

// Known says whether s is one of the invoice statuses.
func (s InvoiceStatus) Known() bool {
	switch s {
	case InvoiceAccepted, InvoiceRejected, InvoiceReturned,
		InvoiceInApproval, InvoiceApproved, InvoiceBooked, InvoiceRejectedInApproval, InvoiceCancelled:
		return true
	}
	return false
}

// Approval is one decision on an invoice at one stage: approve or reject,
// by whom, for whom. Decisions are numbered per invoice (Seq 1, 2, …) by
// the approval workflow, which makes storing them idempotent: a retried
// activity stores the same Seq again and finds its decision.
type Approval struct {
	ID        int64  `json:"id"`
	InvoiceID int64  `json:"invoice_id"`
	Seq       int    `json:"seq"`
	Stage     string `json:"stage"` // formal, factual, arithmetic, payment_order
	User      string `json:"user"`
	// OnBehalfOf is the person User stood in for (deputy, escalation), or
	// empty.
	OnBehalfOf string    `json:"on_behalf_of,omitempty"`
	Approve    bool      `json:"approve"`
	Comment    string    `json:"comment,omitempty"`
	At         time.Time `json:"at"`
	WorkflowID string    `json:"workflow_id"`
}

// SameDecision says whether a and b record the same decision: everything
// but the assigned ID and the time. A retry carries the same decision; a
// different one under the same Seq is a conflict.
func (a Approval) SameDecision(b Approval) bool {
	return a.InvoiceID == b.InvoiceID && a.Seq == b.Seq && a.Stage == b.Stage && a.User == b.User &&
		a.OnBehalfOf == b.OnBehalfOf && a.Approve == b.Approve && a.Comment == b.Comment && a.WorkflowID == b.WorkflowID
}

// InvoiceTerms are the payment terms the approval works against: when the
// invoice is due and until when, and by how much, early payment earns a
// discount (Skonto). Dates are YYYY-MM-DD, amounts decimal strings; empty
// when unknown.
type InvoiceTerms struct {
	DueDate        string `json:"due_date,omitempty"`
	DiscountDate   string `json:"discount_date,omitempty"`
	DiscountAmount string `json:"discount_amount,omitempty"`
}

// IsZero says whether no term is known.
func (t InvoiceTerms) IsZero() bool { return t == InvoiceTerms{} }

// InvoiceStage is where an invoice's approval stands: the stage that waits,
// the people who may decide it (approvers' inboxes list it), since when, and
// the payment terms. Stage is empty and Assignees none once nothing waits.
type InvoiceStage struct {
	InvoiceID int64        `json:"invoice_id"`
	Stage     string       `json:"stage"`
	Assignees []string     `json:"assignees"`
	Since     time.Time    `json:"since"`
	Terms     InvoiceTerms `json:"terms"`
}

// Booking is the booking record handed to finance (the Anordnung as data):
// whom to pay, how much, by when, on which cost centre, and the decisions
// that authorised it. One per invoice.
type Booking struct {
	InvoiceID      int64  `json:"invoice_id"`
	Unit           string `json:"unit"`
	Creditor       string `json:"creditor"` // seller name
	CreditorVATID  string `json:"creditor_vat_id,omitempty"`
	IBAN           string `json:"iban,omitempty"`
	Amount         string `json:"amount"` // decimal string
	Currency       string `json:"currency"`
	DueDate        string `json:"due_date,omitempty"` // YYYY-MM-DD
	DiscountDate   string `json:"discount_date,omitempty"`
	DiscountAmount string `json:"discount_amount,omitempty"`
	InvoiceNumber  string `json:"invoice_number"`
	InvoiceDate    string `json:"invoice_date"` // YYYY-MM-DD
	// CostCentre is the buyer's accounting reference (BT-19), or the
	// line accounting references, when the invoice gives them.
	CostCentre string     `json:"cost_centre,omitempty"`
	Approvals  []Approval `json:"approvals"`
	CreatedAt  time.Time  `json:"created_at"`
	// PublishedAt: handed to the outbound channel; ExportedAt: finance
	// confirmed the export. Nil until then.
	PublishedAt *time.Time `json:"published_at,omitempty"`
	ExportedAt  *time.Time `json:"exported_at,omitempty"`
}
