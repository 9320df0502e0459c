package flow

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func fonts(t *testing.T) Fonts {
	t.Helper()
	f, err := GoFonts()
	require.NoError(t, err)
	return f
}

func TestWrap(t *testing.T) {
	st := Style{Font: fonts(t).Regular, Size: 10}
	for _, tc := range []struct {
		name, text string
		width      float64
	}{
		{"words", "Prüfung der Übergabeprotokolle durch die Straßenverkehrsbehörde „Süd“ – erledigt", 120},
		{"long word", strings.Repeat("ä", 200), 50},
		{"line breaks", "erste Zeile\r\nzweite Zeile\n\n", 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := Wrap(tc.text, st, tc.width)
			require.NotEmpty(t, lines)
			for _, l := range lines {
				require.LessOrEqual(t, st.Width(l), tc.width, "line %q", l)
			}
			// Nothing is lost but the spaces the lines were broken at.
			squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
			require.Equal(t, squash(tc.text), squash(strings.Join(lines, "")))
		})
	}
	require.Equal(t, []string{"erste Zeile", "zweite Zeile"}, Wrap("erste Zeile\r\nzweite Zeile\n\n", st, 300))
}

func TestEllipsize(t *testing.T) {
	st := Style{Font: fonts(t).Regular, Size: 8}
	require.Equal(t, "kurz", Ellipsize("kurz", st, 100))
	long := strings.Repeat("Größenangabe ", 20)
	got := Ellipsize(long, st, 100)
	require.True(t, strings.HasSuffix(got, "…"))
	require.LessOrEqual(t, st.Width(got), 100.0)
}

// TestRunRepeatsHeader: a table longer than a page continues on new pages,
// each starting with the header row, and every row is drawn once.
func TestRunRepeatsHeader(t *testing.T) {
	f := fonts(t)
	body, th := Style{Font: f.Regular, Size: 9}, Style{Font: f.Bold, Size: 9}
	d := NewDoc(A4())
	tb := &Table{X: A4Margin, Cols: []Column{{Width: 100}, {Width: A4BodyWidth - 100, Align: Right}},
		Header: []Para{th.Para("Kopf"), th.Para("Wert")}, Rules: true, PadX: 2, PadY: 2}
	rows := make([][][]Para, 200)
	for i := range rows {
		rows[i] = Row(body.Para("Zeile"), body.Para("Wert"))
	}
	d.Heading(f.Heading(), "Abschnitt", tb.HeaderHeight()+tb.Height(rows[0]))
	d.Run(tb, rows)
	require.Greater(t, len(d.Pages()), 2)
	for i, c := range d.Pages() {
		require.Positive(t, c.Len(), "page %d drawn on", i+1)
	}
	require.GreaterOrEqual(t, d.Y(), A4Bottom, "nothing below the body")
	d.Furnish(Style{Font: f.Regular, Size: 8, Color: Gray(0.3)}, "Kopfzeile", "Fußzeile")
	pages := d.PDFPages()
	require.Len(t, pages, len(d.Pages()))
	require.Equal(t, A4Width, pages[0].WidthPt)
}

// TestBox: a box that does not fit in the room left starts on a new page;
// one taller than a page continues on the next.
func TestBox(t *testing.T) {
	f := fonts(t)
	st := Style{Font: f.Regular, Size: 9}
	paras := func(n int) []Para {
		var ps []Para
		for range n {
			ps = append(ps, st.Para("Hinweis mit Umlauten: ä ö ü ß"))
		}
		return ps
	}
	t.Run("kept together", func(t *testing.T) {
		d := NewDoc(A4())
		d.Down(d.Avail() - 30)
		d.Box(paras(5), HeaderShade, Warning)
		require.Len(t, d.Pages(), 2)
		require.InDelta(t, A4Top-5*st.Lead()-12, d.Y(), 1e-9)
	})
	t.Run("split", func(t *testing.T) {
		d := NewDoc(A4())
		d.Box(paras(100), HeaderShade, Warning)
		require.Len(t, d.Pages(), 2)
		require.GreaterOrEqual(t, d.Y(), A4Bottom)
	})
}
