package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/aktenfluss/aktenfluss/internal/convert"
	"github.com/aktenfluss/aktenfluss/internal/ocr"
	"github.com/aktenfluss/aktenfluss/internal/pageimage"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/textmetric"
)

// corpusDoc is one folder of a scangen corpus: scan.pdf and truth.json.
type corpusDoc struct {
	ID    string
	Dir   string
	Pages []string // truth text per page
	Image []string // page image file names, for Tesseract's own run
}

func loadCorpus(dir string) ([]corpusDoc, error) {
	dirs, err := filepath.Glob(filepath.Join(dir, "*", "truth.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(dirs)
	var docs []corpusDoc
	for _, p := range dirs {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var t struct {
			ID    string `json:"id"`
			Pages []struct {
				Text  string `json:"text"`
				Image string `json:"image"`
			} `json:"pages"`
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		d := corpusDoc{ID: t.ID, Dir: filepath.Dir(p)}
		if d.ID == "" {
			d.ID = filepath.Base(d.Dir)
		}
		for _, pg := range t.Pages {
			d.Pages = append(d.Pages, pg.Text)
			d.Image = append(d.Image, pg.Image)
		}
		if _, err := os.Stat(filepath.Join(d.Dir, "scan.pdf")); err != nil {
			return nil, fmt.Errorf("%s: %w", d.Dir, err)
		}
		docs = append(docs, d)
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("no documents (DIR/*/truth.json + scan.pdf) in %s", dir)
	}
	return docs, nil
}

// engineRun is what one contender produced.
type engineRun struct {
	Name       string
	Elapsed    time.Duration
	Pages      int
	Bytes      int64
	CharErrs   int
	Chars      int
	WordErrs   int
	Words      int
	SelfPass   int
	GatePass   int
	GateRan    int
	Docs       int
	LayerMatch float64 // share of OCR words found in pdftotext of the PDF, ours only
	Failures   []string
}

func (r engineRun) ppm() float64 { return float64(r.Pages) / r.Elapsed.Minutes() }

func benchOCR(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("bench ocr", stderr)
	corpus := fs.String("corpus", "", "scangen corpus directory (required)")
	jobs := fs.Int("jobs", runtime.NumCPU(), "parallel OCR engines / ocrmypdf processes")
	outDir := fs.String("out", "", "keep outputs here (default: a temporary directory)")
	withOCRmyPDF := fs.Bool("ocrmypdf", true, "also run ocrmypdf --output-type pdfa-2 -l deu+eng")
	withTesseract := fs.Bool("tesseract", true, "also run tesseract's plain-text output for the CER baseline")
	gate := fs.String("gate", defaultGate(), "external PDF/A gate (pdfacheck.py), empty to skip")
	lang := fs.String("lang", "deu+eng", "Tesseract languages of aktenfluss (the baselines keep deu+eng)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *corpus == "" {
		return usageError{"bench ocr: --corpus DIR is required (e.g. from ../shared/tools/scangen)"}
	}
	docs, err := loadCorpus(*corpus)
	if err != nil {
		return err
	}
	dir := *outDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "aktenfluss-bench-ocr-"); err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(dir) }()
	}
	for _, sub := range []string{"aktenfluss", "ocrmypdf"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	pages := 0
	for _, d := range docs {
		pages += len(d.Pages)
	}
	fmt.Fprintf(stdout, "bench ocr: %d documents, %d pages, %d jobs, corpus %s\n", len(docs), pages, *jobs, *corpus)

	ours, err := runOurs(ctx, docs, dir, *jobs, *gate, *lang)
	if err != nil {
		return err
	}
	runs := []engineRun{ours}
	if *withOCRmyPDF {
		theirs, err := runOCRmyPDF(ctx, docs, dir, *jobs, *gate)
		if err != nil {
			return err
		}
		runs = append(runs, theirs)
	}
	var tess *engineRun
	if *withTesseract {
		t, err := runTesseract(ctx, docs, *jobs)
		if err != nil {
			return err
		}
		tess = &t
	}

	fmt.Fprintf(stdout, "\n%-12s %10s %9s %9s %9s %12s %12s %12s\n", "engine", "pages/min", "time", "CER", "WER", "bytes/page", "self-check", "pdfacheck")
	for _, r := range runs {
		gateCol := "skipped"
		if r.GateRan > 0 {
			gateCol = fmt.Sprintf("%d/%d", r.GatePass, r.GateRan)
		}
		fmt.Fprintf(stdout, "%-12s %10.1f %9s %8.2f%% %8.2f%% %12d %12s %12s\n", r.Name, r.ppm(), r.Elapsed.Round(100*time.Millisecond),
			100*rate(r.CharErrs, r.Chars), 100*rate(r.WordErrs, r.Words), r.Bytes/int64(max(r.Pages, 1)),
			fmt.Sprintf("%d/%d", r.SelfPass, r.Docs), gateCol)
	}
	if tess != nil {
		fmt.Fprintf(stdout, "%-12s %10.1f %9s %8.2f%% %8.2f%% %12s %12s %12s\n", "tesseract", tess.ppm(), tess.Elapsed.Round(100*time.Millisecond),
			100*rate(tess.CharErrs, tess.Chars), 100*rate(tess.WordErrs, tess.Words), "-", "-", "-")
	}
	if len(runs) > 1 {
		fmt.Fprintf(stdout, "\nspeed ratio aktenfluss/ocrmypdf: %.1f×\n", ours.ppm()/runs[1].ppm())
	}
	fmt.Fprintf(stdout, "text layer: %.1f%% of recognised words found by pdftotext -layout in our PDFs\n", 100*ours.LayerMatch)
	for _, r := range runs {
		for _, f := range r.Failures {
			fmt.Fprintf(stdout, "%s: %s\n", r.Name, f)
		}
	}
	return nil
}

func rate(errs, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(errs) / float64(n)
}

func defaultGate() string {
	for _, p := range []string{"../shared/tools/pdfacheck/pdfacheck.py", "../../shared/tools/pdfacheck/pdfacheck.py"} {
		if _, err := os.Stat(p); err == nil {
			abs, _ := filepath.Abs(p)
			return abs
		}
	}
	return ""
}

// runOurs converts every document as `aktenfluss convert` does, up to jobs
// documents at a time sharing one pool of jobs Tesseract engines (so
// one-page letters keep both cores busy too). The clock runs from the
// first input read to the last PDF/A on disk.
func runOurs(ctx context.Context, docs []corpusDoc, dir string, jobs int, gate, lang string) (engineRun, error) {
	run := engineRun{Name: "aktenfluss", Docs: len(docs)}
	eng, err := ocr.NewEngine(ocr.Options{Languages: lang, Jobs: jobs})
	if err != nil {
		return run, err
	}
	defer func() { _ = eng.Close() }()
	results := make([][]convert.PageResult, len(docs))
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for i, d := range docs {
		g.Go(func() error {
			in := filepath.Join(d.Dir, "scan.pdf")
			f, err := os.Open(in)
			if err != nil {
				return err
			}
			defer func() { _ = f.Close() }()
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			out, err := os.Create(filepath.Join(dir, "aktenfluss", d.ID+".pdf"))
			if err != nil {
				return err
			}
			meta := convert.Meta{Title: d.ID, ReceivedAt: fi.ModTime().UTC().Truncate(time.Second),
				ScanProtocol: &records.ScanProtocol{Operator: "bench", Checks: []string{"ocr-text-layer", "pdfa-2b-self-check"}}}
			res, err := convert.Convert(gctx, eng, jobs, f, fi.Size(), "application/pdf", pageimage.DefaultLimits(), meta, out)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("%s: %w", d.ID, err)
			}
			results[i] = res.Pages
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return run, err
	}
	run.Elapsed = time.Since(start)

	var found, total int
	for i, d := range docs {
		pdfPath := filepath.Join(dir, "aktenfluss", d.ID+".pdf")
		text := convert.Text(results[i])
		if err := os.WriteFile(filepath.Join(dir, "aktenfluss", d.ID+".txt"), []byte(text), 0o644); err != nil {
			return run, err
		}
		run.score(d, strings.Split(text, "\f"))
		run.check(pdfPath, gate)
		layer, err := exec.CommandContext(ctx, "pdftotext", "-layout", "-enc", "UTF-8", pdfPath, "-").Output()
		if err != nil {
			return run, fmt.Errorf("pdftotext %s: %w", d.ID, err)
		}
		f, n := wordsFound(results[i], string(layer))
		found += f
		total += n
	}
	run.LayerMatch = rate(found, total)
	return run, nil
}

// wordsFound counts the recognised words that pdftotext -layout extracts
// from the PDF's text layer, as a multiset: -layout interleaves blocks
// that stand side by side (an address beside the reference block), so the
// order differs from OCR's reading order without any word being misplaced.
func wordsFound(pages []convert.PageResult, layer string) (found, total int) {
	extracted := map[string]int{}
	for _, w := range strings.Fields(layer) {
		extracted[w]++
	}
	for _, p := range pages {
		for _, w := range p.Words {
			for _, part := range strings.Fields(w.Text) {
				total++
				if extracted[part] > 0 {
					extracted[part]--
					found++
				}
			}
		}
	}
	return found, total
}

func (r *engineRun) score(d corpusDoc, pageTexts []string) {
	for k, truth := range d.Pages {
		got := ""
		if k < len(pageTexts) {
			got = pageTexts[k]
		}
		ce, n, we, w := textmetric.Errors(truth, got)
		r.CharErrs += ce
		r.Chars += n
		r.WordErrs += we
		r.Words += w
		r.Pages++
	}
}

func (r *engineRun) check(pdfPath, gate string) {
	data, err := os.ReadFile(pdfPath)
	if err != nil {
		r.Failures = append(r.Failures, err.Error())
		return
	}
	r.Bytes += int64(len(data))
	if rep, err := pdfa.Check(bytes.NewReader(data), int64(len(data))); err == nil && rep.OK() {
		r.SelfPass++
	} else {
		r.Failures = append(r.Failures, fmt.Sprintf("%s: self-check failed", filepath.Base(pdfPath)))
	}
	if gate == "" {
		return
	}
	r.GateRan++
	out, err := exec.Command("/usr/bin/python3", gate, pdfPath).CombinedOutput()
	if err == nil {
		r.GatePass++
		return
	}
	r.Failures = append(r.Failures, fmt.Sprintf("%s: pdfacheck: %s", filepath.Base(pdfPath), strings.TrimSpace(string(out))))
}

// runOCRmyPDF runs `ocrmypdf --output-type pdfa-2 -l deu+eng` on every
// document, jobs documents at a time with one job each (ocrmypdf's own page
// parallelism cannot use two cores on one-page letters), timed the same way.
func runOCRmyPDF(ctx context.Context, docs []corpusDoc, dir string, jobs int, gate string) (engineRun, error) {
	run := engineRun{Name: "ocrmypdf", Docs: len(docs)}
	if _, err := exec.LookPath("ocrmypdf"); err != nil {
		return run, errors.New("ocrmypdf not found (apt-get install ocrmypdf), or pass --ocrmypdf=false")
	}
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	var mu sync.Mutex
	for _, d := range docs {
		g.Go(func() error {
			out := filepath.Join(dir, "ocrmypdf", d.ID+".pdf")
			cmd := exec.CommandContext(gctx, "ocrmypdf", "--output-type", "pdfa-2", "-l", "deu+eng", "--jobs", "1",
				"--sidecar", filepath.Join(dir, "ocrmypdf", d.ID+".txt"), "--quiet",
				filepath.Join(d.Dir, "scan.pdf"), out)
			cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
			if msg, err := cmd.CombinedOutput(); err != nil {
				mu.Lock()
				run.Failures = append(run.Failures, fmt.Sprintf("%s: %v: %s", d.ID, err, strings.TrimSpace(string(msg))))
				mu.Unlock()
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return run, err
	}
	run.Elapsed = time.Since(start)
	for _, d := range docs {
		text, _ := os.ReadFile(filepath.Join(dir, "ocrmypdf", d.ID+".txt"))
		run.score(d, strings.Split(string(text), "\f"))
		run.check(filepath.Join(dir, "ocrmypdf", d.ID+".pdf"), gate)
	}
	return run, nil
}

// runTesseract is the baseline: `tesseract PAGE - -l deu+eng`, plain text,
// on the corpus's page images.
func runTesseract(ctx context.Context, docs []corpusDoc, jobs int) (engineRun, error) {
	run := engineRun{Name: "tesseract"}
	texts := make([][]string, len(docs))
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for i, d := range docs {
		texts[i] = make([]string, len(d.Image))
		for k, img := range d.Image {
			g.Go(func() error {
				cmd := exec.CommandContext(gctx, "tesseract", filepath.Join(d.Dir, img), "-", "-l", "deu+eng")
				cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
				out, err := cmd.Output()
				if err != nil {
					return fmt.Errorf("tesseract %s/%s: %w", d.ID, img, err)
				}
				texts[i][k] = string(out)
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return run, err
	}
	run.Elapsed = time.Since(start)
	for i, d := range docs {
		run.score(d, texts[i])
	}
	return run, nil
}
