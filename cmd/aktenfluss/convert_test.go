package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aktenfluss/aktenfluss/app"
)

// TestConvertCommand runs the standalone converter as a user would: a
// two-page scanner PDF in, a PDF/A and its text out, then the self-check
// command on the result; a born-digital PDF/A passes through unchanged.
func TestConvertCommand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "scan.pdf")
	scan := app.ScanPDFPages([][]string{
		{"Stadt Musterstadt", "Antrag auf Sondernutzung", "Seite eins"},
		{"Anlage zum Antrag", "Lageplan und Fotos", "Seite zwei"},
	}, 5)
	if err := os.WriteFile(in, scan, 0o600); err != nil {
		t.Fatal(err)
	}
	out, txt := filepath.Join(dir, "out.pdf"), filepath.Join(dir, "out.txt")
	stdout, _, err := cli(t, "convert", in, "-o", out, "--text", txt, "--jobs", "2", "--operator", "poststelle-3")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "2 Seite(n)") {
		t.Errorf("stdout: %s", stdout)
	}
	text, err := os.ReadFile(txt)
	if err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(string(text), "\f")
	if len(pages) != 2 || !strings.Contains(pages[0], "Sondernutzung") || !strings.Contains(pages[1], "Lageplan") {
		t.Fatalf("text pages %q", pages)
	}
	check, _, err := cli(t, "pdfa", "check", out)
	if err != nil || !strings.Contains(check, "PDF/A-2b bestanden") || !strings.Contains(check, "6.2.11-fonts-embedded") {
		t.Fatalf("pdfa check: %v\n%s", err, check)
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(pdf, []byte("poststelle-3")) {
		t.Error("the scan protocol is not in the PDF's metadata")
	}

	// A PDF that is archival already is kept byte for byte.
	again := filepath.Join(dir, "again.pdf")
	if stdout, _, err := cli(t, "convert", out, "-o", again); err != nil || !strings.Contains(stdout, "unverändert") {
		t.Fatalf("convert of a PDF/A: %v %s", err, stdout)
	}
	kept, err := os.ReadFile(again)
	if err != nil || !bytes.Equal(kept, pdf) {
		t.Fatalf("PDF/A was not kept unchanged: %v", err)
	}

	// The self-check fails on what is not PDF/A, rule by rule.
	if _, _, err := cli(t, "pdfa", "check", in); err == nil {
		t.Error("pdfa check passed a plain scanner PDF")
	}
}
