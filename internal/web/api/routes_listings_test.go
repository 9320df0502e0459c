package api

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// TestListingsPagedInStore: the task, file, invoice and triage listings
// take their page and total from the store, narrowed as before — a deep
// page of a large inbox has the right rows and total, and an invoice
// routed nowhere but filed in a file of the clerk's unit is the clerk's.
func TestListingsPagedInStore(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	at := w.task63.CreatedAt
	for i := range 120 {
		_, err := w.st.PutTask(ctx, records.Task{ID: fmt.Sprintf("clerk-task-63-%03d", i), Unit: "63", Status: records.TaskOpen,
			Version: 1, CreatedAt: at.Add(time.Duration(i+1) * time.Minute), UpdatedAt: at})
		require.NoError(t, err)
	}

	for _, c := range []struct {
		role, query string
		total, n    int
		first       string
		next        bool
	}{
		{"clerk", "?status=open", 121, DefaultLimit, w.task63.ID, true},
		{"clerk", "?status=open&limit=50&offset=100", 121, 21, "clerk-task-63-099", false},
		{"clerk", "?status=open&offset=500", 121, 0, "", false},
		{"clerk", "?unit=20", 0, 0, "", false},
		{"approver", "?status=done", 0, 0, "", false},
		{"auditor", "?status=open&limit=10&offset=115", 122, 7, "clerk-task-63-113", false},
	} {
		resp, body := w.get(t, c.role, "/api/tasks"+c.query)
		l := decode[List[records.Task]](t, body)
		require.Equal(t, c.total, l.Total, "%s %s", c.role, c.query)
		require.Len(t, l.Items, c.n, "%s %s", c.role, c.query)
		if c.first != "" {
			require.Equal(t, c.first, l.Items[0].ID, "%s %s", c.role, c.query)
		}
		for _, tk := range l.Items {
			if c.role == "clerk" {
				require.Equal(t, "63", tk.Unit)
			}
		}
		require.Equal(t, c.next, resp.Header.Get("Link") != "", "%s %s", c.role, c.query)
	}
	_, body := w.get(t, "clerk", "/api/tasks?limit=501")
	require.Contains(t, string(body), "bad_limit")

	// The unrouted letter filed in 63's file makes its invoice 63's.
	_, _, err := w.st.FileDocument(ctx, records.Filing{DocumentSHA256: w.docNone.SHA256, FileID: w.file63.ID, FiledAt: at, FiledBy: "clerk"})
	require.NoError(t, err)
	invNone, _, err := w.st.AddInvoice(ctx, records.Invoice{DocumentSHA256: w.docNone.SHA256, WorkflowID: "invoice-none",
		Syntax: records.SyntaxPaper, Number: "R-none", IssueDate: "2026-03-01", Currency: "EUR", SellerName: "Zaun KG",
		NetTotal: "1.00", GrossTotal: "1.19", Payable: "1.19", Status: records.InvoiceAccepted, DuplicateKey: "k-none"})
	require.NoError(t, err)
	_, body = w.get(t, "clerk", "/api/invoices?limit=1&offset=1")
	l := decode[List[records.Invoice]](t, body)
	require.Equal(t, 2, l.Total)
	require.Equal(t, []int64{invNone.ID}, []int64{l.Items[0].ID})
	_, body = w.get(t, "auditor", "/api/invoices?status=accepted")
	require.Equal(t, 3, decode[List[records.Invoice]](t, body).Total)

	_, body = w.get(t, "registrar", "/api/files?limit=1&offset=1")
	lf := decode[List[records.File]](t, body)
	require.Equal(t, 2, lf.Total)
	require.Len(t, lf.Items, 1)
	_, body = w.get(t, "clerk", "/api/files?plan=20")
	require.Equal(t, 0, decode[List[records.File]](t, body).Total)
	_, body = w.get(t, "clerk", "/api/files?plan=x")
	require.Contains(t, string(body), "bad_request")

	_, body = w.get(t, "registrar", "/api/triage")
	require.Equal(t, 1, decode[List[records.TriageItem]](t, body).Total)
}
