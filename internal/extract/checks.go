package extract

import (
	"math/big"
	"regexp"
	"strings"
)

// ibanLengths are the IBAN lengths of the SEPA countries (ISO 13616
// registry). An IBAN of a country not listed is accepted at 15–34
// characters when its checksum holds.
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
	"EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28,
	"IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
	"NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
	"VA": 22,
}

// numericBBAN lists countries whose account part is all digits, where OCR
// confusions (O for 0, l or I for 1) can be undone before the checksum.
var numericBBAN = map[string]bool{"DE": true, "AT": true, "BE": true, "DK": true, "EE": true,
	"FI": true, "HR": true, "LT": true, "NO": true, "PL": true, "SE": true, "SI": true, "SK": true,
	"CZ": true, "ES": true, "HU": true, "PT": true, "RS": true}

// ValidIBAN reports whether s (no spaces, upper case) is an IBAN with a
// correct ISO 13616 mod-97 checksum and the length of its country.
func ValidIBAN(s string) bool {
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	for i, r := range s {
		switch {
		case i < 2 && (r < 'A' || r > 'Z'):
			return false
		case i >= 2 && i < 4 && (r < '0' || r > '9'):
			return false
		case !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
			return false
		}
	}
	if n, ok := ibanLengths[s[:2]]; ok && n != len(s) {
		return false
	}
	return mod97(s[4:]+s[:4]) == 1
}

// mod97 is the remainder of s read as a number with letters as 10–35
// (ISO 7064 MOD 97-10), -1 if s has other characters.
func mod97(s string) int {
	rem := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			rem = (rem*10 + int(r-'0')) % 97
		case r >= 'A' && r <= 'Z':
			v := int(r-'A') + 10
			rem = (rem*100 + v) % 97
		default:
			return -1
		}
	}
	return rem
}

var ibanStart = regexp.MustCompile(`\b([A-Z]{2})\s?([0-9OIl]{2})`)

// findIBANs returns the valid IBANs in s, normalised, in order. It reads
// the characters after a country code and check digits, spaces allowed
// between groups, and accepts the country's length only if the checksum
// holds; for a country of unknown length the longest valid prefix.
func findIBANs(s string) []string {
	var out []string
	for _, m := range ibanStart.FindAllStringSubmatchIndex(s, -1) {
		cc := s[m[2]:m[3]]
		check := s[m[4]:m[5]]
		if !ibanCountry(cc) {
			continue
		}
		numeric := numericBBAN[cc]
		check = digitFix(check)
		var body []byte
		for i := m[1]; i < len(s) && len(body) < 30; i++ {
			c := s[i]
			if c == ' ' {
				// Groups of four; a space after a full group continues
				// the IBAN, any other space ends it.
				if i+1 < len(s) && s[i+1] != ' ' {
					continue
				}
				break
			}
			if numeric {
				c = digitFixByte(c)
			}
			if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				break
			}
			body = append(body, c)
		}
		if n, ok := ibanLengths[cc]; ok {
			if len(body) >= n-4 {
				if c := cc + check + string(body[:n-4]); ValidIBAN(c) {
					out = append(out, c)
				}
			}
			continue
		}
		for k := len(body); k >= 11; k-- {
			if c := cc + check + string(body[:k]); ValidIBAN(c) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

func ibanCountry(cc string) bool {
	_, ok := ibanLengths[cc]
	return ok
}

func digitFix(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = digitFixByte(b[i])
	}
	return string(b)
}

func digitFixByte(c byte) byte {
	switch c {
	case 'O', 'o':
		return '0'
	case 'I', 'l', '|':
		return '1'
	}
	return c
}

// leitwegPattern is a Leitweg-ID: coarse address (2–12 digits), optional
// fine address (up to 30 letters or digits), two check digits.
var leitwegPattern = regexp.MustCompile(`^[0-9]{2,12}(?:-[0-9A-Za-z]{1,30})?-[0-9]{2}$`)

// ValidLeitwegID reports whether id has the form of a Leitweg-ID and its
// check digits are right (ISO/IEC 7064 MOD 97-10 over the ID without
// hyphens, letters as 10–35).
func ValidLeitwegID(id string) (form, checksum bool) {
	if !leitwegPattern.MatchString(id) {
		return false, false
	}
	return true, mod97(strings.ToUpper(strings.ReplaceAll(id, "-", ""))) == 1
}

// decimalText renders an amount in the form "1234.56" from digits and a
// scale-free decimal string such as "1234.5" or "-12".
func decimalText(s string) string {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" {
		intPart = "0"
	}
	if len(frac) < 2 {
		frac += strings.Repeat("0", 2-len(frac))
	}
	r, ok := new(big.Rat).SetString(intPart + "." + frac)
	if !ok {
		return ""
	}
	if neg {
		r.Neg(r)
	}
	for len(frac) > 2 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	return r.FloatString(len(frac))
}
