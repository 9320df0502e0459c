package extract

import (
	"testing"

	"github.com/aktenfluss/aktenfluss/internal/ocr"
)

// FuzzExtract: any text, as plain text and as the words of a page, gives
// a result without panicking, and only checksum-valid IBANs.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{invoiceText, reminderText, noticeText, letterText, "", "\f\f", "Az.:\n", "IBAN DE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Extract(Input{Text: s})
		for _, ib := range r.IBANs {
			if !ValidIBAN(ib) {
				t.Fatalf("invalid IBAN %q returned", ib)
			}
		}
		var words []ocr.Word
		x, line := 0, 0
		for i, w := range []rune(s) {
			if w == '\n' {
				line++
				x = 0
				continue
			}
			words = append(words, ocr.Word{Text: string(w), X0: x, Y0: line * 40, X1: x + 20, Y1: line*40 + 30 + i%7, Line: line})
			x += 20 + i%50
		}
		_ = Extract(Input{Pages: []ocr.Page{{Width: 2480, Height: 3508, Skew: float64(len(s)%5) - 2, Orientation: 90 * (len(s) % 4), Words: words, Text: s}}})
	})
}
