package ocr

import (
	"context"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRecognizeNoCLeak recognises the same page many times on one engine
// and checks that the C heap does not grow with the pages. Every result
// string Tesseract allocates must be freed: a leaked hOCR costs its size,
// 20–50 KB a page, about 3 GB a day for a worker at 60 pages a minute.
// gosseract v2.4.1, used before tess.go, leaked exactly that (measured
// here: +21 KB a page); tess.go: a few hundred bytes a page of noise.
func TestRecognizeNoCLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("recognises 25 pages")
	}
	if cHeapInUse() < 0 {
		t.Skip("C heap size not known without glibc")
	}
	const (
		warmup  = 4
		windows = 3
		pages   = 7 // per window
		// Allowed growth per page on average: a tenth of the leak this
		// guards against, above the allocator's noise.
		perPage = 2 << 10
	)
	// Tesseract keeps scratch memory per thread: pages recognised on a
	// thread new to it grow the heap once. One thread for all pages.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	e := newTestEngine(t, 1)
	img := Image{Data: letterG4(t), DPI: 300}
	refused := Image{Data: tooWidePGM(), DPI: 300}
	recognize := func() {
		p, err := e.Recognize(context.Background(), img)
		require.NoError(t, err)
		require.NotEmpty(t, p.Words)
		// The error path after the image is set frees as well.
		_, err = e.Recognize(context.Background(), refused)
		require.ErrorIs(t, err, ErrInvalidImage)
	}
	for range warmup {
		recognize()
	}
	// A leak grows the heap in every window; the allocator's noise comes
	// now and then (up to 40 KB in 20 pages seen under -race). So the
	// quietest window counts.
	least := int64(math.MaxInt64)
	for range windows {
		before := cHeapInUse()
		for range pages {
			recognize()
		}
		growth := cHeapInUse() - before
		t.Logf("C heap: %d bytes in use, %+d after %d pages (%+.0f bytes/page)",
			before, growth, pages, float64(growth)/pages)
		least = min(least, growth)
	}
	require.Less(t, least, int64(pages*perPage), "C heap grows with every page: a result is not freed")
}
