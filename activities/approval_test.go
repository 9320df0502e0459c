package activities

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/workflows"
)

func TestBookingCostCentre(t *testing.T) {
	ctx := context.Background()
	blobs, err := blob.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a := &Approval{Blobs: blobs}
	dir := "../../shared/corpus/einvoice/xrechnung-testsuite/src/test/business-cases/standard"
	for _, tc := range []struct{ file, want string }{
		{"03.07a-INVOICE_ubl.xml", ""}, // filled below from the file itself
		{"01.01a-INVOICE_ubl.xml", ""},
	} {
		raw, err := os.ReadFile(filepath.Join(dir, tc.file))
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal(err)
			}
			t.Skip("e-invoice corpus not present")
		}
		want := tc.want
		if i := bytes.Index(raw, []byte("<cbc:AccountingCost>")); i >= 0 && bytes.Index(raw, []byte("<cac:InvoiceLine>")) > i {
			rest := raw[i+len("<cbc:AccountingCost>"):]
			want = strings.TrimSpace(string(rest[:bytes.IndexByte(rest, '<')]))
		}
		ref, err := blobs.Put(ctx, bytes.NewReader(raw), "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.costCentre(ctx, records.Invoice{ID: 1, XMLSHA256: ref.SHA256})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: cost centre %q, want %q", tc.file, got, want)
		}
		if tc.file == "03.07a-INVOICE_ubl.xml" && got == "" {
			t.Errorf("%s names a cost centre (BT-19) but none was read", tc.file)
		}
	}
	// A paper invoice has no XML to read it from.
	got, err := a.costCentre(ctx, records.Invoice{ID: 2, Syntax: records.SyntaxPaper})
	if err != nil || got != "" {
		t.Errorf("paper invoice: %q, %v", got, err)
	}
}

// TestExportBookingOnceAfterAFailure: the export directory is not
// writable on the first attempt (a file stands where it should be); the
// booking is published, the file export fails, and the retry writes the
// line once without publishing again. A third run changes nothing.
func TestExportBookingOnceAfterAFailure(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	doc := f.put(t, []byte("<Invoice/>"))
	if _, _, err := f.store.Register(ctx, records.NewEntry{SHA256: doc, Size: 10, MediaType: "application/xml", Source: records.SourceEInvoice,
		ReceivedAt: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), WorkflowID: "inbound-" + doc}); err != nil {
		t.Fatal(err)
	}
	inv, _, err := f.store.AddInvoice(ctx, records.Invoice{DocumentSHA256: doc, XMLSHA256: doc, ReportSHA256: doc, WorkflowID: "inbound-" + doc,
		Syntax: "UBL-Invoice", Scenario: "XR-UBL-Invoice", Number: "RE-1", IssueDate: "2026-11-20", TypeCode: "380", Currency: "EUR",
		SellerName: "Tiefbau Möller GmbH", Payable: "119.00", GrossTotal: "119.00", IBANs: []string{"DE02120300000000202051"},
		Accepted: true, Status: records.InvoiceAccepted, DuplicateKey: records.InvoiceDuplicateKey("", "Tiefbau Möller GmbH", "RE-1", "2026-11-20", "119.00")})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.SetInvoiceStatus(ctx, inv.ID, records.InvoiceInApproval); err != nil {
		t.Fatal(err)
	}
	out := &recordingOutbound{}
	exportDir := filepath.Join(t.TempDir(), "exports")
	if err := os.WriteFile(exportDir, []byte("in the way"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := &Approval{Store: f.store, Outbound: out, ExportDir: exportDir}
	in := workflows.ExportBookingInput{InvoiceID: inv.ID, Unit: "20.1", Terms: approval.Terms{Due: "2026-12-20"},
		Decisions: []approval.Decision{{Stage: approval.StagePaymentOrder, User: "m.wolf", Approve: true, At: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}},
		At:        time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	if err := a.ExportBooking(ctx, in); err == nil {
		t.Fatal("export into a file instead of a directory succeeded")
	}
	if err := os.Remove(exportDir); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := a.ExportBooking(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if len(out.ids) != 1 || out.subjects[0] != "finance.bookings.20_1" || out.ids[0] != strconv.FormatInt(inv.ID, 10) {
		t.Fatalf("published %v on %v", out.ids, out.subjects)
	}
	csv, err := os.ReadFile(filepath.Join(exportDir, "bookings.csv"))
	if err != nil {
		t.Fatal(err)
	}
	jsonl, err := os.ReadFile(filepath.Join(exportDir, "bookings.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(csv), "\n") != 2 || strings.Count(string(jsonl), "\n") != 1 {
		t.Fatalf("export files:\n%s\n%s", csv, jsonl)
	}
	got, err := f.store.Invoice(ctx, inv.ID)
	if err != nil || got.Status != records.InvoiceBooked {
		t.Fatalf("status %v, %v", got.Status, err)
	}
}
