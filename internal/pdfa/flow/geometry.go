package flow

// The A4 portrait geometry of the renditions, in points: 48 pt side
// margins, 64 pt above the body for the page header and 48 pt below it for
// the footer. They are untyped constants so that callers sizing columns
// from them (A4BodyWidth - 60 - 72 …) get exactly the numbers A4 uses.
const (
	A4Width     = 595.276
	A4Height    = 841.89
	A4Margin    = 48.0
	A4BodyWidth = A4Width - 2*A4Margin
	A4Top       = A4Height - 64 // the body's upper edge
	A4Bottom    = 48.0          // the body's lower edge
)

// LineFactor is the leading as a multiple of the font size.
const LineFactor = 1.3

// Geometry is the page size and the body area the flow fills. The band
// above Top and below Bottom is left to the page furniture.
type Geometry struct {
	Width, Height float64 // MediaBox
	MarginX       float64 // left and right margin of the body
	Top           float64 // y of the body's upper edge, below the page header
	Bottom        float64 // y of the body's lower edge, above the footer
}

// A4 is the geometry of the renditions, A4 portrait.
func A4() Geometry {
	return Geometry{Width: A4Width, Height: A4Height, MarginX: A4Margin, Top: A4Top, Bottom: A4Bottom}
}

// BodyWidth is the width between the margins.
func (g Geometry) BodyWidth() float64 { return g.Width - 2*g.MarginX }

// Right is the x of the body's right edge.
func (g Geometry) Right() float64 { return g.Width - g.MarginX }
