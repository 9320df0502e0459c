package extract

import (
	"strings"
	"unicode"
)

// structuredParty reads a "Name · Street 12 · 12345 City" line (the return
// line above the address field, or the footer): the parts are split at
// the separators, the PLZ part found, the street before it; the name is
// everything before the street. Returns empty strings when s is no such
// line; name is empty for a contact line that starts with the street.
func structuredParty(s string) (name, street, city string, ok bool) {
	idx := partSep.FindAllStringIndex(s, -1)
	if len(idx) == 0 {
		return "", "", "", false
	}
	type part struct {
		text       string
		start, end int
	}
	var parts []part
	prev := 0
	for _, m := range idx {
		parts = append(parts, part{strings.TrimSpace(s[prev:m[0]]), prev, m[0]})
		prev = m[1]
	}
	parts = append(parts, part{strings.TrimSpace(s[prev:]), prev, len(s)})
	for k := 1; k < len(parts); k++ {
		pc := plzCity.FindStringSubmatch(parts[k].text)
		if pc == nil {
			continue
		}
		st := parts[k-1].text
		if !streetPart.MatchString(st) {
			continue
		}
		city = pc[1] + " " + strings.TrimSpace(pc[2])
		if k-1 > 0 {
			name = cleanName(s[:parts[k-2].end])
		}
		return name, st, city, true
	}
	return "", "", "", false
}

// cleanName trims OCR specks and stray punctuation from the ends of a name.
func cleanName(s string) string {
	f := strings.Fields(strings.ReplaceAll(s, "\t", " "))
	for len(f) > 0 && !isWordish(f[0]) {
		f = f[1:]
	}
	for len(f) > 0 && !isWordish(f[len(f)-1]) {
		f = f[:len(f)-1]
	}
	s = strings.Join(f, " ")
	s = strings.TrimLeftFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	s = strings.TrimRight(s, " ,;:|_-–—·")
	return s
}

func (d *doc) findSender(r *Result) {
	var sName, sAddr string
	var contactAddr string
	structured := false
	for i, l := range d.lines {
		if l.page > 0 && structured {
			break
		}
		seg := l.segs[0]
		name, street, city, ok := structuredParty(seg)
		if !ok {
			continue
		}
		if name == "" {
			if contactAddr == "" {
				contactAddr = street + ", " + city
			}
			continue
		}
		if !structured {
			sName, sAddr, structured = name, street+", "+city, true
		}
		_ = i
	}
	top := ""
	for _, l := range d.lines {
		if l.page != 0 {
			break
		}
		t := cleanName(l.segs[0])
		if t == "" || stampWords.MatchString(t) {
			continue
		}
		if _, _, _, ok := structuredParty(l.segs[0]); ok {
			break
		}
		if len([]rune(t)) >= 3 && strings.ContainsFunc(t, unicode.IsLetter) {
			top = t
		}
		break
	}
	switch {
	case sName == "":
		r.Sender.Name = top
	case top != "" && similar(top, sName):
		// The letterhead is set large and reads better than the small
		// return line.
		r.Sender.Name = top
	default:
		r.Sender.Name = sName
	}
	r.Sender.Address = sAddr
	if r.Sender.Address == "" {
		r.Sender.Address = contactAddr
	}
}

// similar reports whether a and b are the same name up to a few OCR
// errors.
func similar(a, b string) bool {
	ra, rb := []rune(normName(a)), []rune(normName(b))
	d := editDistance(ra, rb)
	return d*4 <= max(len(ra), len(rb))
}

func normName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '–', '—', '‐', '-', '·':
			return '-'
		}
		return unicode.ToLower(r)
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
