package pageimage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
)

// jpegInfo is what the JPEG markers before the first scan say.
type jpegInfo struct {
	sof           byte // SOFn marker: 0xC0 baseline, 0xC1 extended, 0xC2 progressive, ...
	width, height int
	comps         int
	precision     int
	dpiX, dpiY    float64
	orientation   int // EXIF Orientation, 0 if absent
	hasJFIF       bool
	hasAdobe      bool
}

// parseJPEG walks the marker segments up to the first SOS. It does not
// touch the entropy-coded data; only the end of the file is checked for
// EOI so that a transfer cut short is caught here and not after archiving.
func parseJPEG(b []byte) (jpegInfo, error) {
	var info jpegInfo
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return info, fmt.Errorf("jpeg: no SOI marker: %w", ErrBroken)
	}
	var exifX, exifY float64
	jfifUnits := 0
	for i := 2; ; {
		if i >= len(b) || b[i] != 0xFF {
			return info, fmt.Errorf("jpeg: no marker at offset %d: %w", i, ErrBroken)
		}
		for i < len(b) && b[i] == 0xFF { // fill bytes
			i++
		}
		if i >= len(b) {
			return info, fmt.Errorf("jpeg: truncated before image data: %w", ErrBroken)
		}
		m := b[i]
		i++
		switch {
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			continue // no length field
		case m == 0xD8 || m == 0xD9:
			return info, fmt.Errorf("jpeg: marker %02X before image data: %w", m, ErrBroken)
		}
		if i+2 > len(b) {
			return info, fmt.Errorf("jpeg: truncated segment: %w", ErrBroken)
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 || i+n > len(b) {
			return info, fmt.Errorf("jpeg: segment %02X of %d bytes at %d: %w", m, n, i, ErrBroken)
		}
		seg := b[i+2 : i+n]
		i += n
		switch {
		case m == 0xE0 && len(seg) >= 12 && bytes.HasPrefix(seg, []byte("JFIF\x00")):
			info.hasJFIF = true
			jfifUnits = int(seg[7])
			x, y := float64(binary.BigEndian.Uint16(seg[8:])), float64(binary.BigEndian.Uint16(seg[10:]))
			switch jfifUnits {
			case 1:
				info.dpiX, info.dpiY = x, y
			case 2:
				info.dpiX, info.dpiY = x*2.54, y*2.54
			}
		case m == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")):
			exifX, exifY, info.orientation = parseEXIF(seg[6:])
		case m == 0xEE && len(seg) >= 12 && bytes.HasPrefix(seg, []byte("Adobe")):
			info.hasAdobe = true
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC:
			if len(seg) < 6 {
				return info, fmt.Errorf("jpeg: short SOF segment: %w", ErrBroken)
			}
			info.sof = m
			info.precision = int(seg[0])
			info.height = int(binary.BigEndian.Uint16(seg[1:]))
			info.width = int(binary.BigEndian.Uint16(seg[3:]))
			info.comps = int(seg[5])
			if len(seg) < 6+3*info.comps {
				return info, fmt.Errorf("jpeg: short SOF segment: %w", ErrBroken)
			}
		case m == 0xDA:
			if info.sof == 0 {
				return info, fmt.Errorf("jpeg: scan before frame header: %w", ErrBroken)
			}
			if !bytes.Contains(b[max(0, len(b)-1024):], []byte{0xFF, 0xD9}) {
				return info, fmt.Errorf("jpeg truncated: no EOI marker in the last 1024 bytes: %w", ErrBroken)
			}
			if info.dpiX == 0 && exifX > 0 {
				info.dpiX, info.dpiY = exifX, exifY
			}
			info.dpiX, info.dpiY = scanDPI(info.dpiX, info.dpiY)
			return info, nil
		}
	}
}

// parseEXIF reads resolution and orientation from IFD0 of an EXIF block.
// A malformed EXIF block is ignored: it is metadata, not the image.
func parseEXIF(b []byte) (dpiX, dpiY float64, orientation int) {
	t, off, err := parseTIFFHeader(b)
	if err != nil {
		return 0, 0, 0
	}
	dir, _, err := t.readIFD(off)
	if err != nil {
		return 0, 0, 0
	}
	dpiX, dpiY = dir.resolution(t)
	orientation, _ = dir.int(t, 274, 0)
	return dpiX, dpiY, orientation
}

// scanDPI treats 72 and 96 dpi as "not stated": they are the defaults
// cameras and image editors write, never a scanner's setting, and taking
// them at face value would make a photographed letter a metre wide in the
// archive. 0 makes the caller assume 300.
func scanDPI(x, y float64) (float64, float64) {
	x, y = roundDPI(x), roundDPI(y)
	if x == y && (x == 72 || x == 96) {
		return 0, 0
	}
	if y == 0 {
		y = x
	}
	return x, y
}

// checkDCT says whether PDF's DCTDecode can carry the JPEG as is: 8-bit
// Huffman-coded baseline, extended or progressive, grey or YCbCr/RGB.
// CMYK comes back as errCMYK so the caller can convert it.
func (j jpegInfo) checkDCT() error {
	switch j.sof {
	case 0xC0, 0xC1, 0xC2:
	case 0xC3, 0xC7, 0xCB, 0xCF:
		return fmt.Errorf("lossless jpeg: %w", ErrUnsupported)
	default:
		return fmt.Errorf("jpeg with arithmetic coding or hierarchical frames (SOF %02X): %w", j.sof, ErrUnsupported)
	}
	if j.precision != 8 {
		return fmt.Errorf("%d-bit jpeg: %w", j.precision, ErrUnsupported)
	}
	switch j.comps {
	case 1, 3:
		return nil
	case 4:
		return errCMYK
	}
	return fmt.Errorf("jpeg with %d components: %w", j.comps, ErrUnsupported)
}

// errCMYK is internal: a CMYK JPEG, which is decoded and converted.
var errCMYK = fmt.Errorf("cmyk jpeg: %w", ErrUnsupported)

func openJPEG(data []byte, lim Limits) ([]Page, error) {
	info, err := parseJPEG(data)
	if err != nil {
		return nil, err
	}
	if info.height == 0 {
		return nil, fmt.Errorf("jpeg with height in a DNL marker: %w", ErrUnsupported)
	}
	// The decoded size matters even for passthrough: OCR decodes it.
	if err := lim.checkPage(info.width, info.height, 8*info.comps); err != nil {
		return nil, fmt.Errorf("jpeg: %w", err)
	}
	p := Page{
		Width: info.width, Height: info.height,
		DPIX: info.dpiX, DPIY: info.dpiY,
		Rotate: orientationRotate(info.orientation),
	}
	switch err := info.checkDCT(); err {
	case nil:
		p.Mode, p.Stream = ModeGray, Stream{Filter: FilterDCT, ColorSpace: ColorSpaceGray, BitsPerComponent: 8, Data: data}
		if info.comps == 3 {
			p.Mode, p.Stream.ColorSpace = ModeColor, ColorSpaceRGB
		}
	case errCMYK:
		// PDF could carry CMYK JPEG, but PDF/A then needs a CMYK output
		// intent and leptonica reads CMYK poorly; scanners never write
		// it, so the rare one is converted to RGB once.
		if err := lim.checkPage(info.width, info.height, 8*4); err != nil {
			return nil, fmt.Errorf("jpeg: %w", err)
		}
		r, err := decodeCMYKJPEG(data)
		if err != nil {
			return nil, err
		}
		if p.Stream, err = r.stream(); err != nil {
			return nil, fmt.Errorf("jpeg: %w", err)
		}
		p.Mode = ModeColor
	default:
		return nil, err
	}
	return []Page{p}, nil
}

func decodeCMYKJPEG(data []byte) (*raster, error) {
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("jpeg decode: %w: %w", ErrBroken, short(err))
	}
	c, ok := img.(*image.CMYK)
	if !ok {
		return nil, fmt.Errorf("jpeg decodes to %T, want CMYK: %w", img, ErrUnsupported)
	}
	b := c.Bounds()
	l := sampleLayout{w: b.Dx(), h: b.Dy(), bpc: 8, spp: 4, colors: 4, cmyk: true}
	return l.toRaster(packRows(c.Pix, c.Stride, l.rowBytes(), l.h))
}

// packRows returns rows of rowBytes bytes without stride padding.
func packRows(pix []byte, stride, rowBytes, h int) []byte {
	if stride == rowBytes {
		return pix[:rowBytes*h]
	}
	out := make([]byte, rowBytes*h)
	for y := range h {
		copy(out[y*rowBytes:], pix[y*stride:y*stride+rowBytes])
	}
	return out
}
