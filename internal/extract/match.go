package extract

import (
	"regexp"
	"strings"
)

var spaceAroundSep = regexp.MustCompile(`\s*([./\-–_])\s*`)

// MatchFile checks the references against existing files: known reports
// whether a file number exists (the caller passes a store lookup). It
// returns the first reference, in order, that names an existing file
// after a normalisation that only removes spaces around separators and
// maps obvious OCR confusions in digit positions (O→0, l and I→1). It
// never guesses: when no candidate is known exactly, it returns "".
func MatchFile(refs []Reference, known func(number string) bool) (number string, ok bool) {
	if known == nil {
		return "", false
	}
	for _, ref := range refs {
		for _, c := range fileCandidates(ref.Value) {
			if known(c) {
				return c, true
			}
		}
	}
	return "", false
}

// fileCandidates are the forms of v to look up, as printed first.
func fileCandidates(v string) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	out := []string{v}
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	n := spaceAroundSep.ReplaceAllString(v, "$1")
	n = strings.ReplaceAll(n, "–", "-")
	add(n)
	add(digitConfusions(n))
	return out
}

// digitConfusions maps O to 0 and l, I to 1 where they stand among
// digits: a run of such characters bounded by digits or separators, with
// a digit on at least one side. Letters in a letter run ("BA-", "lb-")
// stay.
func digitConfusions(s string) string {
	rs := []rune(s)
	confusable := func(r rune) bool { return r == 'O' || r == 'o' || r == 'l' || r == 'I' }
	isDigit := func(i int) bool { return i >= 0 && i < len(rs) && rs[i] >= '0' && rs[i] <= '9' }
	isSep := func(i int) bool { return i < 0 || i >= len(rs) || strings.ContainsRune("./-_ ", rs[i]) }
	out := make([]rune, len(rs))
	copy(out, rs)
	for i := 0; i < len(rs); {
		if !confusable(rs[i]) {
			i++
			continue
		}
		j := i
		for j < len(rs) && confusable(rs[j]) {
			j++
		}
		left, right := i-1, j
		if (isDigit(left) || isSep(left)) && (isDigit(right) || isSep(right)) && (isDigit(left) || isDigit(right)) {
			for k := i; k < j; k++ {
				if rs[k] == 'O' || rs[k] == 'o' {
					out[k] = '0'
				} else {
					out[k] = '1'
				}
			}
		}
		i = j
	}
	return string(out)
}
