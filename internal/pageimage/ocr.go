package pageimage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"

	"golang.org/x/image/ccitt"
)

// OCR image formats. All are read by leptonica (pixReadMem), which is what
// Tesseract's SetImage paths use.
const (
	OCRFormatJPEG = "jpeg"
	OCRFormatTIFF = "tiff"
	OCRFormatPNG  = "png"
	OCRFormatPNM  = "pnm" // P4 (bilevel) for CCITT G3 only; carries no resolution
)

// OCRImage is a page image for the OCR engine.
type OCRImage struct {
	Format string
	Data   []byte // may share memory with Page.Stream.Data: read only
}

// ocrDefaultDPI is written into OCR images whose source states no
// resolution: Tesseract falls back to 70 dpi otherwise and sizes its
// character models wrong. Callers assume the same 300.
const ocrDefaultDPI = 300

// OCRImage returns the page in a form leptonica decodes quickly, derived
// from Stream so the page keeps only the compressed image:
//
//   - DCTDecode: the JPEG bytes as they are (no copy).
//   - CCITT G4: the G4 data in a minimal single-strip TIFF (a header and
//     one directory; no pixel work).
//   - Flate with a PNG predictor: the data as the IDAT chunk of a PNG.
//     Leptonica inflates it with zlib in C; no work here beyond a CRC.
//   - Flate without predictor: the data as the strip of a Deflate TIFF,
//     again inflated by leptonica (libtiff) and not here.
//   - CCITT that is not plain G4 (G3, byte-aligned rows): decoded here
//     into PBM (PNM), which is a header and the pixels.
//
// PNM carries no resolution; pass Page.DPIX (or 300) to Tesseract as
// user_defined_dpi in any case.
func (p Page) OCRImage() (img OCRImage, err error) {
	defer recoverParser(&img, &err, "ocr image")
	if p.Width <= 0 || p.Height <= 0 {
		return OCRImage{}, fmt.Errorf("ocr image page %d: size %dx%d: %w", p.Index+1, p.Width, p.Height, ErrBroken)
	}
	s := p.Stream
	dpiX, dpiY := p.DPIX, p.DPIY
	if dpiX <= 0 || dpiY <= 0 {
		dpiX, dpiY = ocrDefaultDPI, ocrDefaultDPI
	}
	switch s.Filter {
	case FilterDCT:
		return OCRImage{Format: OCRFormatJPEG, Data: s.Data}, nil
	case FilterCCITT:
		if s.DecodeParms["K"] < 0 && s.DecodeParms["EncodedByteAlign"] == 0 {
			return OCRImage{Format: OCRFormatTIFF, Data: g4TIFF(s.Data, p.Width, p.Height, s.DecodeParms["BlackIs1"] != 0, dpiX, dpiY)}, nil
		}
		data, err := decodeCCITTForOCR(s, p.Width, p.Height)
		if err != nil {
			return OCRImage{}, fmt.Errorf("ocr image page %d: %w", p.Index+1, err)
		}
		return OCRImage{Format: OCRFormatPNM, Data: data}, nil
	case FilterFlate:
		if pngLayout(s, p.Width) {
			return OCRImage{Format: OCRFormatPNG, Data: flateToPNG(s, p.Width, p.Height, dpiX, dpiY)}, nil
		}
		if pred := s.DecodeParms["Predictor"]; pred > 1 {
			return OCRImage{}, fmt.Errorf("ocr image page %d: flate predictor %d: %w", p.Index+1, pred, ErrUnsupported)
		}
		return OCRImage{Format: OCRFormatTIFF, Data: flateTIFF(s, p.Width, p.Height, dpiX, dpiY)}, nil
	}
	return OCRImage{}, fmt.Errorf("ocr image page %d: filter %q: %w", p.Index+1, s.Filter, ErrUnsupported)
}

// g4TIFF wraps G4 data into a single-strip TIFF. Photometric follows
// BlackIs1 with libtiff's convention (see tiffImage.passthrough):
// BlackIs1 false ↔ WhiteIsZero.
func g4TIFF(data []byte, w, h int, blackIs1 bool, dpiX, dpiY float64) []byte {
	photometric := uint32(photoWhiteIsZero)
	if blackIs1 {
		photometric = photoBlackIsZero
	}
	return wrapTIFF(data, w, h, 1, 1, compG4, photometric, dpiX, dpiY)
}

// flateTIFF wraps Flate data without predictor into a single-strip TIFF
// with Deflate compression: PDF's FlateDecode and TIFF's compression 8
// are the same zlib stream of rows padded to whole bytes, so libtiff
// inflates it (in C) and nothing is decoded here. 0 is black in PDF's
// DeviceGray, as in TIFF's BlackIsZero.
func flateTIFF(s Stream, w, h int, dpiX, dpiY float64) []byte {
	spp, photometric := uint32(1), uint32(photoBlackIsZero)
	if s.ColorSpace == ColorSpaceRGB {
		spp, photometric = 3, photoRGB
	}
	return wrapTIFF(s.Data, w, h, uint32(s.BitsPerComponent), spp, compDeflate, photometric, dpiX, dpiY)
}

// wrapTIFF writes a little-endian TIFF with one directory and the data as
// its only strip: a header, 14 entries, BitsPerSample and the resolution
// after them, then the data.
func wrapTIFF(data []byte, w, h int, bps, spp, compression, photometric uint32, dpiX, dpiY float64) []byte {
	type entry struct {
		tag, typ uint16
		count    uint32
		value    uint32 // the value, or the offset of the values
	}
	const nEntries = 14
	const ifdAt = 8
	bpsAt := uint32(ifdAt + 2 + nEntries*12 + 4)
	resAt := bpsAt + 8 // room for three SHORTs, kept even
	dataAt := resAt + 16
	bpsEntry := entry{tagBitsPerSample, 3, 1, bps}
	if spp > 1 { // three SHORTs do not fit into the entry
		bpsEntry = entry{tagBitsPerSample, 3, spp, bpsAt}
	}
	entries := [nEntries]entry{
		{tagImageWidth, 4, 1, uint32(w)},
		{tagImageLength, 4, 1, uint32(h)},
		bpsEntry,
		{tagCompression, 3, 1, compression},
		{tagPhotometric, 3, 1, photometric},
		{tagStripOffsets, 4, 1, dataAt},
		{tagSamplesPerPixel, 3, 1, spp},
		{tagRowsPerStrip, 4, 1, uint32(h)},
		{tagStripByteCounts, 4, 1, uint32(len(data))},
		{282, 5, 1, resAt},     // XResolution
		{283, 5, 1, resAt + 8}, // YResolution
		{tagPlanarConfig, 3, 1, 1},
		{293, 4, 1, 0}, // T6Options: no uncompressed mode (ignored unless G4)
		{296, 3, 1, 2}, // ResolutionUnit: inch
	}
	out := make([]byte, 0, int(dataAt)+len(data))
	le := binary.LittleEndian
	out = append(out, 'I', 'I', 42, 0)
	out = le.AppendUint32(out, ifdAt)
	out = le.AppendUint16(out, nEntries)
	for _, e := range entries {
		out = le.AppendUint16(out, e.tag)
		out = le.AppendUint16(out, e.typ)
		out = le.AppendUint32(out, e.count)
		if e.typ == 3 && e.count == 1 { // a SHORT sits left-justified
			out = le.AppendUint16(out, uint16(e.value))
			out = le.AppendUint16(out, 0)
		} else {
			out = le.AppendUint32(out, e.value)
		}
	}
	out = le.AppendUint32(out, 0) // no next IFD
	for range 4 {                 // BitsPerSample values (3 used at most)
		out = le.AppendUint16(out, uint16(bps))
	}
	for _, dpi := range []float64{dpiX, dpiY} {
		out = le.AppendUint32(out, uint32(dpi*100+0.5))
		out = le.AppendUint32(out, 100)
	}
	return append(out, data...)
}

// pngLayout says whether Flate data is PNG IDAT data for this image: PNG
// predictors (every row starts with its filter byte) and a sample layout
// PNG has (1 or 8-bit grey, 8-bit RGB).
func pngLayout(s Stream, width int) bool {
	parm := func(k string, def int) int {
		if v, ok := s.DecodeParms[k]; ok {
			return v
		}
		return def
	}
	colors := 1
	if s.ColorSpace == ColorSpaceRGB {
		colors = 3
	}
	return parm("Predictor", 1) >= 10 &&
		parm("Colors", 1) == colors &&
		parm("BitsPerComponent", 8) == s.BitsPerComponent &&
		parm("Columns", 1) == width &&
		(s.BitsPerComponent == 8 || (s.BitsPerComponent == 1 && colors == 1))
}

// flateToPNG wraps PNG-layout Flate data into a PNG file: signature, IHDR,
// pHYs, one IDAT, IEND.
func flateToPNG(s Stream, w, h int, dpiX, dpiY float64) []byte {
	colorType := byte(0)
	if s.ColorSpace == ColorSpaceRGB {
		colorType = 2
	}
	out := make([]byte, 0, len(s.Data)+80)
	out = append(out, pngSignature...)
	chunk := func(typ string, body []byte) {
		out = binary.BigEndian.AppendUint32(out, uint32(len(body)))
		start := len(out)
		out = append(out, typ...)
		out = append(out, body...)
		out = binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[start:]))
	}
	be := binary.BigEndian
	ihdr := be.AppendUint32(nil, uint32(w))
	ihdr = be.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, byte(s.BitsPerComponent), colorType, 0, 0, 0)
	chunk("IHDR", ihdr)
	phys := be.AppendUint32(nil, uint32(dpiX/0.0254+0.5))
	phys = be.AppendUint32(phys, uint32(dpiY/0.0254+0.5))
	chunk("pHYs", append(phys, 1))
	chunk("IDAT", s.Data)
	chunk("IEND", nil)
	return out
}

func invert(b []byte) {
	for i, v := range b {
		b[i] = ^v
	}
}

// decodeCCITTForOCR decodes CCITT data that is not plain G4 (G3, or
// byte-aligned rows) into PBM.
func decodeCCITTForOCR(s Stream, w, h int) ([]byte, error) {
	k := s.DecodeParms["K"]
	if k > 0 {
		return nil, fmt.Errorf("ccitt group 3 with 2-d coding: %w", ErrUnsupported)
	}
	sub := ccitt.Group4
	if k == 0 {
		sub = ccitt.Group3
	}
	header := []byte("P4\n" + strconv.Itoa(w) + " " + strconv.Itoa(h) + "\n")
	out := make([]byte, len(header)+(w+7)/8*h)
	copy(out, header)
	// PBM's 1 is black. CCITT black is black unless BlackIs1, which
	// makes CCITT white the black of the page.
	opts := &ccitt.Options{Invert: s.DecodeParms["BlackIs1"] == 0, Align: s.DecodeParms["EncodedByteAlign"] != 0}
	r := ccitt.NewReader(bytes.NewReader(s.Data), ccitt.MSB, sub, w, h, opts)
	if _, err := io.ReadFull(r, out[len(header):]); err != nil {
		return nil, fmt.Errorf("ccitt: %w: %w", ErrBroken, short(err))
	}
	return out, nil
}
