package pdfa

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf16"
)

// ErrUnsupportedFont reports a font program ParseTrueType cannot embed: not
// TrueType outlines (CFF-based OpenType, collections), truncated or
// inconsistent tables.
var ErrUnsupportedFont = errors.New("unsupported font")

// Font is a TrueType font for visible text on vector pages (Page.Canvas).
// It is embedded as a Type0 font with Identity-H encoding over a
// CIDFontType2 whose CIDs are the glyph ids, the usual way to embed a
// TrueType font with more than 256 characters (umlauts, ß, €, typographic
// quotes). Only the glyphs a document uses go into the file (a subset with
// the glyph ids kept), with a /W array taken from the font's own metrics —
// PDF/A requires the two to agree — and a ToUnicode CMap so that text
// extraction and search return the characters that were drawn.
//
// A Font is immutable after ParseTrueType and safe for concurrent use.
type Font struct {
	name       string // PostScript name without subset tag
	tables     map[string][]byte
	unitsPerEm int
	numGlyphs  int
	advances   []uint16 // by glyph id
	loca       []uint32 // numGlyphs+1 offsets into glyf
	cmap       map[rune]uint16
	fallback   uint16 // glyph for characters the font lacks
	fallbackR  rune   // the character that glyph stands for
	ascent     int    // font units
	descent    int    // font units, negative
	capHeight  int
	bbox       [4]int
	italic     float64 // italic angle in degrees
	fixedPitch bool
	weight     int
}

// Limits that keep a broken or hostile font program from costing much.
const (
	maxFontBytes   = 32 << 20
	maxCmapEntries = 1 << 18
)

// ParseTrueType reads a TrueType font program (glyf outlines). The data is
// kept, not copied: the caller must not change it afterwards.
func ParseTrueType(data []byte) (f *Font, err error) {
	defer func() {
		// Bounds are checked below; this is the backstop for a case missed.
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("parse truetype: %v: %w", r, ErrUnsupportedFont)
		}
	}()
	if len(data) < 12 || len(data) > maxFontBytes {
		return nil, fmt.Errorf("parse truetype: %d bytes: %w", len(data), ErrUnsupportedFont)
	}
	be := binary.BigEndian
	switch v := be.Uint32(data); v {
	case 0x00010000, 0x74727565: // 1.0, 'true'
	default:
		return nil, fmt.Errorf("parse truetype: sfnt version %08x (only glyf outlines are supported): %w", v, ErrUnsupportedFont)
	}
	n := int(be.Uint16(data[4:]))
	if 12+16*n > len(data) {
		return nil, fmt.Errorf("parse truetype: table directory truncated: %w", ErrUnsupportedFont)
	}
	f = &Font{tables: make(map[string][]byte, n)}
	for i := range n {
		e := data[12+16*i:]
		off, length := int64(be.Uint32(e[8:])), int64(be.Uint32(e[12:]))
		if off+length > int64(len(data)) {
			return nil, fmt.Errorf("parse truetype: table %q out of bounds: %w", e[:4], ErrUnsupportedFont)
		}
		f.tables[string(e[:4])] = data[off : off+length]
	}
	for _, tag := range []string{"head", "hhea", "hmtx", "maxp", "loca", "glyf", "cmap"} {
		if f.tables[tag] == nil {
			return nil, fmt.Errorf("parse truetype: no %q table: %w", tag, ErrUnsupportedFont)
		}
	}
	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, fmt.Errorf("parse truetype: head, hhea or maxp truncated: %w", ErrUnsupportedFont)
	}
	f.unitsPerEm = int(be.Uint16(head[18:]))
	if f.unitsPerEm < 16 || f.unitsPerEm > 16384 {
		return nil, fmt.Errorf("parse truetype: unitsPerEm %d: %w", f.unitsPerEm, ErrUnsupportedFont)
	}
	for i := range f.bbox {
		f.bbox[i] = int(int16(be.Uint16(head[36+2*i:])))
	}
	f.numGlyphs = int(be.Uint16(maxp[4:]))
	if f.numGlyphs == 0 {
		return nil, fmt.Errorf("parse truetype: no glyphs: %w", ErrUnsupportedFont)
	}
	if err := f.parseLoca(int16(be.Uint16(head[50:])) != 0); err != nil {
		return nil, err
	}
	if err := f.parseMetrics(int(be.Uint16(hhea[34:]))); err != nil {
		return nil, err
	}
	f.ascent, f.descent = int(int16(be.Uint16(hhea[4:]))), int(int16(be.Uint16(hhea[6:])))
	f.capHeight = f.ascent * 7 / 10
	f.weight = 400
	if os2 := f.tables["OS/2"]; len(os2) >= 78 {
		f.weight = int(be.Uint16(os2[4:]))
		if len(os2) >= 90 && be.Uint16(os2) >= 2 {
			f.capHeight = int(int16(be.Uint16(os2[88:])))
		}
	}
	if post := f.tables["post"]; len(post) >= 16 {
		f.italic = float64(int32(be.Uint32(post[4:]))) / 65536
		f.fixedPitch = be.Uint32(post[12:]) != 0
	}
	f.name = postScriptName(f.tables["name"])
	if err := f.parseCmap(); err != nil {
		return nil, err
	}
	for _, r := range []rune{'?', '\uFFFD', ' '} {
		if g, ok := f.cmap[r]; ok && g != 0 {
			f.fallback, f.fallbackR = g, r
			break
		}
	}
	if f.fallback == 0 {
		return nil, fmt.Errorf("parse truetype: no glyph for '?' or space to stand in for missing characters: %w", ErrUnsupportedFont)
	}
	return f, nil
}

func (f *Font) parseLoca(long bool) error {
	be := binary.BigEndian
	loca, glyf := f.tables["loca"], f.tables["glyf"]
	f.loca = make([]uint32, f.numGlyphs+1)
	for i := range f.loca {
		var off uint32
		if long {
			if 4*i+4 > len(loca) {
				return fmt.Errorf("parse truetype: loca truncated: %w", ErrUnsupportedFont)
			}
			off = be.Uint32(loca[4*i:])
		} else {
			if 2*i+2 > len(loca) {
				return fmt.Errorf("parse truetype: loca truncated: %w", ErrUnsupportedFont)
			}
			off = 2 * uint32(be.Uint16(loca[2*i:]))
		}
		if off > uint32(len(glyf)) || i > 0 && off < f.loca[i-1] {
			return fmt.Errorf("parse truetype: loca entry %d out of order or bounds: %w", i, ErrUnsupportedFont)
		}
		f.loca[i] = off
	}
	return nil
}

func (f *Font) parseMetrics(numHMetrics int) error {
	hmtx := f.tables["hmtx"]
	if numHMetrics == 0 || numHMetrics > f.numGlyphs || 4*numHMetrics > len(hmtx) {
		return fmt.Errorf("parse truetype: %d horizontal metrics: %w", numHMetrics, ErrUnsupportedFont)
	}
	f.advances = make([]uint16, f.numGlyphs)
	for g := range f.advances {
		f.advances[g] = binary.BigEndian.Uint16(hmtx[4*min(g, numHMetrics-1):])
	}
	return nil
}

// parseCmap reads the Unicode mapping: a format 12 subtable (full Unicode)
// when there is one, else format 4 (BMP).
func (f *Font) parseCmap() error {
	be := binary.BigEndian
	cm := f.tables["cmap"]
	if len(cm) < 4 {
		return fmt.Errorf("parse truetype: cmap truncated: %w", ErrUnsupportedFont)
	}
	var best []byte
	bestRank := 0
	for i := range int(be.Uint16(cm[2:])) {
		if 4+8*i+8 > len(cm) {
			break
		}
		pid, eid, off := be.Uint16(cm[4+8*i:]), be.Uint16(cm[6+8*i:]), be.Uint32(cm[8+8*i:])
		if int64(off)+4 > int64(len(cm)) {
			continue
		}
		sub := cm[off:]
		format := be.Uint16(sub)
		rank := 0
		switch {
		case format == 12 && (pid == 3 && eid == 10 || pid == 0):
			rank = 3
		case format == 4 && (pid == 3 && eid == 1 || pid == 0):
			rank = 2
		}
		if rank > bestRank {
			best, bestRank = sub, rank
		}
	}
	f.cmap = map[rune]uint16{}
	switch bestRank {
	case 3:
		if len(best) < 16 {
			return fmt.Errorf("parse truetype: cmap format 12 truncated: %w", ErrUnsupportedFont)
		}
		groups := int(be.Uint32(best[12:]))
		for i := 0; i < groups && 16+12*i+12 <= len(best); i++ {
			g := best[16+12*i:]
			start, end, gid := be.Uint32(g), be.Uint32(g[4:]), be.Uint32(g[8:])
			for c := start; c <= end && c <= 0x10FFFF; c++ {
				if len(f.cmap) >= maxCmapEntries {
					return nil
				}
				if id := gid + (c - start); id < uint32(f.numGlyphs) && id != 0 {
					f.cmap[rune(c)] = uint16(id)
				}
			}
		}
	case 2:
		if len(best) < 14 {
			return fmt.Errorf("parse truetype: cmap format 4 truncated: %w", ErrUnsupportedFont)
		}
		segs := int(be.Uint16(best[6:])) / 2
		endAt, startAt := 14, 16+2*segs
		deltaAt, rangeAt := startAt+2*segs, startAt+4*segs
		if rangeAt+2*segs > len(best) {
			return fmt.Errorf("parse truetype: cmap format 4 truncated: %w", ErrUnsupportedFont)
		}
		for s := range segs {
			end, start := int(be.Uint16(best[endAt+2*s:])), int(be.Uint16(best[startAt+2*s:]))
			delta, ro := int(be.Uint16(best[deltaAt+2*s:])), int(be.Uint16(best[rangeAt+2*s:]))
			for c := start; c <= end && c < 0xFFFF; c++ {
				g := 0
				if ro == 0 {
					g = (c + delta) & 0xFFFF
				} else {
					at := rangeAt + 2*s + ro + 2*(c-start)
					if at+2 > len(best) {
						break
					}
					if g = int(be.Uint16(best[at:])); g != 0 {
						g = (g + delta) & 0xFFFF
					}
				}
				if g != 0 && g < f.numGlyphs {
					f.cmap[rune(c)] = uint16(g)
				}
			}
		}
	default:
		return fmt.Errorf("parse truetype: no unicode cmap (format 4 or 12): %w", ErrUnsupportedFont)
	}
	return nil
}

// postScriptName returns name ID 6 from the name table (Windows UTF-16 or
// Mac Roman), reduced to characters allowed in a PDF name, or "Font".
func postScriptName(name []byte) string {
	be := binary.BigEndian
	if len(name) >= 6 {
		count, strOff := int(be.Uint16(name[2:])), int(be.Uint16(name[4:]))
		for i := 0; i < count && 6+12*i+12 <= len(name); i++ {
			r := name[6+12*i:]
			pid, id, length, off := be.Uint16(r), be.Uint16(r[6:]), int(be.Uint16(r[8:])), int(be.Uint16(r[10:]))
			if id != 6 || strOff+off+length > len(name) {
				continue
			}
			raw := name[strOff+off : strOff+off+length]
			var s string
			if pid == 3 || pid == 0 {
				u := make([]uint16, len(raw)/2)
				for j := range u {
					u[j] = be.Uint16(raw[2*j:])
				}
				s = string(utf16.Decode(u))
			} else {
				s = string(raw)
			}
			s = strings.Map(func(r rune) rune {
				if r > 0x20 && r < 0x7F && !strings.ContainsRune("#/()<>[]{}%", r) {
					return r
				}
				return -1
			}, s)
			if s != "" {
				return s[:min(len(s), 63)]
			}
		}
	}
	return "Font"
}

// Name is the PostScript name of the font.
func (f *Font) Name() string { return f.name }

// Ascent and Descent are the font's line extents as fractions of the font
// size (Descent is negative), for placing baselines.
func (f *Font) Ascent() float64  { return float64(f.ascent) / float64(f.unitsPerEm) }
func (f *Font) Descent() float64 { return float64(f.descent) / float64(f.unitsPerEm) }

// Has reports whether the font has a glyph for r.
func (f *Font) Has(r rune) bool { _, ok := f.cmap[r]; return ok }

// glyph is the glyph drawn for r: its own, or the fallback.
func (f *Font) glyph(r rune) uint16 {
	if g, ok := f.cmap[r]; ok {
		return g
	}
	return f.fallback
}

// drawable reports whether Canvas.Text draws r at all: control characters
// are dropped.
func drawable(r rune) bool { return !(r < 0x20 || r >= 0x7F && r < 0xA0) }

// Width is the advance width of s set in the font at size, in the same
// units as size, exactly as Canvas.Text will draw it (no kerning).
func (f *Font) Width(s string, size float64) float64 {
	units := 0
	for _, r := range s {
		if drawable(r) {
			units += int(f.advances[f.glyph(r)])
		}
	}
	return float64(units) * size / float64(f.unitsPerEm)
}

// pdfWidth is a glyph's advance in the 1/1000 em units of /W.
func (f *Font) pdfWidth(g uint16) int {
	return int(math.Round(float64(f.advances[g]) * 1000 / float64(f.unitsPerEm)))
}

// subsetTables lists the tables a TrueType font embedded in PDF needs
// (PDF 32000-1, 9.9: glyf, head, hhea, hmtx, loca, maxp, and cvt, fpgm,
// prep for the hinting programs) plus OS/2 for consumers that read
// weight and metrics from it. cmap is not needed: CIDs are glyph ids.
var subsetTables = []string{"OS/2", "cvt ", "fpgm", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "prep"}

// subset returns a font program with only the glyph outlines in used (and
// .notdef and the components of composite glyphs). Glyph ids stay as they
// are — unused glyphs become empty — so the content streams' CIDs, the
// /W array and an Identity CIDToGIDMap stay valid.
func (f *Font) subset(used map[uint16]rune) []byte {
	be := binary.BigEndian
	glyf := f.tables["glyf"]
	keep := make([]bool, f.numGlyphs)
	var mark func(g uint16, depth int)
	mark = func(g uint16, depth int) {
		if int(g) >= f.numGlyphs || keep[g] || depth > 8 {
			return
		}
		keep[g] = true
		data := glyf[f.loca[g]:f.loca[g+1]]
		if len(data) < 10 || int16(be.Uint16(data)) >= 0 {
			return
		}
		// Composite glyph: follow its components.
		for p := 10; p+4 <= len(data); {
			flags, comp := be.Uint16(data[p:]), be.Uint16(data[p+2:])
			mark(comp, depth+1)
			p += 4
			if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
				p += 4
			} else {
				p += 2
			}
			switch {
			case flags&0x0008 != 0: // WE_HAVE_A_SCALE
				p += 2
			case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
				p += 4
			case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
				p += 8
			}
			if flags&0x0020 == 0 { // MORE_COMPONENTS
				break
			}
		}
	}
	mark(0, 0)
	for g := range used {
		mark(g, 0)
	}

	var newGlyf []byte
	newLoca := make([]byte, 0, 4*(f.numGlyphs+1))
	for g := range f.numGlyphs {
		newLoca = be.AppendUint32(newLoca, uint32(len(newGlyf)))
		if keep[g] {
			newGlyf = append(newGlyf, glyf[f.loca[g]:f.loca[g+1]]...)
			for len(newGlyf)%4 != 0 {
				newGlyf = append(newGlyf, 0)
			}
		}
	}
	newLoca = be.AppendUint32(newLoca, uint32(len(newGlyf)))
	head := append([]byte(nil), f.tables["head"]...)
	be.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	be.PutUint16(head[50:], 1) // indexToLocFormat: long offsets

	var tags []string
	data := map[string][]byte{"glyf": newGlyf, "loca": newLoca, "head": head}
	for _, tag := range subsetTables {
		if _, ok := data[tag]; !ok {
			d, ok := f.tables[tag]
			if !ok {
				continue
			}
			data[tag] = d
		}
		tags = append(tags, tag)
	}
	sort.Strings(tags) // the table directory is sorted by tag bytes
	n := len(tags)
	es := 0
	for 2<<es <= n {
		es++
	}
	out := be.AppendUint32(nil, 0x00010000)
	out = be.AppendUint16(out, uint16(n))
	out = be.AppendUint16(out, uint16(16<<es))
	out = be.AppendUint16(out, uint16(es))
	out = be.AppendUint16(out, uint16(16*n-16<<es))
	dir := len(out)
	out = append(out, make([]byte, 16*n)...)
	headOff := 0
	for i, tag := range tags {
		off := len(out)
		out = append(out, data[tag]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		e := out[dir+16*i:]
		copy(e[:4], tag)
		be.PutUint32(e[4:], ttChecksum(out[off:]))
		be.PutUint32(e[8:], uint32(off))
		be.PutUint32(e[12:], uint32(len(data[tag])))
		if tag == "head" {
			headOff = off
		}
	}
	be.PutUint32(out[headOff+8:], 0xB1B0AFBA-ttChecksum(out))
	return out
}

// subsetName is the font name with the six-letter subset tag PDF requires
// for subsets (PDF 32000-1, 9.6.4), derived from the glyph set so the same
// text always gives the same name.
func (f *Font) subsetName(used map[uint16]rune) string {
	gids := sortedGlyphs(used)
	h := sha256.New()
	h.Write([]byte(f.name))
	for _, g := range gids {
		h.Write([]byte{byte(g >> 8), byte(g)})
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return string(tag) + "+" + f.name
}

func sortedGlyphs(used map[uint16]rune) []uint16 {
	gids := make([]uint16, 0, len(used))
	for g := range used {
		gids = append(gids, g)
	}
	sort.Slice(gids, func(i, j int) bool { return gids[i] < gids[j] })
	return gids
}

// widthsArray renders the /W array for the used glyphs: runs of
// consecutive glyph ids share one bracket.
func (f *Font) widthsArray(used map[uint16]rune) string {
	gids := sortedGlyphs(used)
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < len(gids); {
		j := i + 1
		for j < len(gids) && gids[j] == gids[j-1]+1 {
			j++
		}
		fmt.Fprintf(&b, "%d [", gids[i])
		for k := i; k < j; k++ {
			if k > i {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%d", f.pdfWidth(gids[k]))
		}
		b.WriteString("] ")
		i = j
	}
	return strings.TrimSuffix(b.String(), " ") + "]"
}

// toUnicodeCMap maps every used glyph id to the character it was drawn
// for (the first one, when characters share a glyph).
func toUnicodeForGlyphs(used map[uint16]rune) []byte {
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	gids := sortedGlyphs(used)
	for i := 0; i < len(gids); i += 100 {
		chunk := gids[i:min(i+100, len(gids))]
		fmt.Fprintf(&b, "%d beginbfchar\n", len(chunk))
		for _, g := range chunk {
			r := used[g]
			if r >= 0x10000 {
				hi, lo := utf16.EncodeRune(r)
				fmt.Fprintf(&b, "<%04X> <%04X%04X>\n", g, hi, lo)
			} else {
				fmt.Fprintf(&b, "<%04X> <%04X>\n", g, r)
			}
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return []byte(b.String())
}

// fontDescriptor renders the descriptor dictionary (without /FontFile2).
func (f *Font) fontDescriptor(name string, fontFile int) string {
	scale := func(v int) int { return int(math.Round(float64(v) * 1000 / float64(f.unitsPerEm))) }
	flags := 4 // symbolic: the glyphs are addressed by id, not by a standard encoding
	if f.fixedPitch {
		flags |= 1
	}
	if f.italic != 0 {
		flags |= 64
	}
	stemV := 80
	if f.weight >= 600 {
		stemV = 140
	}
	return fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d]"+
		" /ItalicAngle %s /Ascent %d /Descent %d /CapHeight %d /StemV %d /FontFile2 %s >>",
		name, flags, scale(f.bbox[0]), scale(f.bbox[1]), scale(f.bbox[2]), scale(f.bbox[3]),
		appendNum(nil, f.italic, 2), scale(f.ascent), scale(f.descent), scale(f.capHeight), stemV, ref(fontFile))
}
