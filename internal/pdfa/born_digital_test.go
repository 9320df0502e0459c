package pdfa

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// bornDigitalPDF is a plain PDF 1.4 as an office program writes it: text in
// the standard Helvetica font, not embedded, no XMP, no output intent, no
// ID — everything PDF/A forbids or requires missing.
func bornDigitalPDF(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	pw := newPDFWriter(&buf)
	pw.raw("%PDF-1.4\n")
	cat, pages, page, content, font, info := pw.alloc(), pw.alloc(), pw.alloc(), pw.alloc(), pw.alloc(), pw.alloc()
	pw.object(cat, "<< /Type /Catalog /Pages "+ref(pages)+" >>")
	pw.object(pages, "<< /Type /Pages /Kids ["+ref(page)+"] /Count 1 >>")
	pw.object(page, "<< /Type /Page /Parent "+ref(pages)+" /MediaBox [0 0 595 842] /Resources << /Font << /F1 "+
		ref(font)+" >> >> /Contents "+ref(content)+" >>")
	// "Grüße" in WinAnsiEncoding: ü = \374, ß = \337.
	pw.stream(content, "", []byte("BT /F1 14 Tf 72 760 Td (Sehr geehrte Damen und Herren,) Tj 0 -20 Td (mit freundlichen Gr\\374\\337en) Tj ET"))
	pw.object(font, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	pw.object(info, "<< /Title (Brief) /Producer (Office) >>")
	require.NoError(t, pw.finishPlain(cat, info))
	return buf.Bytes()
}
