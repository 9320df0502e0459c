package pdfa

import (
	"bytes"
	"image"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/ccitt"
	"golang.org/x/image/tiff"
)

// decodeG4 decodes with golang.org/x/image/ccitt, an independent decoder.
func decodeG4(t *testing.T, data []byte, w, h int) *image.Gray {
	t.Helper()
	dst := image.NewGray(image.Rect(0, 0, w, h))
	err := ccitt.DecodeIntoGray(dst, bytes.NewReader(data), ccitt.MSB, ccitt.Group4, nil)
	require.NoError(t, err)
	return dst
}

func bilevelOf(img *image.Gray, threshold uint8) *image.Gray {
	out := image.NewGray(img.Bounds())
	for i, v := range img.Pix {
		if v < threshold {
			out.Pix[i] = 0
		} else {
			out.Pix[i] = 0xFF
		}
	}
	return out
}

func TestEncodeG4RoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		w, h int
		px   func(x, y int) bool // true = black
	}{
		{"all white", 100, 20, func(x, y int) bool { return false }},
		{"all black", 100, 20, func(x, y int) bool { return true }},
		{"one pixel wide", 1, 9, func(x, y int) bool { return y%2 == 0 }},
		{"first and last column", 37, 11, func(x, y int) bool { return x == 0 || x == 36 }},
		{"checkerboard", 64, 64, func(x, y int) bool { return (x+y)%2 == 0 }},
		{"vertical stripes", 200, 30, func(x, y int) bool { return (x/3)%2 == 0 }},
		{"diagonal", 300, 300, func(x, y int) bool { return x >= y && x < y+5 }},
		{"shifting blocks", 500, 60, func(x, y int) bool { return (x+7*y)%90 < 40 }},
		{"random noise", 257, 97, func(x, y int) bool { return rng.IntN(2) == 0 }},
		{"sparse noise", 333, 77, func(x, y int) bool { return rng.IntN(50) == 0 }},
		{"long white runs", 6000, 4, func(x, y int) bool { return x == 5999 || (y == 2 && x > 2700 && x < 2800) }},
		{"long black runs", 6000, 4, func(x, y int) bool { return x < 5990 || y == 3 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := image.NewGray(image.Rect(0, 0, tt.w, tt.h))
			for y := range tt.h {
				for x := range tt.w {
					if tt.px(x, y) {
						src.SetGray(x, y, color.Gray{Y: 0})
					} else {
						src.SetGray(x, y, color.Gray{Y: 255})
					}
				}
			}
			img := NewImageFromBilevel(src, 128)
			require.Equal(t, map[string]int{"K": -1, "Columns": tt.w, "Rows": tt.h, "BlackIs1": 0}, img.DecodeParms)
			got := decodeG4(t, img.Data, tt.w, tt.h)
			require.Equal(t, src.Pix, got.Pix)
		})
	}
}

// TestNewImageFromBilevelGeneric covers the path for images that are not
// *image.Gray, with a bounds origin other than (0,0).
func TestNewImageFromBilevelGeneric(t *testing.T) {
	src := image.NewRGBA(image.Rect(10, 20, 90, 60))
	want := image.NewGray(image.Rect(0, 0, 80, 40))
	for y := 20; y < 60; y++ {
		for x := 10; x < 90; x++ {
			c := color.RGBA{255, 255, 255, 255}
			v := uint8(255)
			if (x*y)%7 < 3 {
				c, v = color.RGBA{10, 0, 40, 255}, 0
			}
			src.Set(x, y, c)
			want.Pix[(y-20)*80+(x-10)] = v
		}
	}
	img := NewImageFromBilevel(src, 128)
	require.Equal(t, want.Pix, decodeG4(t, img.Data, 80, 40).Pix)
}

// TestEncodeG4ScanCorpus re-encodes a real bi-level scan from the lead's
// corpus (a multi-strip G4 TIFF) and checks it decodes to the same pixels.
func TestEncodeG4ScanCorpus(t *testing.T) {
	paths, _ := filepath.Glob("../../.bench/scancorpus/doc-*/page-1.tif")
	if len(paths) == 0 {
		if os.Getenv("CI") == "true" {
			t.Log("scan corpus not present; synthetic round trips cover the encoder")
		}
		t.Skip("no ../../.bench/scancorpus TIFF")
	}
	f, err := os.Open(paths[0])
	require.NoError(t, err)
	defer f.Close()
	st, err := f.Stat()
	require.NoError(t, err)
	src, err := tiff.Decode(f)
	require.NoError(t, err)
	img := NewImageFromBilevel(src, 128)
	b := src.Bounds()
	got := decodeG4(t, img.Data, b.Dx(), b.Dy())
	want := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			want.Set(x, y, src.At(x, y))
		}
	}
	require.Equal(t, bilevelOf(want, 128).Pix, got.Pix)
	t.Logf("%s: TIFF %d bytes, our G4 stream %d bytes for %dx%d", paths[0], st.Size(), len(img.Data), b.Dx(), b.Dy())
}
