package pdfa

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The test letter: lines of words with umlauts, ß, € and §, laid out the
// way an OCR engine reports them (pixel boxes, origin top-left).
var letterLines = [][]string{
	{"Stadtwerke", "Wolmirstedt", "GmbH"},
	{"Große", "Diesdorfer", "Straße", "231"},
	{"Sehr", "geehrte", "Damen", "und", "Herren,"},
	{"Gebühr:", "12,50", "€", "gemäß", "§", "5", "Abs.", "2"},
	{"Mit", "freundlichen", "Grüßen"},
}

// letterWords places letterLines on a page of w×h pixels and draws dark
// blocks where the words are, so the image and the text layer agree.
func letterWords(img *image.Gray) []Word {
	w := img.Bounds().Dx()
	for i := range img.Pix {
		img.Pix[i] = 245
	}
	var words []Word
	charW, lineH := float64(w)/60, float64(w)/40
	y := lineH * 3
	for _, line := range letterLines {
		x := charW * 6
		for _, t := range line {
			n := float64(len([]rune(t)))
			word := Word{Text: t, X0: x, Y0: y, X1: x + n*charW, Y1: y + lineH*0.8}
			// Words with descenders reach lower, as real OCR boxes do.
			for _, r := range t {
				if r == 'g' || r == 'p' || r == 'ß' || r == ',' {
					word.Y1 += lineH * 0.2
					break
				}
			}
			words = append(words, word)
			for py := int(word.Y0); py < int(word.Y1); py++ {
				for px := int(word.X0); px < int(word.X1); px++ {
					if (px/3+py/4)%2 == 0 {
						img.SetGray(px, py, color.Gray{Y: 20})
					}
				}
			}
			x += (n + 1) * charW
		}
		y += lineH * 1.6
	}
	return words
}

// a4 is the page size in points; pixels are chosen per test resolution.
const a4W, a4H = 595.276, 841.89

func testPages(t testing.TB, dpi int) []Page {
	t.Helper()
	w, h := int(a4W/72*float64(dpi)), int(a4H/72*float64(dpi))
	var pages []Page

	bilevel := image.NewGray(image.Rect(0, 0, w, h))
	words := letterWords(bilevel)
	pages = append(pages, Page{WidthPt: a4W, HeightPt: a4H, Image: NewImageFromBilevel(bilevel, 128), Words: words})

	gray := image.NewGray(image.Rect(0, 0, w, h))
	words = letterWords(gray)
	var jb bytes.Buffer
	require.NoError(t, jpeg.Encode(&jb, gray, &jpeg.Options{Quality: 75}))
	jimg, err := NewImageFromJPEG(jb.Bytes())
	require.NoError(t, err)
	pages = append(pages, Page{WidthPt: a4W, HeightPt: a4H, Image: jimg, Words: words})

	flat := image.NewGray(image.Rect(0, 0, w, h))
	words = letterWords(flat)
	pages = append(pages, Page{WidthPt: a4W, HeightPt: a4H, Image: NewImageFromGray(flat), Words: words})
	return pages
}

func testDocument(t testing.TB) Document {
	t.Helper()
	created := time.Date(2026, 3, 14, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	return Document{
		Title:    "Eingang 2026-000123: Anfrage Grundsteuer (Größe)",
		Author:   "Poststelle Oebisfelde",
		Subject:  "Posteingang",
		Creator:  "aktenfluss scan",
		Keywords: []string{"Grundsteuer", "Bauamt"},
		Created:  created,
		Modified: created.Add(time.Minute),
		Language: "de-DE",
		Pages:    testPages(t, 100),
		ExtraXMP: map[string]string{
			"operator": "M. Müller", "station": "scan-01", "profile": "bw300",
			"scanned_at": "2026-03-14T09:29:00+01:00", "pages": "3", "dpi": "100",
			"capture_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			"checks":         "count<ok>&readable",
		},
	}
}

func withAttachment(d Document) Document {
	d.Attachments = []Attachment{{
		Name: "xrechnung.xml", MediaType: "text/xml", Description: "E-Rechnung (XRechnung)",
		Relationship: "Source", Data: []byte(`<?xml version="1.0"?><Invoice>Grüße</Invoice>`),
		Modified: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC),
	}, {
		Name: "Übersicht.txt", MediaType: "text/plain", Relationship: "Supplement",
		Data: []byte("Anlage"),
	}}
	return d
}

func writeTemp(t testing.TB, d Document) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, d))
	path := filepath.Join(t.TempDir(), "out.pdf")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	return path, buf.Bytes()
}

// needTool skips when an external tool is missing, except in CI, where the
// tool is part of the machine and its absence is a failure.
func needTool(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		var err error
		if filepath.IsAbs(p) || filepath.Dir(p) != "." {
			_, err = os.Stat(p)
		} else {
			_, err = exec.LookPath(p)
		}
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s missing in CI: %v", p, err)
			}
			t.Skipf("%s not available: %v", p, err)
		}
	}
}
