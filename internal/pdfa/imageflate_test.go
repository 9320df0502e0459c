package pdfa

import (
	"bytes"
	"compress/zlib"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestImageZlibRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	random := func(n int, alphabet int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(alphabet))
		}
		return b
	}
	// Fibonacci-like frequencies force a tree deeper than 15 bits.
	var deep []byte
	a, b := 1, 1
	for sym := range 30 {
		deep = append(deep, bytes.Repeat([]byte{byte(sym)}, a)...)
		a, b = b, a+b
		if len(deep) > 200000 {
			break
		}
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"one byte", []byte{42}},
		{"one symbol repeated", bytes.Repeat([]byte{7}, 100000)},
		{"two symbols", random(70000, 2)},
		{"text", bytes.Repeat([]byte("Sehr geehrte Damen und Herren, "), 5000)},
		{"uniform random (stored blocks)", random(100000, 256)},
		{"skewed", func() []byte {
			x := random(300000, 256)
			for i := range x {
				if x[i] > 200 {
					x[i] = 0
				}
			}
			return x
		}()},
		{"deep tree", deep},
		{"exact block size", random(lzBlockBytes, 16)},
		{"block size plus one", random(lzBlockBytes+1, 16)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := imageZlib(tt.data)
			zr, err := zlib.NewReader(bytes.NewReader(z))
			require.NoError(t, err)
			got, err := io.ReadAll(zr)
			require.NoError(t, err)
			require.Equal(t, len(tt.data), len(got))
			require.True(t, bytes.Equal(tt.data, got))
			require.LessOrEqual(t, len(z), len(tt.data)+len(tt.data)/1000+16, "never much larger than the input")
		})
	}
}

func TestHuffmanLengthsLimit(t *testing.T) {
	freq := make([]int, 40)
	a, b := 1, 1
	for i := range freq {
		freq[i] = a
		a, b = b, a+b
	}
	l := huffmanLengths(freq, 15)
	kraft := 0.0
	for _, v := range l {
		require.LessOrEqual(t, int(v), 15)
		require.Greater(t, int(v), 0)
		kraft += 1 / float64(int(1)<<v)
	}
	require.LessOrEqual(t, kraft, 1.0)
}

func TestImageZlibOnScans(t *testing.T) {
	for _, p := range []string{"../../.bench/scancorpus/doc-002/page-1.jpg", "../../.bench/scancorpus/doc-001/page-1.jpg"} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Skip("scan corpus not present")
		}
		z := imageZlib(data)
		t.Logf("%s: %d -> %d (%.2f%%)", p, len(data), len(z), 100*float64(len(z))/float64(len(data)))
	}
}

func BenchmarkImageZlibScan(b *testing.B) {
	data, err := os.ReadFile("../../.bench/scancorpus/doc-002/page-1.jpg")
	if err != nil {
		b.Skip("scan corpus not present")
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		imageZlib(data)
	}
}
