package pageimage

import (
	"bytes"
	"image"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOpenJPEG(t *testing.T) {
	gray := toGray(letterPage(240, 320, false))
	color := letterPage(240, 320, true)
	grayJPEG := encodeJPEG(t, gray, 80)
	colorJPEG := encodeJPEG(t, color, 80)
	cmyk, err := os.ReadFile("testdata/cmyk-64x48.jpg")
	require.NoError(t, err)

	tests := []struct {
		name       string
		in         []byte
		w, h       int
		dpiX, dpiY float64
		mode       Mode
		rotate     int
		filter     string
		same       bool // Stream.Data is the input, byte for byte
	}{
		{"grey, JFIF 300 dpi", withJFIF(grayJPEG, 1, 300, 300), 240, 320, 300, 300, ModeGray, 0, FilterDCT, true},
		{"colour, JFIF dots per cm", withJFIF(colorJPEG, 2, 118, 118), 240, 320, 300, 300, ModeColor, 0, FilterDCT, true},
		{"no resolution", grayJPEG, 240, 320, 0, 0, ModeGray, 0, FilterDCT, true},
		{"camera 72 dpi is not a resolution", withJFIF(grayJPEG, 1, 72, 72), 240, 320, 0, 0, ModeGray, 0, FilterDCT, true},
		{"EXIF orientation 6 and 200 dpi", withEXIF(grayJPEG, 6, 200), 240, 320, 200, 200, ModeGray, 90, FilterDCT, true},
		{"EXIF orientation 3", withEXIF(colorJPEG, 3, 400), 240, 320, 400, 400, ModeColor, 180, FilterDCT, true},
		{"CMYK is converted to RGB", cmyk, 64, 48, 150, 150, ModeColor, 0, FilterFlate, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages, err := openT(tc.in, "image/jpeg", Limits{})
			require.NoError(t, err)
			require.Len(t, pages, 1)
			p := pages[0]
			require.Equal(t, [2]int{tc.w, tc.h}, [2]int{p.Width, p.Height})
			require.Equal(t, [2]float64{tc.dpiX, tc.dpiY}, [2]float64{p.DPIX, p.DPIY})
			require.Equal(t, tc.mode, p.Mode)
			require.Equal(t, tc.rotate, p.Rotate)
			require.Equal(t, tc.filter, p.Stream.Filter)
			if tc.same {
				require.Equal(t, tc.in, p.Stream.Data)
			}
			format, data, err := p.OCR()
			require.NoError(t, err)
			if p.Stream.Filter == FilterDCT {
				require.Equal(t, OCRFormatJPEG, format)
				require.Equal(t, tc.in, data)
			}
			require.Equal(t, pdfPixels(t, p), ocrPixels(t, OCRImage{format, data}, p))
		})
	}

	t.Run("CMYK colours", func(t *testing.T) {
		pages, err := openT(cmyk, "image/jpeg", Limits{})
		require.NoError(t, err)
		pix := pdfPixels(t, pages[0])
		at := func(x, y int) []byte { return pix[3*(y*64+x) : 3*(y*64+x)+3] }
		near := func(got []byte, want [3]int) {
			t.Helper()
			for i, w := range want {
				require.InDelta(t, w, int(got[i]), 24, "got %v want %v", got, want)
			}
		}
		near(at(20, 20), [3]int{0, 0, 0})      // black box
		near(at(52, 20), [3]int{0, 255, 255})  // cyan box
		near(at(2, 44), [3]int{255, 255, 255}) // paper
	})

	broken := []struct {
		name string
		in   []byte
		want error
	}{
		{"truncated", grayJPEG[:len(grayJPEG)/2], ErrBroken},
		{"not a jpeg", []byte("GIF89a........"), ErrBroken},
		{"empty", nil, ErrBroken},
		{"12-bit", setSOF(grayJPEG, func(seg []byte) { seg[0] = 12 }), ErrUnsupported},
		{"arithmetic coding", setSOFMarker(grayJPEG, 0xC9), ErrUnsupported},
		{"lossless", setSOFMarker(grayJPEG, 0xC3), ErrUnsupported},
		{"pixel bomb header", setSOF(grayJPEG, func(seg []byte) { seg[1], seg[2], seg[3], seg[4] = 0xFF, 0xFF, 0xFF, 0xFF }), ErrTooLarge},
	}
	for _, tc := range broken {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openT(tc.in, "image/jpeg", Limits{})
			require.ErrorIs(t, err, tc.want)
		})
	}
}

// sofAt finds the SOF0 segment of a JPEG written by image/jpeg.
func sofAt(b []byte) int { return bytes.Index(b, []byte{0xFF, 0xC0}) }

func setSOF(b []byte, edit func(seg []byte)) []byte {
	b = slices.Clone(b)
	edit(b[sofAt(b)+4:])
	return b
}

func setSOFMarker(b []byte, m byte) []byte {
	b = slices.Clone(b)
	b[sofAt(b)+1] = m
	return b
}

func TestParseJPEGMarkers(t *testing.T) {
	img := encodeJPEG(t, image.NewGray(image.Rect(0, 0, 16, 8)), 90)
	info, err := parseJPEG(withEXIF(withJFIF(img, 1, 600, 300), 8, 100))
	require.NoError(t, err)
	// JFIF wins over EXIF: it is what scanners write and what readers use.
	require.Equal(t, jpegInfo{sof: 0xC0, width: 16, height: 8, comps: 1, precision: 8, dpiX: 600, dpiY: 300, orientation: 8, hasJFIF: true}, info)
}
