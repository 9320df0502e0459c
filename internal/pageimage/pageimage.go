package pageimage

import (
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. Every error Open (and OCRImage) returns wraps exactly one
// of them; all are permanent: the same bytes always fail the same way, so
// callers quarantine instead of retrying.
var (
	// ErrEncrypted: a PDF that cannot be read without a password.
	ErrEncrypted = errors.New("encrypted document")
	// ErrBroken: the bytes do not parse as the format they claim to be,
	// or are truncated.
	ErrBroken = errors.New("broken document")
	// ErrTooLarge: the input, a page's pixel count or its decoded size
	// exceeds Limits.
	ErrTooLarge = errors.New("document too large")
	// ErrTooManyPages: more pages than Limits.MaxPages.
	ErrTooManyPages = errors.New("too many pages")
	// ErrUnsupported: a valid image this package does not handle (JBIG2,
	// JPEG 2000, 12-bit JPEG, G3 2-D, Lab colour, ...) or a media type
	// other than PDF, TIFF, PNG and JPEG.
	ErrUnsupported = errors.New("unsupported image")
	// ErrNotAScan: a PDF that is not one image per page: it has a text
	// layer, or a page paints no image or several. Such PDFs are
	// born-digital (or already OCR'd) and take the other route.
	ErrNotAScan = errors.New("not a scanned document")
)

// Limits bound the work one input can cause. A zero field means its
// default (DefaultLimits), so callers can set only what they care about.
type Limits struct {
	// MaxBytes is the largest input accepted, in bytes.
	MaxBytes int64
	// MaxPages is the largest number of pages accepted.
	MaxPages int
	// MaxPixels bounds width*height of each page.
	MaxPixels int64
	// MaxDecodedBytes bounds the memory one page's pixels may take once
	// decoded; it stops decompression bombs whose header looks harmless.
	MaxDecodedBytes int64
}

// DefaultLimits fit what a mailroom scanner produces with room to spare:
// A3 at 600 dpi is 7016 × 9921 ≈ 70 Mpx, in RGB ≈ 209 MB decoded.
func DefaultLimits() Limits {
	return Limits{
		MaxBytes:        200 << 20,
		MaxPages:        500,
		MaxPixels:       80_000_000,
		MaxDecodedBytes: 256 << 20,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxPages <= 0 {
		l.MaxPages = d.MaxPages
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxDecodedBytes <= 0 {
		l.MaxDecodedBytes = d.MaxDecodedBytes
	}
	return l
}

// checkPage refuses a page by its header values, before any pixel is
// decoded. bitsPerPixel is the size of the decoded samples (e.g. 48 for
// 16-bit RGB): MaxDecodedBytes bounds that buffer. Converting samples
// (16 to 8 bits, palettes, CMYK) needs a second, at most as large; 8-bit
// grey and RGB, the common case, are used in place.
func (l Limits) checkPage(w, h, bitsPerPixel int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("image size %dx%d: %w", w, h, ErrBroken)
	}
	px := int64(w) * int64(h)
	if px > l.MaxPixels || px/int64(h) != int64(w) {
		return fmt.Errorf("image %dx%d has %d pixels, limit is %d: %w", w, h, px, l.MaxPixels, ErrTooLarge)
	}
	rowBytes := (int64(w)*int64(bitsPerPixel) + 7) / 8
	if n := rowBytes * int64(h); n > l.MaxDecodedBytes {
		return fmt.Errorf("image %dx%d decodes to %d bytes, limit is %d: %w", w, h, n, l.MaxDecodedBytes, ErrTooLarge)
	}
	return nil
}

// Mode is the colour model of a page.
type Mode string

const (
	ModeBilevel Mode = "bilevel" // 1 bit per pixel, DeviceGray
	ModeGray    Mode = "gray"    // 8 bits per pixel, DeviceGray
	ModeColor   Mode = "color"   // 3 × 8 bits per pixel, DeviceRGB
)

// PDF filter and colour space names used in Stream.
const (
	FilterCCITT = "CCITTFaxDecode"
	FilterDCT   = "DCTDecode"
	FilterFlate = "FlateDecode"

	ColorSpaceGray = "DeviceGray"
	ColorSpaceRGB  = "DeviceRGB"
)

// Page is one page of a scanned document.
type Page struct {
	Index         int // 0-based
	Width, Height int // pixels of the stored image (before Rotate)
	// DPIX and DPIY are the resolution along the stored image's x and y
	// axes as the source states it; 0 if it does not (callers assume 300).
	DPIX, DPIY float64
	Mode       Mode
	// Rotate is how many degrees (0, 90, 180, 270) the stored image must
	// be turned clockwise to stand upright; the PDF/A page gets it as its
	// /Rotate. Pixels are never rotated here: that would force
	// recompression.
	Rotate int
	// Stream is what the archival PDF embeds, exactly; see Stream and
	// ImageDict.
	Stream Stream
	// OCR is OCRImage bound to this page, for callers that hold pages as
	// values. It returns the format ("jpeg", "tiff", "png", "pnm") and the
	// bytes.
	OCR func() (format string, data []byte, err error)
}

// Stream is an image XObject's data as the archival PDF embeds it: the
// dictionary entries and the still-encoded bytes.
type Stream struct {
	Filter string // FilterCCITT, FilterDCT or FilterFlate
	// DecodeParms holds the filter's parameters. For CCITTFaxDecode the
	// keys BlackIs1, EncodedByteAlign, EndOfLine and EndOfBlock are PDF
	// booleans (1 = true, 0 = false) and must be written as such
	// (ImageDict does); all other values are integers. May be nil.
	DecodeParms      map[string]int
	ColorSpace       string // ColorSpaceGray or ColorSpaceRGB
	BitsPerComponent int    // 1 or 8
	// Data are the encoded bytes. They may share memory with the input or
	// with other pages' data: read only.
	Data []byte
}

// Open reads a scanned document and returns its pages. mediaType is one
// of application/pdf, image/tiff, image/png, image/jpeg (parameters are
// ignored). r is read completely during Open and not kept.
func Open(r io.ReaderAt, size int64, mediaType string, lim Limits) ([]Page, error) {
	lim = lim.withDefaults()
	open, name, err := opener(mediaType)
	if err != nil {
		return nil, err
	}
	if size < 0 {
		return nil, fmt.Errorf("%s: negative size %d: %w", name, size, ErrBroken)
	}
	if size > lim.MaxBytes {
		return nil, fmt.Errorf("%s of %d bytes exceeds limit of %d: %w", name, size, lim.MaxBytes, ErrTooLarge)
	}
	data := make([]byte, size)
	if n, err := r.ReadAt(data, 0); n < len(data) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%s: read input: %w: %w", name, ErrBroken, short(err))
	}
	return openBytes(data, open, name, lim)
}

// openBytes runs a format's opener with panic recovery and finishes the
// pages.
func openBytes(data []byte, open openFunc, name string, lim Limits) (pages []Page, err error) {
	defer recoverParser(&pages, &err, name)
	pages, err = open(data, lim)
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("%s has no pages: %w", name, ErrBroken)
	}
	for i := range pages {
		pages[i].Index = i
		p := pages[i] // the closure keeps its own copy, without itself
		pages[i].OCR = func() (string, []byte, error) {
			img, err := p.OCRImage()
			return img.Format, img.Data, err
		}
	}
	return pages, nil
}

type openFunc func(data []byte, lim Limits) ([]Page, error)

func opener(mediaType string) (openFunc, string, error) {
	mt, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(mediaType))
	}
	switch mt {
	case "application/pdf", "application/x-pdf":
		return openPDF, "pdf", nil
	case "image/tiff", "image/tif", "image/x-tiff":
		return openTIFF, "tiff", nil
	case "image/png", "image/x-png":
		return openPNG, "png", nil
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return openJPEG, "jpeg", nil
	}
	return nil, "", fmt.Errorf("media type %q: %w", truncate(mediaType, 80), ErrUnsupported)
}

// recoverParser turns a panic while parsing into ErrBroken: pdfcpu, x/image
// and this package's own parsers are fed hostile input, and one bad file
// must not take the worker down.
func recoverParser[T any](res *T, err *error, what string) {
	if p := recover(); p != nil {
		var zero T
		*res = zero
		*err = fmt.Errorf("%s parser panic: %s: %w", what, truncate(fmt.Sprint(p), 200), ErrBroken)
	}
}

// shortError keeps a third-party cause for errors.Is/As but bounds its
// message: parser errors may quote document content, and error messages
// end up in logs and the audit trail.
type shortError struct{ err error }

func (e shortError) Error() string { return truncate(e.err.Error(), 200) }
func (e shortError) Unwrap() error { return e.err }

func short(err error) error { return shortError{err} }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// roundDPI snaps a computed resolution to the integer the scanner was set
// to when it is within 0.5 % (a MediaBox rounded to whole points gives
// 300.1 for a 300 dpi scan); otherwise it keeps two decimals.
func roundDPI(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) || v > 1e6 {
		return 0
	}
	if r := math.Round(v); math.Abs(v-r) <= 0.005*v {
		return r
	}
	return math.Round(v*100) / 100
}
