package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// startDev runs the embedded stack in this process, as `aktenfluss dev`
// would, so the CLI commands below find it through dev.json. roles nil
// means all of them.
func startDev(t *testing.T, roles ...config.Role) app.DevInfo {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.DataDir = dir
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan app.DevInfo, 1)
	done := make(chan error, 1)
	go func() {
		done <- app.RunDev(ctx, cfg, newLogger(os.Stderr, "error"), app.DevOptions{
			Roles:   roles,
			OnReady: func(i app.DevInfo) { ready <- i },
			Run:     app.RunOptions{HTTPListener: ln},
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case info := <-ready:
		return info
	case err := <-done:
		t.Fatalf("dev: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("dev did not start")
	}
	return app.DevInfo{}
}

func cli(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// Generous: under `go test ./...` other packages' Tesseract tests share
	// the two cores, and the archive step waits for the OCR worker's start.
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestMailroomCommands(t *testing.T) {
	// Client commands prefer NATS_URL and DATABASE_URL over the dev stack
	// in --data-dir; CI exports DATABASE_URL for the store's PostgreSQL
	// suite, which must not redirect these commands.
	for _, k := range []string{"NATS_URL", "DATABASE_URL", "TEMPORAL_ADDRESS", "AKTENFLUSS_BLOB_DIR"} {
		t.Setenv(k, "")
	}
	info := startDev(t)
	dir := info.DataDir
	files := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	letter := write("brief.pdf", app.ArchivalPDF("Bauantrag", "Az. 63.01.02-0017/2026"))
	empty := write("leer.pdf", nil)
	exe := write("setup.exe", []byte("MZ\x90\x00\x03 this is no document"))

	out, errOut, err := cli(t, "intake", "--data-dir", dir, "--source", "mailroom", "--operator", "poststelle-1",
		"--station", "scan-01", "--profile", "A4-300dpi", "--dpi", "300", letter, empty, exe)
	if err == nil || !strings.Contains(err.Error(), "2 von 3") {
		t.Fatalf("intake err = %v, want 2 of 3 rejected", err)
	}
	if !strings.Contains(out, "eingeliefert / published: "+letter) {
		t.Errorf("stdout: %s", out)
	}
	for _, want := range []string{empty, "empty", exe, "unknown media type"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}

	eventually(t, "the letter in the register", func() bool {
		out, _, err := cli(t, "documents", "list", "--data-dir", dir, "--json")
		if strings.Contains(out, `"status": "failed"`) {
			t.Fatalf("the letter failed:\n%s", out)
		}
		return err == nil && strings.Contains(out, `"status": "archived"`)
	})
	out, _, err = cli(t, "documents", "list", "--data-dir", dir)
	number := records.RegisterNumber{Year: records.RegisterYear(time.Now()), Seq: 1}.String()
	if err != nil || !strings.Contains(out, number) || !strings.Contains(out, "pdf-text") || !strings.Contains(out, "EINGANGSNR") {
		t.Fatalf("documents list: %v\n%s", err, out)
	}
	out, _, err = cli(t, "documents", "show", "--data-dir", dir, number)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Eingangsnummer", number, "brief.pdf", "Bediener poststelle-1, Station scan-01, Profil A4-300dpi, 300 dpi",
		"document.received", "document.registered", "document.classified", "document.archived"} {
		if !strings.Contains(out, want) {
			t.Errorf("documents show lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := cli(t, "documents", "show", "--data-dir", dir, "2026-999999"); err == nil {
		t.Error("show of an unknown number succeeded")
	}

	// A broken envelope from some other publisher, then requeued by hand.
	nc, err := nats.Connect(info.NATS)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(context.Background(), intake.Subject(records.SourceUpload), []byte("kein JSON")); err != nil {
		t.Fatal(err)
	}
	var items []map[string]any
	eventually(t, "the broken envelope in quarantine", func() bool {
		out, _, err := cli(t, "quarantine", "list", "--data-dir", dir, "--json")
		return err == nil && json.Unmarshal([]byte(out), &items) == nil && len(items) == 1
	})
	if items[0]["reason"] != intake.ReasonBadEnvelope {
		t.Fatalf("quarantine item %v", items[0])
	}
	id := int(items[0]["id"].(float64))
	out, _, err = cli(t, "quarantine", "retry", "--data-dir", dir, strconv.Itoa(id))
	if err != nil || !strings.Contains(out, "erneut eingestellt") {
		t.Fatalf("retry: %v %s", err, out)
	}
	eventually(t, "the retried envelope back in quarantine", func() bool {
		out, _, err := cli(t, "quarantine", "list", "--data-dir", dir, "--all", "--json")
		return err == nil && json.Unmarshal([]byte(out), &items) == nil && len(items) == 2
	})
	out, _, _ = cli(t, "quarantine", "list", "--data-dir", dir)
	if !strings.Contains(out, "bad-envelope") {
		t.Errorf("quarantine list:\n%s", out)
	}
}

func TestProductionRolesValidateConfiguration(t *testing.T) {
	for _, k := range []string{"NATS_URL", "TEMPORAL_ADDRESS", "DATABASE_URL", "AKTENFLUSS_BLOB_DIR"} {
		t.Setenv(k, "")
	}
	_, _, err := cli(t, "worker")
	if err == nil {
		t.Fatal("worker started without configuration")
	}
	for _, want := range []string{"database.url (DATABASE_URL)", "nats.url (NATS_URL)", "temporal.address (TEMPORAL_ADDRESS)", "blob.dir (AKTENFLUSS_BLOB_DIR)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	t.Setenv("NATS_URL", "http://nats:4222")
	if _, _, err := cli(t, "consume"); err == nil || !strings.Contains(err.Error(), `nats.url (NATS_URL): "http://nats:4222"`) {
		t.Errorf("bad NATS_URL: %v", err)
	}
	if _, _, err := cli(t, "frobnicate"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("unknown command: %v", err)
	}
}

func TestParseTakesFlagsAnywhere(t *testing.T) {
	for _, tc := range []struct {
		args []string
		pos  []string
		dir  string
	}{
		{[]string{"AZ", "--data-dir", "d"}, []string{"AZ"}, "d"},
		{[]string{"--data-dir", "d", "AZ", "B"}, []string{"AZ", "B"}, "d"},
		{[]string{"A", "--data-dir=d", "B"}, []string{"A", "B"}, "d"},
		{[]string{"A", "--", "--data-dir", "x"}, []string{"A", "--data-dir", "x"}, ""},
		{nil, nil, ""},
	} {
		fs := flagSet("t", io.Discard)
		dir := fs.String("data-dir", "", "")
		if err := parse(fs, tc.args); err != nil {
			t.Fatal(err)
		}
		if got := fs.Args(); strings.Join(got, "|") != strings.Join(tc.pos, "|") || *dir != tc.dir {
			t.Errorf("%v: args %q, dir %q", tc.args, got, *dir)
		}
	}
	fs := flagSet("t", io.Discard)
	if err := parse(fs, []string{"A", "--nope"}); err == nil {
		t.Error("an unknown flag after a positional argument was accepted")
	}
}
