package invoicepdf

import (
	"bytes"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/stretchr/testify/require"
)

// plainPDF is a minimal valid PDF that is not PDF/A (no XMP, no output
// intent), standing in for a hybrid invoice from a non-archival producer.
func plainPDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		b.WriteString(strconv.Itoa(i+1) + " 0 obj\n" + o + "\nendobj\n")
	}
	x := b.Len()
	b.WriteString("xref\n0 4\n0000000000 65535 f \n")
	for _, o := range offs {
		s := strconv.Itoa(o)
		for len(s) < 10 {
			s = "0" + s
		}
		b.WriteString(s + " 00000 n \n")
	}
	b.WriteString("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n" + strconv.Itoa(x) + "\n%%EOF\n")
	return b.Bytes()
}

func TestArchiveHybrid(t *testing.T) {
	files := corpus(t)
	var path string
	for _, f := range files {
		if filepath.Base(f) == "01.01a-INVOICE_uncefact.xml" {
			path = f
		}
	}
	if path == "" {
		path = files[0]
	}
	inv, xml := parseFile(t, path)

	t.Run("pdfa-3 stays as it is", func(t *testing.T) {
		pdf, err := Render(inv, xml, Options{XMLName: "factur-x.xml"})
		require.NoError(t, err)
		out, converted, err := ArchiveHybrid(pdf, xml, "factur-x.xml")
		require.NoError(t, err)
		require.False(t, converted)
		require.Equal(t, pdf, out)
	})
	t.Run("plain pdf is replaced by a rendition that keeps it", func(t *testing.T) {
		orig := plainPDF()
		_, err := api.ReadContext(bytes.NewReader(orig), nil)
		require.NoError(t, err, "fixture is a readable pdf")
		out, converted, err := ArchiveHybrid(orig, xml, DefaultXMLName)
		require.NoError(t, err)
		require.True(t, converted)
		requireArchival(t, out, xml)
		require.Contains(t, string(out), "/AFRelationship /Alternative")
		require.Contains(t, string(out), "original.pdf")
	})
	t.Run("reserved name", func(t *testing.T) {
		_, _, err := ArchiveHybrid(plainPDF(), xml, OriginalPDFName)
		require.ErrorIs(t, err, ErrInvalidInput)
	})
}
