package pageimage

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"math/bits"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// jpegTablesSplit turns a JPEG from image/jpeg into a TIFF "new-style"
// pair: JPEGTables (SOI, DQT, DHT, EOI) and an abbreviated strip (SOI,
// the rest).
func jpegTablesSplit(t testing.TB, b []byte) (tables, strip []byte) {
	t.Helper()
	tables, strip = []byte{0xFF, 0xD8}, []byte{0xFF, 0xD8}
	for i := 2; i < len(b); {
		m := b[i+1]
		if m == 0xDA {
			strip = append(strip, b[i:]...)
			break
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		seg := b[i : i+2+n]
		if m == 0xDB || m == 0xC4 {
			tables = append(tables, seg...)
		} else {
			strip = append(strip, seg...)
		}
		i += 2 + n
	}
	return append(tables, 0xFF, 0xD9), strip
}

func TestOpenTIFF(t *testing.T) {
	const w, h = 200, 150
	letter := letterPage(w, h, true)
	gray := toGray(letter)
	grayPix := packRows(gray.Pix, gray.Stride, w, h)
	rgbPix := make([]byte, 0, 3*w*h)
	for i := 0; i < len(letter.Pix); i += 4 {
		rgbPix = append(rgbPix, letter.Pix[i:i+3]...)
	}
	bits1 := bitmap(letter) // 1 = black: TIFF WhiteIsZero
	rb := bits1.stride
	inverted := slices.Clone(bits1.pix) // TIFF BlackIsZero
	invert(inverted)
	bitPix := make([]byte, w*h) // what a reader must show for the bilevel pages
	for y := range h {
		for x := range w {
			if !bitmapAt(bits1, x, y) {
				bitPix[y*w+x] = 255
			}
		}
	}
	g4White := encodeG4(bits1.pix, w, h, rb)
	g4Black := encodeG4(inverted, w, h, rb)
	reversed := slices.Clone(g4White)
	for i, c := range reversed {
		reversed[i] = bits.Reverse8(c)
	}
	var g4Strips [][]byte
	for y := 0; y < h; y += 40 {
		n := min(40, h-y)
		g4Strips = append(g4Strips, encodeG4(bits1.pix[y*rb:], w, n, rb))
	}
	predicted := slices.Clone(grayPix) // TIFF predictor 2
	for y := range h {
		row := predicted[y*w : (y+1)*w]
		for x := w - 1; x > 0; x-- {
			row[x] -= row[x-1]
		}
	}
	gray16 := make([]byte, 0, 2*w*h) // big-endian, as in an "MM" file
	for _, v := range grayPix {
		gray16 = append(gray16, v, 0x80)
	}
	// A 4-bit palette of greys: index = grey/17.
	pal4 := make([]byte, 0, (w+1)/2*h)
	pal4Pix := make([]byte, 0, w*h)
	for y := range h {
		for x := 0; x < w; x += 2 {
			a, b := grayPix[y*w+x]/17, grayPix[y*w+x+1]/17
			pal4 = append(pal4, a<<4|b)
			pal4Pix = append(pal4Pix, a*17, b*17)
		}
	}
	var colorMap []uint32
	for range 3 {
		for i := range 16 {
			colorMap = append(colorMap, uint32(i*17)<<8|uint32(i*17))
		}
	}
	cmyk := make([]byte, 0, 4*w*h)
	for i := 0; i < len(rgbPix); i += 3 {
		cmyk = append(cmyk, 255-rgbPix[i], 255-rgbPix[i+1], 255-rgbPix[i+2], 0)
	}
	grayJPEG := encodeJPEG(t, gray, 85)
	jtables, jstrip := jpegTablesSplit(t, grayJPEG)
	colorJPEG := encodeJPEG(t, letter, 85)
	ctables, cstrip := jpegTablesSplit(t, colorJPEG)
	var jpegStrips [][]byte // 3 strips of 64, 64, 22 rows
	var jpegStripPix []byte
	for y := 0; y < h; y += 64 {
		sub := gray.SubImage(image.Rect(0, y, w, min(h, y+64))).(*image.Gray)
		one := encodeJPEG(t, sub, 85)
		_, s := jpegTablesSplit(t, one)
		jpegStrips = append(jpegStrips, s)
		dec := pdfPixels(t, Page{Width: w, Height: sub.Bounds().Dy(), Stream: Stream{Filter: FilterDCT, ColorSpace: ColorSpaceGray, Data: one}})
		jpegStripPix = append(jpegStripPix, dec...)
	}
	// Tiles of 16x16 over the grey page, uncompressed.
	var tiles [][]byte
	for ty := 0; ty < h; ty += 16 {
		for tx := 0; tx < w; tx += 16 {
			tile := make([]byte, 16*16)
			for y := range 16 {
				for x := range 16 {
					if ty+y < h && tx+x < w {
						tile[y*16+x] = grayPix[(ty+y)*w+tx+x]
					}
				}
			}
			tiles = append(tiles, tile)
		}
	}
	lzwGray := lzwTIFF(grayPix)
	jpegTablesTag := func(b []byte) tiffTag { return tiffTag{tag: tagJPEGTables, typ: 7, raw: b} }
	tag := func(t uint16, v ...uint32) tiffTag { return tiffTag{tag: t, typ: 3, vals: v} }

	tests := []struct {
		name        string
		bo          byteOrder
		tags        []tiffTag
		strips      [][]byte
		tiles       bool
		mode        Mode
		filter      string
		blackIs1    bool
		passthrough []byte // expected Stream.Data, nil if re-encoded
		pixels      []byte
		ocr         string
	}{
		{"G4 single strip WhiteIsZero", binary.LittleEndian, tiffTags(w, h, 1, 1, compG4, 0, h, 300), [][]byte{g4White}, false, ModeBilevel, FilterCCITT, false, g4White, bitPix, OCRFormatTIFF},
		{"G4 single strip BlackIsZero", binary.BigEndian, tiffTags(w, h, 1, 1, compG4, 1, h, 300), [][]byte{g4Black}, false, ModeBilevel, FilterCCITT, true, g4Black, bitPix, OCRFormatTIFF},
		{"G4 FillOrder 2", binary.LittleEndian, append(tiffTags(w, h, 1, 1, compG4, 0, h, 300), tag(tagFillOrder, 2)), [][]byte{reversed}, false, ModeBilevel, FilterCCITT, false, g4White, bitPix, OCRFormatTIFF},
		{"G4 in strips is re-encoded", binary.LittleEndian, tiffTags(w, h, 1, 1, compG4, 0, 40, 300), g4Strips, false, ModeBilevel, FilterCCITT, false, nil, bitPix, OCRFormatTIFF},
		{"1-bit uncompressed WhiteIsZero", binary.LittleEndian, tiffTags(w, h, 1, 1, compNone, 0, 64, 300), stripRows(bits1.pix, rb, h, 64, slices.Clone[[]byte]), false, ModeBilevel, FilterCCITT, false, nil, bitPix, OCRFormatTIFF},
		{"1-bit PackBits BlackIsZero", binary.BigEndian, tiffTags(w, h, 1, 1, compPackBits, 1, 50, 300), stripRows(inverted, rb, h, 50, packBits), false, ModeBilevel, FilterCCITT, false, nil, bitPix, OCRFormatTIFF},
		{"grey LZW with predictor", binary.LittleEndian, append(tiffTags(w, h, 8, 1, compLZW, 1, 32, 300), tag(tagPredictor, 2)), stripRows(predicted, w, h, 32, lzwTIFF), false, ModeGray, FilterFlate, false, nil, grayPix, OCRFormatPNG},
		{"grey LZW one strip", binary.LittleEndian, tiffTags(w, h, 8, 1, compLZW, 1, h, 300), [][]byte{lzwGray}, false, ModeGray, FilterFlate, false, nil, grayPix, OCRFormatPNG},
		{"grey WhiteIsZero Deflate", binary.LittleEndian, tiffTags(w, h, 8, 1, compDeflate, 0, 100, 300), stripRows(func() []byte { b := slices.Clone(grayPix); invert(b); return b }(), w, h, 100, zlibBytes), false, ModeGray, FilterFlate, false, nil, grayPix, OCRFormatPNG},
		{"grey 16-bit big-endian", binary.BigEndian, tiffTags(w, h, 16, 1, compDeflateOld, 1, h, 300), [][]byte{zlibBytes(gray16)}, false, ModeGray, FilterFlate, false, nil, grayPix, OCRFormatPNG},
		{"RGB LZW", binary.LittleEndian, tiffTags(w, h, 8, 3, compLZW, 2, 50, 300), stripRows(rgbPix, 3*w, h, 50, lzwTIFF), false, ModeColor, FilterFlate, false, nil, rgbPix, OCRFormatPNG},
		{"4-bit palette of greys", binary.LittleEndian, append(tiffTags(w, h, 4, 1, compNone, 3, h, 300), tiffTag{tag: tagColorMap, typ: 3, vals: colorMap}), [][]byte{pal4}, false, ModeGray, FilterFlate, false, nil, pal4Pix, OCRFormatPNG},
		{"CMYK", binary.LittleEndian, tiffTags(w, h, 8, 4, compNone, 5, h, 300), [][]byte{cmyk}, false, ModeColor, FilterFlate, false, nil, rgbPix, OCRFormatPNG},
		{"grey tiles", binary.LittleEndian, append(tiffTags(w, h, 8, 1, compNone, 1, h, 300), tiffTag{tag: tagTileWidth, typ: 3, vals: []uint32{16}}, tiffTag{tag: tagTileLength, typ: 3, vals: []uint32{16}}), tiles, true, ModeGray, FilterFlate, false, nil, grayPix, OCRFormatPNG},
		{"JPEG grey single strip with JPEGTables", binary.LittleEndian, append(tiffTags(w, h, 8, 1, compJPEG, 1, h, 300), jpegTablesTag(jtables)), [][]byte{jstrip}, false, ModeGray, FilterDCT, false, nil, pdfPixels(t, Page{Width: w, Height: h, Stream: Stream{Filter: FilterDCT, ColorSpace: ColorSpaceGray, Data: grayJPEG}}), OCRFormatJPEG},
		{"JPEG YCbCr single strip", binary.LittleEndian, append(tiffTags(w, h, 8, 3, compJPEG, 6, h, 300), jpegTablesTag(ctables)), [][]byte{cstrip}, false, ModeColor, FilterDCT, false, nil, nil, OCRFormatJPEG},
		{"JPEG grey in strips is decoded", binary.LittleEndian, append(tiffTags(w, h, 8, 1, compJPEG, 1, 64, 300), jpegTablesTag(jtables)), jpegStrips, false, ModeGray, FilterFlate, false, nil, jpegStripPix, OCRFormatPNG},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := buildTIFF(tc.bo, []tiffPageSpec{{tags: tc.tags, strips: tc.strips, tiles: tc.tiles}})
			pages, err := openT(in, "image/tiff", Limits{})
			require.NoError(t, err)
			require.Len(t, pages, 1)
			p := pages[0]
			require.Equal(t, [2]int{w, h}, [2]int{p.Width, p.Height})
			require.Equal(t, [2]float64{300, 300}, [2]float64{p.DPIX, p.DPIY})
			require.Equal(t, tc.mode, p.Mode)
			require.Equal(t, tc.filter, p.Stream.Filter)
			if tc.filter == FilterCCITT {
				require.Equal(t, -1, p.Stream.DecodeParms["K"])
				require.Equal(t, tc.blackIs1, p.Stream.DecodeParms["BlackIs1"] == 1)
			}
			if tc.passthrough != nil {
				require.Equal(t, tc.passthrough, p.Stream.Data)
			}
			pix := pdfPixels(t, p)
			if tc.pixels != nil {
				require.Equal(t, tc.pixels, pix)
			}
			require.Greater(t, whiteShare(pix), 0.5, "black on white")
			img, err := p.OCRImage()
			require.NoError(t, err)
			require.Equal(t, tc.ocr, img.Format)
			require.Equal(t, pix, ocrPixels(t, img, p))
		})
	}
}

func TestOpenTIFFMultiPage(t *testing.T) {
	const w, h = 64, 48
	letter := letterPage(w, h, false)
	bits1 := bitmap(letter)
	gray := toGray(letter)
	thumb := tiffPageSpec{tags: append(tiffTags(8, 6, 8, 1, compNone, 1, 6, 72), tiffTag{tag: tagNewSubfileType, typ: 4, vals: []uint32{1}}), strips: [][]byte{make([]byte, 48)}}
	pages := []tiffPageSpec{
		{tags: append(tiffTags(w, h, 1, 1, compG4, 0, h, 200), tiffTag{tag: tagOrientation, typ: 3, vals: []uint32{6}}), strips: [][]byte{encodeG4(bits1.pix, w, h, bits1.stride)}},
		thumb,
		{tags: tiffTags(w, h, 8, 1, compLZW, 1, h, 300), strips: [][]byte{lzwTIFF(packRows(gray.Pix, gray.Stride, w, h))}},
		{tags: append(withoutTags(tiffTags(w, h, 8, 1, compNone, 1, h, 0), 282, 283, 296), tiffTag{tag: 282, typ: 5, vals: []uint32{118, 1}}, tiffTag{tag: 283, typ: 5, vals: []uint32{236, 1}}, tiffTag{tag: 296, typ: 3, vals: []uint32{3}}), strips: [][]byte{packRows(gray.Pix, gray.Stride, w, h)}},
	}
	in := buildTIFF(binary.LittleEndian, pages)
	got, err := openT(in, "image/tiff", Limits{})
	require.NoError(t, err)
	require.Len(t, got, 3, "the thumbnail is not a page")
	for i, want := range []struct {
		mode       Mode
		dpiX, dpiY float64
		rotate     int
	}{
		{ModeBilevel, 200, 200, 90},
		{ModeGray, 300, 300, 0},
		{ModeGray, 300, 599, 0}, // 118 and 236 dots per cm: 299.72 and 599.44 dpi
	} {
		p := got[i]
		require.Equal(t, i, p.Index)
		require.Equal(t, want.mode, p.Mode, "page %d", i)
		require.Equal(t, [2]float64{want.dpiX, want.dpiY}, [2]float64{p.DPIX, p.DPIY}, "page %d", i)
		require.Equal(t, want.rotate, p.Rotate, "page %d", i)
		format, data, err := p.OCR()
		require.NoError(t, err)
		require.Equal(t, pdfPixels(t, p), ocrPixels(t, OCRImage{format, data}, p))
	}

	_, err = openT(in, "image/tiff", Limits{MaxPages: 2})
	require.ErrorIs(t, err, ErrTooManyPages)
}

func TestOpenTIFFBroken(t *testing.T) {
	const w, h = 64, 48
	good := func() []tiffTag { return tiffTags(w, h, 8, 1, compNone, 1, h, 300) }
	data := [][]byte{make([]byte, w*h)}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"garbage", []byte("this is not a tiff file at all"), ErrBroken},
		{"bad version", []byte("II\x2b\x00\x08\x00\x00\x00\x00\x00\x00\x00"), ErrBroken},
		{"pixel bomb header", buildTIFF(binary.LittleEndian, []tiffPageSpec{{tags: tiffTags(100_000, 100_000, 1, 1, compG4, 0, 100_000, 300), strips: [][]byte{{0}}}}), ErrTooLarge},
		{"decoded size over limit", buildTIFF(binary.LittleEndian, []tiffPageSpec{{tags: tiffTags(8000, 8000, 16, 3, compLZW, 2, 8000, 300), strips: [][]byte{{0}}}}), ErrTooLarge},
		{"strip beyond end of file", func() []byte {
			b := buildTIFF(binary.LittleEndian, []tiffPageSpec{{tags: good(), strips: data}})
			return b[:len(b)-1]
		}(), ErrBroken},
		{"strip shorter than the image", buildTIFF(binary.LittleEndian, []tiffPageSpec{{tags: good(), strips: [][]byte{make([]byte, 100)}}}), ErrBroken},
		{"LZW strip ends early", buildTIFF(binary.LittleEndian, []tiffPageSpec{{tags: tiffTags(w, h, 8, 1, compLZW, 1, h, 300), strips: [][]byte{lzwTIFF(make([]byte, 100))}}}), ErrBroken},
		{"directory loop", func() []byte {
			b := buildTIFF(binary.LittleEndian, []tiffPageSpec{{tags: good(), strips: data}})
			off := binary.LittleEndian.Uint32(b[4:])
			n := binary.LittleEndian.Uint16(b[off:])
			binary.LittleEndian.PutUint32(b[int(off)+2+12*int(n):], off) // next IFD = itself
			return b
		}(), ErrBroken},
		{"modified huffman", buildTIFF(binary.LittleEndian, []tiffPageSpec{{tags: tiffTags(w, h, 1, 1, compCCITTRLE, 0, h, 300), strips: [][]byte{{0}}}}), ErrUnsupported},
		{"old-style JPEG", buildTIFF(binary.LittleEndian, []tiffPageSpec{{tags: tiffTags(w, h, 8, 1, compOldJPEG, 1, h, 300), strips: [][]byte{{0}}}}), ErrUnsupported},
		{"JPEG 2000", buildTIFF(binary.LittleEndian, []tiffPageSpec{{tags: tiffTags(w, h, 8, 1, 34712, 1, h, 300), strips: [][]byte{{0}}}}), ErrUnsupported},
		{"float samples", buildTIFF(binary.LittleEndian, []tiffPageSpec{{tags: append(good(), tiffTag{tag: tagSampleFormat, typ: 3, vals: []uint32{3}}), strips: data}}), ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openT(tc.in, "image/tiff", Limits{})
			require.ErrorIs(t, err, tc.want)
		})
	}

	t.Run("deflate bomb in a small page stops at the page size", func(t *testing.T) {
		bomb := zlibBytes(make([]byte, 64<<20)) // 64 MiB of zeros in ~64 KiB
		in := buildTIFF(binary.LittleEndian, []tiffPageSpec{{tags: tiffTags(w, h, 8, 1, compDeflate, 1, h, 300), strips: [][]byte{bomb}}})
		pages, err := openT(in, "image/tiff", Limits{MaxDecodedBytes: 1 << 20})
		require.NoError(t, err)
		require.Equal(t, ModeGray, pages[0].Mode)
	})
}

// TestOpenTIFFG3 uses a fax-resolution G3 file written by libtiff (PIL).
func TestOpenTIFFG3(t *testing.T) {
	in, err := os.ReadFile("testdata/g3-1d.tif")
	require.NoError(t, err)
	refFile, err := os.ReadFile("testdata/g3-1d.png")
	require.NoError(t, err)
	ref, err := png.Decode(bytes.NewReader(refFile))
	require.NoError(t, err)

	pages, err := openT(in, "image/tiff", Limits{})
	require.NoError(t, err)
	require.Len(t, pages, 1)
	p := pages[0]
	require.Equal(t, [4]float64{300, 120, 204, 196}, [4]float64{float64(p.Width), float64(p.Height), p.DPIX, p.DPIY})
	require.Equal(t, ModeBilevel, p.Mode)
	require.Equal(t, FilterCCITT, p.Stream.Filter, "G3 is re-encoded as G4")
	want := packRows(toGray(ref).Pix, toGray(ref).Stride, 300, 120)
	require.Equal(t, want, pdfPixels(t, p))
	img, err := p.OCRImage()
	require.NoError(t, err)
	require.Equal(t, want, ocrPixels(t, img, p))
}

func withoutTags(tags []tiffTag, drop ...uint16) []tiffTag {
	return slices.DeleteFunc(tags, func(t tiffTag) bool { return slices.Contains(drop, t.tag) })
}
