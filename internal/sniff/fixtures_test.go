package sniff

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/stretchr/testify/require"
)

// corpusDir is the shared e-invoice corpus. In the workspace and in CI the
// shared directory sits beside the repository.
const corpusDir = "../../../shared/corpus"

// corpus returns the path of a corpus file or directory. It skips the test
// when the corpus is absent, except in CI, where its absence is a failure.
func corpus(t *testing.T, rel string) string {
	t.Helper()
	p := filepath.Join(corpusDir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus file missing in CI: %v", err)
		}
		t.Skipf("corpus not available: %v", err)
	}
	return p
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// buildPDF writes a PDF with a correct cross-reference table. objs[i] is
// the body of object i+1; object 1 must be the catalog.
func buildPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// pdfStream writes a stream object body with the right /Length.
func pdfStream(dict, data string) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

const (
	pdfCatalog  = "<< /Type /Catalog /Pages 2 0 R >>"
	pdfPages1   = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
	pdfFont     = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
	pdfImage1x1 = "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8"
)

// onePagePDF builds a one-page PDF: objects 1 catalog, 2 pages, 3 page,
// 4 content stream, 5 font F1, 6 image Im0, 7 form Fm0, then extra objects
// from 8 on.
func onePagePDF(content string, extra ...string) []byte {
	return onePagePDFWithCatalog(pdfCatalog, content, extra...)
}

func onePagePDFWithCatalog(catalog, content string, extra ...string) []byte {
	objs := []string{
		catalog,
		pdfPages1,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " +
			"/Resources << /Font << /F1 5 0 R >> /XObject << /Im0 6 0 R /Fm0 7 0 R >> >> /Contents 4 0 R >>",
		pdfStream("", content),
		pdfFont,
		pdfStream(pdfImage1x1, "\x80"),
		formXObject,
	}
	return buildPDF(append(objs, extra...)...)
}

// The page content of the basic fixtures.
const (
	contentText      = "BT /F1 12 Tf 72 720 Td (Hallo Welt) Tj ET"
	contentImage     = "q 595 0 0 842 0 0 cm /Im0 Do Q"
	contentOCR       = contentImage + "\nBT 3 Tr /F1 12 Tf 72 720 Td (Hallo Welt) Tj ET"
	contentEmptyText = contentImage + "\nBT /F1 12 Tf () Tj [] TJ ET"
	contentInline    = "q 10 0 0 10 0 0 cm BI /W 1 /H 1 /CS /G /BPC 8 ID\nBT /F1 1 Tf (x) Tj ET\nEI Q"
	contentForm      = "q /Fm0 Do Q"
)

// formXObject is object 7 for contentForm: a form that shows text with
// its own font resource.
var formXObject = pdfStream("/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>",
	"BT /F1 12 Tf (im Formular) Tj ET")

// twoPagePDF has an image-only first page and a text second page.
func twoPagePDF() []byte {
	return buildPDF(
		pdfCatalog,
		"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 /Resources << /Font << /F1 5 0 R >> /XObject << /Im0 7 0 R >> >> >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		pdfStream("", contentImage),
		pdfFont,
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 8 0 R >>",
		pdfStream(pdfImage1x1, "\x80"),
		pdfStream("", contentText),
	)
}

// ciiXML is a minimal Factur-X payload; sniff never parses it.
const ciiXML = `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>`

// afOnlyPDF embeds the XML only as a catalog associated file (/AF), not in
// the EmbeddedFiles name tree, under the ZUGFeRD 1.0 spelling.
func afOnlyPDF(name string, embedded bool) []byte {
	ef := " /EF << /F 9 0 R >>"
	if !embedded {
		ef = ""
	}
	return onePagePDFWithCatalog(
		"<< /Type /Catalog /Pages 2 0 R /AF 8 0 R >>",
		contentText,
		"[10 0 R]",
		pdfStream("/Type /EmbeddedFile /Subtype /text#2Fxml", ciiXML),
		"<< /Type /Filespec /F ("+name+") /UF ("+name+")"+ef+" /AFRelationship /Alternative >>",
	)
}

// pdfcpuConfig is the configuration the pdfcpu API calls in tests use; it
// never touches a config directory.
func pdfcpuConfig(t *testing.T) {
	t.Helper()
	// Belt and braces: if pdfcpu ever falls back to its default
	// configuration, it writes below the user config dir. Keep that in the
	// test's temp dir.
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
}

// withAttachments embeds files (name → content) with pdfcpu's attachment
// API, the way producers of Factur-X do (EmbeddedFiles name tree).
func withAttachments(t *testing.T, pdf []byte, files map[string]string) []byte {
	t.Helper()
	pdfcpuConfig(t)
	dir := t.TempDir()
	var paths []string
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		paths = append(paths, p)
	}
	var out bytes.Buffer
	require.NoError(t, api.AddAttachments(bytes.NewReader(pdf), &out, paths, false, pdfConfig(DefaultOptions())))
	return out.Bytes()
}

// encrypted encrypts pdf with AES-256. An empty user password gives a PDF
// that opens without asking (permissions only).
func encrypted(t *testing.T, pdf []byte, userPW, ownerPW string) []byte {
	t.Helper()
	pdfcpuConfig(t)
	conf := pdfConfig(DefaultOptions())
	conf.UserPW, conf.OwnerPW = userPW, ownerPW
	conf.EncryptUsingAES, conf.EncryptKeyLength = true, 256
	var out bytes.Buffer
	require.NoError(t, api.Encrypt(bytes.NewReader(pdf), &out, conf))
	return out.Bytes()
}

func pngFile(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))))
	return b.Bytes()
}

func jpegFile(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.White)
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img, nil))
	return b.Bytes()
}

// tiffPage describes one directory of a hand-written TIFF.
type tiffPage struct {
	thumbnail bool // NewSubfileType = 1 (reduced resolution)
}

// tiffFile writes a classic TIFF with one uncompressed 1x1 grey image per
// directory, chained through the next-IFD offsets. loopTo >= 0 makes the
// last directory point back to directory loopTo.
func tiffFile(bo binary.ByteOrder, pages []tiffPage, loopTo int) []byte {
	var b bytes.Buffer
	if bo == binary.LittleEndian {
		b.WriteString("II")
	} else {
		b.WriteString("MM")
	}
	put16 := func(v uint16) { _ = binary.Write(&b, bo, v) }
	put32 := func(v uint32) { _ = binary.Write(&b, bo, v) }
	put16(42)
	put32(8)

	var ifdStarts []int
	var nextPatches []int
	for _, p := range pages {
		type entry struct {
			tag, typ uint16
			value    uint32
		}
		var entries []entry
		if p.thumbnail {
			entries = append(entries, entry{254, 4, 1})
		}
		ifdStart := b.Len()
		n := len(entries) + 8
		pixelAt := ifdStart + 2 + n*12 + 4
		entries = append(entries,
			entry{256, 3, 1},               // ImageWidth
			entry{257, 3, 1},               // ImageLength
			entry{258, 3, 8},               // BitsPerSample
			entry{259, 3, 1},               // Compression: none
			entry{262, 3, 1},               // Photometric: BlackIsZero
			entry{273, 4, uint32(pixelAt)}, // StripOffsets
			entry{278, 3, 1},               // RowsPerStrip
			entry{279, 4, 1},               // StripByteCounts
		)
		ifdStarts = append(ifdStarts, ifdStart)
		put16(uint16(len(entries)))
		for _, e := range entries {
			put16(e.tag)
			put16(e.typ)
			put32(1)
			if e.typ == 3 {
				put16(uint16(e.value))
				put16(0)
			} else {
				put32(e.value)
			}
		}
		nextPatches = append(nextPatches, b.Len())
		put32(0)
		b.WriteByte(0x80) // the pixel
		b.WriteByte(0)    // keep the next IFD on a word boundary
	}
	out := b.Bytes()
	for i, at := range nextPatches {
		var next uint32
		switch {
		case i+1 < len(ifdStarts):
			next = uint32(ifdStarts[i+1])
		case loopTo >= 0:
			next = uint32(ifdStarts[loopTo])
		}
		bo.PutUint32(out[at:], next)
	}
	return out
}
