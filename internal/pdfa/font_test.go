package pdfa

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGlyphlessTrueTypeStructure reads the generated font like a TrueType
// rasteriser would: table directory, checksums, and the fields that tie the
// tables together.
func TestGlyphlessTrueTypeStructure(t *testing.T) {
	f := glyphlessTrueType()
	be := binary.BigEndian
	require.Equal(t, uint32(0x00010000), be.Uint32(f), "sfnt version")
	n := int(be.Uint16(f[4:]))
	require.Equal(t, 10, n)
	require.Equal(t, 128, int(be.Uint16(f[6:])), "searchRange")
	require.Equal(t, 3, int(be.Uint16(f[8:])), "entrySelector")
	require.Equal(t, 32, int(be.Uint16(f[10:])), "rangeShift")

	tables := map[string][]byte{}
	prevTag := ""
	for i := range n {
		e := f[12+16*i:]
		tag, sum, off, length := string(e[:4]), be.Uint32(e[4:]), be.Uint32(e[8:]), be.Uint32(e[12:])
		require.Greater(t, tag, prevTag, "directory sorted by tag")
		prevTag = tag
		require.Zero(t, off%4, "%s aligned", tag)
		require.LessOrEqual(t, int(off+length), len(f))
		data := f[off : off+length]
		padded := f[off : off+(length+3)&^3]
		if tag == "head" {
			padded = append([]byte(nil), padded...)
			be.PutUint32(padded[8:], 0) // checksum is taken with checkSumAdjustment zero
		}
		require.Equal(t, ttChecksum(padded), sum, "checksum of %s", tag)
		tables[tag] = data
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap", "name", "post", "OS/2"} {
		require.Contains(t, tables, tag)
	}
	require.Equal(t, uint32(0xB1B0AFBA), ttChecksum(f), "whole font sums to the magic number")

	head := tables["head"]
	require.Len(t, head, 54)
	require.Equal(t, uint32(0x5F0F3CF5), be.Uint32(head[12:]), "magic")
	require.Equal(t, glyphUnitsPerEm, int(be.Uint16(head[18:])))
	require.Equal(t, 0, int(be.Uint16(head[50:])), "short loca")

	maxp := tables["maxp"]
	require.Len(t, maxp, 32)
	numGlyphs := int(be.Uint16(maxp[4:]))
	require.Equal(t, 2, numGlyphs)

	hhea := tables["hhea"]
	require.Len(t, hhea, 36)
	require.Equal(t, glyphAscent, int(int16(be.Uint16(hhea[4:]))))
	require.Equal(t, glyphDescent, int(int16(be.Uint16(hhea[6:]))))
	numHM := int(be.Uint16(hhea[34:]))
	require.Len(t, tables["hmtx"], 4*numHM)
	for i := range numHM {
		require.Equal(t, glyphAdvance, int(be.Uint16(tables["hmtx"][4*i:])), "advance of glyph %d equals /DW", i)
	}

	loca := tables["loca"]
	require.Len(t, loca, 2*(numGlyphs+1))
	glyf := tables["glyf"]
	end := 2 * int(be.Uint16(loca[2*numGlyphs:]))
	require.Equal(t, len(glyf), end, "loca ends at the end of glyf")
	g0 := glyf[2*int(be.Uint16(loca[0:])) : 2*int(be.Uint16(loca[2:]))]
	require.Equal(t, 1, int(be.Uint16(g0)), ".notdef has one contour")
	require.Equal(t, be.Uint16(loca[2:]), be.Uint16(loca[4:]), "glyph 1 is empty")

	cmap := tables["cmap"]
	require.Equal(t, 1, int(be.Uint16(cmap[2:])))
	require.Equal(t, []uint16{3, 1}, []uint16{be.Uint16(cmap[4:]), be.Uint16(cmap[6:])}, "Windows Unicode BMP")
	sub := cmap[be.Uint32(cmap[8:]):]
	require.Equal(t, 4, int(be.Uint16(sub)), "format 4")
	require.Len(t, sub, int(be.Uint16(sub[2:])))

	name := tables["name"]
	count, strOff := int(be.Uint16(name[2:])), int(be.Uint16(name[4:]))
	var names []string
	for i := range count {
		r := name[6+12*i:]
		l, o := int(be.Uint16(r[8:])), int(be.Uint16(r[10:]))
		u := name[strOff+o : strOff+o+l]
		var s strings.Builder
		for j := 0; j < len(u); j += 2 {
			s.WriteRune(rune(be.Uint16(u[j:])))
		}
		names = append(names, s.String())
	}
	require.Contains(t, names, glyphFontName)

	require.Len(t, tables["post"], 32)
	require.Equal(t, uint32(0x00030000), be.Uint32(tables["post"]))
	require.Len(t, tables["OS/2"], 96)
	require.Equal(t, 4, int(be.Uint16(tables["OS/2"])))
	require.Zero(t, be.Uint16(tables["OS/2"][8:]), "fsType 0: installable embedding")
}

func TestCIDToGIDMapAllToGlyphOne(t *testing.T) {
	m := cidToGIDMap()
	require.Len(t, m, 2*65536)
	for cid := 0; cid < 65536; cid++ {
		require.Equal(t, uint16(1), binary.BigEndian.Uint16(m[2*cid:]), "CID %d", cid)
	}
}

func TestCIDEncoderAndToUnicode(t *testing.T) {
	tests := []struct {
		name, text, hex string
		cmap            []string
	}{
		{"ascii", "Az", "0041007A", []string{"<0000> <00FF> <0000>"}},
		{"umlauts", "Größe", "0047007200F600DF0065", []string{"<0000> <00FF> <0000>"}},
		{"euro and quotes", "€„“", "20AC201E201C", []string{"<201C> <201C>", "<201E> <201E>", "<20AC> <20AC>"}},
		{"outside bmp", "a😀b😀", "0061D8000062D800", []string{"<D800> <D83DDE00>"}},
		{"invalid utf8", "a\xffb", "0061FFFD0062", []string{"<FFFD> <FFFD>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newCIDEncoder()
			require.Equal(t, tt.hex, string(e.appendHex(nil, tt.text)))
			cm := string(e.toUnicodeCMap())
			for _, want := range tt.cmap {
				require.Contains(t, cm, want)
			}
			require.Contains(t, cm, "begincodespacerange\n<0000> <FFFF>")
		})
	}
}
