package ocr

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/textmetric"
)

// TestCorpus measures speed and character error rate on a scan corpus made
// by shared/tools/scangen (doc-NNN/page-K.{png,jpg,tif} + truth.json). It
// only runs when OCR_CORPUS points at one, e.g.
//
//	OCR_CORPUS=$PWD/.bench/scancorpus OCR_CORPUS_PAGES=12 go test -run TestCorpus -v ./internal/ocr/
//
// OCR_CORPUS_DPI (300) and OCR_CORPUS_MODE (gray, bilevel) select pages.
// If the tesseract command is installed, its plain text output on the same
// pages is scored as the baseline.
func TestCorpus(t *testing.T) {
	dir := os.Getenv("OCR_CORPUS")
	if dir == "" {
		t.Skip("OCR_CORPUS not set")
	}
	limit := 12
	if s := os.Getenv("OCR_CORPUS_PAGES"); s != "" {
		_, err := fmt.Sscan(s, &limit)
		require.NoError(t, err)
	}
	var dpi int
	if s := os.Getenv("OCR_CORPUS_DPI"); s != "" {
		_, err := fmt.Sscan(s, &dpi)
		require.NoError(t, err)
	}
	pages := corpusPages(t, dir, limit, dpi, os.Getenv("OCR_CORPUS_MODE"))
	require.NotEmpty(t, pages)

	t.Run("speed", func(t *testing.T) { corpusSpeed(t, pages) })
	t.Run("throughput", func(t *testing.T) { corpusThroughput(t, pages) })
}

// corpusSpeed: seconds per page by input format, one engine.
func corpusSpeed(t *testing.T, pages []corpusPage) {
	opts := DefaultOptions()
	opts.Jobs = 1
	e1, err := NewEngine(opts)
	require.NoError(t, err)
	defer e1.Close()

	// Seconds per page by input format, one engine.
	byFormat := map[string][]time.Duration{}
	for _, p := range pages {
		for _, f := range p.files {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			variants := map[string][]byte{strings.TrimPrefix(filepath.Ext(f), "."): data}
			if strings.HasSuffix(f, ".png") {
				variants["pgm"] = encodePGM(decodeImage(t, data))
			}
			for name, d := range variants {
				start := time.Now()
				_, err := e1.Recognize(context.Background(), Image{Data: d, DPI: p.dpi})
				require.NoError(t, err, f)
				key := fmt.Sprintf("%s %d dpi %s", name, p.dpi, p.mode)
				byFormat[key] = append(byFormat[key], time.Since(start))
			}
		}
	}
	keys := make([]string, 0, len(byFormat))
	for k := range byFormat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var sum time.Duration
		for _, d := range byFormat[k] {
			sum += d
		}
		t.Logf("jobs=1 %-22s %5.2f s/page (%d pages)", k, (sum / time.Duration(len(byFormat[k]))).Seconds(), len(byFormat[k]))
	}
}

// corpusThroughput: pages per minute with two engines, and the character
// error rate of the text against the truth and against the tesseract CLI.
func corpusThroughput(t *testing.T, pages []corpusPage) {
	opts := DefaultOptions()
	opts.Jobs = 2
	e2, err := NewEngine(opts)
	require.NoError(t, err)
	defer e2.Close()
	texts := make([]string, len(pages))
	work := make(chan int)
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cpuTime()
	for range 2 {
		wg.Go(func() {
			for i := range work {
				data, err := os.ReadFile(pages[i].files[0])
				if err != nil {
					t.Error(err)
					continue
				}
				p, err := e2.Recognize(context.Background(), Image{Data: data, DPI: pages[i].dpi})
				if err != nil {
					t.Error(err)
					continue
				}
				texts[i] = p.Text
			}
		})
	}
	for i := range pages {
		work <- i
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("jobs=2 %d pages in %.1f s: %.1f pages/min (cpu %.1f s)", len(pages), elapsed.Seconds(), float64(len(pages))/elapsed.Minutes(), (cpuTime() - cpu0).Seconds())

	_, cliErr := exec.LookPath("tesseract")
	var ours, cli, n float64
	for i, p := range pages {
		c := cer(texts[i], p.truth)
		ours += c
		line := fmt.Sprintf("%s: ours %.4f", p.name, c)
		if cliErr == nil {
			cmd := exec.Command("tesseract", p.files[0], "-", "-l", "deu+eng", "--dpi", fmt.Sprint(p.dpi))
			cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
			out, err := cmd.Output()
			require.NoError(t, err)
			cc := cer(string(out), p.truth)
			cli += cc
			line += fmt.Sprintf(" tesseract %.4f", cc)
		}
		n++
		t.Log(line)
	}
	t.Logf("mean CER over %d pages: ours %.4f", len(pages), ours/n)
	if cliErr == nil {
		t.Logf("mean CER over %d pages: tesseract cli %.4f", len(pages), cli/n)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type corpusPage struct {
	name  string
	files []string // first: the image of the page as scanned
	dpi   int
	mode  string
	truth string
}

func corpusPages(t *testing.T, dir string, limit, dpi int, mode string) []corpusPage {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(dir, "doc-*", "truth.json"))
	require.NoError(t, err)
	sort.Strings(docs)
	var out []corpusPage
	for _, tf := range docs {
		raw, err := os.ReadFile(tf)
		require.NoError(t, err)
		var truth struct {
			DPI   int    `json:"dpi"`
			Mode  string `json:"mode"`
			Pages []struct {
				Page     int    `json:"page"`
				Text     string `json:"text"`
				Image    string `json:"image"`
				PDFImage string `json:"pdf_image"`
			} `json:"pages"`
		}
		require.NoError(t, json.Unmarshal(raw, &truth))
		if (dpi != 0 && truth.DPI != dpi) || (mode != "" && truth.Mode != mode) {
			continue
		}
		d := filepath.Dir(tf)
		for _, p := range truth.Pages {
			cp := corpusPage{
				name:  fmt.Sprintf("%s/%d", filepath.Base(d), p.Page),
				files: []string{filepath.Join(d, p.Image)},
				dpi:   truth.DPI,
				mode:  truth.Mode,
				truth: p.Text,
			}
			if p.PDFImage != "" {
				cp.files = append(cp.files, filepath.Join(d, p.PDFImage))
			}
			out = append(out, cp)
			if len(out) == limit {
				return out
			}
		}
	}
	return out
}

// cer is the character error rate as the OCR benchmark computes it.
func cer(got, truth string) float64 { return textmetric.CER(truth, got) }
