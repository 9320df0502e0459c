package store

import (
	"strings"
	"unicode"
)

// Limits on what a query may ask: enough for any person, bounded for a
// hostile caller.
const (
	maxQueryText  = 1000
	maxQueryTerms = 32
)

// webQuery is SearchQuery.Text read as web-search syntax, the way
// PostgreSQL's websearch_to_tsquery reads it: words are ANDed, "quoted
// phrases" match in order, a leading - excludes a word or phrase, and OR
// between two terms makes either one do.
type webQuery struct {
	all [][]string // every group must match; a group matches when one of its terms does
	not []string   // none of these may match
}

// parseWebSearch never fails: anything that is not syntax is text, and
// text without letters or digits is dropped.
func parseWebSearch(text string) webQuery {
	if len(text) > maxQueryText {
		text = text[:maxQueryText]
	}
	var q webQuery
	or := false
	terms := 0
	rs := []rune(text)
	for i := 0; i < len(rs) && terms < maxQueryTerms; {
		r := rs[i]
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			i++
			continue
		}
		neg := false
		if r == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			neg = true
			i++
			r = rs[i]
		}
		var term string
		quoted := false
		if r == '"' {
			// A phrase runs to the closing quote, or to the end.
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			term, quoted = string(rs[i+1:j]), true
			i = j + 1
		} else {
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '"' {
				j++
			}
			term = string(rs[i:j])
			i = j
		}
		if !quoted && !neg && strings.EqualFold(term, "or") {
			or = len(q.all) > 0
			continue
		}
		term = cleanTerm(term)
		if term == "" {
			continue
		}
		terms++
		switch {
		case neg:
			q.not = append(q.not, term)
		case or:
			q.all[len(q.all)-1] = append(q.all[len(q.all)-1], term)
		default:
			q.all = append(q.all, []string{term})
		}
		or = false
	}
	return q
}

// cleanTerm drops control characters and returns "" for a term without a
// letter or digit, which no tokenizer would turn into a token.
func cleanTerm(t string) string {
	t = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, t)
	if strings.IndexFunc(t, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
		return ""
	}
	return strings.TrimSpace(t)
}

// empty reports whether nothing is left to search for.
func (q webQuery) empty() bool { return len(q.all) == 0 && len(q.not) == 0 }

// fts5Quote makes one term an FTS5 string: inside double quotes every
// character is literal (a quote is doubled), so no user input can become an
// operator, a column filter or a prefix query. The tokenizer splits the
// string into tokens, which FTS5 then matches as a phrase.
func fts5Quote(term string) string {
	return `"` + strings.ReplaceAll(term, `"`, `""`) + `"`
}

// fts5 writes the query as FTS5 MATCH expressions: match for the positive
// terms ("" when there are none) and exclude, an OR of the excluded terms
// ("" when there are none). FTS5 has a binary NOT only, so a query of
// excluded terms alone is run by the caller as "all rows except these".
func (q webQuery) fts5() (match, exclude string) {
	groups := make([]string, 0, len(q.all))
	for _, g := range q.all {
		alts := make([]string, len(g))
		for i, t := range g {
			alts[i] = fts5Quote(t)
		}
		if len(alts) == 1 {
			groups = append(groups, alts[0])
		} else {
			groups = append(groups, "("+strings.Join(alts, " OR ")+")")
		}
	}
	nots := make([]string, len(q.not))
	for i, t := range q.not {
		nots[i] = fts5Quote(t)
	}
	exclude = strings.Join(nots, " OR ")
	if len(groups) == 0 {
		return "", exclude
	}
	match = strings.Join(groups, " AND ")
	if exclude != "" {
		match = "(" + match + ") NOT (" + exclude + ")"
	}
	return match, exclude
}
