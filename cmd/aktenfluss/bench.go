package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "intake":
			return benchIntake(ctx, args[1:], stdout, stderr)
		case "ocr":
			return benchOCR(ctx, args[1:], stdout, stderr)
		case "einvoice":
			return benchEInvoice(ctx, args[1:], stdout, stderr)
		case "extract":
			return benchExtract(ctx, args[1:], stdout, stderr)
		case "search":
			return benchSearch(ctx, args[1:], stdout, stderr)
		case "approval":
			return benchApproval(ctx, args[1:], stdout, stderr)
		case "audit":
			return benchAudit(ctx, args[1:], stdout, stderr)
		case "web":
			return benchWeb(ctx, args[1:], stdout, stderr)
		}
	}
	return usageError{"bench: intake, ocr, einvoice, extract, search, approval, audit or web?"}
}

// benchIntake starts `aktenfluss dev` as a child process on a fresh data
// directory, publishes N small distinct PDFs, waits until every one is
// registered and archived, and reports throughput, latency from publish
// to registered, and the child's peak resident memory (VmHWM).
func benchIntake(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("bench intake", stderr)
	n := fs.Int("n", 500, "number of documents")
	conc := fs.Int("publishers", 8, "concurrent publishers")
	rate := fs.Float64("rate", 0, "documents per second to publish (0: as fast as possible, a burst)")
	keep := fs.Bool("keep", false, "keep the data directory")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after")
	if err := parse(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	dir, err := os.MkdirTemp("", "aktenfluss-bench-")
	if err != nil {
		return err
	}
	if !*keep {
		defer func() { _ = os.RemoveAll(dir) }()
	}
	info, child, stop, err := startDevChild(ctx, dir)
	if err != nil {
		return err
	}
	defer stop()
	rssStart, _ := vmHWM(child.Process.Pid)

	cfg := config.Defaults()
	info.Apply(&cfg)
	d, err := app.Connect(ctx, cfg, newLogger(io.Discard, "error"), app.Needs{NATS: true, Store: true})
	if err != nil {
		return err
	}
	defer d.Close()
	pub := d.Publisher()

	pace := "burst"
	if *rate > 0 {
		pace = fmt.Sprintf("%.0f/s", *rate)
	}
	fmt.Fprintf(stdout, "bench intake: %d documents, %d publishers, publish rate %s, aktenfluss dev pid %d\n", *n, *conc, pace, child.Process.Pid)
	start := time.Now()
	jobs := make(chan int)
	errc := make(chan error, *conc)
	var wg sync.WaitGroup
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				pdf := app.ArchivalPDF("Benchmark", fmt.Sprintf("Schreiben %d vom %s", i, start.Format(time.RFC3339Nano)))
				_, err := pub.Publish(ctx, intake.PublishRequest{
					Name: fmt.Sprintf("bench-%05d.pdf", i), Reader: bytes.NewReader(pdf),
					Source: records.SourceMailroom, ReceivedAt: time.Now(),
				})
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	var tick <-chan time.Time
	if *rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / *rate))
		defer t.Stop()
		tick = t.C
	}
	for i := range *n {
		if tick != nil {
			<-tick
		}
		select {
		case jobs <- i:
		case err := <-errc:
			close(jobs)
			return fmt.Errorf("publish: %w", err)
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errc:
		return fmt.Errorf("publish: %w", err)
	default:
	}
	published := time.Since(start)

	var peak int64
	for {
		peak = max(peak, mustHWM(child.Process.Pid))
		done, err := d.Store.CountEntries(ctx, store.EntryFilter{Status: records.StatusArchived})
		if err != nil {
			return err
		}
		if done >= *n {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("only %d of %d documents archived: %w", done, *n, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	peak = max(peak, mustHWM(child.Process.Pid))

	var entries []records.RegisterEntry
	for off := 0; off < *n; off += store.MaxLimit {
		page, err := d.Store.Entries(ctx, store.EntryFilter{Limit: store.MaxLimit, Offset: off})
		if err != nil {
			return err
		}
		entries = append(entries, page...)
	}
	if len(entries) != *n {
		return fmt.Errorf("%d register entries for %d documents", len(entries), *n)
	}
	var toRegistered, toArchived []time.Duration
	var last time.Time
	for _, e := range entries {
		toRegistered = append(toRegistered, e.RegisteredAt.Sub(e.ReceivedAt))
		toArchived = append(toArchived, e.UpdatedAt.Sub(e.ReceivedAt))
		if e.RegisteredAt.After(last) {
			last = e.RegisteredAt
		}
	}
	span := last.Sub(start)
	fmt.Fprintf(stdout, "published:            %d in %s (%.1f/s)\n", *n, published.Round(time.Millisecond), float64(*n)/published.Seconds())
	fmt.Fprintf(stdout, "registered:           %d in %s → %.1f documents/s\n", *n, span.Round(time.Millisecond), float64(*n)/span.Seconds())
	fmt.Fprintf(stdout, "publish → registered: p50 %s  p95 %s  p99 %s  max %s\n", pct(toRegistered, 50), pct(toRegistered, 95), pct(toRegistered, 99), pct(toRegistered, 100))
	fmt.Fprintf(stdout, "publish → archived:   p50 %s  p95 %s  p99 %s  max %s\n", pct(toArchived, 50), pct(toArchived, 95), pct(toArchived, 99), pct(toArchived, 100))
	fmt.Fprintf(stdout, "peak RSS of aktenfluss dev: %d MiB (after start: %d MiB)\n", peak>>20, rssStart>>20)
	return nil
}

// startDevChild runs `aktenfluss dev` on dir as a child process, so that
// its peak memory is its own, and waits until it is ready; stop ends it
// as Ctrl-C does and waits for it.
func startDevChild(ctx context.Context, dir string, extra ...string) (app.DevInfo, *exec.Cmd, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return app.DevInfo{}, nil, nil, err
	}
	child := exec.Command(self, append([]string{"dev", "--data-dir", dir, "--http", "127.0.0.1:0"}, extra...)...)
	child.Env = append(os.Environ(), "AKTENFLUSS_LOG_LEVEL=warn")
	var childErr bytes.Buffer
	child.Stdout, child.Stderr = io.Discard, &childErr
	if err := child.Start(); err != nil {
		return app.DevInfo{}, nil, nil, fmt.Errorf("start aktenfluss dev: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = child.Wait()
		close(exited)
	}()
	stop := func() {
		_ = child.Process.Signal(syscall.SIGTERM)
		<-exited
	}
	info, err := waitDevInfo(ctx, dir, child.Process.Pid, exited)
	if err != nil {
		stop()
		return app.DevInfo{}, nil, nil, fmt.Errorf("%w\n%s", err, childErr.String())
	}
	return info, child, stop, nil
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	i = min(max(i-1, 0), len(s)-1)
	return s[i].Round(time.Millisecond)
}

func waitDevInfo(ctx context.Context, dir string, pid int, exited <-chan struct{}) (app.DevInfo, error) {
	for {
		info, err := app.ReadDevInfo(dir)
		if err == nil && info.PID == pid {
			return info, nil
		}
		select {
		case <-ctx.Done():
			return info, fmt.Errorf("aktenfluss dev did not come up: %w", ctx.Err())
		case <-exited:
			return info, errors.New("aktenfluss dev exited during start")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// vmHWM reads the peak resident set size of a process from /proc.
func vmHWM(pid int) (int64, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

func mustHWM(pid int) int64 {
	v, _ := vmHWM(pid)
	return v
}
