package pageimage

import (
	"encoding/binary"
	"image"
	"image/color"
	"runtime"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// rawPNG writes a PNG by hand (image/png cannot write 1-bit grey): rows
// get filter type 0.
func rawPNG(w, h, depth, colorType int, rows [][]byte) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, byte(depth), byte(colorType), 0, 0, 0)
	var raw []byte
	for _, r := range rows {
		raw = append(raw, 0)
		raw = append(raw, r...)
	}
	return slices.Concat(pngSignature, pngChunk("IHDR", ihdr), pngChunk("IDAT", zlibBytes(raw)), pngChunk("IEND", nil))
}

func TestOpenPNG(t *testing.T) {
	gray := toGray(letterPage(200, 150, false))
	rgb := letterPage(200, 150, true)
	bits := bitmap(letterPage(200, 150, false))
	var bitRows [][]byte // PNG 1-bit grey: 0 is black, the raster has 1 = black
	for y := range bits.h {
		row := slices.Clone(bits.pix[y*bits.stride : (y+1)*bits.stride])
		invert(row)
		bitRows = append(bitRows, row)
	}
	grayPix := packRows(gray.Pix, gray.Stride, 200, 150)
	rgbPix := make([]byte, 0, 3*200*150)
	for i := 0; i < len(rgb.Pix); i += 4 {
		rgbPix = append(rgbPix, rgb.Pix[i:i+3]...)
	}
	bitPix := make([]byte, 200*150)
	for y := range 150 {
		for x := range 200 {
			if !bitmapAt(bits, x, y) {
				bitPix[y*200+x] = 255
			}
		}
	}

	bw := image.NewPaletted(gray.Bounds(), color.Palette{color.Gray{0}, color.Gray{255}})
	greys := image.NewPaletted(gray.Bounds(), color.Palette{color.Gray{0}, color.Gray{60}, color.Gray{128}, color.Gray{250}})
	colours := image.NewPaletted(gray.Bounds(), color.Palette{color.RGBA{250, 250, 250, 255}, color.RGBA{10, 10, 10, 255}, color.RGBA{200, 30, 40, 255}})
	for _, m := range []*image.Paletted{bw, greys, colours} {
		for y := range 150 {
			for x := range 200 {
				m.Set(x, y, rgb.At(x, y))
			}
		}
	}
	gray16 := image.NewGray16(gray.Bounds())
	translucent := image.NewNRGBA(gray.Bounds())
	for y := range 150 {
		for x := range 200 {
			v := gray.GrayAt(x, y).Y
			gray16.SetGray16(x, y, color.Gray16{uint16(v)<<8 | uint16(v)})
			translucent.SetNRGBA(x, y, color.NRGBA{0, 0, 0, 255 - v}) // black ink, alpha = darkness
		}
	}

	tests := []struct {
		name   string
		in     []byte
		dpi    float64
		mode   Mode
		filter string
		idat   bool   // Stream.Data is the IDAT data as delivered
		pixels []byte // expected pdfPixels, nil to skip
	}{
		{"grey 8-bit with pHYs", withPHYs(encodePNG(t, gray), 300), 300, ModeGray, FilterFlate, true, grayPix},
		{"RGB 8-bit", withPHYs(encodePNG(t, rgb), 600), 600, ModeColor, FilterFlate, true, rgbPix},
		{"grey 1-bit", withPHYs(rawPNG(200, 150, 1, 0, bitRows), 200), 200, ModeBilevel, FilterFlate, true, bitPix},
		{"palette black and white becomes G4", encodePNG(t, bw), 0, ModeBilevel, FilterCCITT, false, nil},
		{"palette of greys", encodePNG(t, greys), 0, ModeGray, FilterFlate, false, nil},
		{"palette of colours", encodePNG(t, colours), 0, ModeColor, FilterFlate, false, nil},
		{"grey 16-bit", encodePNG(t, gray16), 0, ModeGray, FilterFlate, false, grayPix},
		{"alpha on white", encodePNG(t, translucent), 0, ModeColor, FilterFlate, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages, err := openT(tc.in, "image/png", Limits{})
			require.NoError(t, err)
			require.Len(t, pages, 1)
			p := pages[0]
			require.Equal(t, [2]int{200, 150}, [2]int{p.Width, p.Height})
			require.Equal(t, [2]float64{tc.dpi, tc.dpi}, [2]float64{p.DPIX, p.DPIY})
			require.Equal(t, tc.mode, p.Mode)
			require.Equal(t, tc.filter, p.Stream.Filter)
			if tc.idat {
				require.Equal(t, pngIDAT(t, tc.in), p.Stream.Data)
				require.Equal(t, 15, p.Stream.DecodeParms["Predictor"])
			}
			pix := pdfPixels(t, p)
			if tc.pixels != nil {
				require.Equal(t, tc.pixels, pix)
			}
			require.Greater(t, whiteShare(pix), 0.5, "a letter is mostly white paper")
			img, err := p.OCRImage()
			require.NoError(t, err)
			require.Equal(t, pix, ocrPixels(t, img, p))
		})
	}

	t.Run("palette black and white keeps the pixels", func(t *testing.T) {
		pages, err := openT(encodePNG(t, bw), "image/png", Limits{})
		require.NoError(t, err)
		pix := pdfPixels(t, pages[0])
		for y := range 150 {
			for x := range 200 {
				want := byte(0)
				if bw.ColorIndexAt(x, y) == 1 {
					want = 255
				}
				require.Equal(t, want, pix[y*200+x], "(%d,%d)", x, y)
			}
		}
	})

	good := withPHYs(encodePNG(t, gray), 300)
	broken := []struct {
		name string
		in   []byte
		want error
	}{
		{"truncated", good[:len(good)-20], ErrBroken},
		{"CRC mismatch", func() []byte { b := slices.Clone(good); b[60] ^= 0xFF; return b }(), ErrBroken},
		{"not a png", []byte("\x89PNX\r\n\x1a\n0000"), ErrBroken},
	}
	for _, tc := range broken {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openT(tc.in, "image/png", Limits{})
			require.ErrorIs(t, err, tc.want)
		})
	}
}

// TestPNGPixelBomb: a 100 000 × 100 000 header is refused from the header,
// without allocating the pixels.
func TestPNGPixelBomb(t *testing.T) {
	ihdr := binary.BigEndian.AppendUint32(nil, 100_000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 100_000)
	ihdr = append(ihdr, 8, 0, 0, 0, 0)
	bomb := slices.Concat(pngSignature, pngChunk("IHDR", ihdr), pngChunk("IDAT", zlibBytes(make([]byte, 1<<16))), pngChunk("IEND", nil))

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := openT(bomb, "image/png", Limits{})
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, ErrTooLarge)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "refusing must not allocate")

	// Within the pixel limit but beyond the decoded-size limit.
	_, err = openT(encodePNG(t, letterPage(600, 600, true)), "image/png", Limits{MaxDecodedBytes: 1 << 20})
	require.ErrorIs(t, err, ErrTooLarge)
}
