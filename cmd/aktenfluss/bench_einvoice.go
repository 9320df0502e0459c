package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/invoicepdf"
)

// benchEInvoice measures inspect (parse + validate + summary) on one core
// over a corpus of e-invoice XML files, optionally the rendition too, and
// the peak memory of inspecting the largest file in a fresh process.
func benchEInvoice(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flagSet("bench einvoice", stderr)
	corpus := fset.String("corpus", "../shared/corpus/einvoice", "directory with e-invoice XML files (searched recursively)")
	rounds := fset.Int("rounds", 20, "passes over the corpus")
	render := fset.Bool("render", false, "also measure the PDF/A-3 rendition")
	one := fset.String("one", "", "internal: inspect this one file and report memory (used for the peak-memory child)")
	if err := parse(fset, args); err != nil {
		return err
	}
	if *one != "" {
		return benchEInvoiceOne(*one, stdout)
	}
	var files []string
	err := filepath.WalkDir(*corpus, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(strings.ToLower(p), ".xml") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("bench einvoice: no XML files under %s", *corpus)
	}
	slices.Sort(files)
	data := make([][]byte, len(files))
	var total int64
	largest := 0
	for i, f := range files {
		if data[i], err = os.ReadFile(f); err != nil {
			return err
		}
		total += int64(len(data[i]))
		if len(data[i]) > len(data[largest]) {
			largest = i
		}
	}

	// One core: the figure is what a single worker slot does.
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	inspect := func(b []byte) error {
		inv, err := einvoice.Parse(bytes.NewReader(b))
		if err != nil {
			return err
		}
		_ = einvoice.Accepted(einvoice.Validate(inv))
		_ = einvoice.Inspect(inv)
		return nil
	}
	for _, b := range data { // warm-up, and every file must parse
		if err := inspect(b); err != nil {
			return fmt.Errorf("bench einvoice: %w", err)
		}
	}
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	start := time.Now()
	for range *rounds {
		for _, b := range data {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := inspect(b); err != nil {
				return err
			}
		}
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&ms1)
	n := *rounds * len(data)
	fmt.Fprintf(stdout, "inspect (parse + validate, %d rules), 1 core (GOMAXPROCS=1), %s/%s:\n", len(einvoice.RuleIDs()), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(stdout, "  %d files (%.1f MB) × %d rounds = %d invoices in %s\n", len(data), float64(total)/1e6, *rounds, n, elapsed.Round(time.Millisecond))
	fmt.Fprintf(stdout, "  %.0f invoices/s, %.1f MB/s, %.2f ms per invoice, %.0f KB allocated per invoice\n",
		float64(n)/elapsed.Seconds(), float64(total)*float64(*rounds)/1e6/elapsed.Seconds(),
		elapsed.Seconds()*1000/float64(n), float64(ms1.TotalAlloc-ms0.TotalAlloc)/1024/float64(n))

	if *render {
		start = time.Now()
		for _, b := range data {
			inv, err := einvoice.Parse(bytes.NewReader(b))
			if err != nil {
				return err
			}
			if _, err := invoicepdf.Render(inv, b, invoicepdf.Options{}); err != nil {
				return fmt.Errorf("render: %w", err)
			}
		}
		el := time.Since(start)
		fmt.Fprintf(stdout, "rendition (parse + PDF/A-3 with XML), 1 core: %d invoices in %s, %.0f invoices/s, %.1f ms each\n",
			len(data), el.Round(time.Millisecond), float64(len(data))/el.Seconds(), el.Seconds()*1000/float64(len(data)))
	}

	// Peak memory: a fresh process per file, so the figure is not the
	// high-water mark of this loop. The smallest file gives the baseline
	// of the process itself.
	smallest := 0
	for i := range data {
		if len(data[i]) < len(data[smallest]) {
			smallest = i
		}
	}
	for _, i := range []int{smallest, largest} {
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, os.Args[0], "bench", "einvoice", "--one", files[i])
		cmd.Stdout, cmd.Stderr = &out, stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("peak-memory child: %w", err)
		}
		var r oneResult
		if err := json.Unmarshal(out.Bytes(), &r); err != nil {
			return fmt.Errorf("peak-memory child: %w: %s", err, out.String())
		}
		fmt.Fprintf(stdout, "  %s (%.0f KB): peak RSS %.1f MB, Go heap allocated %.1f MB, %d findings\n",
			filepath.Base(files[i]), float64(len(data[i]))/1024, float64(r.MaxRSSKB)/1024, float64(r.Allocated)/1e6, r.Findings)
	}
	return nil
}

type oneResult struct {
	MaxRSSKB  int64  `json:"max_rss_kb"`
	Allocated uint64 `json:"allocated"`
	Findings  int    `json:"findings"`
}

func benchEInvoiceOne(path string, stdout io.Writer) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	inv, err := einvoice.Parse(bytes.NewReader(b))
	if err != nil {
		return err
	}
	findings := einvoice.Validate(inv)
	_ = einvoice.Inspect(inv)
	runtime.ReadMemStats(&ms1)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(oneResult{MaxRSSKB: ru.Maxrss, Allocated: ms1.TotalAlloc - ms0.TotalAlloc, Findings: len(findings)})
}
