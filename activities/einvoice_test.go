package activities

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// recordingOutbound remembers what would have gone to the sender.
type recordingOutbound struct{ ids, subjects []string }

func (o *recordingOutbound) Publish(_ context.Context, subject string, _ []byte, msgID string) error {
	o.ids = append(o.ids, msgID)
	o.subjects = append(o.subjects, subject)
	return nil
}

// TestCheckEInvoiceRetryFinishes runs CheckEInvoice, then again as a retry
// after a crash that hit between storing the invoice record and setting
// the status: the retry sets the status, adds no second record and no
// second audit event, and reports the same blobs.
func TestCheckEInvoiceRetryFinishes(t *testing.T) {
	xml, err := os.ReadFile("../../shared/corpus/einvoice/xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_ubl.xml")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip("e-invoice corpus not present")
	}
	f := newFixture(t)
	ctx := context.Background()
	ref, err := f.blobs.Put(ctx, bytes.NewReader(xml), "")
	if err != nil {
		t.Fatal(err)
	}
	ref.MediaType = "application/xml"
	wfID := workflows.InboundWorkflowID(ref.SHA256)
	if _, _, err := f.store.Register(ctx, records.NewEntry{SHA256: ref.SHA256, Size: ref.Size, MediaType: ref.MediaType,
		Source: records.SourceEInvoice, ReceivedAt: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), WorkflowID: wfID}); err != nil {
		t.Fatal(err)
	}
	out := &recordingOutbound{}
	acts := &EInvoices{Blobs: f.blobs, Registry: f.store, Outbound: out}
	in := workflows.CheckEInvoiceInput{WorkflowID: wfID, Original: ref, Kind: records.KindXMLUBL, ReceivedAt: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)}
	first, err := acts.CheckEInvoice(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Accepted || first.InvoiceID == 0 || first.View.SHA256 == "" {
		t.Fatalf("first run: %+v", first)
	}
	// The crash: the record is there, the status is not.
	if err := f.store.SetStatus(ctx, ref.SHA256, records.StatusClassified); err != nil {
		t.Fatal(err)
	}
	again, err := acts.CheckEInvoice(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Errorf("retry answered %+v, first %+v", again, first)
	}
	e, err := f.store.EntryBySHA256(ctx, ref.SHA256)
	if err != nil || e.Status != records.StatusAccepted {
		t.Fatalf("status after retry %s, %v", e.Status, err)
	}
	events, err := f.store.Events(ctx, "document", ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range events {
		if ev.Action == "einvoice.validated" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d einvoice.validated events, want 1", n)
	}

	rec, err := f.store.Invoice(ctx, first.InvoiceID)
	if err != nil || rec.Status != records.InvoiceAccepted {
		t.Fatalf("record %+v %v", rec, err)
	}
	if len(out.ids) != 0 {
		t.Errorf("accepted invoice sent to outbound: %v", out.ids)
	}
}
