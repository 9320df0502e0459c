package pageimage

import (
	"fmt"
)

// sampleLayout describes uncompressed pixel samples the way TIFF strips and
// PDF image streams hold them: rows start on a byte boundary, samples of
// fewer than 8 bits are packed MSB first, samples of a pixel are
// interleaved.
type sampleLayout struct {
	w, h int
	bpc  int // bits per sample: 1, 2, 4, 8 or 16
	spp  int // samples per pixel in the data
	// colors is how many leading samples of a pixel carry colour: 1 (grey
	// or palette index), 3 (RGB) or 4 (CMYK). Further samples (TIFF
	// ExtraSamples, i.e. alpha) are dropped: a scan is opaque paper.
	colors int
	// inverted: 0 means full intensity (TIFF WhiteIsZero, a PDF /Decode
	// [1 0] array). For CMYK it is ignored (0 ink is white anyway).
	inverted bool
	cmyk     bool
	// palette holds RGB triples for indexed images (TIFF Palette, PDF
	// /Indexed); nil otherwise.
	palette []byte
	// littleEndian16: 16-bit samples in little-endian order (TIFF "II").
	littleEndian16 bool
}

func (l sampleLayout) rowBytes() int { return (l.w*l.spp*l.bpc + 7) / 8 }

// toRaster converts samples to a raster. data must hold h rows.
func (l sampleLayout) toRaster(data []byte) (*raster, error) {
	rb := l.rowBytes()
	if len(data) < rb*l.h {
		return nil, fmt.Errorf("image data has %d bytes, %dx%d needs %d: %w", len(data), l.w, l.h, rb*l.h, ErrBroken)
	}
	switch {
	case l.palette != nil:
		return l.indexed(data, rb)
	case l.colors == 1 && l.bpc == 1:
		if l.spp != 1 {
			return nil, fmt.Errorf("1-bit image with %d samples per pixel: %w", l.spp, ErrUnsupported)
		}
		r := newRaster(l.w, l.h, ModeBilevel)
		for y := range l.h {
			src, dst := data[y*rb:(y+1)*rb], r.pix[y*r.stride:(y+1)*r.stride]
			if l.inverted { // 1 = black already
				copy(dst, src)
				continue
			}
			for i, v := range src {
				dst[i] = ^v
			}
		}
		return r, nil
	case l.colors == 1:
		if l.bpc == 8 && l.spp == 1 && !l.inverted {
			return &raster{w: l.w, h: l.h, mode: ModeGray, stride: rb, pix: data[:rb*l.h]}, nil
		}
		r := newRaster(l.w, l.h, ModeGray)
		for y := range l.h {
			src, dst := data[y*rb:(y+1)*rb], r.pix[y*r.stride:(y+1)*r.stride]
			for x := range l.w {
				v := l.sample(src, x*l.spp)
				if l.inverted {
					v = 255 - v
				}
				dst[x] = v
			}
		}
		return r, nil
	case l.colors == 3 || (l.colors == 4 && l.cmyk):
		if l.bpc == 8 && l.spp == 3 && !l.inverted {
			return &raster{w: l.w, h: l.h, mode: ModeColor, stride: rb, pix: data[:rb*l.h]}, nil
		}
		r := newRaster(l.w, l.h, ModeColor)
		for y := range l.h {
			src, dst := data[y*rb:(y+1)*rb], r.pix[y*r.stride:(y+1)*r.stride]
			for x := range l.w {
				s := x * l.spp
				var c [3]byte
				if l.cmyk {
					k := 255 - uint32(l.sample(src, s+3))
					for i := range 3 {
						c[i] = byte((255 - uint32(l.sample(src, s+i))) * k / 255)
					}
				} else {
					for i := range 3 {
						c[i] = l.sample(src, s+i)
						if l.inverted {
							c[i] = 255 - c[i]
						}
					}
				}
				copy(dst[3*x:], c[:])
			}
		}
		return r, nil
	}
	return nil, fmt.Errorf("%d colour samples per pixel: %w", l.colors, ErrUnsupported)
}

// sample returns sample i of a row scaled to 8 bits.
func (l sampleLayout) sample(row []byte, i int) byte {
	switch l.bpc {
	case 8:
		return row[i]
	case 16:
		if l.littleEndian16 {
			return row[2*i+1]
		}
		return row[2*i]
	default:
		v := l.raw(row, i)
		return byte(v * 255 / (1<<l.bpc - 1))
	}
}

// raw returns sample i of a row of 1, 2 or 4-bit samples unscaled.
func (l sampleLayout) raw(row []byte, i int) int {
	bit := i * l.bpc
	shift := 8 - l.bpc - bit&7
	return int(row[bit>>3]>>shift) & (1<<l.bpc - 1)
}

// indexed expands palette indices. A palette of greys yields a grey page,
// a palette of just black and white a bilevel one (1-bit PNGs are
// written that way), anything else colour.
func (l sampleLayout) indexed(data []byte, rb int) (*raster, error) {
	if l.spp != 1 || l.bpc > 8 {
		return nil, fmt.Errorf("indexed image with %d samples of %d bits: %w", l.spp, l.bpc, ErrUnsupported)
	}
	n := len(l.palette) / 3
	if n == 0 {
		return nil, fmt.Errorf("empty palette: %w", ErrBroken)
	}
	gray, blackWhite := true, n <= 2
	for i := range n {
		r, g, b := l.palette[3*i], l.palette[3*i+1], l.palette[3*i+2]
		if r != g || g != b {
			gray = false
		}
		if r != 0 && r != 255 {
			blackWhite = false
		}
	}
	index := func(row []byte, x int) int {
		var v int
		if l.bpc == 8 {
			v = int(row[x])
		} else {
			v = l.raw(row, x)
		}
		return min(v, n-1) // PDF clamps an index beyond hival; TIFF does not say
	}
	switch {
	case gray && blackWhite:
		r := newRaster(l.w, l.h, ModeBilevel)
		for y := range l.h {
			src, dst := data[y*rb:(y+1)*rb], r.pix[y*r.stride:(y+1)*r.stride]
			for x := range l.w {
				if l.palette[3*index(src, x)] == 0 {
					dst[x>>3] |= 0x80 >> (x & 7)
				}
			}
		}
		return r, nil
	case gray:
		r := newRaster(l.w, l.h, ModeGray)
		for y := range l.h {
			src, dst := data[y*rb:(y+1)*rb], r.pix[y*r.stride:(y+1)*r.stride]
			for x := range l.w {
				dst[x] = l.palette[3*index(src, x)]
			}
		}
		return r, nil
	}
	r := newRaster(l.w, l.h, ModeColor)
	for y := range l.h {
		src, dst := data[y*rb:(y+1)*rb], r.pix[y*r.stride:(y+1)*r.stride]
		for x := range l.w {
			copy(dst[3*x:3*x+3], l.palette[3*index(src, x):])
		}
	}
	return r, nil
}
