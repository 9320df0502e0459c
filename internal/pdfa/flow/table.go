package flow

// Align is the horizontal alignment of a column's text.
type Align int

// Alignments.
const (
	Left Align = iota
	Right
)

// Column is one column of a table.
type Column struct {
	Width float64
	Align Align
}

// Table describes a grid: cells hold paragraphs, rows never split unless a
// single row is taller than a page, and the header row, when there is one,
// has a shaded background and is repeated after every page break.
type Table struct {
	X      float64  // left edge
	Cols   []Column // widths add up to the table's width
	Header []Para   // one per column; nil: no header row
	Rules  bool     // thin line under each row
	PadX   float64  // left and right padding inside a cell
	PadY   float64  // top and bottom padding of a row
}

// Width is the sum of the column widths.
func (t *Table) Width() float64 {
	w := 0.0
	for _, c := range t.Cols {
		w += c.Width
	}
	return w
}

// Row makes a row with one paragraph per cell.
func Row(ps ...Para) [][]Para {
	row := make([][]Para, len(ps))
	for i, p := range ps {
		row[i] = []Para{p}
	}
	return row
}

// LayoutRow wraps every cell of a row to its column; cells beyond the
// row's end are empty.
func (t *Table) LayoutRow(row [][]Para) [][]Line {
	cells := make([][]Line, len(t.Cols))
	for i, col := range t.Cols {
		if i < len(row) {
			cells[i] = Layout(row[i], col.Width-2*t.PadX)
		}
	}
	return cells
}

// RowHeight is the height laid-out cells need as one row.
func (t *Table) RowHeight(cells [][]Line) float64 {
	h := 0.0
	for _, c := range cells {
		h = max(h, LinesHeight(c))
	}
	return h + 2*t.PadY
}

// Height is the height row needs.
func (t *Table) Height(row [][]Para) float64 { return t.RowHeight(t.LayoutRow(row)) }

// HeaderHeight is the height of the header row, 0 without one.
func (t *Table) HeaderHeight() float64 {
	if t.Header == nil {
		return 0
	}
	return t.Height(Row(t.Header...))
}
