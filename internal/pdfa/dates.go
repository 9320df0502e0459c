package pdfa

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parsePDFDate reads D:YYYYMMDDHHmmSSOHH'mm' with every part after the year
// optional, as PDF 32000-1, 7.9.4 allows.
func parsePDFDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	n := 0
	for n < len(s) && n < 14 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n < 4 || n%2 != 0 {
		return time.Time{}, fmt.Errorf("pdf date %q malformed", s)
	}
	f := [6]int{0, 1, 1, 0, 0, 0}
	f[0], _ = strconv.Atoi(s[:4])
	for k, i := 1, 4; i < n; k, i = k+1, i+2 {
		f[k], _ = strconv.Atoi(s[i : i+2])
	}
	loc := time.UTC
	if rest := s[n:]; rest != "" {
		switch rest[0] {
		case 'Z', 'z':
		case '+', '-':
			z := strings.NewReplacer("'", "", ":", "").Replace(rest[1:])
			if !isDigits(z) || (len(z) != 2 && len(z) != 4) {
				return time.Time{}, fmt.Errorf("pdf date %q: bad time zone", s)
			}
			hh, _ := strconv.Atoi(z[:2])
			mm := 0
			if len(z) == 4 {
				mm, _ = strconv.Atoi(z[2:])
			}
			off := hh*3600 + mm*60
			if rest[0] == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
		default:
			return time.Time{}, fmt.Errorf("pdf date %q: bad time zone", s)
		}
	}
	return time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], 0, loc), nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseXMPDate reads the ISO 8601 subset XMP uses; a date without time zone
// is taken as UTC, as validators do.
func parseXMPDate(s string) (time.Time, error) {
	for _, layout := range []string{
		"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02", "2006-01", "2006",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("xmp date %q not understood", s)
}
