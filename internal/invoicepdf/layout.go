package invoicepdf

import (
	"strings"

	"github.com/aktenfluss/aktenfluss/internal/pdfa"
)

// Page geometry: A4 portrait in points.
const (
	pageW, pageH = 595.276, 841.89
	marginX      = 48.0
	bodyTop      = pageH - 64 // below the repeated page header
	bodyBottom   = 48.0       // above the footer
	bodyW        = pageW - 2*marginX
	lineFactor   = 1.3 // leading as a multiple of the font size
)

// Colours (grey levels and RGB triples).
var (
	accent     = [3]float64{0.12, 0.27, 0.47} // headings
	headerFill = [3]float64{0.89, 0.92, 0.96} // table header background
	labelGray  = 0.32
	ruleGray   = 0.72
)

// style is how a run of text is set.
type style struct {
	font  *pdfa.Font
	size  float64
	gray  float64
	color *[3]float64 // overrides gray
}

func (s style) lead() float64 { return s.size * lineFactor }

// para is a paragraph inside a table cell.
type para struct {
	text string
	st   style
}

// line is one laid-out line of a cell.
type line struct {
	text string
	st   style
}

type align int

const (
	left align = iota
	right
)

type column struct {
	width float64
	align align
}

// table describes a grid: cells hold paragraphs, rows never split unless a
// single row is taller than a page, the header row is repeated after
// every page break.
type table struct {
	x      float64 // left edge
	cols   []column
	header []para // one per column, may be nil
	rules  bool   // thin line under each row
	padX   float64
	padY   float64
}

func (t *table) width() float64 {
	w := 0.0
	for _, c := range t.cols {
		w += c.width
	}
	return w
}

// doc is the flow layout: a cursor that moves down the page and opens a
// new page when content does not fit.
type doc struct {
	pages  []*pdfa.Canvas
	c      *pdfa.Canvas
	y      float64
	repeat func() // redraws the current table header on a new page
}

func (d *doc) newPage() {
	d.c = pdfa.NewCanvas()
	d.pages = append(d.pages, d.c)
	d.y = bodyTop
	if d.repeat != nil {
		d.repeat()
	}
}

// avail is the vertical room left on the current page.
func (d *doc) avail() float64 { return d.y - bodyBottom }

// need opens a new page unless h points still fit (content taller than a
// whole page is placed on a fresh page and split by the caller).
func (d *doc) need(h float64) {
	if h > d.avail() && d.y < bodyTop {
		d.newPage()
	}
}

func (d *doc) text(st style, x, baseline float64, s string) {
	if st.color != nil {
		d.c.SetFillRGB(st.color[0], st.color[1], st.color[2])
	} else {
		d.c.SetFillGray(st.gray)
	}
	d.c.Text(st.font, st.size, x, baseline, s)
}

// wrap breaks text into lines no wider than width. Explicit line breaks
// are kept; a word longer than the width is broken between characters.
func wrap(text string, st style, width float64) []string {
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
			if st.font.Width(cand, st.size) <= width {
				cur = cand
				continue
			}
			if cur != "" {
				out = append(out, cur)
				cur = ""
			}
			for st.font.Width(w, st.size) > width {
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
func fitRunes(w string, st style, width float64) int {
	n, sum := 0, 0.0
	for i, r := range w {
		sum += st.font.Width(string(r), st.size)
		if n > 0 && sum > width {
			break
		}
		n = i + len(string(r))
	}
	return n
}

// ellipsize shortens s with "…" until it fits into width.
func ellipsize(s string, st style, width float64) string {
	if st.font.Width(s, st.size) <= width {
		return s
	}
	return s[:fitRunes(s, st, width-st.font.Width("…", st.size))] + "…"
}

func (t *table) layoutCell(ps []para, col int) []line {
	var out []line
	w := t.cols[col].width - 2*t.padX
	for _, p := range ps {
		if p.text == "" {
			continue
		}
		for _, l := range wrap(p.text, p.st, w) {
			out = append(out, line{text: l, st: p.st})
		}
	}
	return out
}

func linesHeight(ls []line) float64 {
	h := 0.0
	for _, l := range ls {
		h += l.st.lead()
	}
	return h
}

// rowHeight is the height a row of cells needs.
func (t *table) rowHeight(cells [][]line) float64 {
	h := 0.0
	for _, c := range cells {
		h = max(h, linesHeight(c))
	}
	return h + 2*t.padY
}

// layoutRow wraps every cell of a row.
func (t *table) layoutRow(row [][]para) [][]line {
	cells := make([][]line, len(t.cols))
	for i := range t.cols {
		if i < len(row) {
			cells[i] = t.layoutCell(row[i], i)
		}
	}
	return cells
}

// drawHeader draws the header row with its background.
func (d *doc) drawHeader(t *table) {
	if t.header == nil {
		return
	}
	row := make([][]para, len(t.header))
	for i, p := range t.header {
		row[i] = []para{p}
	}
	cells := t.layoutRow(row)
	h := t.rowHeight(cells)
	d.c.SetFillRGB(headerFill[0], headerFill[1], headerFill[2])
	d.c.FillRect(t.x, d.y-h, t.width(), h)
	d.drawCells(t, cells, d.y)
	d.y -= h
}

// drawCells draws laid-out cells with their top at top.
func (d *doc) drawCells(t *table, cells [][]line, top float64) {
	x := t.x
	for i, col := range t.cols {
		y := top - t.padY
		for _, l := range cells[i] {
			base := y - l.st.size*1.02
			lx := x + t.padX
			if col.align == right {
				lx = x + col.width - t.padX - l.st.font.Width(l.text, l.st.size)
			}
			d.text(l.st, lx, base, l.text)
			y -= l.st.lead()
		}
		x += col.width
	}
}

// run draws a whole table, header included, breaking pages between rows
// (and inside rows taller than the room a page has).
func (d *doc) run(t *table, rows [][][]para) {
	if len(rows) == 0 {
		return
	}
	d.drawHeader(t)
	d.repeat = func() { d.drawHeader(t) }
	defer func() { d.repeat = nil }()
	for _, r := range rows {
		cells := t.layoutRow(r)
		h := t.rowHeight(cells)
		if h > d.avail() && h <= bodyTop-bodyBottom-40 {
			d.newPage()
		}
		for {
			room := d.avail() - 2*t.padY
			part := make([][]line, len(cells))
			rest := make([][]line, len(cells))
			taken, left := 0.0, false
			for i, c := range cells {
				used, n := 0.0, 0
				for n < len(c) && used+c[n].st.lead() <= room {
					used += c[n].st.lead()
					n++
				}
				part[i], rest[i] = c[:n], c[n:]
				taken = max(taken, used)
				left = left || n < len(c)
			}
			if taken == 0 && left {
				d.newPage() // not even one line fits here
				continue
			}
			d.drawCells(t, part, d.y)
			d.y -= taken + 2*t.padY
			if t.rules {
				d.c.Line(t.x, d.y, t.x+t.width(), d.y, 0.4, ruleGray)
			}
			if !left {
				break
			}
			cells = rest
			d.newPage()
		}
	}
}

// heading draws a section heading with a rule beneath; keep is the room
// the section's first content needs, so the heading is not orphaned.
func (d *doc) heading(f fonts, title string, keep float64) {
	st := style{font: f.bold, size: 11.5, color: &accent}
	h := 10 + st.lead() + 4
	d.need(h + keep)
	if d.y < bodyTop {
		d.y -= 10
	}
	d.text(st, marginX, d.y-st.size, title)
	d.y -= st.lead()
	d.c.Line(marginX, d.y, marginX+bodyW, d.y, 0.8, 0.45)
	d.y -= 4
}
