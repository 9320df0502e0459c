package pageimage

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/ccitt"
)

// TestEncodeG4RoundTrip decodes the encoder's output with x/image/ccitt
// and compares every pixel.
func TestEncodeG4RoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fill := func(w, h int, black func(x, y int) bool) *raster {
		r := newRaster(w, h, ModeBilevel)
		for y := range h {
			for x := range w {
				if black(x, y) {
					r.pix[y*r.stride+x/8] |= 0x80 >> (x % 8)
				}
			}
		}
		return r
	}
	tests := []struct {
		name  string
		w, h  int
		black func(x, y int) bool
	}{
		{"white", 1728, 20, func(x, y int) bool { return false }},
		{"black", 1728, 20, func(x, y int) bool { return true }},
		{"width 1", 1, 9, func(x, y int) bool { return y%2 == 0 }},
		{"width 9", 9, 9, func(x, y int) bool { return (x+y)%3 == 0 }},
		{"checkerboard", 65, 33, func(x, y int) bool { return (x+y)%2 == 0 }},
		{"vertical stripes", 100, 10, func(x, y int) bool { return x%10 < 5 }},
		{"diagonal", 200, 200, func(x, y int) bool { return x == y || x == 199-y }},
		{"runs beyond 2560", 6000, 4, func(x, y int) bool { return (y == 1 && x > 2) || (y == 2 && x >= 2623 && x < 5300) }},
		{"first pixel black", 30, 5, func(x, y int) bool { return x == 0 || (y == 3 && x < 4) }},
		{"last pixel black", 30, 5, func(x, y int) bool { return x == 29 }},
		{"noise 5%", 640, 100, func(x, y int) bool { return rng.IntN(100) < 5 }},
		{"noise 50%", 333, 100, func(x, y int) bool { return rng.IntN(2) == 0 }},
		{"letter", 600, 400, func(x, y int) bool {
			return bitmapAt(letterBits, x, y)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := fill(tc.w, tc.h, tc.black)
			// Garbage in the padding bits must not leak into the code.
			if tc.w%8 != 0 {
				for y := range tc.h {
					r.pix[y*r.stride+r.stride-1] |= 0xFF >> (tc.w % 8)
				}
			}
			data := encodeG4(r.pix, r.w, r.h, r.stride)
			got := make([]byte, r.stride*r.h)
			_, err := io.ReadFull(ccitt.NewReader(bytes.NewReader(data), ccitt.MSB, ccitt.Group4, r.w, r.h, &ccitt.Options{Invert: true}), got)
			require.NoError(t, err)
			for y := range r.h {
				for x := range r.w {
					want := r.pix[y*r.stride+x/8]&(0x80>>(x%8)) != 0
					have := got[y*r.stride+x/8]&(0x80>>(x%8)) != 0
					if want != have {
						t.Fatalf("pixel (%d,%d): want black=%v", x, y, want)
					}
				}
			}
			// Without a height the decoder stops only at EOFB.
			all, err := io.ReadAll(ccitt.NewReader(bytes.NewReader(data), ccitt.MSB, ccitt.Group4, r.w, ccitt.AutoDetectHeight, nil))
			require.NoError(t, err, "stream must end with EOFB")
			require.Len(t, all, r.stride*r.h)
		})
	}
}

var letterBits = bitmap(letterPage(600, 400, false))

func bitmapAt(r *raster, x, y int) bool {
	return r.pix[y*r.stride+x/8]&(0x80>>(x%8)) != 0
}

func BenchmarkEncodeG4(b *testing.B) {
	r := bitmap(letterPage(2480, 3508, false))
	b.SetBytes(int64(len(r.pix)))
	for b.Loop() {
		encodeG4(r.pix, r.w, r.h, r.stride)
	}
}
