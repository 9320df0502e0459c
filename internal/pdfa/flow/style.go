package flow

import "github.com/aktenfluss/aktenfluss/internal/pdfa"

// Color is a fill colour: a grey level or an RGB triple, components 0…1.
// The zero value is black.
type Color struct {
	rgb     bool
	r, g, b float64
}

// Gray is the grey level g (0 black, 1 white).
func Gray(g float64) Color { return Color{r: g} }

// RGB is the colour with components r, g, b.
func RGB(r, g, b float64) Color { return Color{rgb: true, r: r, g: g, b: b} }

// set makes c the fill colour of canvas c.
func (c Color) set(cv *pdfa.Canvas) {
	if c.rgb {
		cv.SetFillRGB(c.r, c.g, c.b)
		return
	}
	cv.SetFillGray(c.r)
}

// The colours of the house style.
var (
	Accent      = RGB(0.12, 0.27, 0.47) // headings
	HeaderShade = RGB(0.89, 0.92, 0.96) // table header background
	Warning     = RGB(0.70, 0.07, 0.07) // something is wrong
)

// Grey levels of the house style, for text (Gray) and for lines
// (pdfa.Canvas.Line takes a grey level).
const (
	LabelGray   = 0.32 // labels in front of values
	RuleGray    = 0.72 // thin rules between table rows and around the page
	HeadingRule = 0.45 // the rule under a heading
)

// Style is how a run of text is set.
type Style struct {
	Font  *pdfa.Font
	Size  float64
	Color Color
}

// Lead is the height of one line in this style.
func (s Style) Lead() float64 { return s.Size * LineFactor }

// Width is the width of text in this style.
func (s Style) Width(text string) float64 { return s.Font.Width(text, s.Size) }

// Draw sets text on canvas c with its baseline starting at (x, baseline).
func (s Style) Draw(c *pdfa.Canvas, x, baseline float64, text string) {
	s.Color.set(c)
	c.Text(s.Font, s.Size, x, baseline, text)
}

// Para is a paragraph inside a table cell or a box; it wraps to the
// cell's width.
type Para struct {
	Text  string
	Style Style
}

// Line is one laid-out line of a paragraph.
type Line struct {
	Text  string
	Style Style
}

// LinesHeight is the height lines take.
func LinesHeight(ls []Line) float64 {
	h := 0.0
	for _, l := range ls {
		h += l.Style.Lead()
	}
	return h
}

// Layout wraps paragraphs to width; empty paragraphs take no room.
func Layout(ps []Para, width float64) []Line {
	var out []Line
	for _, p := range ps {
		if p.Text == "" {
			continue
		}
		for _, l := range Wrap(p.Text, p.Style, width) {
			out = append(out, Line{Text: l, Style: p.Style})
		}
	}
	return out
}

// Para is text as a paragraph in style s.
func (s Style) Para(text string) Para { return Para{Text: text, Style: s} }
