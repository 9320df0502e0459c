package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// TestInvoicesCommands delivers the demo e-invoices with `aktenfluss
// intake` and reads them back with `aktenfluss invoices list|show`: the
// valid ones accepted, the one whose totals are wrong returned to its
// sender with the rule it broke.
func TestInvoicesCommands(t *testing.T) {
	for _, k := range []string{"NATS_URL", "DATABASE_URL", "TEMPORAL_ADDRESS", "AKTENFLUSS_BLOB_DIR"} {
		t.Setenv(k, "")
	}
	info := startDev(t)
	dir := info.DataDir
	files := t.TempDir()
	var paths []string
	for _, s := range app.Samples() {
		if !strings.HasPrefix(s.Name, "Rechnung-") {
			continue
		}
		p := filepath.Join(files, s.Name)
		if err := os.WriteFile(p, s.Data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	if len(paths) != 4 {
		t.Fatalf("demo invoices: %v", paths)
	}
	if _, errOut, err := cli(t, append([]string{"intake", "--data-dir", dir, "--source", "einvoice"}, paths...)...); err != nil {
		t.Fatalf("intake: %v\n%s", err, errOut)
	}
	var list []records.Invoice
	eventually(t, "four invoice records, the faulty one returned", func() bool {
		out, _, err := cli(t, "invoices", "list", "--data-dir", dir, "--json")
		if err != nil || json.Unmarshal([]byte(out), &list) != nil || len(list) != 4 {
			return false
		}
		for _, inv := range list {
			if inv.Number == "RE-2026-4714" && inv.Status != records.InvoiceReturned {
				return false
			}
		}
		return true
	})
	byNumber := map[string]records.Invoice{}
	for _, inv := range list {
		byNumber[inv.Number] = inv
	}
	for _, nr := range []string{"RE-2026-4711", "RE-2026-4712", "RE-2026-4713"} {
		if inv := byNumber[nr]; !inv.Accepted || inv.Status != records.InvoiceAccepted {
			t.Errorf("%s: accepted %v status %s (%d errors)", nr, inv.Accepted, inv.Status, inv.Errors)
		}
	}
	if byNumber["RE-2026-4713"].Syntax != "CII" || byNumber["RE-2026-4713"].ViewSHA256 == "" {
		t.Errorf("hybrid sample: %+v", byNumber["RE-2026-4713"])
	}
	bad := byNumber["RE-2026-4714"]
	if bad.Accepted || bad.Errors == 0 {
		t.Fatalf("faulty sample: %+v", bad)
	}

	out, _, err := cli(t, "invoices", "list", "--data-dir", dir, "--status", "returned")
	if err != nil || !strings.Contains(out, "RE-2026-4714") || strings.Contains(out, "RE-2026-4711") || !strings.Contains(out, "RECHNUNGSNR") {
		t.Errorf("invoices list --status returned: %v\n%s", err, out)
	}
	out, _, err = cli(t, "invoices", "show", "--data-dir", dir, strconv.FormatInt(bad.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"RE-2026-4714", "Bürobedarf Beispiel GmbH", "04011000-12345-03", "returned", "BR-CO-16", "Prüfung:"} {
		if !strings.Contains(out, want) {
			t.Errorf("invoices show lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := cli(t, "invoices", "show", "--data-dir", dir, "99999"); err == nil {
		t.Error("show of an unknown invoice should fail")
	}
}
