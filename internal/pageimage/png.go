package pageimage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// pngInfo is what a PNG's chunks say, with the image data still
// compressed.
type pngInfo struct {
	width, height int
	depth         int
	colorType     int // 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA
	interlace     int
	dpiX, dpiY    float64
	idat          []byte
}

// parsePNG reads the chunk structure, checking every CRC (cheap next to
// decoding, and it catches corruption the archive would otherwise keep)
// and requiring IEND (a transfer cut short).
func parsePNG(b []byte) (pngInfo, error) {
	var info pngInfo
	if !bytes.HasPrefix(b, pngSignature) {
		return info, fmt.Errorf("png: bad signature: %w", ErrBroken)
	}
	var idat [][]byte
	idatLen := 0
	sawIHDR := false
	for pos := len(pngSignature); ; {
		if len(b)-pos < 12 {
			return info, fmt.Errorf("png truncated: no IEND chunk: %w", ErrBroken)
		}
		n := int64(binary.BigEndian.Uint32(b[pos:]))
		if n > int64(len(b)-pos-12) {
			return info, fmt.Errorf("png truncated: chunk of %d bytes at %d: %w", n, pos, ErrBroken)
		}
		typ := string(b[pos+4 : pos+8])
		body := b[pos+8 : pos+8+int(n)]
		want := binary.BigEndian.Uint32(b[pos+8+int(n):])
		if crc32.Update(crc32.ChecksumIEEE(b[pos+4:pos+8]), crc32.IEEETable, body) != want {
			return info, fmt.Errorf("png: chunk %q at %d: CRC mismatch: %w", typ, pos, ErrBroken)
		}
		pos += 12 + int(n)
		if !sawIHDR && typ != "IHDR" {
			return info, fmt.Errorf("png: first chunk is %q, not IHDR: %w", typ, ErrBroken)
		}
		switch typ {
		case "IHDR":
			if sawIHDR || len(body) != 13 {
				return info, fmt.Errorf("png: bad IHDR: %w", ErrBroken)
			}
			sawIHDR = true
			w, h := binary.BigEndian.Uint32(body), binary.BigEndian.Uint32(body[4:])
			if w == 0 || h == 0 || w > 1<<31-1 || h > 1<<31-1 {
				return info, fmt.Errorf("png: size %dx%d: %w", w, h, ErrBroken)
			}
			info.width, info.height = int(w), int(h)
			info.depth, info.colorType = int(body[8]), int(body[9])
			info.interlace = int(body[12])
			if body[10] != 0 || body[11] != 0 {
				return info, fmt.Errorf("png: compression method %d, filter method %d: %w", body[10], body[11], ErrBroken)
			}
		case "pHYs":
			if len(body) == 9 && body[8] == 1 { // unit 1: per metre
				info.dpiX = float64(binary.BigEndian.Uint32(body)) * 0.0254
				info.dpiY = float64(binary.BigEndian.Uint32(body[4:])) * 0.0254
			}
		case "IDAT":
			idat = append(idat, body)
			idatLen += len(body)
		case "IEND":
			if len(idat) == 0 {
				return info, fmt.Errorf("png: no image data: %w", ErrBroken)
			}
			if len(idat) == 1 {
				info.idat = idat[0] // the common case: no copy
			} else {
				info.idat = make([]byte, 0, idatLen)
				for _, c := range idat {
					info.idat = append(info.idat, c...)
				}
			}
			info.dpiX, info.dpiY = scanDPI(info.dpiX, info.dpiY)
			return info, nil
		}
	}
}

// channels is the number of samples per pixel for the colour type.
func (p pngInfo) channels() int {
	switch p.colorType {
	case 2:
		return 3
	case 4:
		return 2
	case 6:
		return 4
	}
	return 1
}

func openPNG(data []byte, lim Limits) ([]Page, error) {
	info, err := parsePNG(data)
	if err != nil {
		return nil, err
	}
	if err := lim.checkPage(info.width, info.height, info.channels()*info.depth); err != nil {
		return nil, fmt.Errorf("png: %w", err)
	}
	p := Page{Width: info.width, Height: info.height, DPIX: info.dpiX, DPIY: info.dpiY}

	// PDF's FlateDecode with /Predictor 15 is PNG's IDAT format, so a
	// non-interlaced PNG whose samples PDF reads the same way goes in as
	// is. Palette and alpha do not (PDF would need /Indexed or an SMask,
	// and a scan has no transparency), nor do 2/4/16-bit samples.
	passthrough := info.interlace == 0 &&
		((info.colorType == 0 && (info.depth == 8 || info.depth == 1)) ||
			(info.colorType == 2 && info.depth == 8))
	if passthrough {
		colors, cs, mode := 1, ColorSpaceGray, ModeGray
		switch {
		case info.colorType == 2:
			colors, cs, mode = 3, ColorSpaceRGB, ModeColor
		case info.depth == 1:
			mode = ModeBilevel
		}
		p.Mode = mode
		p.Stream = Stream{
			Filter:           FilterFlate,
			DecodeParms:      map[string]int{"Predictor": 15, "Colors": colors, "BitsPerComponent": info.depth, "Columns": info.width},
			ColorSpace:       cs,
			BitsPerComponent: info.depth,
			Data:             info.idat,
		}
		return []Page{p}, nil
	}

	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("png decode: %w: %w", ErrBroken, short(err))
	}
	r, err := imageToRaster(img, info.colorType == 0 || info.colorType == 4)
	if err != nil {
		return nil, fmt.Errorf("png: %w", err)
	}
	if p.Stream, err = r.stream(); err != nil {
		return nil, fmt.Errorf("png: %w", err)
	}
	p.Mode = r.mode
	return []Page{p}, nil
}

// imageToRaster converts what image/png decodes to a raster. Alpha is
// composited onto white paper; gray says the source has no colour.
// Palettes go through sampleLayout.indexed, which finds grey and
// black-and-white palettes.
func imageToRaster(img image.Image, gray bool) (*raster, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.Gray:
		return &raster{w: w, h: h, mode: ModeGray, stride: w, pix: packRows(m.Pix, m.Stride, w, h)}, nil
	case *image.Gray16:
		l := sampleLayout{w: w, h: h, bpc: 16, spp: 1, colors: 1}
		return l.toRaster(packRows(m.Pix, m.Stride, 2*w, h))
	case *image.Paletted:
		pal := make([]byte, 0, 3*len(m.Palette))
		for _, c := range m.Palette {
			r, g, bl, a := c.RGBA() // premultiplied, 16 bits
			pal = append(pal, onWhite(r, a), onWhite(g, a), onWhite(bl, a))
		}
		l := sampleLayout{w: w, h: h, bpc: 8, spp: 1, colors: 1, palette: pal}
		return l.toRaster(packRows(m.Pix, m.Stride, w, h))
	}
	mode := ModeColor
	if gray {
		mode = ModeGray
	}
	r := newRaster(w, h, mode)
	put := func(x, y int, cr, cg, cb uint8) {
		if gray {
			r.pix[y*r.stride+x] = cr
		} else {
			copy(r.pix[y*r.stride+3*x:], []byte{cr, cg, cb})
		}
	}
	switch m := img.(type) {
	case *image.NRGBA:
		for y := range h {
			row := m.Pix[y*m.Stride:]
			for x := range w {
				s := row[4*x : 4*x+4]
				a := uint32(s[3])
				put(x, y, nrgbaOnWhite(s[0], a), nrgbaOnWhite(s[1], a), nrgbaOnWhite(s[2], a))
			}
		}
	case *image.NRGBA64:
		for y := range h {
			row := m.Pix[y*m.Stride:]
			for x := range w {
				s := row[8*x : 8*x+8]
				a := uint32(s[6])
				put(x, y, nrgbaOnWhite(s[0], a), nrgbaOnWhite(s[2], a), nrgbaOnWhite(s[4], a))
			}
		}
	case *image.RGBA64: // premultiplied
		for y := range h {
			row := m.Pix[y*m.Stride:]
			for x := range w {
				s := row[8*x : 8*x+8]
				c16 := func(i int) uint32 { return uint32(s[i])<<8 | uint32(s[i+1]) }
				a := c16(6)
				put(x, y, onWhite(c16(0), a), onWhite(c16(2), a), onWhite(c16(4), a))
			}
		}
	default: // anything else, slowly, premultiplied via the interface
		for y := range h {
			for x := range w {
				cr, cg, cb, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				put(x, y, onWhite(cr, a), onWhite(cg, a), onWhite(cb, a))
			}
		}
	}
	return r, nil
}

// onWhite composites a premultiplied 16-bit channel onto white.
func onWhite(c, a uint32) uint8 { return uint8((c + 0xFFFF - a) >> 8) }

// nrgbaOnWhite composites a non-premultiplied 8-bit channel onto white.
func nrgbaOnWhite(c uint8, a uint32) uint8 {
	return uint8((uint32(c)*a + 255*(255-a) + 127) / 255)
}
