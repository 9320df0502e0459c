package approval

import (
	"strings"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
)

// formatAmount renders an amount the German way, to the cent:
// "12.345,67 EUR". Messages to people use it; the wire keeps "12345.67".
func formatAmount(d einvoice.Decimal, currency string) string {
	s := d.Round(2).String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	b.WriteByte(',')
	b.WriteString(frac)
	if currency != "" {
		b.WriteByte(' ')
		b.WriteString(currency)
	}
	return b.String()
}

// percentOf is base × percent / 100, rounded half away from zero to
// cents, exactly.
func percentOf(base, percent einvoice.Decimal) einvoice.Decimal {
	return base.Mul(percent).Mul(einvoice.NewDecimal(1, 2)).Round(2)
}
