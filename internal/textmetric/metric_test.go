package textmetric

import (
	"math"
	"testing"
)

func TestRates(t *testing.T) {
	cases := []struct {
		truth, got string
		cer, wer   float64
	}{
		{"Sehr geehrte Damen", "Sehr geehrte Damen", 0, 0},
		{"Sehr  geehrte\nDamen", "Sehr geehrte Damen\f", 0, 0},
		{"Grüße", "Grüfse", 2.0 / 5, 1},
		{"Az. 63.01", "Az 63.01", 1.0 / 9, 0.5},
		{"", "", 0, 0},
		{"", "x", 1, 1},
		{"abc", "", 1, 1},
	}
	for _, c := range cases {
		if got := CER(c.truth, c.got); math.Abs(got-c.cer) > 1e-9 {
			t.Errorf("CER(%q, %q) = %v, want %v", c.truth, c.got, got, c.cer)
		}
		if got := WER(c.truth, c.got); math.Abs(got-c.wer) > 1e-9 {
			t.Errorf("WER(%q, %q) = %v, want %v", c.truth, c.got, got, c.wer)
		}
	}
	ce, n, we, w := Errors("eins zwei drei", "eins zwie drei")
	if ce != 2 || n != 14 || we != 1 || w != 3 {
		t.Errorf("Errors = %d %d %d %d", ce, n, we, w)
	}
}
