package pdfa

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// placedWord is a word in page space (points, origin bottom-left), with its
// box described in the frame of its baseline: length L along the baseline,
// height H across it, centre (u, v) in that rotated frame.
type placedWord struct {
	text   string
	runes  int
	theta  float64 // radians, counter-clockwise
	l, h   float64
	cx, cy float64 // centre in page space
	u, v   float64 // centre rotated into the line's frame
}

// lineAngleTolerance: words whose baselines differ by more than this belong
// to different lines even if their boxes overlap.
const lineAngleTolerance = 2 * math.Pi / 180

// appendTextLayer appends the invisible text of one page to a content
// stream. Words are grouped into lines (consecutive words that overlap
// vertically and continue to the right); a line shares one font size and one
// baseline so that text extraction sees a line, not a staircase of words
// with descenders. Each word's characters are stretched to span exactly its
// box, and a space follows every word but a line's last, so extracted text
// has spaces between words however tight the gap is.
func appendTextLayer(dst []byte, p Page, enc *cidEncoder) []byte {
	if len(p.Words) == 0 || p.Image.Width <= 0 || p.Image.Height <= 0 {
		return dst
	}
	sx := p.WidthPt / float64(p.Image.Width)
	sy := p.HeightPt / float64(p.Image.Height)
	words := make([]placedWord, 0, len(p.Words))
	for _, w := range p.Words {
		text := strings.Map(dropControl, w.Text)
		n := utf8.RuneCountInString(text)
		if n == 0 {
			continue
		}
		x0, x1 := min(w.X0, w.X1), max(w.X0, w.X1)
		y0, y1 := min(w.Y0, w.Y1), max(w.Y0, w.Y1)
		bw, bh := (x1-x0)*sx, (y1-y0)*sy
		if bw <= 0 || bh <= 0 {
			continue
		}
		theta := math.Remainder(w.Angle, 360) * math.Pi / 180
		l, h := baselineBox(bw, bh, theta)
		words = append(words, placedWord{
			text: text, runes: n, theta: theta, l: l, h: h,
			cx: (x0 + x1) / 2 * sx, cy: p.HeightPt - (y0+y1)/2*sy,
		})
	}
	if len(words) == 0 {
		return dst
	}

	dst = append(dst, "BT\n3 Tr\n/F1 1 Tf\n"...)
	for start := 0; start < len(words); {
		end, vlo, vhi, cos, sin := groupLine(words, start)
		size := vhi - vlo
		// The font's em box runs from descent (-0.2) to ascent (0.8), so
		// this baseline makes the glyph boxes cover the line box exactly.
		base := vlo - float64(glyphDescent)/glyphUnitsPerEm*size
		for i := start; i < end; i++ {
			w := &words[i]
			us := w.u - w.l/2
			k := w.l / (float64(w.runes) * glyphAdvance / glyphUnitsPerEm * size)
			x := us*cos - base*sin
			y := us*sin + base*cos
			dst = appendNum(dst, k*size*cos, 3)
			dst = append(dst, ' ')
			dst = appendNum(dst, k*size*sin, 3)
			dst = append(dst, ' ')
			dst = appendNum(dst, -size*sin, 3)
			dst = append(dst, ' ')
			dst = appendNum(dst, size*cos, 3)
			dst = append(dst, ' ')
			dst = appendNum(dst, x, 2)
			dst = append(dst, ' ')
			dst = appendNum(dst, y, 2)
			dst = append(dst, " Tm<"...)
			dst = enc.appendHex(dst, w.text)
			if i < end-1 {
				dst = enc.appendHex(dst, " ")
			}
			dst = append(dst, ">Tj\n"...)
		}
		start = end
	}
	return append(dst, "ET\n"...)
}

// groupLine collects the words of the line starting at words[start] and
// returns the end index, the line's extent across the baseline and the
// baseline direction. It fills in u and v of the words it takes.
func groupLine(words []placedWord, start int) (end int, vlo, vhi, cos, sin float64) {
	theta := words[start].theta
	sin, cos = math.Sincos(theta)
	if theta == 0 {
		sin, cos = 0, 1
	}
	rotate := func(w *placedWord) {
		w.u = w.cx*cos + w.cy*sin
		w.v = -w.cx*sin + w.cy*cos
	}
	first := &words[start]
	rotate(first)
	vlo, vhi = first.v-first.h/2, first.v+first.h/2
	prevEnd := first.u + first.l/2
	end = start + 1
	for ; end < len(words); end++ {
		w := &words[end]
		if math.Abs(math.Remainder(w.theta-theta, 2*math.Pi)) > lineAngleTolerance {
			break
		}
		rotate(w)
		lo, hi := w.v-w.h/2, w.v+w.h/2
		overlap := min(hi, vhi) - max(lo, vlo)
		if overlap < 0.5*min(hi-lo, vhi-vlo) {
			break
		}
		// A word that starts clearly left of where the previous one ended
		// begins a new line (or a new column).
		if w.u-w.l/2 < prevEnd-0.5*w.h {
			break
		}
		vlo, vhi = min(vlo, lo), max(vhi, hi)
		prevEnd = w.u + w.l/2
	}
	return end, vlo, vhi, cos, sin
}

// baselineBox recovers a word's length along its baseline and its height
// from the axis-aligned bounding box of the rotated word:
// bw = L|cos θ| + H|sin θ|, bh = L|sin θ| + H|cos θ|. Near 45° the system is
// ill-conditioned; then the longer side is taken as the length.
func baselineBox(bw, bh, theta float64) (l, h float64) {
	if theta == 0 {
		return bw, bh
	}
	c, s := math.Abs(math.Cos(theta)), math.Abs(math.Sin(theta))
	det := c*c - s*s
	if math.Abs(det) > 0.3 {
		l = (bw*c - bh*s) / det
		h = (bh*c - bw*s) / det
		if l > 0 && h > 0 {
			return l, h
		}
	}
	if c >= s {
		return bw, bh
	}
	return bh, bw
}

// dropControl removes control characters (tabs, line breaks from OCR
// output) that would otherwise turn up in extracted text.
func dropControl(r rune) rune {
	if r < 0x20 || r >= 0x7F && r < 0xA0 {
		return -1
	}
	return r
}

// appendNum formats v with at most prec decimals and no trailing zeros, the
// compact form content streams want.
func appendNum(dst []byte, v float64, prec int) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, v, 'f', prec, 64)
	if prec > 0 {
		for dst[len(dst)-1] == '0' {
			dst = dst[:len(dst)-1]
		}
		if dst[len(dst)-1] == '.' {
			dst = dst[:len(dst)-1]
		}
	}
	if s := string(dst[start:]); s == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}
