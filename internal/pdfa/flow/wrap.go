package flow

import "strings"

// Wrap breaks text into lines no wider than width. Explicit line breaks
// are kept; a word longer than the width is broken between characters.
func Wrap(text string, st Style, width float64) []string {
	var out []string
	text = strings.ReplaceAll(text, "\r\n", "\n")
	for _, p := range strings.Split(text, "\n") {
		words := strings.Fields(p)
		if len(words) == 0 {
			out = append(out, "")
			continue
		}
		cur := ""
		for _, w := range words {
			cand := w
			if cur != "" {
				cand = cur + " " + w
			}
			if st.Width(cand) <= width {
				cur = cand
				continue
			}
			if cur != "" {
				out = append(out, cur)
				cur = ""
			}
			for st.Width(w) > width {
				n := fitRunes(w, st, width)
				out = append(out, w[:n])
				w = w[n:]
			}
			cur = w
		}
		out = append(out, cur)
	}
	// Drop trailing empty lines from trailing line breaks.
	for len(out) > 1 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// fitRunes is the byte length of the longest prefix of w (at least one
// character) that fits into width. Widths add up rune by rune, so a
// pathologically long word costs linear time.
func fitRunes(w string, st Style, width float64) int {
	n, sum := 0, 0.0
	for i, r := range w {
		sum += st.Width(string(r))
		if n > 0 && sum > width {
			break
		}
		n = i + len(string(r))
	}
	return n
}

// Ellipsize shortens s with "…" until it fits into width.
func Ellipsize(s string, st Style, width float64) string {
	if st.Width(s) <= width {
		return s
	}
	return s[:fitRunes(s, st, width-st.Width("…"))] + "…"
}
