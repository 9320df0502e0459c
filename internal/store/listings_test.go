package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// testListingsCountAndUnits: the listings the API pages through count
// their matches in the database (the same filter as the page, Limit and
// Offset ignored) and narrow files and invoices to a caller's units, as
// the access check of one item would.
func testListingsCountAndUnits(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	at := berlin(2026, 3, 2, 8, 0)

	t.Run("tasks", func(t *testing.T) {
		for i := range 30 {
			tk := records.Task{ID: fmt.Sprintf("t-%02d", i), Unit: "63", Status: records.TaskOpen, Version: 1,
				CreatedAt: at.Add(time.Duration(i) * time.Minute), UpdatedAt: at}
			switch {
			case i%10 == 0:
				tk.Status, tk.Assignee = records.TaskClaimed, "bernd"
			case i%10 == 1:
				tk.Unit = "20"
			}
			_, err := s.PutTask(ctx, tk)
			require.NoError(t, err)
		}
		open := []records.TaskStatus{records.TaskOpen}
		for _, c := range []struct {
			f    TaskFilter
			want int
		}{
			{TaskFilter{}, 30},
			{TaskFilter{Units: []string{"63"}, Status: open}, 24},
			{TaskFilter{Units: []string{"63", "20"}, Status: open}, 27},
			{TaskFilter{Assignee: "bernd"}, 3},
			{TaskFilter{Units: []string{"63"}, Status: open, Limit: 5, Offset: 20}, 24},
			{TaskFilter{Units: []string{"99"}}, 0},
		} {
			n, err := s.CountTasks(ctx, c.f)
			require.NoError(t, err)
			require.Equal(t, c.want, n, "%+v", c.f)
		}
		page, err := s.Tasks(ctx, TaskFilter{Units: []string{"63"}, Status: open, Limit: 5, Offset: 20})
		require.NoError(t, err)
		require.Len(t, page, 4, "the last page of 24")
		require.Equal(t, "t-27", page[1].ID, "oldest first")
	})

	t.Run("files", func(t *testing.T) {
		require.NoError(t, s.ReplaceFilePlan(ctx, testPlan(t)))
		for i, code := range []string{"60.10.02", "60.10.02", "60.10.03", "20.1", "20.1", "20.1"} {
			_, _, err := s.CreateFile(ctx, records.NewFile{PlanCode: code, Title: fmt.Sprintf("Akte %d", i), CreatedAt: at, CreatedBy: "anna"}, fileFormat(t))
			require.NoError(t, err)
		}
		for _, c := range []struct {
			f    FileFilter
			want int
		}{
			{FileFilter{}, 6},
			{FileFilter{Units: []string{"60"}}, 2},
			{FileFilter{Units: []string{"60", "60.3"}}, 3},
			{FileFilter{Units: []string{"20"}, PlanCode: "20"}, 3},
			{FileFilter{Units: []string{"60"}, Unit: "20"}, 0},
			{FileFilter{Units: []string{"99"}}, 0},
		} {
			n, err := s.CountFiles(ctx, c.f)
			require.NoError(t, err)
			require.Equal(t, c.want, n, "%+v", c.f)
			c.f.Limit = MaxLimit
			fs, err := s.Files(ctx, c.f)
			require.NoError(t, err)
			require.Len(t, fs, c.want, "%+v", c.f)
		}
		_, err := s.CountFiles(ctx, FileFilter{PlanCode: "x"})
		require.ErrorIs(t, err, ErrInvalid)
	})

	t.Run("invoices", func(t *testing.T) {
		// One routed to 63, one routed nowhere but filed in a file of 20,
		// one routed to 60 and filed in 20, one neither routed nor filed.
		var docs []string
		for i := range 4 {
			doc := registerDoc(t, s, fmt.Sprintf("inv-%d", i))
			docs = append(docs, doc)
			_, _, err := s.AddInvoice(ctx, sampleInvoice(doc, fmt.Sprintf("R-%d", i), "119.00"))
			require.NoError(t, err)
		}
		require.NoError(t, s.PutDocumentMeta(ctx, records.DocumentMeta{DocumentSHA256: docs[0], Unit: "63"}))
		require.NoError(t, s.PutDocumentMeta(ctx, records.DocumentMeta{DocumentSHA256: docs[1]}))
		require.NoError(t, s.PutDocumentMeta(ctx, records.DocumentMeta{DocumentSHA256: docs[2], Unit: "60"}))
		f20, err := s.Files(ctx, FileFilter{Units: []string{"20"}, Limit: 1})
		require.NoError(t, err)
		for _, doc := range docs[1:3] {
			_, _, err := s.FileDocument(ctx, records.Filing{DocumentSHA256: doc, FileID: f20[0].ID, FiledAt: at, FiledBy: "anna"})
			require.NoError(t, err)
		}
		numbers := func(f InvoiceFilter) []string {
			f.Limit = MaxLimit
			invs, err := s.Invoices(ctx, f)
			require.NoError(t, err)
			out := []string{}
			for _, inv := range invs {
				out = append(out, inv.Number)
			}
			n, err := s.CountInvoices(ctx, f)
			require.NoError(t, err)
			require.Equal(t, len(out), n, "count of %+v", f)
			return out
		}
		require.Equal(t, []string{"R-0", "R-1", "R-2", "R-3"}, numbers(InvoiceFilter{}))
		require.Equal(t, []string{"R-0"}, numbers(InvoiceFilter{Units: []string{"63"}}))
		require.Equal(t, []string{"R-1", "R-2"}, numbers(InvoiceFilter{Units: []string{"20"}}))
		require.Equal(t, []string{"R-2"}, numbers(InvoiceFilter{Units: []string{"60"}}))
		require.Equal(t, []string{"R-0", "R-1", "R-2"}, numbers(InvoiceFilter{Units: []string{"60", "63", "20"}}))
		require.Equal(t, []string{"R-0"}, numbers(InvoiceFilter{Units: []string{"63"}, Status: records.InvoiceAccepted}))
		require.Empty(t, numbers(InvoiceFilter{Units: []string{"63"}, Status: records.InvoiceRejected}))
		require.Empty(t, numbers(InvoiceFilter{Units: []string{"99"}}))
	})

	t.Run("triage", func(t *testing.T) {
		for i := range 3 {
			_, _, err := s.AddTriage(ctx, records.TriageItem{DocumentSHA256: sum(fmt.Sprintf("tr-%d", i)), WorkflowID: fmt.Sprintf("inbound-tr-%d", i),
				Reason: "unsicher", CreatedAt: at.Add(time.Duration(i) * time.Minute)})
			require.NoError(t, err)
		}
		_, err := s.DecideTriage(ctx, "inbound-tr-1", []byte(`{"unit":"63"}`), "anna", at)
		require.NoError(t, err)
		open, err := s.CountTriage(ctx, false)
		require.NoError(t, err)
		require.Equal(t, 2, open)
		all, err := s.CountTriage(ctx, true)
		require.NoError(t, err)
		require.Equal(t, 3, all)
	})
}
