package textmetric

import "strings"

// Normalize folds every run of whitespace (spaces, line breaks, form feeds)
// into one space and trims the ends, so layout differences do not count as
// recognition errors.
func Normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

// CER is the character error rate of got against truth.
func CER(truth, got string) float64 {
	t, g := []rune(Normalize(truth)), []rune(Normalize(got))
	if len(t) == 0 {
		if len(g) == 0 {
			return 0
		}
		return 1
	}
	return float64(distance(t, g)) / float64(len(t))
}

// WER is the word error rate of got against truth.
func WER(truth, got string) float64 {
	t, g := strings.Fields(truth), strings.Fields(got)
	if len(t) == 0 {
		if len(g) == 0 {
			return 0
		}
		return 1
	}
	return float64(distance(t, g)) / float64(len(t))
}

// Errors returns the edit distance and the truth length for summing rates
// over many pages (a corpus rate is total errors over total length, not a
// mean of page rates).
func Errors(truth, got string) (charErrs, chars, wordErrs, words int) {
	t, g := []rune(Normalize(truth)), []rune(Normalize(got))
	tw, gw := strings.Fields(truth), strings.Fields(got)
	return distance(t, g), len(t), distance(tw, gw), len(tw)
}

// distance is the Levenshtein distance with two rows of memory.
func distance[T comparable](a, b []T) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
