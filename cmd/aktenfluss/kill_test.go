package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// The test binary doubles as the aktenfluss binary: with this variable set
// it runs main(), so a test can start `aktenfluss dev` as a real child
// process and SIGKILL it.
const runMainEnv = "AKTENFLUSS_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func startChild(t *testing.T, dir string) (*exec.Cmd, app.DevInfo) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "dev", "--data-dir", dir, "--http", "127.0.0.1:0", "--temporal-ui", "off")
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "AKTENFLUSS_LOG_LEVEL=warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	info, err := waitDevInfo(ctx, dir, cmd.Process.Pid, exited)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	return cmd, info
}

// TestKillDevDuringBatch publishes 200 documents, kills `aktenfluss dev`
// with SIGKILL while they are processed, starts it again, and finds every
// document registered exactly once with gap-free numbers.
func TestKillDevDuringBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("200-document batch with a child process")
	}
	const n = 200
	dir := t.TempDir()
	child, info := startChild(t, dir)

	cfg := config.Defaults()
	info.Apply(&cfg)
	ctx := context.Background()
	d, err := app.Connect(ctx, cfg, newLogger(os.Stderr, "error"), app.Needs{NATS: true})
	if err != nil {
		t.Fatal(err)
	}
	pub := d.Publisher()
	for i := range n {
		if _, err := pub.Publish(ctx, intake.PublishRequest{
			Name: fmt.Sprintf("akte-%03d.pdf", i), Source: records.SourceMailroom,
			Reader: bytes.NewReader(app.ArchivalPDF(fmt.Sprintf("Schreiben %d", i))),
		}); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	d.Close()

	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "aktenfluss.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	count := func() int {
		c, err := st.CountEntries(ctx, store.EntryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	deadline := time.Now().Add(60 * time.Second)
	for count() < 10 {
		if time.Now().After(deadline) {
			t.Fatal("nothing registered within 60s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	t.Logf("killed with %d of %d registered", count(), n)

	startChild(t, dir)
	deadline = time.Now().Add(3 * time.Minute)
	for {
		c, err := st.CountEntries(ctx, store.EntryFilter{Status: records.StatusArchived})
		if err != nil {
			t.Fatal(err)
		}
		if c == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d archived after restart", c, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	entries, err := st.Entries(ctx, store.EntryFilter{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != n {
		t.Fatalf("%d entries, want %d", len(entries), n)
	}
	var seqs []int64
	for _, e := range entries {
		seqs = append(seqs, e.Number.Seq)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("register numbers not gap-free at %d: %d", i, s)
		}
	}
}
