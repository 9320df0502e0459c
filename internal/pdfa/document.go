package pdfa

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Errors Write returns for input it cannot turn into PDF/A. They are
// permanent: retrying with the same input gives the same error.
var (
	// ErrInvalidDocument reports a document that cannot be written as is
	// (no pages, a page without size, a bad ExtraXMP key, …).
	ErrInvalidDocument = errors.New("invalid document")
	// ErrUnsupportedImage reports an image whose colour space, filter or
	// bit depth PDF/A (with the sRGB output intent written here) cannot carry.
	ErrUnsupportedImage = errors.New("unsupported image")
)

// Document is everything Write needs for one archival PDF.
type Document struct {
	Title, Author, Subject, Creator, Producer string // Producer defaults to "aktenfluss"
	Keywords                                  []string
	Created, Modified                         time.Time // zero: no date is written; Modified defaults to Created
	Language                                  string    // BCP 47 tag, e.g. "de-DE" → /Lang in the catalog
	Pages                                     []Page
	// ExtraXMP holds properties of the aktenfluss scan namespace
	// (XMPNamespace, prefix XMPPrefix) written into the XMP packet, with the
	// extension schema PDF/A requires for them. It carries the scan protocol
	// (Transfervermerk): operator, station, profile, scanned_at, pages, dpi,
	// capture_sha256, checks. Keys must be XML names; they are written sorted.
	ExtraXMP map[string]string
	// Attachments, when present, make the file PDF/A-3b: each is embedded
	// with /AF, an AFRelationship, a MIME /Subtype and /Params.
	Attachments []Attachment
}

// XMP namespace of the scan protocol properties in Document.ExtraXMP.
const (
	XMPNamespace = "https://aktenfluss.de/ns/scan/1.0/"
	XMPPrefix    = "akscan"
)

// DefaultProducer is written when Document.Producer is empty.
const DefaultProducer = "aktenfluss"

// Attachment is a file embedded in a PDF/A-3 document.
type Attachment struct {
	Name, MediaType, Description string
	// Relationship is the PDF/A-3 AFRelationship: Source, Data,
	// Alternative, Supplement or Unspecified (default).
	Relationship string
	Data         []byte
	Modified     time.Time
}

// Page is one page: a scanned page has an image that fills the MediaBox
// and the OCR words as invisible text on it; a born-digital page draws on
// a Canvas. Both may be combined.
type Page struct {
	WidthPt, HeightPt float64 // MediaBox in points (1/72 inch)
	Image             Image   // zero Image: a blank page
	Words             []Word  // in image pixel coordinates, origin top-left
	// Rotate turns the page clockwise for display (0, 90, 180, 270): a
	// scan stored sideways stands upright without recompressing its image.
	Rotate int
	// Canvas, when set, is visible vector content (text in embedded
	// TrueType fonts, rules, shading) drawn above the image and the text
	// layer: a born-digital page such as an e-invoice rendition.
	Canvas *Canvas
}

// Image is a page image as it goes into the PDF: Data is the stream content
// exactly as it will be stored, already encoded with Filter.
type Image struct {
	Width, Height    int
	BitsPerComponent int    // 1 or 8
	ColorSpace       string // "DeviceGray" or "DeviceRGB"
	Filter           string // "CCITTFaxDecode", "DCTDecode", "FlateDecode" or "" (raw samples)
	// DecodeParms for the filter, e.g. CCITT {"K":-1,"Columns":w,"Rows":h,
	// "BlackIs1":0} or Flate {"Predictor":15,"Colors":1,
	// "BitsPerComponent":8,"Columns":w}. The CCITT flags BlackIs1,
	// EncodedByteAlign, EndOfLine and EndOfBlock are written as booleans.
	DecodeParms map[string]int
	Data        []byte
}

// Word is one OCR word. The box is in image pixels, origin top-left, as OCR
// engines report it; for rotated words it is the axis-aligned bounding box.
type Word struct {
	Text           string
	X0, Y0, X1, Y1 float64
	Angle          float64 // baseline rotation in degrees, counter-clockwise, 0 for upright
}

// Conformance is the PDF/A part and level Write produces for d: PDF/A-3b
// when files are attached (PDF/A-2 allows only PDF/A attachments), else
// PDF/A-2b.
func (d Document) Conformance() (part int, level string) {
	if len(d.Attachments) > 0 {
		return 3, "B"
	}
	return 2, "B"
}

var afRelationships = map[string]bool{
	"Source": true, "Data": true, "Alternative": true, "Supplement": true, "Unspecified": true,
}

func (d Document) validate() error {
	if len(d.Pages) == 0 {
		return fmt.Errorf("no pages: %w", ErrInvalidDocument)
	}
	for i, p := range d.Pages {
		if p.Rotate%90 != 0 {
			return fmt.Errorf("page %d: rotation %d is not a multiple of 90: %w", i+1, p.Rotate, ErrInvalidDocument)
		}
		if !(p.WidthPt > 0 && p.HeightPt > 0) || p.WidthPt > 14400 || p.HeightPt > 14400 {
			// 14400 pt (200 in) is the page size limit of PDF/A-2 (6.1.13).
			return fmt.Errorf("page %d: size %gx%g pt out of range: %w", i+1, p.WidthPt, p.HeightPt, ErrInvalidDocument)
		}
		if len(p.Image.Data) > 0 {
			if err := p.Image.validate(); err != nil {
				return fmt.Errorf("page %d: %w", i+1, err)
			}
		} else if len(p.Words) > 0 {
			return fmt.Errorf("page %d: words without an image to place them on: %w", i+1, ErrInvalidDocument)
		}
		for j, w := range p.Words {
			for _, v := range []float64{w.X0, w.Y0, w.X1, w.Y1, w.Angle} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("page %d word %d: coordinate not finite: %w", i+1, j+1, ErrInvalidDocument)
				}
			}
		}
	}
	for k := range d.ExtraXMP {
		if !isXMLName(k) {
			return fmt.Errorf("extra xmp key %q is not an xml name: %w", k, ErrInvalidDocument)
		}
	}
	seen := map[string]bool{}
	for i, a := range d.Attachments {
		if a.Name == "" {
			return fmt.Errorf("attachment %d: empty name: %w", i+1, ErrInvalidDocument)
		}
		if seen[a.Name] {
			return fmt.Errorf("attachment %q: duplicate name: %w", a.Name, ErrInvalidDocument)
		}
		seen[a.Name] = true
		if a.Modified.IsZero() && d.Modified.IsZero() && d.Created.IsZero() {
			// PDF/A-3 (6.8) requires /Params /ModDate on every embedded file.
			return fmt.Errorf("attachment %q: no modification date and no document date to fall back on: %w", a.Name, ErrInvalidDocument)
		}
		if a.Relationship != "" && !afRelationships[a.Relationship] {
			return fmt.Errorf("attachment %q: relationship %q not one of Source, Data, Alternative, Supplement, Unspecified: %w",
				a.Name, a.Relationship, ErrInvalidDocument)
		}
	}
	return nil
}

func (im Image) validate() error {
	if im.Width <= 0 || im.Height <= 0 {
		return fmt.Errorf("image size %dx%d: %w", im.Width, im.Height, ErrUnsupportedImage)
	}
	if im.ColorSpace != "DeviceGray" && im.ColorSpace != "DeviceRGB" {
		return fmt.Errorf("image colour space %q: %w", im.ColorSpace, ErrUnsupportedImage)
	}
	switch im.Filter {
	case "CCITTFaxDecode":
		if im.BitsPerComponent != 1 || im.ColorSpace != "DeviceGray" {
			return fmt.Errorf("ccitt image must be 1-bit DeviceGray: %w", ErrUnsupportedImage)
		}
	case "DCTDecode":
		if im.BitsPerComponent != 8 {
			return fmt.Errorf("jpeg image with %d bits per component: %w", im.BitsPerComponent, ErrUnsupportedImage)
		}
	case "FlateDecode", "":
		if im.BitsPerComponent != 1 && im.BitsPerComponent != 8 {
			return fmt.Errorf("image with %d bits per component: %w", im.BitsPerComponent, ErrUnsupportedImage)
		}
	default:
		// LZW is forbidden by PDF/A; JBIG2 would need a globals stream we
		// have no input for.
		return fmt.Errorf("image filter %q: %w", im.Filter, ErrUnsupportedImage)
	}
	for k := range im.DecodeParms {
		if !isPDFNameSafe(k) {
			return fmt.Errorf("image decode parameter %q: %w", k, ErrUnsupportedImage)
		}
	}
	return nil
}

// isXMLName accepts the subset of XML names used as property names: an
// ASCII letter or underscore, then letters, digits, '_', '-', '.'.
func isXMLName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func isPDFNameSafe(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
