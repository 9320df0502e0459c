package einvoice

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// ErrBadDecimal reports a number that is not a plain decimal literal.
var ErrBadDecimal = errors.New("einvoice: malformed decimal")

// Decimal is an exact decimal number: unscaled × 10^-scale.
//
// It remembers the scale it was written with, so "336.9" stays "336.9" and
// "2048437.50" stays "2048437.50": the XML is the legal original and a
// re-rendered amount must not differ from what the seller sent. Floats are
// never used because invoice arithmetic (EN 16931 calculation rules) must be
// exact to the cent. The zero value is 0 with scale 0. A Decimal is
// immutable; all operations return new values.
type Decimal struct {
	unscaled *big.Int // nil means zero
	scale    int32
}

// maxScale bounds the number of fraction digits accepted from input, so a
// hostile "0.000…" with millions of digits cannot blow up arithmetic.
const maxScale = 64

// ParseDecimal parses a plain decimal literal such as "12", "-0.5" or
// "336.90". Exponents, thousands separators and empty strings are rejected
// because XML Schema xs:decimal does not allow them either.
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	orig := s
	if s == "" {
		return Decimal{}, fmt.Errorf("parse decimal %q: %w", orig, ErrBadDecimal)
	}
	neg := false
	switch s[0] {
	case '+':
		s = s[1:]
	case '-':
		neg = true
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return Decimal{}, fmt.Errorf("parse decimal %q: %w", orig, ErrBadDecimal)
	}
	if hasDot && strings.Contains(frac, ".") {
		return Decimal{}, fmt.Errorf("parse decimal %q: %w", orig, ErrBadDecimal)
	}
	if len(frac) > maxScale || len(intPart) > 1000 {
		return Decimal{}, fmt.Errorf("parse decimal %q: too many digits: %w", orig, ErrBadDecimal)
	}
	digits := intPart + frac
	for _, c := range digits {
		if c < '0' || c > '9' {
			return Decimal{}, fmt.Errorf("parse decimal %q: %w", orig, ErrBadDecimal)
		}
	}
	u, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return Decimal{}, fmt.Errorf("parse decimal %q: %w", orig, ErrBadDecimal)
	}
	if neg {
		u.Neg(u)
	}
	return Decimal{unscaled: u, scale: int32(len(frac))}, nil
}

// MustDecimal is ParseDecimal for constants in code and tests; it panics on
// malformed input, which is a programming error there.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// NewDecimal returns unscaled × 10^-scale.
func NewDecimal(unscaled int64, scale int32) Decimal {
	return Decimal{unscaled: big.NewInt(unscaled), scale: scale}
}

func (d Decimal) int() *big.Int {
	if d.unscaled == nil {
		return new(big.Int)
	}
	return d.unscaled
}

// Scale is the number of fraction digits the value carries.
func (d Decimal) Scale() int32 { return d.scale }

// String renders the value with exactly its scale, e.g. "336.9", "-0.05".
func (d Decimal) String() string {
	u := d.int()
	neg := u.Sign() < 0
	s := new(big.Int).Abs(u).String()
	if d.scale > 0 {
		if len(s) <= int(d.scale) {
			s = strings.Repeat("0", int(d.scale)-len(s)+1) + s
		}
		s = s[:len(s)-int(d.scale)] + "." + s[len(s)-int(d.scale):]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// rescale returns the unscaled value at a larger scale (never smaller).
func (d Decimal) rescale(scale int32) *big.Int {
	u := new(big.Int).Set(d.int())
	if scale > d.scale {
		u.Mul(u, pow10(scale-d.scale))
	}
	return u
}

func pow10(n int32) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

func align(a, b Decimal) (*big.Int, *big.Int, int32) {
	s := max(a.scale, b.scale)
	return a.rescale(s), b.rescale(s), s
}

// Add returns d + o at the larger of both scales.
func (d Decimal) Add(o Decimal) Decimal {
	x, y, s := align(d, o)
	return Decimal{unscaled: x.Add(x, y), scale: s}
}

// Sub returns d − o at the larger of both scales.
func (d Decimal) Sub(o Decimal) Decimal {
	x, y, s := align(d, o)
	return Decimal{unscaled: x.Sub(x, y), scale: s}
}

// Mul returns d × o exactly; the scale is the sum of both scales.
func (d Decimal) Mul(o Decimal) Decimal {
	return Decimal{unscaled: new(big.Int).Mul(d.int(), o.int()), scale: d.scale + o.scale}
}

// Cmp compares numerically: "336.9" and "336.90" are equal.
func (d Decimal) Cmp(o Decimal) int {
	x, y, _ := align(d, o)
	return x.Cmp(y)
}

// Equal reports numeric equality regardless of scale.
func (d Decimal) Equal(o Decimal) bool { return d.Cmp(o) == 0 }

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int { return d.int().Sign() }

// Neg returns −d.
func (d Decimal) Neg() Decimal {
	return Decimal{unscaled: new(big.Int).Neg(d.int()), scale: d.scale}
}

// Round rounds half away from zero ("kaufmännisch", as EN 16931 expects for
// amounts) to places fraction digits. A value with fewer digits is padded,
// so Round(2) always yields a two-place amount.
func (d Decimal) Round(places int32) Decimal {
	if places >= d.scale {
		return Decimal{unscaled: d.rescale(places), scale: places}
	}
	div := pow10(d.scale - places)
	u := d.int()
	q, r := new(big.Int).QuoRem(new(big.Int).Abs(u), div, new(big.Int))
	// Half-up on the absolute value: r*2 >= div rounds away from zero.
	if r.Lsh(r, 1).Cmp(div) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if u.Sign() < 0 {
		q.Neg(q)
	}
	return Decimal{unscaled: q, scale: places}
}

// MarshalText renders the value as written, so JSON carries "336.9" as a
// string and never passes through a float.
func (d Decimal) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a decimal literal.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := ParseDecimal(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
