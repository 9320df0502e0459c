package invoicepdf

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/pdfa/pdfatest"
	"github.com/aktenfluss/aktenfluss/internal/sniff"
)

const corpusDir = "../../../shared/corpus/einvoice"

// corpus lists every XML of the shared e-invoice corpus; without the
// corpus the test is skipped, except in CI where it must be there.
func corpus(t testing.TB) []string {
	var files []string
	_ = filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".xml") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no e-invoice corpus under %s", corpusDir)
		}
		t.Skipf("no e-invoice corpus under %s", corpusDir)
	}
	return files
}

func parseFile(t testing.TB, path string) (*einvoice.Invoice, []byte) {
	xml, err := os.ReadFile(path)
	require.NoError(t, err)
	inv, err := einvoice.Parse(bytes.NewReader(xml))
	require.NoError(t, err, path)
	return inv, xml
}

// requireArchival checks the rendition with the package's PDF/A gate and
// gets the embedded XML back the way intake reads hybrid invoices.
func requireArchival(t *testing.T, pdf, xml []byte) {
	t.Helper()
	rep, err := pdfa.Check(bytes.NewReader(pdf), int64(len(pdf)))
	require.NoError(t, err)
	require.True(t, rep.OK(), "pdfa check: %v", rep.Failed())
	require.Equal(t, 3, rep.Part)
	require.Equal(t, "B", rep.Conformance)
	name, got, err := sniff.EmbeddedInvoice(bytes.NewReader(pdf), int64(len(pdf)))
	require.NoError(t, err)
	require.Equal(t, DefaultXMLName, name)
	require.Equal(t, xml, got, "embedded xml is the input, byte for byte")
}

func TestRenderCorpus(t *testing.T) {
	for _, path := range corpus(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			inv, xml := parseFile(t, path)
			pdf, err := Render(inv, xml, Options{})
			require.NoError(t, err)
			requireArchival(t, pdf, xml)

			text := pdfatest.Text(t, pdf)
			flat := strings.Join(strings.Fields(text), " ")
			require.Contains(t, flat, inv.Number)
			require.Contains(t, flat, strings.Join(strings.Fields(inv.Seller.Name), " "))
			require.Contains(t, flat, strings.Join(strings.Fields(inv.Buyer.Name), " "))
			if inv.BuyerReference != "" {
				require.Contains(t, flat, inv.BuyerReference)
			}
			require.Contains(t, flat, amount(inv.Totals.Payable)+" "+inv.CurrencyCode)
			for _, l := range inv.Lines {
				// Long names wrap; every word must be there in order.
				require.Contains(t, flat, firstWords(l.ItemName, 3), "line %s", l.ID)
			}
			require.Regexp(t, regexp.MustCompile(`Seite 1 von \d+`), text)
		})
	}
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(n, len(f))], " ")
}

// handBuilt is a small invoice with the characters German invoices need.
func handBuilt(lines int) *einvoice.Invoice {
	d := einvoice.MustDecimal
	rate := d("19")
	inv := &einvoice.Invoice{
		Number: "RE-2026-0815", IssueDate: "2026-03-02", TypeCode: "380", CurrencyCode: "EUR",
		DueDate: "2026-04-01", BuyerReference: "04011000-12345-03",
		Seller: einvoice.Party{Name: "Müller & Söhne GmbH", VATID: "DE123456789",
			Address: &einvoice.Address{Line1: "Hauptstraße 5", PostCode: "80331", City: "München", CountryCode: "DE"}},
		Buyer: einvoice.Party{Name: "Stadtverwaltung Großenhain",
			Address: &einvoice.Address{Line1: "Hauptmarkt 1", PostCode: "01558", City: "Großenhain", CountryCode: "DE"}},
		PaymentInstructions: einvoice.Payment{MeansCode: "58", RemittanceInfo: "RE-2026-0815",
			CreditTransfers: []einvoice.CreditTransfer{{IBAN: "DE02120300000000202051", AccountName: "Müller & Söhne GmbH"}}},
		Notes:        []einvoice.Note{{Text: "Straße gesperrt – Lieferung über den Hof.\nZweite Zeile mit „Anführungszeichen“."}},
		VATBreakdown: []einvoice.VATBreakdown{{TaxableAmount: d("1037.45"), TaxAmount: d("197.11"), Category: "S", Rate: &rate}},
		Totals:       einvoice.Totals{LineNet: d("1037.45"), TaxExclusive: d("1037.45"), TaxInclusive: d("1234.56"), Payable: d("1234.56")},
	}
	for i := range lines {
		inv.Lines = append(inv.Lines, einvoice.Line{
			ID: fmt.Sprint(i + 1), Quantity: d("2.5"), Unit: "HUR", NetAmount: d("1037.45"),
			Price: einvoice.Price{Net: d("414.98")}, VATCategory: "S", VATRate: &rate,
			ItemName: fmt.Sprintf("Beratungsleistung Nr. %d: Prüfung der Übergabeprotokolle", i+1),
		})
	}
	return inv
}

func TestRenderUmlauts(t *testing.T) {
	inv := handBuilt(1)
	xml := []byte("<Invoice>Müller</Invoice>")
	pdf, err := Render(inv, xml, Options{Created: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	requireArchival(t, pdf, xml)
	flat := strings.Join(strings.Fields(pdfatest.Text(t, pdf)), " ")
	for _, want := range []string{
		"Müller & Söhne GmbH", "Hauptstraße 5", "1.234,56 EUR", "04011000-12345-03", "Großenhain",
		"DE02 1203 0000 0000 2020 51", "SEPA-Überweisung (58)", "Rechnung (380)", "02.03.2026",
		"Straße gesperrt – Lieferung über den Hof.", "„Anführungszeichen“", "Std.", "2,5", "19 %",
		"Seite 1 von 1", "xrechnung.xml",
	} {
		require.Contains(t, flat, want)
	}
	again, err := Render(inv, xml, Options{Created: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	require.Equal(t, pdf, again, "deterministic")
}

// TestRenderLong: 300 lines paginate, the table header comes back on
// every page and the page count in "Seite n von m" is right.
func TestRenderLong(t *testing.T) {
	inv := handBuilt(300)
	xml := []byte("<Invoice/>")
	pdf, err := Render(inv, xml, Options{})
	require.NoError(t, err)
	requireArchival(t, pdf, xml)
	text := pdfatest.Text(t, pdf)
	pages := strings.Split(strings.TrimRight(text, "\f"), "\f")
	require.Greater(t, len(pages), 10)
	for i, p := range pages {
		require.Contains(t, p, fmt.Sprintf("Seite %d von %d", i+1, len(pages)), "page %d", i+1)
		require.Contains(t, p, "Rechnung RE-2026-0815", "short header on page %d", i+1)
	}
	headerPages := 0
	for _, p := range pages {
		if strings.Contains(p, "Bezeichnung") && strings.Contains(p, "Einzelpreis") {
			headerPages++
		}
	}
	// Every page that shows lines shows the table header.
	linePages := 0
	for _, p := range pages {
		if strings.Contains(p, "Beratungsleistung Nr.") {
			linePages++
		}
	}
	require.Equal(t, linePages, headerPages)
	flat := strings.Join(strings.Fields(text), " ")
	for i := range 300 {
		require.Contains(t, flat, fmt.Sprintf("Beratungsleistung Nr. %d: Prüfung", i+1))
	}
}

func TestRenderRejectsEmptyInput(t *testing.T) {
	_, err := Render(nil, []byte("<x/>"), Options{})
	require.ErrorIs(t, err, ErrInvalidInput)
	_, err = Render(handBuilt(1), nil, Options{})
	require.ErrorIs(t, err, ErrInvalidInput)
}

// TestRenderPNG renders the comprehensive test case to PNG when
// pdftoppm is there, for looking at (the image path is logged).
func TestRenderPNG(t *testing.T) {
	path := filepath.Join(corpusDir, "xrechnung-testsuite/src/test/technical-cases/cius/01.01_comprehensive_test_ubl.xml")
	if _, err := os.Stat(path); err != nil {
		t.Skip("comprehensive test case not present")
	}
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm not installed")
	}
	inv, xml := parseFile(t, path)
	pdf, err := Render(inv, xml, Options{})
	require.NoError(t, err)
	dir := t.TempDir()
	if d := os.Getenv("INVOICEPDF_OUT"); d != "" {
		dir = d
	}
	in := filepath.Join(dir, "comprehensive.pdf")
	require.NoError(t, os.WriteFile(in, pdf, 0o600))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "pdftoppm", "-r", "60", "-png", in, filepath.Join(dir, "page")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Logf("rendition: %s (%d bytes)", in, len(pdf))
}

func BenchmarkRender(b *testing.B) {
	path := filepath.Join(corpusDir, "xrechnung-testsuite/src/test/technical-cases/cius/01.01_comprehensive_test_ubl.xml")
	if _, err := os.Stat(path); err != nil {
		b.Skip("comprehensive test case not present")
	}
	inv, xml := parseFile(b, path)
	var size int
	for b.Loop() {
		pdf, err := Render(inv, xml, Options{})
		if err != nil {
			b.Fatal(err)
		}
		size = len(pdf)
	}
	b.ReportMetric(float64(size), "bytes/pdf")
}

// TestRenderPassesPdfacheck runs the shared qpdf-based PDF/A gate over a
// rendition, an independent second opinion next to pdfa.Check.
func TestRenderPassesPdfacheck(t *testing.T) {
	pdf, err := Render(handBuilt(40), []byte("<Invoice>Müller</Invoice>"), Options{})
	require.NoError(t, err)
	pdfatest.Gate(t, pdf, "3b")
}
