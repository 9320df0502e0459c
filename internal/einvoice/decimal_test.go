package einvoice

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestDecimalRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "336.9", "336.90", "2048437.50", "-0.05", "0.001", "12", "-12.3400"} {
		d, err := ParseDecimal(s)
		if err != nil {
			t.Fatalf("parse %q: %v", s, err)
		}
		if d.String() != s {
			t.Errorf("round trip %q → %q", s, d.String())
		}
	}
	if d := MustDecimal("+5.0"); d.String() != "5.0" {
		t.Errorf("plus sign: %q", d)
	}
	if d := MustDecimal(" 7 "); d.String() != "7" {
		t.Errorf("trim: %q", d)
	}
	var zero Decimal
	if zero.String() != "0" || zero.Sign() != 0 {
		t.Errorf("zero value: %q", zero)
	}
}

func TestDecimalRejects(t *testing.T) {
	for _, s := range []string{"", "-", ".", "1e5", "1,5", "1.2.3", "abc", "0x10", "NaN"} {
		if _, err := ParseDecimal(s); !errors.Is(err, ErrBadDecimal) {
			t.Errorf("%q: got %v, want ErrBadDecimal", s, err)
		}
	}
}

func TestDecimalArithmetic(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"add", MustDecimal("314.86").Add(MustDecimal("22.04")).String(), "336.90"},
		{"add scales", MustDecimal("0.1").Add(MustDecimal("0.02")).String(), "0.12"},
		{"sub", MustDecimal("10").Sub(MustDecimal("10.01")).String(), "-0.01"},
		{"mul", MustDecimal("2.5").Mul(MustDecimal("1.19")).String(), "2.975"},
		{"neg", MustDecimal("1.5").Neg().String(), "-1.5"},
		{"round up", MustDecimal("2.975").Round(2).String(), "2.98"},
		{"round down", MustDecimal("2.974").Round(2).String(), "2.97"},
		{"round half neg", MustDecimal("-2.975").Round(2).String(), "-2.98"},
		{"round pad", MustDecimal("336.9").Round(2).String(), "336.90"},
		{"round zero", MustDecimal("0.004").Round(2).String(), "0.00"},
		{"round half", MustDecimal("0.005").Round(2).String(), "0.01"},
		{"round big", MustDecimal("12345678901234567890.125").Round(2).String(), "12345678901234567890.13"},
		{"vat", MustDecimal("314.86").Mul(MustDecimal("7")).Mul(MustDecimal("0.01")).Round(2).String(), "22.04"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
	if MustDecimal("336.9").Cmp(MustDecimal("336.90")) != 0 || !MustDecimal("1").Equal(MustDecimal("1.000")) {
		t.Error("equal values of different scale compare unequal")
	}
	if MustDecimal("-1").Cmp(MustDecimal("0.5")) != -1 || MustDecimal("2").Cmp(MustDecimal("1.99")) != 1 {
		t.Error("ordering wrong")
	}
	a := MustDecimal("1.5")
	_ = a.Add(MustDecimal("1"))
	if a.String() != "1.5" {
		t.Error("Add mutated its receiver")
	}
}

func TestDecimalJSON(t *testing.T) {
	raw, err := json.Marshal(struct{ A Decimal }{MustDecimal("336.9")})
	if err != nil || string(raw) != `{"A":"336.9"}` {
		t.Fatalf("marshal: %s %v", raw, err)
	}
	var v struct{ A Decimal }
	if err := json.Unmarshal(raw, &v); err != nil || v.A.String() != "336.9" {
		t.Fatalf("unmarshal: %v %v", v.A, err)
	}
}
