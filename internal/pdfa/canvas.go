package pdfa

import (
	"math"
	"strconv"
)

// Canvas is the visible drawing of a page: text in embedded TrueType fonts,
// filled rectangles and stroked lines, in PDF points with the origin at the
// bottom left. It records which glyphs each font drew, so Write embeds only
// those (and maps them back to characters for text extraction).
//
// Colours are DeviceGray or DeviceRGB, which PDF/A admits under the sRGB
// output intent Write sets. Nothing on a canvas is transparent. A Canvas
// is not safe for concurrent use.
type Canvas struct {
	buf    []byte
	fonts  []*Font                   // in order of first use: resource /V1, /V2, …
	index  map[*Font]int             // font → position in fonts
	glyphs map[*Font]map[uint16]rune // glyphs drawn per font
	fill   string                    // current fill operator, to skip repeats
}

// NewCanvas returns an empty canvas.
func NewCanvas() *Canvas {
	return &Canvas{index: map[*Font]int{}, glyphs: map[*Font]map[uint16]rune{}}
}

// Len is the size of the content stream drawn so far, in bytes.
func (c *Canvas) Len() int { return len(c.buf) }

func (c *Canvas) num(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0 // a content stream cannot carry them; callers' bugs must not break the file
	}
	c.buf = appendNum(c.buf, v, 3)
	c.buf = append(c.buf, ' ')
}

func clamp01(v float64) float64 {
	if !(v > 0) {
		return 0
	}
	return min(v, 1)
}

// SetFillGray sets the colour of text and filled shapes (0 black, 1 white).
func (c *Canvas) SetFillGray(g float64) {
	op := string(appendNum(nil, clamp01(g), 3)) + " g\n"
	if op != c.fill {
		c.fill = op
		c.buf = append(c.buf, op...)
	}
}

// SetFillRGB sets the colour of text and filled shapes, components 0…1.
func (c *Canvas) SetFillRGB(r, g, b float64) {
	var op []byte
	for _, v := range []float64{r, g, b} {
		op = appendNum(op, clamp01(v), 3)
		op = append(op, ' ')
	}
	s := string(op) + "rg\n"
	if s != c.fill {
		c.fill = s
		c.buf = append(c.buf, s...)
	}
}

// FillRect fills a rectangle with the fill colour; (x, y) is its lower left
// corner.
func (c *Canvas) FillRect(x, y, w, h float64) {
	c.num(x)
	c.num(y)
	c.num(w)
	c.num(h)
	c.buf = append(c.buf, "re f\n"...)
}

// Line strokes a straight line of the given width in grey g.
func (c *Canvas) Line(x0, y0, x1, y1, width, g float64) {
	c.num(clamp01(g))
	c.buf = append(c.buf, "G "...)
	c.num(width)
	c.buf = append(c.buf, "w "...)
	c.num(x0)
	c.num(y0)
	c.buf = append(c.buf, "m "...)
	c.num(x1)
	c.num(y1)
	c.buf = append(c.buf, "l S\n"...)
}

// Text draws s in font f at size with its baseline starting at (x, y), in
// the fill colour. Control characters are dropped; characters the font
// lacks are drawn with its fallback glyph ('?'), so no text ever refers to
// .notdef (PDF/A-2, 6.2.11.8). Font.Width measures the same glyphs.
func (c *Canvas) Text(f *Font, size, x, y float64, s string) {
	if f == nil || s == "" {
		return
	}
	i, ok := c.index[f]
	if !ok {
		i = len(c.fonts)
		c.fonts = append(c.fonts, f)
		c.index[f] = i
		c.glyphs[f] = map[uint16]rune{}
	}
	used := c.glyphs[f]
	c.buf = append(c.buf, "BT /V"...)
	c.buf = strconv.AppendInt(c.buf, int64(i+1), 10)
	c.buf = append(c.buf, ' ')
	c.num(size)
	c.buf = append(c.buf, "Tf "...)
	c.num(x)
	c.num(y)
	c.buf = append(c.buf, "Td <"...)
	const hexd = "0123456789ABCDEF"
	for _, r := range s {
		if !drawable(r) {
			continue
		}
		g, own := f.cmap[r]
		if !own {
			g, r = f.fallback, f.fallbackR
		}
		if _, seen := used[g]; !seen {
			used[g] = r
		}
		c.buf = append(c.buf, hexd[g>>12], hexd[g>>8&15], hexd[g>>4&15], hexd[g&15])
	}
	c.buf = append(c.buf, "> Tj ET\n"...)
}

// vectorFont is one TrueType font of a document with the glyphs all its
// pages drew and the objects it is written to.
type vectorFont struct {
	font                              *Font
	used                              map[uint16]rune
	type0, cid, desc, file, toUnicode int
}

// collectVectorFonts merges the glyph usage of all canvases per font, in
// order of first use, so each font is embedded once per document.
func collectVectorFonts(pages []Page) ([]*vectorFont, map[*Font]*vectorFont) {
	var list []*vectorFont
	index := map[*Font]*vectorFont{}
	for _, p := range pages {
		if p.Canvas == nil {
			continue
		}
		for _, f := range p.Canvas.fonts {
			vf, ok := index[f]
			if !ok {
				vf = &vectorFont{font: f, used: map[uint16]rune{}}
				index[f] = vf
				list = append(list, vf)
			}
			for g, r := range p.Canvas.glyphs[f] {
				if _, seen := vf.used[g]; !seen {
					vf.used[g] = r
				}
			}
		}
	}
	return list, index
}

// write emits the Type0 font, its CIDFontType2, descriptor, subset font
// program and ToUnicode CMap.
func (vf *vectorFont) write(pw *pdfWriter, z *deflater) {
	f := vf.font
	name := f.subsetName(vf.used)
	pw.object(vf.type0, "<< /Type /Font /Subtype /Type0 /BaseFont /"+name+
		" /Encoding /Identity-H /DescendantFonts ["+ref(vf.cid)+"] /ToUnicode "+ref(vf.toUnicode)+" >>")
	pw.object(vf.cid, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /"+name+
		" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"+
		" /FontDescriptor "+ref(vf.desc)+" /W "+f.widthsArray(vf.used)+" /CIDToGIDMap /Identity >>")
	pw.object(vf.desc, f.fontDescriptor(name, vf.file))
	prog := f.subset(vf.used)
	pw.stream(vf.file, "/Length1 "+strconv.Itoa(len(prog))+" /Filter /FlateDecode", z.compress(prog))
	pw.stream(vf.toUnicode, "/Filter /FlateDecode", z.compress(toUnicodeForGlyphs(vf.used)))
}
