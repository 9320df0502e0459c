package records

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestInvoiceStatusCanBecome(t *testing.T) {
	for _, c := range []struct {
		from, to InvoiceStatus
		ok       bool
	}{
		{InvoiceRejected, InvoiceReturned, true},
		{InvoiceAccepted, InvoiceInApproval, true},
		{InvoiceAccepted, InvoiceCancelled, true},
		{InvoiceAccepted, InvoiceApproved, false},
		{InvoiceInApproval, InvoiceApproved, true},
		{InvoiceInApproval, InvoiceRejectedInApproval, true},
		{InvoiceInApproval, InvoiceCancelled, true},
		{InvoiceInApproval, InvoiceBooked, false},
		{InvoiceRejectedInApproval, InvoiceInApproval, true},
		{InvoiceRejectedInApproval, InvoiceReturned, true},
		{InvoiceApproved, InvoiceBooked, true},
		{InvoiceApproved, InvoiceInApproval, false},
		{InvoiceBooked, InvoiceCancelled, false},
		{InvoiceReturned, InvoiceAccepted, false},
		{InvoiceCancelled, InvoiceInApproval, false},
		{InvoiceBooked, InvoiceBooked, true},
		{"paid", "paid", false},
		{InvoiceAccepted, "paid", false},
	} {
		t.Run(string(c.from)+"->"+string(c.to), func(t *testing.T) {
			require.Equal(t, c.ok, c.from.CanBecome(c.to))
		})
	}
}

func TestApprovalSameDecision(t *testing.T) {
	base := Approval{ID: 7, InvoiceID: 1, Seq: 2, Stage: "factual", User: "anna", Approve: true,
		At: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC), WorkflowID: "invoice-approval-1"}
	for _, c := range []struct {
		name   string
		change func(*Approval)
		same   bool
	}{
		{"identical", func(*Approval) {}, true},
		{"other id and time", func(a *Approval) { a.ID, a.At = 0, a.At.Add(time.Hour) }, true},
		{"other verdict", func(a *Approval) { a.Approve = false }, false},
		{"other user", func(a *Approval) { a.User = "bert" }, false},
		{"on behalf", func(a *Approval) { a.OnBehalfOf = "carla" }, false},
		{"other comment", func(a *Approval) { a.Comment = "ok" }, false},
		{"other stage", func(a *Approval) { a.Stage = "arithmetic" }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := base
			c.change(&b)
			require.Equal(t, c.same, base.SameDecision(b))
		})
	}
}
