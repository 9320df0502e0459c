package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/extract"
	"github.com/aktenfluss/aktenfluss/internal/extract/extracteval"
	"github.com/aktenfluss/aktenfluss/internal/ocr"
)

// extractRun is one measurement of extraction over the corpus.
type extractRun struct {
	Input      string             `json:"input"` // "ocr" or "truth-text"
	Languages  string             `json:"ocr_languages,omitempty"`
	OCRSeconds float64            `json:"ocr_seconds,omitempty"`
	Seconds    float64            `json:"extract_seconds"`
	DocsPerSec float64            `json:"extract_docs_per_second"`
	Report     extracteval.Report `json:"report"`
}

// benchExtract measures classification and field extraction on a scangen
// corpus: once on the OCR of the scans (word boxes, as the service sees
// them) and once on the exact page texts (as a born-digital PDF gives
// them). Extraction time excludes OCR; OCR time is reported apart.
func benchExtract(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("bench extract", stderr)
	corpus := fs.String("corpus", ".bench/scancorpus", "scangen corpus directory (make scancorpus)")
	jobs := fs.Int("jobs", runtime.NumCPU(), "parallel OCR engines")
	langs := fs.String("lang", cmp.Or(os.Getenv("AKTENFLUSS_OCR_LANGUAGES"), ocr.DefaultLanguages), "OCR languages")
	asJSON := fs.Bool("json", false, "print the measurement as JSON")
	withOCR := fs.Bool("ocr", true, "also measure on OCR of the scans (else truth text only)")
	rounds := fs.Int("rounds", 20, "extraction passes over the corpus for the timing")
	if err := parse(fs, args); err != nil {
		return err
	}
	docs, err := extracteval.Load(*corpus)
	if err != nil {
		return err
	}
	var runs []extractRun
	if *withOCR {
		eng, err := ocr.NewEngine(ocr.Options{Languages: *langs, Jobs: *jobs, DetectOrientation: true})
		if err != nil {
			return err
		}
		start := time.Now()
		pages, err := extracteval.OCR(ctx, eng, docs, *jobs)
		_ = eng.Close()
		if err != nil {
			return err
		}
		ocrTime := time.Since(start)
		inputs := make([]extract.Input, len(docs))
		for i := range docs {
			inputs[i] = extract.Input{Pages: pages[i]}
		}
		run := measureExtract(docs, inputs, *rounds)
		run.Input, run.Languages, run.OCRSeconds = "ocr", *langs, ocrTime.Seconds()
		runs = append(runs, run)
	}
	inputs := make([]extract.Input, len(docs))
	for i, d := range docs {
		inputs[i] = extract.Input{Text: d.Text()}
	}
	run := measureExtract(docs, inputs, *rounds)
	run.Input = "truth-text"
	runs = append(runs, run)

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(runs)
	}
	fmt.Fprintf(stdout, "bench extract: %d documents, corpus %s\n", len(docs), *corpus)
	for _, r := range runs {
		fmt.Fprintf(stdout, "\n%s", r.Input)
		if r.Input == "ocr" {
			fmt.Fprintf(stdout, " (%s, %d jobs): OCR %.1f s", r.Languages, *jobs, r.OCRSeconds)
		}
		fmt.Fprintf(stdout, "; extraction %.1f documents/s (one core)\n", r.DocsPerSec)
		r.Report.WriteTable(stdout)
		for _, f := range r.Report.Fields {
			if len(f.Misses)+len(f.Wrong) > 0 {
				fmt.Fprintf(stdout, "  %s: missed %v, wrong %v\n", f.Field, f.Misses, f.Wrong)
			}
		}
		if len(r.Report.FalseMatches) > 0 {
			fmt.Fprintf(stdout, "  FALSE FILE MATCHES: %v\n", r.Report.FalseMatches)
		}
	}
	return nil
}

// measureExtract extracts every document rounds times on one goroutine
// and scores the first pass.
func measureExtract(docs []extracteval.Doc, inputs []extract.Input, rounds int) extractRun {
	rounds = max(rounds, 1)
	results := make([]extract.Result, len(inputs))
	start := time.Now()
	for k := range rounds {
		for i, in := range inputs {
			r := extract.Extract(in)
			if k == 0 {
				results[i] = r
			}
		}
	}
	elapsed := time.Since(start)
	n := float64(len(inputs) * rounds)
	return extractRun{
		Seconds:    elapsed.Seconds() / float64(rounds),
		DocsPerSec: n / elapsed.Seconds(),
		Report:     extracteval.Score(docs, results),
	}
}
