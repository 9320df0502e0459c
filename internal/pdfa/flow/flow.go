package flow

import (
	"strconv"

	"github.com/aktenfluss/aktenfluss/internal/pdfa"
)

// Doc is the flow layout: a cursor that moves down the page and opens a
// new page when content does not fit. A Doc is not safe for concurrent use.
type Doc struct {
	g      Geometry
	pages  []*pdfa.Canvas
	c      *pdfa.Canvas
	y      float64
	repeat func() // redraws the current table header on a new page
}

// NewDoc starts a document with geometry g on its first page, the cursor
// at the top of the body.
func NewDoc(g Geometry) *Doc {
	d := &Doc{g: g}
	d.NewPage()
	return d
}

// Geometry is the page geometry of d.
func (d *Doc) Geometry() Geometry { return d.g }

// Canvas is the current page.
func (d *Doc) Canvas() *pdfa.Canvas { return d.c }

// Pages are the canvases of all pages so far.
func (d *Doc) Pages() []*pdfa.Canvas { return d.pages }

// PDFPages are the pages for a pdfa.Document.
func (d *Doc) PDFPages() []pdfa.Page {
	pages := make([]pdfa.Page, len(d.pages))
	for i, c := range d.pages {
		pages[i] = pdfa.Page{WidthPt: d.g.Width, HeightPt: d.g.Height, Canvas: c}
	}
	return pages
}

// Y is the cursor: the y of the top of the next content.
func (d *Doc) Y() float64 { return d.y }

// Down moves the cursor down by h points (up for negative h).
func (d *Doc) Down(h float64) { d.y -= h }

// AtTop reports whether nothing has been placed on the current page yet.
func (d *Doc) AtTop() bool { return d.y >= d.g.Top }

// NewPage opens a new page with the cursor at the top of its body; inside
// Run the table header is drawn again first.
func (d *Doc) NewPage() {
	d.c = pdfa.NewCanvas()
	d.pages = append(d.pages, d.c)
	d.y = d.g.Top
	if d.repeat != nil {
		d.repeat()
	}
}

// Avail is the vertical room left on the current page.
func (d *Doc) Avail() float64 { return d.y - d.g.Bottom }

// Need opens a new page unless h points still fit (content taller than a
// whole page is placed on a fresh page and split by the caller).
func (d *Doc) Need(h float64) {
	if h > d.Avail() && !d.AtTop() {
		d.NewPage()
	}
}

// Text sets s on the current page with its baseline starting at
// (x, baseline); the cursor does not move.
func (d *Doc) Text(st Style, x, baseline float64, s string) {
	st.Draw(d.c, x, baseline, s)
}

// Print sets one line at the left margin below the cursor and moves the
// cursor under it. The line is not wrapped: pass text that fits, or
// Ellipsize it.
func (d *Doc) Print(st Style, s string) {
	d.Text(st, d.g.MarginX, d.y-st.Size, s)
	d.y -= st.Lead()
}

// Paragraph moves the cursor down by gap and sets text wrapped to the body
// width. A paragraph that fits on a page is kept together on one page;
// a longer one breaks between lines.
func (d *Doc) Paragraph(st Style, text string, gap float64) {
	lines := Wrap(text, st, d.g.BodyWidth())
	d.Need(gap + st.Lead()*float64(len(lines)))
	d.y -= gap
	for _, l := range lines {
		d.Need(st.Lead())
		d.Print(st, l)
	}
}

// Heading draws a section heading in st with a rule beneath; keep is the
// room the section's first content needs, so the heading is not orphaned.
func (d *Doc) Heading(st Style, title string, keep float64) {
	h := 10 + st.Lead() + 4
	d.Need(h + keep)
	if !d.AtTop() {
		d.y -= 10
	}
	d.Print(st, title)
	d.c.Line(d.g.MarginX, d.y, d.g.Right(), d.y, 0.8, HeadingRule)
	d.y -= 4
}

// Box draws paragraphs inside a shaded box across the body width with a
// bar in colour bar on its left edge, as used for a statement that must
// stand out. A box that does not fit on the page continues on the next.
func (d *Doc) Box(ps []Para, shade, bar Color) {
	const pad, barW = 6.0, 3.0
	x, w := d.g.MarginX, d.g.BodyWidth()
	lines := Layout(ps, w-2*pad-barW)
	d.Need(LinesHeight(lines) + 2*pad)
	for len(lines) > 0 {
		room, n := d.Avail()-2*pad, 0
		for h := 0.0; n < len(lines) && h+lines[n].Style.Lead() <= room; n++ {
			h += lines[n].Style.Lead()
		}
		if n == 0 {
			if d.AtTop() {
				n = 1 // a page too small for one line: draw it anyway
			} else {
				d.NewPage()
				continue
			}
		}
		h := LinesHeight(lines[:n]) + 2*pad
		shade.set(d.c)
		d.c.FillRect(x, d.y-h, w, h)
		bar.set(d.c)
		d.c.FillRect(x, d.y-h, barW, h)
		y := d.y - pad
		for _, l := range lines[:n] {
			d.Text(l.Style, x+barW+pad, y-l.Style.Size*1.02, l.Text)
			y -= l.Style.Lead()
		}
		d.y -= h
		if lines = lines[n:]; len(lines) > 0 {
			d.NewPage()
		}
	}
}

// drawHeader draws the header row with its background.
func (d *Doc) drawHeader(t *Table) {
	if t.Header == nil {
		return
	}
	cells := t.LayoutRow(Row(t.Header...))
	h := t.RowHeight(cells)
	HeaderShade.set(d.c)
	d.c.FillRect(t.X, d.y-h, t.Width(), h)
	d.DrawCells(t, cells, d.y)
	d.y -= h
}

// DrawCells draws laid-out cells of t with their top at top; the cursor
// does not move.
func (d *Doc) DrawCells(t *Table, cells [][]Line, top float64) {
	x := t.X
	for i, col := range t.Cols {
		y := top - t.PadY
		for _, l := range cells[i] {
			base := y - l.Style.Size*1.02
			lx := x + t.PadX
			if col.Align == Right {
				lx = x + col.Width - t.PadX - l.Style.Width(l.Text)
			}
			d.Text(l.Style, lx, base, l.Text)
			y -= l.Style.Lead()
		}
		x += col.Width
	}
}

// Run draws a whole table, header included, breaking pages between rows
// (and inside rows taller than the room a page has). No rows: nothing,
// not even the header.
func (d *Doc) Run(t *Table, rows [][][]Para) {
	if len(rows) == 0 {
		return
	}
	d.drawHeader(t)
	d.repeat = func() { d.drawHeader(t) }
	defer func() { d.repeat = nil }()
	for _, r := range rows {
		cells := t.LayoutRow(r)
		h := t.RowHeight(cells)
		if h > d.Avail() && h <= d.g.Top-d.g.Bottom-40 {
			d.NewPage()
		}
		for {
			room := d.Avail() - 2*t.PadY
			part := make([][]Line, len(cells))
			rest := make([][]Line, len(cells))
			taken, left := 0.0, false
			for i, c := range cells {
				used, n := 0.0, 0
				for n < len(c) && used+c[n].Style.Lead() <= room {
					used += c[n].Style.Lead()
					n++
				}
				part[i], rest[i] = c[:n], c[n:]
				taken = max(taken, used)
				left = left || n < len(c)
			}
			if taken == 0 && left {
				d.NewPage() // not even one line fits here
				continue
			}
			d.DrawCells(t, part, d.y)
			d.y -= taken + 2*t.PadY
			if t.Rules {
				d.c.Line(t.X, d.y, t.X+t.Width(), d.y, 0.4, RuleGray)
			}
			if !left {
				break
			}
			cells = rest
			d.NewPage()
		}
	}
}

// Furnish adds the page furniture to every page, once the number of pages
// is known: head at the top left and "Seite n von m" at the top right above
// a rule, foot below a rule at the bottom, both shortened with "…" to fit.
// It does not move the cursor.
func (d *Doc) Furnish(st Style, head, foot string) {
	g, n := d.g, len(d.pages)
	right, w := g.Right(), g.BodyWidth()
	for i, c := range d.pages {
		page := "Seite " + strconv.Itoa(i+1) + " von " + strconv.Itoa(n)
		pw := st.Width(page)
		st.Draw(c, g.MarginX, g.Height-36, Ellipsize(head, st, w-pw-20))
		st.Draw(c, right-pw, g.Height-36, page)
		c.Line(g.MarginX, g.Height-42, right, g.Height-42, 0.5, RuleGray)
		c.Line(g.MarginX, 38, right, 38, 0.5, RuleGray)
		st.Draw(c, g.MarginX, 28, Ellipsize(foot, st, w))
	}
}
