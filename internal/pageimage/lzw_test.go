package pageimage

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/tiff/lzw"
)

// TestDecodeLZW compares decodeLZW with x/image/tiff/lzw on data that
// exercises every code width, KwKwK codes and the table-full Clear.
func TestDecodeLZW(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	noise := make([]byte, 100_000)
	for i := range noise {
		noise[i] = byte(rng.IntN(256))
	}
	runs := bytes.Repeat([]byte("aaaaaaaaaabbbbbbbbbbbbbbbbbbbbcccc"), 5000)
	tests := map[string][]byte{
		"empty":  {},
		"one":    {42},
		"KwKwK":  bytes.Repeat([]byte{7}, 1000),
		"runs":   runs,
		"noise":  noise,
		"letter": toGray(letterPage(600, 400, false)).Pix,
		"mixed":  append(append([]byte{}, noise[:5000]...), runs...),
	}
	for name, src := range tests {
		t.Run(name, func(t *testing.T) {
			enc := lzwTIFF(src)
			want, err := io.ReadAll(lzw.NewReader(bytes.NewReader(enc), lzw.MSB, 8))
			require.NoError(t, err)
			require.Equal(t, src, want, "the test encoder agrees with x/image")
			got := make([]byte, len(src))
			n, err := decodeLZW(enc, got)
			require.NoError(t, err)
			require.Equal(t, len(src), n)
			require.Equal(t, src, got)

			// Asked for less, it stops there; asked for more, it reports the end.
			if len(src) > 10 {
				n, err = decodeLZW(enc, make([]byte, 10))
				require.NoError(t, err)
				require.Equal(t, 10, n)
			}
			n, err = decodeLZW(enc, make([]byte, len(src)+1))
			require.NoError(t, err, "EOI ends the data")
			require.Equal(t, len(src), n)
			_, err = decodeLZW(enc[:len(enc)/2], make([]byte, len(src)+1))
			if len(src) > 100 {
				require.ErrorIs(t, err, ErrBroken)
			}
		})
	}

	t.Run("garbage never panics", func(t *testing.T) {
		for range 200 {
			g := make([]byte, rng.IntN(300))
			for i := range g {
				g[i] = byte(rng.IntN(256))
			}
			decodeLZW(g, make([]byte, 1000))
		}
	})
}

func BenchmarkDecodeLZW(b *testing.B) {
	// Scanner noise: a grey page with ±6 levels of noise, like scangen's.
	rng := rand.New(rand.NewPCG(5, 6))
	src := toGray(letterPage(2480, 3508, false)).Pix
	for i, v := range src {
		src[i] = byte(min(255, max(0, int(v)+rng.IntN(13)-6)))
	}
	enc := lzwTIFF(src)
	dst := make([]byte, len(src))
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		decodeLZW(enc, dst)
	}
}
