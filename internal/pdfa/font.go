package pdfa

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"
)

// The text layer's font is "glyphless", the way Tesseract's PDF renderer
// does it: a TrueType program with a .notdef box and one empty glyph, used as
// a CIDFontType2 under a Type0 font with Identity-H encoding. Every CID maps
// to the empty glyph (CIDToGIDMap), every glyph has the same advance, and a
// ToUnicode CMap says which character each CID stands for. Text drawn with it
// is invisible anyway (render mode 3), so no outlines are needed, and the
// whole font costs a few hundred bytes per document instead of the hundreds
// of kilobytes a real font with umlauts, ß and € would.
const (
	glyphUnitsPerEm = 1000
	glyphAdvance    = 500 // advance of every glyph, also the PDF /DW
	glyphAscent     = 800
	glyphDescent    = -200
	glyphFontName   = "GlyphLessFont"
)

// glyphlessTrueType generates the font program with all tables a TrueType
// consumer (and a PDF/A validator) expects: head, hhea, maxp, hmtx, loca,
// glyf, cmap, name, post and OS/2, each with a correct checksum.
func glyphlessTrueType() []byte {
	be := binary.BigEndian
	u16 := func(b []byte, vs ...int) []byte {
		for _, v := range vs {
			b = be.AppendUint16(b, uint16(v))
		}
		return b
	}
	u32 := func(b []byte, vs ...uint32) []byte {
		for _, v := range vs {
			b = be.AppendUint32(b, v)
		}
		return b
	}

	// glyf: glyph 0 (.notdef) is a rectangle so the table is not empty and
	// .notdef is well formed; glyph 1 has no outline.
	var glyf []byte
	glyf = u16(glyf, 1, 50, 0, 450, 700) // contours, xMin, yMin, xMax, yMax
	glyf = u16(glyf, 3, 0)               // endPtsOfContours[0], instructionLength
	glyf = append(glyf, 1, 1, 1, 1)      // flags: on-curve, 16-bit coordinates
	glyf = u16(glyf, 50, 0, 400, 0)      // x deltas
	glyf = u16(glyf, 0, 700, 0, -700)    // y deltas
	for len(glyf)%4 != 0 {
		glyf = append(glyf, 0)
	}
	// loca (short format: offset/2): glyph 0 spans the rectangle, glyph 1
	// is empty (same start and end).
	loca := u16(nil, 0, len(glyf)/2, len(glyf)/2)

	head := u32(nil, 0x00010000, 0x00010000, 0, 0x5F0F3CF5) // version, fontRevision, checkSumAdjustment, magic
	head = u16(head, 0x000B, glyphUnitsPerEm)               // flags, unitsPerEm
	// created and modified: a fixed date keeps the output deterministic.
	const created = 3849984000 // 2026-01-01 in seconds since 1904
	head = u32(head, 0, created, 0, created)
	head = u16(head, 50, 0, 450, 700) // xMin, yMin, xMax, yMax: the union of all glyph boxes
	head = u16(head, 0, 8, 2, 0, 0)   // macStyle, lowestRecPPEM, fontDirectionHint, indexToLocFormat, glyphDataFormat

	hhea := u32(nil, 0x00010000)
	hhea = u16(hhea, glyphAscent, glyphDescent, 0, glyphAdvance, 50, 50, 450) // ascender, descender, lineGap, advanceWidthMax, minLSB, minRSB, xMaxExtent
	hhea = u16(hhea, 1, 0, 0, 0, 0, 0, 0, 0, 2)                               // caretSlopeRise/Run, caretOffset, 4 reserved, metricDataFormat, numberOfHMetrics

	maxp := u32(nil, 0x00010000)
	maxp = u16(maxp, 2, 4, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0) // numGlyphs, maxPoints, maxContours, …, maxZones 2, rest 0

	hmtx := u16(nil, glyphAdvance, 50, glyphAdvance, 0)

	// cmap: one Windows Unicode BMP subtable (format 4) mapping the space
	// to glyph 1. The PDF never consults it (CIDToGIDMap does the mapping),
	// but font consumers expect a cmap.
	cmap := u16(nil, 0, 1, 3, 1)
	cmap = u32(cmap, 12)
	cmap = u16(cmap, 4, 32, 0, 4, 4, 1, 0) // format, length, language, segCountX2, searchRange, entrySelector, rangeShift
	cmap = u16(cmap, 0x20, 0xFFFF, 0)      // endCode[], reservedPad
	cmap = u16(cmap, 0x20, 0xFFFF)         // startCode[]
	cmap = u16(cmap, 1-0x20, 1)            // idDelta[]
	cmap = u16(cmap, 0, 0)                 // idRangeOffset[]

	name := nameTable([]string{
		1: glyphFontName, 2: "Regular", 3: "aktenfluss:" + glyphFontName,
		4: glyphFontName, 5: "Version 1.0", 6: glyphFontName,
	})

	post := u32(nil, 0x00030000, 0)
	post = u16(post, -100, 50)
	post = u32(post, 1, 0, 0, 0, 0) // isFixedPitch, memory hints

	os2 := u16(nil, 4, glyphAdvance, 400, 5, 0) // version, xAvgCharWidth, weight, width, fsType (installable)
	os2 = u16(os2, 650, 600, 0, 75, 650, 600, 0, 350, 50, 250, 0)
	os2 = append(os2, make([]byte, 10)...) // panose
	os2 = u32(os2, 1, 0, 0, 0)             // ulUnicodeRange1..4 (Basic Latin)
	os2 = append(os2, "AKFL"...)
	os2 = u16(os2, 0x40, 0x20, 0x20)                                         // fsSelection REGULAR, first/last char
	os2 = u16(os2, glyphAscent, glyphDescent, 0, glyphAscent, -glyphDescent) // typo ascender/descender/lineGap, win ascent/descent
	os2 = u32(os2, 1, 0)                                                     // code page ranges (Latin 1)
	os2 = u16(os2, 500, 700, 0, 0x20, 1)                                     // xHeight, capHeight, default, break char, max context

	tables := []struct {
		tag  string
		data []byte
	}{ // sorted by tag, as the table directory requires
		{"OS/2", os2}, {"cmap", cmap}, {"glyf", glyf}, {"head", head}, {"hhea", hhea},
		{"hmtx", hmtx}, {"loca", loca}, {"maxp", maxp}, {"name", name}, {"post", post},
	}
	n := len(tables)
	out := u32(nil, 0x00010000)
	out = u16(out, n, 128, 3, n*16-128) // numTables, searchRange, entrySelector, rangeShift (n = 10)
	dir := len(out)
	out = append(out, make([]byte, 16*n)...)
	headOff := 0
	for i, t := range tables {
		off := len(out)
		out = append(out, t.data...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		e := out[dir+16*i:]
		copy(e[0:4], t.tag)
		be.PutUint32(e[4:], ttChecksum(out[off:]))
		be.PutUint32(e[8:], uint32(off))
		be.PutUint32(e[12:], uint32(len(t.data)))
		if t.tag == "head" {
			headOff = off
		}
	}
	// checkSumAdjustment makes the whole file sum to 0xB1B0AFBA.
	be.PutUint32(out[headOff+8:], 0xB1B0AFBA-ttChecksum(out))
	return out
}

// ttChecksum is the TrueType table checksum: the sum of big-endian uint32
// words, the last one zero-padded. Tables handed in are already padded.
func ttChecksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i+4 <= len(b); i += 4 {
		sum += binary.BigEndian.Uint32(b[i:])
	}
	if r := len(b) % 4; r != 0 {
		var last [4]byte
		copy(last[:], b[len(b)-r:])
		sum += binary.BigEndian.Uint32(last[:])
	}
	return sum
}

// nameTable builds a format-0 name table with Windows Unicode (3,1,0x409)
// records; recs is indexed by name ID, empty entries are skipped.
func nameTable(recs []string) []byte {
	be := binary.BigEndian
	var strs []byte
	count := 0
	for _, r := range recs {
		if r != "" {
			count++
		}
	}
	out := be.AppendUint16(nil, 0)
	out = be.AppendUint16(out, uint16(count))
	out = be.AppendUint16(out, uint16(6+12*count))
	for id, r := range recs {
		if r == "" {
			continue
		}
		enc := utf16.Encode([]rune(r))
		off := len(strs)
		for _, u := range enc {
			strs = be.AppendUint16(strs, u)
		}
		for _, v := range []int{3, 1, 0x409, id, 2 * len(enc), off} {
			out = be.AppendUint16(out, uint16(v))
		}
	}
	return append(out, strs...)
}

// cidToGIDMap maps all 65536 CIDs to glyph 1, so no text operator ever
// references .notdef (forbidden by PDF/A-2 6.2.11.8) whatever the text is.
func cidToGIDMap() []byte {
	b := make([]byte, 2*65536)
	for i := 1; i < len(b); i += 2 {
		b[i] = 1
	}
	return b
}

// cidEncoder assigns CIDs to characters. A BMP character is its own CID;
// characters outside the BMP get CIDs from the surrogate range D800–DFFF,
// which no character occupies. The ToUnicode CMap then needs one range for
// Latin-1 and one entry per other character in use (€, „, “, –, …). Ranges
// above Latin-1 would be shorter, but Ghostscript mis-decodes bfrange
// destinations whose high byte is not zero (it turned € into Ì).
type cidEncoder struct {
	latin1 bool            // a character below U+0100 was used
	used   map[uint16]rune // CID → character for CIDs ≥ 0x100
	astral map[rune]uint16 // non-BMP character → CID
}

func newCIDEncoder() *cidEncoder {
	return &cidEncoder{used: map[uint16]rune{}, astral: map[rune]uint16{}}
}

const (
	firstAstralCID = 0xD800
	maxAstralCIDs  = 0xE000 - firstAstralCID
)

// appendHex appends the CIDs of s as hex digits (the body of a <…> string).
// Characters that cannot be encoded (invalid UTF-8, more than 2048 distinct
// characters outside the BMP) become U+FFFD.
func (e *cidEncoder) appendHex(dst []byte, s string) []byte {
	const hexd = "0123456789ABCDEF"
	for _, r := range s {
		var cid uint16
		switch {
		case r < 0x100:
			cid = uint16(r)
			e.latin1 = true
		case r < 0x10000 && (r < 0xD800 || r >= 0xE000):
			cid = uint16(r)
			e.used[cid] = r
		default:
			c, ok := e.astral[r]
			if !ok && len(e.astral) < maxAstralCIDs {
				c, ok = uint16(firstAstralCID+len(e.astral)), true
				e.astral[r] = c
				e.used[c] = r
			}
			if !ok {
				c = 0xFFFD
				e.used[c] = 0xFFFD
			}
			cid = c
		}
		dst = append(dst, hexd[cid>>12], hexd[cid>>8&15], hexd[cid>>4&15], hexd[cid&15])
	}
	return dst
}

// toUnicodeCMap renders the CMap for all CIDs handed out so far.
func (e *cidEncoder) toUnicodeCMap() []byte {
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	if e.latin1 {
		b.WriteString("1 beginbfrange\n<0000> <00FF> <0000>\nendbfrange\n")
	}
	cids := make([]int, 0, len(e.used))
	for c := range e.used {
		cids = append(cids, int(c))
	}
	sort.Ints(cids)
	// At most 100 entries per section (PDF 32000-1, 9.10.3).
	for i := 0; i < len(cids); i += 100 {
		chunk := cids[i:min(i+100, len(cids))]
		fmt.Fprintf(&b, "%d beginbfchar\n", len(chunk))
		for _, c := range chunk {
			r := e.used[uint16(c)]
			if r >= 0x10000 {
				hi, lo := utf16.EncodeRune(r)
				fmt.Fprintf(&b, "<%04X> <%04X%04X>\n", c, hi, lo)
			} else {
				fmt.Fprintf(&b, "<%04X> <%04X>\n", c, r)
			}
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return []byte(b.String())
}
