package ocr

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the real Tesseract (libtesseract 5 with the deu, eng and
// osd models) on one scanned letter from testdata.

// keywords are words of the test letter that Tesseract reads reliably.
var keywords = []string{
	"Niederndodeleben", "Widerspruch", "Gebührenbescheid",
	"Straßenreinigungsgebühr", "Grundstücks", "Gleichzeitig", "Vollziehung",
}

const letterSkew = 0.536 // degrees counter-clockwise, from the generator

func letterG4(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/letter-g4.tif")
	require.NoError(t, err)
	return data
}

func newTestEngine(t testing.TB, jobs int) *Engine {
	t.Helper()
	opts := DefaultOptions()
	opts.Jobs = jobs
	e, err := NewEngine(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close()) })
	return e
}

func TestRecognizeFormats(t *testing.T) {
	e := newTestEngine(t, 2)
	g4 := letterG4(t)
	g := decodeImage(t, g4)
	w, h := g.Bounds().Dx(), g.Bounds().Dy()

	tests := []struct {
		name string
		img  Image
	}{
		{"tiff g4", Image{Data: g4, Width: w, Height: h, DPI: 300}},
		{"tiff g4 dpi from header", Image{Data: g4}},
		{"png", Image{Data: encodePNG(t, g), DPI: 300}},
		{"jpeg", Image{Data: encodeJPEG(t, g), Width: w, Height: h, DPI: 300}},
		{"pgm", Image{Data: encodePGM(g), DPI: 300}},
		{"tiff deflate", Image{Data: encodeTIFF(t, g), DPI: 300}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := e.Recognize(context.Background(), tt.img)
			require.NoError(t, err)
			assert.Equal(t, w, p.Width)
			assert.Equal(t, h, p.Height)
			assert.Equal(t, 0, p.Orientation)
			assert.InDelta(t, letterSkew, p.Skew, 0.3)
			assert.Greater(t, p.MeanConfidence, 80.0)
			require.Greater(t, len(p.Words), 100)
			for _, k := range keywords {
				assert.Contains(t, p.Text, k)
				assert.NotNil(t, findWord(p, k), "word %q", k)
			}
			checkWords(t, p)
		})
	}
}

// checkWords: boxes lie inside the page, lines count up, and Text holds
// exactly the words, in order.
func checkWords(t *testing.T, p Page) {
	t.Helper()
	var fromWords []string
	line := 0
	for _, w := range p.Words {
		assert.True(t, 0 <= w.X0 && w.X0 < w.X1 && w.X1 <= p.Width, "x of %+v", w)
		assert.True(t, 0 <= w.Y0 && w.Y0 < w.Y1 && w.Y1 <= p.Height, "y of %+v", w)
		assert.True(t, w.Line == line || w.Line == line+1, "line numbers run on: %d after %d", w.Line, line)
		assert.InDelta(t, 0, w.Angle, 10, "angle of %q", w.Text)
		line = w.Line
		fromWords = append(fromWords, w.Text)
	}
	assert.Equal(t, strings.Join(fromWords, " "), strings.Join(strings.Fields(p.Text), " "))
	assert.NotContains(t, p.Text, "\n\n\n")
}

func findWord(p Page, text string) *Word {
	if ws := findWords(p, text); len(ws) > 0 {
		return &ws[0]
	}
	return nil
}

func findWords(p Page, text string) []Word {
	var out []Word
	for _, w := range p.Words {
		if strings.Trim(w.Text, ".,:;()") == text {
			out = append(out, w)
		}
	}
	return out
}

func TestRecognizeRotated(t *testing.T) {
	if testing.Short() {
		t.Skip("three rotated pages, two passes each")
	}
	e := newTestEngine(t, 2)
	g := decodeImage(t, letterG4(t))
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	upright, err := e.Recognize(context.Background(), Image{Data: encodePGM(g), DPI: 300})
	require.NoError(t, err)

	for _, turn := range []int{90, 180, 270} {
		t.Run(strings.Repeat("↻", turn/90), func(t *testing.T) {
			img := rotateCW(g, turn)
			p, err := e.Recognize(context.Background(), Image{Data: encodePGM(img), DPI: 300})
			require.NoError(t, err)

			assert.Equal(t, img.Bounds().Dx(), p.Width)
			assert.Equal(t, img.Bounds().Dy(), p.Height)
			// Turned clockwise by turn, the page needs the rest of the
			// circle to be upright again.
			assert.Equal(t, (360-turn)%360, p.Orientation)
			assert.InDelta(t, letterSkew, p.Skew, 0.3)
			assert.Greater(t, p.MeanConfidence, 80.0)
			for _, k := range keywords {
				assert.Contains(t, p.Text, k)
			}
			// The words come back in the coordinates of the rotated
			// image, where the upright page's boxes land when turned.
			for _, k := range keywords {
				gots := findWords(p, k)
				require.NotEmpty(t, gots, k)
				for _, got := range gots {
					// Compare with every upright word: a word may be read
					// differently in one pass (ü for u, a dust speck
					// joined to the box), its place is the same.
					have := image.Rect(got.X0, got.Y0, got.X1, got.Y1)
					var best Word
					var bestOverlap float64
					for _, up := range upright.Words {
						x0, y0 := rotatePoint(up.X0, up.Y0, w, h, turn)
						x1, y1 := rotatePoint(up.X1, up.Y1, w, h, turn)
						want := image.Rect(x0, y0, x1, y1) // Rect sorts the corners
						if v := overlap(want, have); v > bestOverlap {
							best, bestOverlap = up, v
						}
					}
					assert.Greater(t, bestOverlap, 0.8, "%q at %v: nearest upright word %+v", k, have, best)
					assert.InDelta(t, letterSkew, got.Angle, 0.5, "angle of %q", k)
				}
			}
		})
	}
}

// overlap is the share of the smaller box that lies in the other one, for
// boxes of comparable size (a speck inside a word is no match).
func overlap(a, b image.Rectangle) float64 {
	in := a.Intersect(b)
	area := func(r image.Rectangle) float64 { return float64(r.Dx() * r.Dy()) }
	if in.Empty() || min(area(a), area(b)) < 0.4*max(area(a), area(b)) {
		return 0
	}
	return area(in) / min(area(a), area(b))
}

// TestRecognizeConcurrent runs more pages than engines from several
// goroutines; run with -race. Tesseract is deterministic, so every result
// must equal the one of a lone run.
func TestRecognizeConcurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("six pages")
	}
	e := newTestEngine(t, 2)
	g := decodeImage(t, letterG4(t))
	pages := []Image{
		{Data: letterG4(t)},
		{Data: encodePNG(t, g), DPI: 300},
		{Data: encodeJPEG(t, g), DPI: 300},
	}
	want := make([]Page, len(pages))
	for i, img := range pages {
		p, err := e.Recognize(context.Background(), img)
		require.NoError(t, err)
		want[i] = p
	}

	got := make([]Page, len(pages))
	errs := make([]error, len(pages))
	var wg sync.WaitGroup
	for i, img := range pages {
		wg.Go(func() {
			got[i], errs[i] = e.Recognize(context.Background(), img)
		})
	}
	wg.Wait()
	for i := range pages {
		require.NoError(t, errs[i])
		assert.Equal(t, want[i], got[i], "page %d", i)
	}
}

func TestRecognizeCancelWhileWaiting(t *testing.T) {
	e := newTestEngine(t, 1)
	page := Image{Data: letterG4(t)}

	// Occupy the only engine.
	busy := make(chan error, 1)
	go func() {
		_, err := e.Recognize(context.Background(), page)
		busy <- err
	}()
	require.Eventually(t, func() bool { return len(e.workers) == 0 }, 5*time.Second, time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Recognize(ctx, page)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 300*time.Millisecond, "returns when ctx ends, not when the engine is free")

	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	_, err = e.Recognize(cancelled, page)
	assert.ErrorIs(t, err, context.Canceled)

	require.NoError(t, <-busy)
	// The engine is free again and works.
	_, err = e.Recognize(context.Background(), page)
	require.NoError(t, err)
}

func TestRecognizeInvalidImage(t *testing.T) {
	e := newTestEngine(t, 1)
	g := decodeImage(t, letterG4(t))
	pngData := encodePNG(t, g)
	w, h := g.Bounds().Dx(), g.Bounds().Dy()

	tests := []struct {
		name string
		img  Image
	}{
		{"empty", Image{}},
		{"garbage", Image{Data: []byte("this is not an image, just some bytes")}},
		{"gif", Image{Data: []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")}},
		{"truncated png", Image{Data: pngData[:len(pngData)/3], DPI: 300}},
		{"png header only", Image{Data: pngData[:64]}},
		{"png claims a giant page", Image{Data: pngHeader(100_000, 100_000)}},
		{"png claims zero width", Image{Data: pngHeader(0, 10)}},
		{"pgm truncated header", Image{Data: []byte("P5 2480")}},
		{"tiff garbage", Image{Data: []byte("II*\x00garbage garbage garbage")}},
		{"size disagrees with header", Image{Data: pngData, Width: w + 1, Height: h, DPI: 300}},
		{"wider than tesseract takes", Image{Data: tooWidePGM(), DPI: 300}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Recognize(context.Background(), tt.img)
			assert.ErrorIs(t, err, ErrInvalidImage)
		})
	}
	// The engine survives all of that.
	p, err := e.Recognize(context.Background(), Image{Data: pngData, DPI: 300})
	require.NoError(t, err)
	assert.Contains(t, p.Text, "Widerspruch")
}

// tooWidePGM is a valid image that leptonica reads and Tesseract refuses:
// it takes at most 32767 pixels in either direction.
func tooWidePGM() []byte {
	return encodePGM(image.NewGray(image.Rect(0, 0, 40_000, 8)))
}

// pngHeader is a PNG signature and IHDR chunk claiming w×h grey pixels,
// with no image data.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit greyscale
	_ = binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestRecognizeBlankPage(t *testing.T) {
	e := newTestEngine(t, 1)
	blank := image.NewGray(image.Rect(0, 0, 1240, 1754))
	for i := range blank.Pix {
		blank.Pix[i] = 0xff
	}
	p, err := e.Recognize(context.Background(), Image{Data: encodePGM(blank), DPI: 150})
	require.NoError(t, err)
	assert.Empty(t, p.Words)
	assert.Empty(t, p.Text)
	assert.Equal(t, 1240, p.Width)
	assert.Equal(t, 0, p.Orientation)
}

func TestNewEngineMissingLanguage(t *testing.T) {
	t.Run("default tessdata", func(t *testing.T) {
		_, err := NewEngine(Options{Languages: "deu+xyz", Jobs: 1})
		require.ErrorIs(t, err, ErrLanguageMissing)
		assert.Contains(t, err.Error(), "xyz.traineddata")
		assert.Contains(t, err.Error(), "tesseract-ocr-xyz")
	})
	t.Run("tessdata dir without models", func(t *testing.T) {
		dir := t.TempDir()
		_, err := NewEngine(Options{Languages: "deu", Jobs: 1, TessdataDir: dir})
		require.ErrorIs(t, err, ErrLanguageMissing)
		assert.Contains(t, err.Error(), "deu.traineddata")
		assert.Contains(t, err.Error(), dir)
		assert.Contains(t, err.Error(), "tesseract-ocr-deu")
	})
	t.Run("orientation needs osd", func(t *testing.T) {
		dir := t.TempDir()
		src, err := os.ReadFile(tessdataFile(t, "eng"))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dir+"/eng.traineddata", src, 0o600))
		_, err = NewEngine(Options{Languages: "eng", Jobs: 1, TessdataDir: dir, DetectOrientation: true})
		require.ErrorIs(t, err, ErrLanguageMissing)
		assert.Contains(t, err.Error(), "osd.traineddata")
		assert.Contains(t, err.Error(), "tesseract-ocr-osd")

		e, err := NewEngine(Options{Languages: "eng", Jobs: 1, TessdataDir: dir})
		require.NoError(t, err, "without orientation detection eng alone is enough")
		require.NoError(t, e.Close())
	})
	t.Run("path in language", func(t *testing.T) {
		_, err := NewEngine(Options{Languages: "../../etc/passwd", Jobs: 1})
		require.Error(t, err)
	})
}

// tessdataFile finds an installed model to copy into a test tessdata dir.
func tessdataFile(t *testing.T, lang string) string {
	t.Helper()
	for _, dir := range []string{os.Getenv("TESSDATA_PREFIX"), "/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tessdata", "/usr/local/share/tessdata"} {
		if dir == "" {
			continue
		}
		p := dir + "/" + lang + ".traineddata"
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skipf("%s.traineddata not found in the usual places", lang)
	return ""
}

func TestEngineClose(t *testing.T) {
	opts := DefaultOptions()
	opts.Jobs = 1
	e, err := NewEngine(opts)
	require.NoError(t, err)

	page := Image{Data: letterG4(t)}
	running := make(chan error, 1)
	go func() {
		_, err := e.Recognize(context.Background(), page)
		running <- err
	}()
	require.Eventually(t, func() bool { return len(e.workers) == 0 }, 5*time.Second, time.Millisecond)
	waiting := make(chan error, 1)
	go func() {
		_, err := e.Recognize(context.Background(), page)
		waiting <- err
	}()

	require.NoError(t, e.Close()) // waits for the running page
	require.NoError(t, <-running, "a page already running finishes")
	err = <-waiting
	if err != nil {
		// It may have got the engine before Close, then it finished too.
		assert.ErrorIs(t, err, ErrClosed)
	}
	_, err = e.Recognize(context.Background(), page)
	assert.ErrorIs(t, err, ErrClosed)
	require.NoError(t, e.Close(), "Close twice")
}

func TestRecognizeRecoversPanic(t *testing.T) {
	e := newTestEngine(t, 1)
	w := <-e.workers
	tess := w.tess
	w.tess = nil // the binding panics on a closed instance
	_, err := w.recognize(letterG4(t), "300", psmAuto)
	w.tess = tess
	e.workers <- w
	require.ErrorIs(t, err, ErrInternal)
	assert.True(t, errors.Is(err, ErrInternal))

	_, err = e.Recognize(context.Background(), Image{Data: letterG4(t)})
	require.NoError(t, err)
}

func BenchmarkRecognize(b *testing.B) {
	opts := DefaultOptions()
	opts.Jobs = 1
	e, err := NewEngine(opts)
	require.NoError(b, err)
	defer e.Close()
	img := Image{Data: letterG4(b), DPI: 300}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Recognize(context.Background(), img); err != nil {
			b.Fatal(err)
		}
	}
}
