package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// TestAuditCommands: verify, checkpoint, public key, the three export
// formats of a document's history, erasure, and a tampered database that
// verify refuses with the first bad event and a non-zero exit.
func TestAuditCommands(t *testing.T) {
	for _, k := range []string{"NATS_URL", "DATABASE_URL", "TEMPORAL_ADDRESS", "AKTENFLUSS_BLOB_DIR"} {
		t.Setenv(k, "")
	}
	info := startDev(t)
	dir := info.DataDir
	files := t.TempDir()
	letter := filepath.Join(files, "brief.pdf")
	if err := os.WriteFile(letter, app.ArchivalPDF("Bauantrag", "Az. 63.01.02-0017/2026"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "intake", "--data-dir", dir, letter)
	var sha string
	eventually(t, "the letter in the register", func() bool {
		out, _, err := cli(t, "documents", "list", "--data-dir", dir, "--json")
		var entries []struct {
			SHA256 string `json:"sha256"`
			Status string `json:"status"`
		}
		if err != nil || json.Unmarshal([]byte(out), &entries) != nil || len(entries) != 1 || entries[0].Status != "archived" {
			return false
		}
		sha = entries[0].SHA256
		return true
	})

	out := mustCLI(t, "audit", "checkpoint", "--data-dir", dir)
	if !strings.Contains(out, "Checkpoint: Ereignis") {
		t.Fatalf("checkpoint: %s", out)
	}
	out = mustCLI(t, "audit", "verify", "--data-dir", dir)
	for _, want := range []string{"Protokollkette unverändert", "Letzter passender signierter Checkpoint", "Datei ", "NATS-Stream AUDIT"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify lacks %q:\n%s", want, out)
		}
	}
	pub := mustCLI(t, "audit", "public-key", "--data-dir", dir)
	if !strings.Contains(pub, "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("public key: %s", pub)
	}

	jsonOut := filepath.Join(files, "verlauf.json")
	mustCLI(t, "audit", "export", "--document", sha, "--format", "json", "--out", jsonOut, "--as", "r.pruefer", "--data-dir", dir)
	raw, err := os.ReadFile(jsonOut)
	if err != nil {
		t.Fatal(err)
	}
	var rep audit.Report
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	sources := map[string]int{}
	for _, e := range rep.Entries {
		sources[e.Source]++
	}
	if !rep.Verification.OK || rep.Subject.ID != sha || rep.GeneratedBy != "r.pruefer" || sources[audit.SourceTrail] == 0 || sources[audit.SourceWorkflow] == 0 {
		t.Fatalf("report: subject %+v by %s, verification %+v, sources %v", rep.Subject, rep.GeneratedBy, rep.Verification, sources)
	}
	csvOut := mustCLI(t, "audit", "export", "--document", sha, "--format", "csv", "--as", "r.pruefer", "--data-dir", dir)
	if !strings.HasPrefix(csvOut, strings.Join(audit.CSVHeader, ",")+"\n") || !strings.Contains(csvOut, "document.registered") {
		t.Fatalf("csv:\n%s", csvOut)
	}
	pdfOut := filepath.Join(files, "verlauf.pdf")
	mustCLI(t, "audit", "export", "--document", sha, "--format", "pdf", "--out", pdfOut, "--as", "r.pruefer", "--data-dir", dir)
	pdf, err := os.ReadFile(pdfOut)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := pdfa.Check(bytes.NewReader(pdf), int64(len(pdf))); err != nil || !rep.OK() {
		t.Fatalf("the exported history is no PDF/A: %v %v", rep.Failed(), err)
	}
	if _, _, err := cli(t, "audit", "export", "--document", sha, "--file", "x", "--data-dir", dir); err == nil {
		t.Error("two subjects accepted")
	}

	s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(dir, "aktenfluss.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs, err := s.Events(context.Background(), "document", sha)
	if err != nil {
		t.Fatal(err)
	}
	exports := 0
	for _, ev := range evs {
		if ev.Action == audit.ActionTrailExported && ev.Actor == "r.pruefer" {
			exports++
		}
	}
	if exports != 3 {
		t.Errorf("%d exports logged, want 3", exports)
	}

	out = mustCLI(t, "audit", "erase", "--document", sha, "--reason", "Löschersuchen", "--as", "dsb", "--data-dir", dir)
	if !strings.Contains(out, "die Kette bleibt prüfbar") {
		t.Errorf("erase: %s", out)
	}
	mustCLI(t, "audit", "verify", "--data-dir", dir)

	// Someone edits an event in the database.
	db, err := sql.Open("sqlite", filepath.Join(dir, "aktenfluss.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE audit_log SET actor = 'jemand' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	err = run(context.Background(), []string{"audit", "verify", "--data-dir", dir}, &stdout, &bytes.Buffer{})
	if !errors.Is(err, errChainBroken) || !strings.Contains(stdout.String(), "erstes fehlerhaftes Ereignis 2") {
		t.Fatalf("verify of a tampered trail: %v\n%s", err, stdout.String())
	}
}
