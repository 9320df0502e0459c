package ocr

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"strconv"

	"golang.org/x/image/tiff"
)

// Image is one page to recognise, as encoded bytes. The bytes go to
// leptonica unchanged: decoding and re-encoding a 300-dpi page in Go would
// cost a noticeable share of the recognition time for nothing.
type Image struct {
	// Data is an encoded image leptonica can read: PNG, JPEG, TIFF
	// (including CCITT G4; only the first page of a multi-page TIFF is
	// read) or PNM (PBM, PGM, PPM). Other formats are refused.
	Data []byte
	// Width and Height in pixels, when known. If set they must match the
	// image header, which catches a page mixed up with another.
	Width, Height int
	// DPI is the source resolution. It is passed to Tesseract
	// (user_defined_dpi) so it neither trusts missing or wrong header
	// values nor guesses from the text size. 0 means unknown: the header
	// value is used, or Tesseract estimates. Values outside the range
	// Tesseract accepts (70–2400) are ignored as implausible.
	DPI int
}

// MaxPixels bounds the size of a page accepted for OCR. An A3 page at
// 600 dpi has 70 million pixels; a decompression bomb that claims more
// would make leptonica allocate gigabytes before Tesseract even starts.
const MaxPixels = 150_000_000

// Tesseract's kMinCredibleResolution and kMaxCredibleResolution.
const (
	minDPI = 70
	maxDPI = 2400
)

type imageFormat string

const (
	formatPNG  imageFormat = "png"
	formatJPEG imageFormat = "jpeg"
	formatTIFF imageFormat = "tiff"
	formatPNM  imageFormat = "pnm"
)

type imageInfo struct {
	format        imageFormat
	width, height int
}

// inspect checks the header of img without decoding pixels: a supported
// format, plausible dimensions within MaxPixels, and agreement with the
// dimensions the caller gave. Leptonica then reads the pixel data; if that
// fails the page is refused as well (see Engine.Recognize).
func inspect(img Image) (info imageInfo, err error) {
	defer func() {
		// The header decoders are Go code reading hostile bytes.
		if r := recover(); r != nil {
			info, err = imageInfo{}, fmt.Errorf("%w: panic reading header: %v", ErrInvalidImage, r)
		}
	}()
	d := img.Data
	var cfg image.Config
	switch {
	case len(d) == 0:
		return info, fmt.Errorf("%w: no data", ErrInvalidImage)
	case bytes.HasPrefix(d, []byte("\x89PNG\r\n\x1a\n")):
		info.format = formatPNG
		cfg, err = png.DecodeConfig(bytes.NewReader(d))
	case bytes.HasPrefix(d, []byte("\xff\xd8\xff")):
		info.format = formatJPEG
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(d))
	case bytes.HasPrefix(d, []byte("II*\x00")), bytes.HasPrefix(d, []byte("MM\x00*")):
		info.format = formatTIFF
		cfg, err = tiff.DecodeConfig(bytes.NewReader(d))
	case len(d) >= 2 && d[0] == 'P' && d[1] >= '1' && d[1] <= '6':
		info.format = formatPNM
		cfg.Width, cfg.Height, err = pnmSize(d)
	default:
		return info, fmt.Errorf("%w: unsupported format (want PNG, JPEG, TIFF or PNM)", ErrInvalidImage)
	}
	if err != nil {
		return info, fmt.Errorf("%w: %s header: %v", ErrInvalidImage, info.format, err)
	}
	info.width, info.height = cfg.Width, cfg.Height
	if info.width <= 0 || info.height <= 0 {
		return info, fmt.Errorf("%w: %s with size %dx%d", ErrInvalidImage, info.format, info.width, info.height)
	}
	if int64(info.width)*int64(info.height) > MaxPixels {
		return info, fmt.Errorf("%w: %dx%d pixels exceed the limit of %d", ErrInvalidImage, info.width, info.height, MaxPixels)
	}
	if (img.Width != 0 || img.Height != 0) && (img.Width != info.width || img.Height != info.height) {
		return info, fmt.Errorf("%w: header says %dx%d, caller says %dx%d", ErrInvalidImage, info.width, info.height, img.Width, img.Height)
	}
	return info, nil
}

// pnmSize reads width and height from a PBM/PGM/PPM header ("P5 2480 3508 255").
func pnmSize(d []byte) (w, h int, err error) {
	i := 2
	next := func() (int, error) {
		// Skip whitespace and comments, then read one decimal number.
		for i < len(d) {
			switch c := d[i]; {
			case c == '#':
				for i < len(d) && d[i] != '\n' && d[i] != '\r' {
					i++
				}
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
				i++
			default:
				start := i
				for i < len(d) && d[i] >= '0' && d[i] <= '9' {
					i++
				}
				if start == i {
					return 0, fmt.Errorf("unexpected byte %q", d[i])
				}
				if i-start > 9 {
					return 0, fmt.Errorf("number too long")
				}
				return strconv.Atoi(string(d[start:i]))
			}
		}
		return 0, fmt.Errorf("truncated header")
	}
	if w, err = next(); err != nil {
		return 0, 0, err
	}
	if h, err = next(); err != nil {
		return 0, 0, err
	}
	return w, h, nil
}

// tesseractDPI is the value for user_defined_dpi: "0" leaves the decision
// to the image header or Tesseract's estimate.
func tesseractDPI(dpi int) string {
	if dpi < minDPI || dpi > maxDPI {
		return "0"
	}
	return strconv.Itoa(dpi)
}
