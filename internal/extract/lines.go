package extract

import (
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/aktenfluss/aktenfluss/internal/ocr"
)

// line is one visual line of a page. Segs are the runs of words on it
// separated by wide gaps (columns: the address field and the information
// block beside it, a label and its value 3 cm to the right, a table's
// cells). Plain text gives one segment per line.
type line struct {
	page int
	segs []string
	// text is the segments joined by tabs, so patterns can match across
	// a gap with \s and stop at one with [^\t].
	text string
	// br: a paragraph break (blank line or wide vertical gap) precedes
	// this line.
	br bool
	// y is the line's vertical centre in page heights from the top (0..1),
	// x its left edge in page widths; -1 when unknown (plain text).
	y, x float64
	// xs are the left edges of the segments in page widths (nil for plain
	// text).
	xs []float64
}

func newLine(page int, segs []string) line {
	l := line{page: page, y: -1, x: -1}
	for _, s := range segs {
		if s = strings.TrimSpace(s); s != "" {
			l.segs = append(l.segs, s)
		}
	}
	l.text = strings.Join(l.segs, "\t")
	return l
}

// textLines splits plain text into lines: pages by form feed, lines by
// newline, blank lines mark paragraph breaks.
func textLines(text string, firstPage int) []line {
	var out []line
	for p, page := range strings.Split(text, "\f") {
		br := false
		for _, s := range strings.Split(page, "\n") {
			s = strings.Join(strings.Fields(s), " ")
			if s == "" {
				br = true
				continue
			}
			l := newLine(firstPage+p, []string{s})
			l.br = br
			br = false
			out = append(out, l)
		}
	}
	return out
}

// box is a word in upright, deskewed coordinates.
type box struct {
	text           string
	x0, x1, y0, y1 float64
	line           int
}

func (b box) h() float64  { return b.y1 - b.y0 }
func (b box) yc() float64 { return (b.y0 + b.y1) / 2 }

// pageLines rebuilds visual lines from the words of an OCR page: words of
// one Tesseract line stay together; Tesseract lines on the same baseline
// (after turning the page upright and removing the skew) are merged into
// one visual line, left to right.
func pageLines(p ocr.Page, page int) []line {
	if len(p.Words) == 0 {
		return textLines(p.Text, page)
	}
	w, h := float64(p.Width), float64(p.Height)
	if p.Orientation == 90 || p.Orientation == 270 {
		w, h = h, w
	}
	if w <= 0 || h <= 0 {
		return textLines(p.Text, page)
	}
	tan := math.Tan(p.Skew * math.Pi / 180)
	if math.IsNaN(tan) || math.Abs(tan) > 0.2 {
		tan = 0
	}
	// Tesseract lines, as units.
	type unit struct {
		words  []box
		x0, x1 float64
		yc, h  float64
	}
	units := map[int]*unit{}
	var order []int
	for _, wd := range p.Words {
		t := strings.TrimSpace(wd.Text)
		if t == "" {
			continue
		}
		x0, y0, x1, y1 := upright(p, float64(wd.X0), float64(wd.Y0), float64(wd.X1), float64(wd.Y1))
		// Remove the skew: a baseline turned counter-clockwise by the
		// skew angle rises to the right.
		dy := ((x0 + x1) / 2) * tan
		b := box{text: t, x0: x0, x1: x1, y0: y0 + dy, y1: y1 + dy, line: wd.Line}
		u := units[wd.Line]
		if u == nil {
			u = &unit{}
			units[wd.Line] = u
			order = append(order, wd.Line)
		}
		u.words = append(u.words, b)
	}
	var us []*unit
	for _, k := range order {
		u := units[k]
		u.x0, u.x1 = math.Inf(1), math.Inf(-1)
		var ycs, hs []float64
		for _, b := range u.words {
			u.x0, u.x1 = min(u.x0, b.x0), max(u.x1, b.x1)
			if isWordish(b.text) {
				ycs = append(ycs, b.yc())
				hs = append(hs, b.h())
			}
		}
		if len(ycs) == 0 {
			for _, b := range u.words {
				ycs = append(ycs, b.yc())
				hs = append(hs, b.h())
			}
		}
		u.yc, u.h = median(ycs), median(hs)
		us = append(us, u)
	}
	sort.SliceStable(us, func(i, j int) bool { return us[i].yc < us[j].yc })

	// Merge units into rows.
	type row struct {
		units []*unit
		yc, h float64
	}
	var rows []*row
	for _, u := range us {
		var best *row
		for i := len(rows) - 1; i >= 0 && i >= len(rows)-4; i-- {
			r := rows[i]
			if math.Abs(r.yc-u.yc) > 0.5*min(r.h, u.h) {
				continue
			}
			overlap := false
			for _, v := range r.units {
				if u.x0 < v.x1 && v.x0 < u.x1 {
					overlap = true
					break
				}
			}
			if !overlap {
				best = r
				break
			}
		}
		if best == nil {
			rows = append(rows, &row{units: []*unit{u}, yc: u.yc, h: u.h})
			continue
		}
		best.units = append(best.units, u)
		n := float64(len(best.units))
		best.yc += (u.yc - best.yc) / n
		best.h += (u.h - best.h) / n
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].yc < rows[j].yc })

	var out []line
	prevY, prevH := math.Inf(-1), 0.0
	for _, r := range rows {
		var words []box
		for _, u := range r.units {
			words = append(words, u.words...)
		}
		sort.SliceStable(words, func(i, j int) bool { return words[i].x0 < words[j].x0 })
		var segs []string
		var xs []float64
		var cur []string
		lastX1 := math.Inf(-1)
		for _, b := range words {
			if len(cur) > 0 && b.x0-lastX1 > 1.1*r.h {
				segs = append(segs, strings.Join(cur, " "))
				cur = nil
			}
			if len(cur) == 0 {
				xs = append(xs, b.x0/w)
			}
			cur = append(cur, b.text)
			lastX1 = max(lastX1, b.x1)
		}
		segs = append(segs, strings.Join(cur, " "))
		// Drop segments that are only specks (".", "|", "'"), keeping
		// xs aligned.
		var keepS []string
		var keepX []float64
		for i, s := range segs {
			if isWordish(s) {
				keepS = append(keepS, s)
				keepX = append(keepX, xs[i])
			}
		}
		if len(keepS) == 0 {
			continue
		}
		l := newLine(page, keepS)
		l.xs = keepX
		l.x = keepX[0]
		l.y = r.yc / h
		l.br = r.yc-prevY > 2.1*max(prevH, r.h)
		prevY, prevH = r.yc, r.h
		out = append(out, l)
	}
	return out
}

// upright maps a box in the image as stored to the page turned upright
// (Orientation degrees clockwise).
func upright(p ocr.Page, x0, y0, x1, y1 float64) (float64, float64, float64, float64) {
	W, H := float64(p.Width), float64(p.Height)
	switch p.Orientation {
	case 90:
		return H - y1, x0, H - y0, x1
	case 180:
		return W - x1, H - y1, W - x0, H - y0
	case 270:
		return y0, W - x1, y1, W - x0
	}
	return x0, y0, x1, y1
}

// isWordish reports whether s has a letter or digit: OCR reads specks,
// rules and stamp borders as ".", "|", "—".
func isWordish(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// docLines are the lines of the whole input, pages in order.
func docLines(in Input) []line {
	if len(in.Pages) == 0 {
		return textLines(in.Text, 0)
	}
	var out []line
	for i, p := range in.Pages {
		out = append(out, pageLines(p, i)...)
	}
	return out
}
