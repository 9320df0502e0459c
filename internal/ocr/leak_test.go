package ocr

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRecognizeNoCLeak recognises the same page many times on one engine
// and checks that the C heap does not grow with the pages. Every hOCR
// string Tesseract allocates must be freed; a leaked one costs 30–50 KB a
// page (gosseract leaked exactly that), about 3 GB a day for a worker at
// 60 pages a minute.
func TestRecognizeNoCLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("recognises 25 pages")
	}
	const (
		warmup = 5
		pages  = 20
		// Allowed growth per page on average. The leak this guards
		// against is 30–50 KB a page; what remains is allocator noise.
		perPage = 2 << 10
	)
	e := newTestEngine(t, 1)
	img := Image{Data: letterG4(t), DPI: 300}
	recognize := func() {
		p, err := e.Recognize(context.Background(), img)
		require.NoError(t, err)
		require.NotEmpty(t, p.Words)
	}
	for range warmup {
		recognize()
	}
	before := cHeapInUse()
	for range pages {
		recognize()
	}
	growth := cHeapInUse() - before
	t.Logf("C heap: %d bytes in use after warm-up, %+d after %d pages (%+.0f bytes/page)",
		before, growth, pages, float64(growth)/pages)
	require.Less(t, growth, int64(pages*perPage), "C heap grows with every page: a result is not freed")
}
