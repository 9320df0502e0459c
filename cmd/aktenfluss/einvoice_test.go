package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/pdfread"
)

const einvoiceCorpus = "../../../shared/corpus/einvoice"

// TestEInvoiceInspect runs `aktenfluss einvoice inspect --json` on corpus
// files (XML, and the same XML inside a hybrid PDF) and compares the
// summary with the corpus's expected values; a PDF without an invoice is
// not an e-invoice and not an error.
func TestEInvoiceInspect(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(einvoiceCorpus, "expected", "truth.json"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip("e-invoice corpus not found beside the repository")
	}
	var truth map[string]map[string]any
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, rel := range []string{
		"xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_ubl.xml",
		"xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_uncefact.xml",
	} {
		path := filepath.Join(einvoiceCorpus, rel)
		out, _, err := cli(t, "einvoice", "inspect", path, "--json")
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		for k, want := range truth[rel] {
			if g, _ := json.Marshal(got[k]); string(g) != mustJSON(t, want) {
				t.Errorf("%s: %s = %s, want %s", rel, k, g, mustJSON(t, want))
			}
		}
		if got["is_einvoice"] != true || got["accepted"] != true {
			t.Errorf("%s: is_einvoice %v accepted %v findings %v", rel, got["is_einvoice"], got["accepted"], got["findings"])
		}

		// The same XML as factur-x.xml inside a PDF.
		xml, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		attach := filepath.Join(dir, "factur-x.xml")
		if err := os.WriteFile(attach, xml, 0o600); err != nil {
			t.Fatal(err)
		}
		var hybrid bytes.Buffer
		if err := api.AddAttachments(bytes.NewReader(app.ArchivalPDF("Rechnung")), &hybrid, []string{attach}, false, pdfread.Config(0, 0, 0)); err != nil {
			t.Fatal(err)
		}
		pdfPath := filepath.Join(dir, "hybrid.pdf")
		if err := os.WriteFile(pdfPath, hybrid.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out, _, err = cli(t, "einvoice", "inspect", pdfPath, "--json")
		if err != nil {
			t.Fatalf("hybrid %s: %v", rel, err)
		}
		var fromPDF map[string]any
		if err := json.Unmarshal([]byte(out), &fromPDF); err != nil {
			t.Fatal(err)
		}
		if fromPDF["invoice_number"] != got["invoice_number"] || fromPDF["payable_amount"] != got["payable_amount"] || fromPDF["is_einvoice"] != true {
			t.Errorf("hybrid PDF of %s: %v", rel, fromPDF)
		}
	}

	plain := filepath.Join(dir, "brief.pdf")
	if err := os.WriteFile(plain, app.ArchivalPDF("Kein Rechnungsinhalt"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := cli(t, "einvoice", "inspect", plain, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var none map[string]any
	if err := json.Unmarshal([]byte(out), &none); err != nil || none["is_einvoice"] != false {
		t.Fatalf("plain PDF: %v %s", err, out)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
