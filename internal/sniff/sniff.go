package sniff

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// Sentinel errors. Every error Detect returns wraps exactly one of them;
// all of them are permanent (the same bytes always fail the same way).
var (
	// ErrUnsupported: the media type (or an XML character encoding) is not
	// one this package handles.
	ErrUnsupported = errors.New("unsupported document type")
	// ErrBroken: the bytes do not parse as the format they claim to be.
	ErrBroken = errors.New("broken document")
	// ErrEncrypted: a PDF that cannot be opened without a password.
	ErrEncrypted = errors.New("encrypted document")
	// ErrTooLarge: the document exceeds a configured limit (bytes, pages).
	ErrTooLarge = errors.New("document too large")
	// ErrUnsafeXML: XML that uses a DTD or nests deeper than allowed.
	ErrUnsafeXML = errors.New("unsafe xml")
)

// Result is what Detect found out about a document.
type Result struct {
	Kind records.Kind
	// Detail is a short human-readable description for the audit trail,
	// e.g. "UBL Invoice", "TIFF 3 pages", "PDF 2 pages, no text layer".
	// It never contains document content beyond element and file names.
	Detail string
	// Pages is the page count when known (images, TIFF, PDF), else 0.
	Pages int
	// EmbeddedXML is the attachment name of the e-invoice XML inside a
	// hybrid PDF (KindPDFEInvoice), as written in the file.
	EmbeddedXML string
}

// Options bounds the work Detect does. Zero fields take the default from
// DefaultOptions, so Options{MaxPages: 100} changes only the page limit.
type Options struct {
	// MaxXMLBytes is the largest XML document accepted.
	MaxXMLBytes int64
	// MaxXMLDepth is the deepest element nesting accepted.
	MaxXMLDepth int
	// MaxPDFBytes is the largest PDF accepted. pdfcpu holds the whole
	// object graph in memory, so this bounds memory, too.
	MaxPDFBytes int64
	// MaxPDFDecodeBytes bounds the decoded size of a single PDF stream
	// (content streams, form XObjects).
	MaxPDFDecodeBytes int64
	// MaxImageBytes is the largest image file accepted.
	MaxImageBytes int64
	// MaxPages is the largest page count accepted (PDF pages, TIFF
	// directories).
	MaxPages int
	// TextScanPages is how many leading PDF pages are searched for a text
	// layer before the PDF is declared a scan.
	TextScanPages int
}

// DefaultOptions returns the limits Detect uses.
func DefaultOptions() Options {
	return Options{
		MaxXMLBytes:       50 << 20,
		MaxXMLDepth:       128,
		MaxPDFBytes:       256 << 20,
		MaxPDFDecodeBytes: 64 << 20,
		MaxImageBytes:     512 << 20,
		MaxPages:          5000,
		TextScanPages:     10,
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.MaxXMLBytes <= 0 {
		o.MaxXMLBytes = d.MaxXMLBytes
	}
	if o.MaxXMLDepth <= 0 {
		o.MaxXMLDepth = d.MaxXMLDepth
	}
	if o.MaxPDFBytes <= 0 {
		o.MaxPDFBytes = d.MaxPDFBytes
	}
	if o.MaxPDFDecodeBytes <= 0 {
		o.MaxPDFDecodeBytes = d.MaxPDFDecodeBytes
	}
	if o.MaxImageBytes <= 0 {
		o.MaxImageBytes = d.MaxImageBytes
	}
	if o.MaxPages <= 0 {
		o.MaxPages = d.MaxPages
	}
	if o.TextScanPages <= 0 {
		o.TextScanPages = d.TextScanPages
	}
	return o
}

// Detect inspects size bytes of r with the default limits. See
// Options.Detect.
func Detect(r io.ReaderAt, size int64, mediaType string) (Result, error) {
	return DefaultOptions().Detect(r, size, mediaType)
}

// format is the container format recognised from magic bytes.
type format int

const (
	formatUnknown format = iota
	formatPDF
	formatTIFF
	formatPNG
	formatJPEG
	formatXML
)

func (f format) String() string {
	switch f {
	case formatPDF:
		return "pdf"
	case formatTIFF:
		return "tiff"
	case formatPNG:
		return "png"
	case formatJPEG:
		return "jpeg"
	case formatXML:
		return "xml"
	}
	return "unknown"
}

// Detect inspects size bytes of r and says what kind of document they are.
//
// mediaType is the declared type (parameters such as charset are
// ignored): application/pdf, image/tiff, image/png, image/jpeg,
// application/xml, text/xml or any */*+xml. The empty type and
// application/octet-stream mean "unknown, look at the bytes". Any other
// declared type is ErrUnsupported.
//
// Declared types come from mail headers and browsers and are often wrong,
// so the bytes decide: a PNG declared as application/pdf is detected as a
// PNG. The declared type matters only when the bytes carry no recognisable
// signature; then it names the format the bytes failed to be.
func (o Options) Detect(r io.ReaderAt, size int64, mediaType string) (Result, error) {
	o = o.withDefaults()

	declared, err := declaredFormat(mediaType)
	if err != nil {
		return Result{}, err
	}
	if size < 0 {
		return Result{}, fmt.Errorf("negative size %d: %w", size, ErrBroken)
	}
	if size == 0 {
		return Result{}, fmt.Errorf("empty document: %w", ErrBroken)
	}

	head := make([]byte, min(size, 1024))
	if _, err := r.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return Result{}, fmt.Errorf("read header: %w: %w", ErrBroken, short(err))
	}

	f := sniffFormat(head)
	if f == formatUnknown {
		switch declared {
		case formatUnknown:
			return Result{}, fmt.Errorf("no known file signature (declared %q): %w", truncate(mediaType, 100), ErrUnsupported)
		case formatXML:
			// Let the XML parser say precisely what is wrong (UTF-16, garbage).
			f = formatXML
		default:
			return Result{}, fmt.Errorf("declared %s but no %s signature: %w", declared, declared, ErrBroken)
		}
	}

	switch f {
	case formatPDF:
		return detectPDF(r, size, o)
	case formatTIFF:
		return detectTIFF(r, size, o)
	case formatPNG, formatJPEG:
		return detectRaster(r, size, f, o)
	default:
		return detectXML(r, size, o)
	}
}

// declaredFormat maps a declared media type to a format; formatUnknown
// means "look at the bytes".
func declaredFormat(mediaType string) (format, error) {
	mt := strings.TrimSpace(mediaType)
	if mt == "" {
		return formatUnknown, nil
	}
	parsed, _, err := mime.ParseMediaType(mt)
	if err != nil {
		return formatUnknown, fmt.Errorf("media type %q: %w", truncate(mediaType, 100), ErrUnsupported)
	}
	switch parsed {
	case "application/octet-stream":
		return formatUnknown, nil
	// The non-standard aliases are what mail clients really send.
	case "application/pdf", "application/x-pdf":
		return formatPDF, nil
	case "image/tiff", "image/tif", "image/x-tiff":
		return formatTIFF, nil
	case "image/png", "image/x-png":
		return formatPNG, nil
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return formatJPEG, nil
	case "application/xml", "text/xml":
		return formatXML, nil
	}
	if strings.HasSuffix(parsed, "+xml") {
		return formatXML, nil
	}
	return formatUnknown, fmt.Errorf("media type %q: %w", parsed, ErrUnsupported)
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// sniffFormat recognises a format from the first bytes of a file.
func sniffFormat(head []byte) format {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return formatPNG
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return formatJPEG
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")),
		bytes.HasPrefix(head, []byte("II+\x00")), bytes.HasPrefix(head, []byte("MM\x00+")):
		return formatTIFF
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return formatPDF
	}
	rest := bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n")
	if len(rest) > 0 && rest[0] == '<' {
		return formatXML
	}
	if bytes.Contains(head, []byte("%PDF-")) {
		// The PDF header may follow some junk bytes (ISO 32000-1, 7.5.2
		// implementation note); readers look within the first KiB.
		return formatPDF
	}
	return formatUnknown
}

// shortError keeps a third-party cause for errors.Is/As but bounds its
// message: parser errors may quote whole PDF objects, and error messages end
// up in logs and the audit trail, where document content does not belong.
type shortError struct{ err error }

func (e shortError) Error() string { return truncate(e.err.Error(), 200) }
func (e shortError) Unwrap() error { return e.err }

func short(err error) error { return shortError{err} }

// plural writes "1 page" / "3 pages".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
