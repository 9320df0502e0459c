package extract

import (
	"regexp"
	"sort"
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
var lostSpace = regexp.MustCompile(`\b(\p{L}{2,})\.(\p{Lu}\p{L})`)

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
	// A speck read as a full stop after the last word: "GmbH." (but not
	// the dot of an abbreviation: "e.K.", "Co.").
	if i := strings.LastIndexByte(s, ' '); strings.HasSuffix(s, ".") {
		last := s[i+1 : len(s)-1]
		if len([]rune(last)) >= 3 && !strings.Contains(last, ".") {
			s = strings.TrimSuffix(s, ".")
		}
	}
	// "Co.KG": a lost space after an abbreviation's dot.
	s = lostSpace.ReplaceAllString(s, "$1. $2")
	return s
}

// labelWords end a city that OCR glued to the information block beside
// the return line ("10115 Berlin Unser Zeichen:").
var labelWords = regexp.MustCompile(`(?i)\s+(?:[il1]hre?|unsere?|aktenzeichen|az\.|datum|telefon|rechnungs\p{L}*|kunden\p{L}*)\b.*$`)

type addrVote struct {
	street, city string
	votes        int
	rank         int // lower: read from larger print
}

func (d *doc) findSender(r *Result) {
	var names []string
	var addrs []*addrVote
	vote := func(street, city string, rank int) {
		city = labelWords.ReplaceAllString(city, "")
		for _, a := range addrs {
			switch {
			case sameAddrPart(a.street, street) && sameAddrPart(a.city, city):
			case strings.HasSuffix(normName(a.street), " "+normName(street)) && sameAddrPart(a.city, city):
				// A separator lost before the street glued a word of the
				// name to it; the shorter reading is the street.
				a.street = street
			case strings.HasSuffix(normName(street), " "+normName(a.street)) && sameAddrPart(a.city, city):
			default:
				continue
			}
			a.votes++
			a.rank = min(a.rank, rank)
			return
		}
		addrs = append(addrs, &addrVote{street: street, city: city, votes: 1, rank: rank})
	}
	for _, l := range d.lines {
		seg := l.segs[0]
		name, street, city, ok := structuredParty(seg)
		if !ok {
			continue
		}
		if name == "" {
			// The letterhead's contact line: street · PLZ city · phone.
			vote(street, city, 0)
			continue
		}
		names = append(names, name)
		vote(street, city, 1)
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
	sName := ""
	if len(names) > 0 {
		sName = names[0]
		// Return line and footer both print the name; where they agree
		// and the letterhead reads differently, two readings outvote one.
		count := map[string]int{}
		for _, n := range names {
			count[normName(n)]++
		}
		for _, n := range names {
			if count[normName(n)] > count[normName(sName)] {
				sName = n
			}
		}
		if top != "" && count[normName(sName)] >= 2 && count[normName(top)] == 0 && similar(top, sName) &&
			normName(top) != normName(sName) {
			top = sName
		}
	}
	switch {
	case sName == "":
		r.Sender.Name = top
	case top != "" && (similar(top, sName) || strings.HasPrefix(normName(top), normName(sName)) ||
		strings.HasPrefix(normName(sName), normName(top))):
		// The letterhead is set large and reads better than the small
		// return line; when one is cut short, it is the return line.
		r.Sender.Name = top
	default:
		r.Sender.Name = sName
	}
	sort.SliceStable(addrs, func(i, j int) bool {
		if addrs[i].votes != addrs[j].votes {
			return addrs[i].votes > addrs[j].votes
		}
		return addrs[i].rank < addrs[j].rank
	})
	if len(addrs) > 0 {
		r.Sender.Address = addrs[0].street + ", " + addrs[0].city
	}
}

func sameAddrPart(a, b string) bool { return normName(a) == normName(b) }

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
