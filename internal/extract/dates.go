package extract

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// months maps German month names, their abbreviations and common OCR
// readings (März without umlaut) to numbers.
var months = map[string]int{
	"januar": 1, "jan": 1, "jänner": 1, "februar": 2, "feb": 2, "märz": 3, "marz": 3, "maerz": 3, "mär": 3, "mrz": 3,
	"april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8, "aug": 8,
	"september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
	"dezember": 12, "dez": 12,
}

// datePattern matches "12.03.2024", "12.3.24", "12. März 2024", "12.März
// 2024" and OCR variants with doubled dots or spaces around them.
var datePattern = regexp.MustCompile(`(?i)\b([0-3]?[0-9])\s?\.+\s?(?:([01]?[0-9])\s?\.\s?((?:19|20)?[0-9]{2})\b|(\p{L}{3,9})\.?\s+((?:19|20)[0-9]{2})\b)`)

// isoDatePattern matches ISO dates, which e-invoices and some software
// print.
var isoDatePattern = regexp.MustCompile(`\b((?:19|20)[0-9]{2})-([01][0-9])-([0-3][0-9])\b`)

type dateMatch struct {
	iso        string
	start, end int
}

// findDates returns the calendar-valid dates in s.
func findDates(s string) []dateMatch {
	var out []dateMatch
	for _, m := range datePattern.FindAllStringSubmatchIndex(s, -1) {
		day, _ := strconv.Atoi(s[m[2]:m[3]])
		var month, year int
		if m[4] >= 0 {
			month, _ = strconv.Atoi(s[m[4]:m[5]])
			y := s[m[6]:m[7]]
			year, _ = strconv.Atoi(y)
			if len(y) == 2 {
				year += 2000
			}
		} else {
			mo, ok := months[strings.ToLower(s[m[8]:m[9]])]
			if !ok {
				continue
			}
			month = mo
			year, _ = strconv.Atoi(s[m[10]:m[11]])
		}
		if iso, ok := isoDate(year, month, day); ok {
			out = append(out, dateMatch{iso: iso, start: m[0], end: m[1]})
		}
	}
	for _, m := range isoDatePattern.FindAllStringSubmatchIndex(s, -1) {
		y, _ := strconv.Atoi(s[m[2]:m[3]])
		mo, _ := strconv.Atoi(s[m[4]:m[5]])
		d, _ := strconv.Atoi(s[m[6]:m[7]])
		if iso, ok := isoDate(y, mo, d); ok {
			out = append(out, dateMatch{iso: iso, start: m[0], end: m[1]})
		}
	}
	return out
}

func isoDate(y, m, d int) (string, bool) {
	if y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 {
		return "", false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), true
}
