package activities

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
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
