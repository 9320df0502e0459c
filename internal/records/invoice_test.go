package records

import "testing"

func TestInvoiceDuplicateKey(t *testing.T) {
	base := InvoiceDuplicateKey("DE 123 456 789", "Müller GmbH", "R-1", "2026-10-30", "336.90")
	for _, c := range []struct {
		name                      string
		vat, seller, nr, date, am string
		same                      bool
	}{
		{"vat id spacing and case", "de123456789", "Other Name", "R-1", "2026-10-30", "336.9", true},
		{"amount precision", "DE123456789", "", "R-1", "2026-10-30", "0336.900", true},
		{"other number", "DE123456789", "", "R-2", "2026-10-30", "336.90", false},
		{"other date", "DE123456789", "", "R-1", "2026-10-31", "336.90", false},
		{"other amount", "DE123456789", "", "R-1", "2026-10-30", "336.91", false},
		{"other seller", "DE999999999", "", "R-1", "2026-10-30", "336.90", false},
	} {
		got := InvoiceDuplicateKey(c.vat, c.seller, c.nr, c.date, c.am)
		if (got == base) != c.same {
			t.Errorf("%s: key %q vs %q, want same=%v", c.name, got, base, c.same)
		}
	}
	byName := InvoiceDuplicateKey("", "Müller  GmbH ", "R-1", "2026-10-30", "1")
	if byName != InvoiceDuplicateKey("", "müller gmbh", "R-1", "2026-10-30", "1.00") {
		t.Errorf("names differing in case and spacing should match: %q", byName)
	}
	for in, want := range map[string]string{"0": "0", "-0.00": "0", "+12.50": "12.5", "-3.10": "-3.1", "0.05": "0.05", "100": "100", "100.0": "100"} {
		if got := canonicalAmount(in); got != want {
			t.Errorf("canonicalAmount(%q) = %q, want %q", in, got, want)
		}
	}
}
