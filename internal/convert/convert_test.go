package convert

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/letter"
	"github.com/aktenfluss/aktenfluss/internal/ocr"
	"github.com/aktenfluss/aktenfluss/internal/pageimage"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/textmetric"
)

var letterLines = []string{
	"Stadtwerke Musterstadt GmbH, Lindenallee 5, 12345 Musterstadt",
	"",
	"Stadt Musterstadt - Bauordnungsamt",
	"Ihr Zeichen: 63.01.02-0017/2026",
	"",
	"Widerspruch gegen den Bescheid vom 20. Oktober 2026",
	"",
	"Sehr geehrte Damen und Herren, gegen den oben genannten Bescheid lege ich",
	"hiermit fristgerecht Widerspruch ein. Die Begründung reiche ich innerhalb",
	"von vier Wochen nach. Bitte bestätigen Sie mir den Eingang schriftlich.",
	"Mit freundlichen Grüßen",
}

func engine(t *testing.T) *ocr.Engine {
	t.Helper()
	eng, err := ocr.NewEngine(ocr.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	return eng
}

func convertPNG(t *testing.T, eng *ocr.Engine, lines []string, o letter.Options) (Result, []byte) {
	t.Helper()
	img, err := letter.Render(lines, o)
	if err != nil {
		t.Fatal(err)
	}
	png, err := letter.PNG(img)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := Convert(context.Background(), eng, 2, bytes.NewReader(png), int64(len(png)), "image/png", pageimage.DefaultLimits(),
		Meta{Title: "Widerspruch", ReceivedAt: time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC),
			ScanProtocol: &records.ScanProtocol{Operator: "poststelle-1", Station: "scan-01"}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	return res, out.Bytes()
}

// TestTextLayerMatchesOCR checks the placement of the invisible text: what
// pdftotext -layout extracts from the archival PDF is, line by line, the
// text OCR recognised — also on a page scanned with feed skew.
func TestTextLayerMatchesOCR(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	eng := engine(t)
	for _, skew := range []float64{0, 1.2, -1.5} {
		res, pdf := convertPNG(t, eng, letterLines, letter.Options{SkewDeg: skew, Noise: 3, Seed: 7})
		cmd := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", "-", "-")
		cmd.Stdin = bytes.NewReader(pdf)
		layer, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		var ocrLines, layerLines []string
		for _, l := range strings.Split(res.Pages[0].Text, "\n") {
			if n := textmetric.Normalize(l); n != "" {
				ocrLines = append(ocrLines, n)
			}
		}
		for _, l := range strings.Split(string(layer), "\n") {
			if n := textmetric.Normalize(l); n != "" {
				layerLines = append(layerLines, n)
			}
		}
		if strings.Join(layerLines, "\n") != strings.Join(ocrLines, "\n") {
			t.Errorf("skew %.1f°: text layer lines differ from OCR lines\nOCR:\n%s\nlayer:\n%s", skew,
				strings.Join(ocrLines, "\n"), strings.Join(layerLines, "\n"))
		}
		if cer := textmetric.CER(strings.Join(letterLines, "\n"), res.Pages[0].Text); cer > 0.02 {
			t.Errorf("skew %.1f°: OCR character error rate %.3f on a clean rendered letter", skew, cer)
		}
	}
}

func TestConvertWritesAnArchivalPDF(t *testing.T) {
	eng := engine(t)
	res, pdf := convertPNG(t, eng, letterLines, letter.Options{Seed: 1})
	if err := SelfCheck(pdf); err != nil {
		t.Fatal(err)
	}
	if len(res.Pages) != 1 || res.Pages[0].DPI != DefaultDPI || len(res.Pages[0].Words) < 50 {
		t.Fatalf("pages %+v", res.Pages)
	}
	for _, want := range []string{"akscan:operator", "poststelle-1", "pdfaid:part"} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("PDF lacks %q in its metadata", want)
		}
	}
	// The same input gives the same bytes: a retried build cannot produce a
	// second, different archival document.
	_, again := convertPNG(t, eng, letterLines, letter.Options{Seed: 1})
	if !bytes.Equal(pdf, again) {
		t.Error("conversion is not deterministic")
	}
}

func TestBlankPageIsNotAnEmptyTextLayer(t *testing.T) {
	eng := engine(t)
	res, _ := convertPNG(t, eng, nil, letter.Options{Noise: 3, Seed: 2})
	if !res.Pages[0].Blank || len(res.Pages[0].Words) != 0 {
		t.Fatalf("blank page: %+v", res.Pages[0])
	}
}

// TestVisibleTextWithoutWordsIsAnError feeds OCR a page it cannot read as
// text (a language-less scribble) and expects ErrEmptyTextLayer, not a PDF
// that silently lacks its text.
func TestVisibleTextWithoutWordsIsAnError(t *testing.T) {
	img, err := letter.Render(nil, letter.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Heavy dark bars: ink everywhere, nothing Tesseract reads as words.
	for y := 400; y < 3000; y += 60 {
		for yy := y; yy < y+30; yy++ {
			for x := 300; x < 2200; x++ {
				img.Pix[yy*img.Stride+x] = 20
			}
		}
	}
	png, err := letter.PNG(img)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := Pages(bytes.NewReader(png), int64(len(png)), "image/png", pageimage.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	_, err = RecognizePage(context.Background(), engine(t), pages[0])
	if err == nil || !strings.Contains(err.Error(), ErrEmptyTextLayer.Error()) {
		t.Fatalf("err = %v, want ErrEmptyTextLayer", err)
	}
}
