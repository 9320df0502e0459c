package records

import (
	"testing"
	"time"
)

func TestRegisterNumber(t *testing.T) {
	n := RegisterNumber{Year: 2026, Seq: 123}
	if got := n.String(); got != "2026-000123" {
		t.Fatalf("String() = %q", got)
	}
	back, err := ParseRegisterNumber("2026-000123")
	if err != nil || back != n {
		t.Fatalf("ParseRegisterNumber = %v, %v", back, err)
	}
	for _, bad := range []string{"", "2026", "26-000001", "2026-000000", "2026-abcdef"} {
		if _, err := ParseRegisterNumber(bad); err == nil {
			t.Errorf("ParseRegisterNumber(%q) accepted", bad)
		}
	}
}

func TestRegisterYearIsGermanLocalTime(t *testing.T) {
	newYearsEve := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC) // 00:30 on 1 Jan in Berlin
	if got := RegisterYear(newYearsEve); got != 2027 {
		t.Fatalf("RegisterYear = %d, want 2027", got)
	}
}

func TestParseSource(t *testing.T) {
	if s, err := ParseSource("mailroom"); err != nil || s != SourceMailroom {
		t.Fatalf("ParseSource(mailroom) = %v, %v", s, err)
	}
	if _, err := ParseSource("fax"); err == nil {
		t.Fatal("ParseSource(fax) accepted")
	}
}
