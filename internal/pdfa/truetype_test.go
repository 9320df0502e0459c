package pdfa

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

func TestParseTrueTypeGoFont(t *testing.T) {
	f, err := ParseTrueType(goregular.TTF)
	require.NoError(t, err)
	require.Equal(t, "GoRegular", f.Name())
	ref, err := sfnt.Parse(goregular.TTF)
	require.NoError(t, err)
	for _, r := range "AaÄäÖöÜüß€„“–…0123456789-.,:" {
		g, err := ref.GlyphIndex(nil, r)
		require.NoError(t, err)
		require.NotZero(t, g, "%c", r)
		require.Equal(t, uint16(g), f.glyph(r), "glyph of %c", r)
	}
	require.False(t, f.Has('\u2713'))
	require.Equal(t, f.glyph('?'), f.glyph('\u2713'), "missing characters use the fallback")
	require.InDelta(t, f.Width("Müller", 10), f.Width("Müller", 20)/2, 1e-9)
	require.Greater(t, f.Ascent(), 0.5)
	require.Less(t, f.Descent(), 0.0)

	_, err = ParseTrueType([]byte("OTTO0000000000000000"))
	require.ErrorIs(t, err, ErrUnsupportedFont)
	_, err = ParseTrueType(goregular.TTF[:2000])
	require.ErrorIs(t, err, ErrUnsupportedFont)
}

// TestSubsetStructure: the subset keeps glyph ids, drops unused outlines,
// and is a well-formed sfnt (sorted directory, checksums, magic sum).
func TestSubsetStructure(t *testing.T) {
	f, err := ParseTrueType(goregular.TTF)
	require.NoError(t, err)
	used := map[uint16]rune{}
	for _, r := range "Müller & Söhne GmbH 1.234,56 €" {
		used[f.glyph(r)] = r
	}
	sub := f.subset(used)
	require.Less(t, len(sub), len(goregular.TTF)/3, "subset is much smaller")
	be := binary.BigEndian
	require.Equal(t, uint32(0xB1B0AFBA), ttChecksum(sub))
	n := int(be.Uint16(sub[4:]))
	prev := ""
	tables := map[string][]byte{}
	for i := range n {
		e := sub[12+16*i:]
		tag, off, length := string(e[:4]), be.Uint32(e[8:]), be.Uint32(e[12:])
		require.Greater(t, tag, prev)
		prev = tag
		padded := append([]byte(nil), sub[off:off+(length+3)&^3]...)
		if tag == "head" {
			be.PutUint32(padded[8:], 0)
		}
		require.Equal(t, ttChecksum(padded), be.Uint32(e[4:]), tag)
		tables[tag] = sub[off : off+length]
	}
	require.Equal(t, uint16(1), be.Uint16(tables["head"][50:]), "long loca")
	loca := tables["loca"]
	require.Len(t, loca, 4*(f.numGlyphs+1))
	for g := range f.numGlyphs {
		l := be.Uint32(loca[4*g+4:]) - be.Uint32(loca[4*g:])
		_, isUsed := used[uint16(g)]
		if isUsed && f.loca[g+1] > f.loca[g] {
			require.NotZero(t, l, "used glyph %d kept", g)
		}
	}
	// Re-parse: only the cmap is missing, so put the original back in.
	require.NotContains(t, tables, "cmap")
}

func vectorDocument(t testing.TB) Document {
	reg, err := ParseTrueType(goregular.TTF)
	require.NoError(t, err)
	bold, err := ParseTrueType(gobold.TTF)
	require.NoError(t, err)
	var pages []Page
	for i := range 2 {
		c := NewCanvas()
		c.SetFillRGB(0.9, 0.93, 0.97)
		c.FillRect(50, 740, 495, 30)
		c.SetFillGray(0)
		c.Text(bold, 16, 56, 750, "Rechnung Nr. 4711")
		c.Text(reg, 10, 56, 700, "Müller & Söhne GmbH, Straße des 17. Juni 1, 1.234,56 €")
		c.Text(reg, 10, 56, 680, "Seite "+string(rune('1'+i))+" von 2 \u2713")
		c.Line(50, 670, 545, 670, 0.5, 0.5)
		pages = append(pages, Page{WidthPt: 595.276, HeightPt: 841.89, Canvas: c})
	}
	return Document{
		Title: "Rechnung 4711", Language: "de-DE", Pages: pages,
		Created: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		Attachments: []Attachment{{Name: "xrechnung.xml", MediaType: "text/xml", Relationship: "Source",
			Data: []byte("<Invoice/>")}},
	}
}

func TestWriteVectorPages(t *testing.T) {
	doc := vectorDocument(t)
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, doc))
	rep, err := Check(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	require.True(t, rep.OK(), "%v", rep.Failed())
	require.Equal(t, 3, rep.Part)
	require.Less(t, buf.Len(), 40000, "two subset fonts, not two whole fonts")
	// One font object per font for the whole document.
	require.Equal(t, 2, bytes.Count(buf.Bytes(), []byte("/Subtype /CIDFontType2")))

	var again bytes.Buffer
	require.NoError(t, Write(&again, vectorDocument(t)))
	require.Equal(t, buf.Bytes(), again.Bytes(), "deterministic")

	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext missing")
		}
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	path := filepath.Join(t.TempDir(), "v.pdf")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").CombinedOutput()
	require.NoError(t, err, "%s", out)
	text := string(out)
	require.Contains(t, text, "Rechnung Nr. 4711")
	require.Contains(t, text, "Müller & Söhne GmbH, Straße des 17. Juni 1, 1.234,56 €")
	require.Contains(t, text, "Seite 2 von 2 ?")
	require.False(t, strings.Contains(text, "\uFFFD"))
}
