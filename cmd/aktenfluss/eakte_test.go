package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := cli(t, args...)
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// TestEAkteCommands walks the registry through the CLI on the embedded
// stack: file plan and organisation in, a file opened, a letter quoting
// it filed and worked (claim, follow-up, done), an unknown letter decided
// in triage, search as two different clerks, and the file closed.
func TestEAkteCommands(t *testing.T) {
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

	// File plan: the sample in, out as CSV, the CSV in again.
	mustCLI(t, "fileplan", "import", "--sample", "--data-dir", dir)
	show := mustCLI(t, "fileplan", "show", "63", "--data-dir", dir)
	if !strings.Contains(show, "63.01.01") || !strings.Contains(show, "Bauanträge") || strings.Contains(show, "20.02") {
		t.Fatalf("fileplan show 63:\n%s", show)
	}
	csv := mustCLI(t, "fileplan", "export", "--format", "csv", "--data-dir", dir)
	plan, err := records.ParsePlanCSV([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	if out := mustCLI(t, "fileplan", "import", write("plan.csv", []byte(csv)), "--data-dir", dir); !strings.Contains(out, strconv.Itoa(len(plan.Nodes))) {
		t.Fatalf("csv re-import: %s", out)
	}
	if _, _, err := cli(t, "fileplan", "import", write("bad.yaml", []byte("plan:\n  - code: 60.10\n    title: x\n")), "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "quoted") {
		t.Fatalf("unquoted code: %v", err)
	}

	// Organisation.
	org, err := app.DemoOrganisation()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := yaml.Marshal(org)
	if err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "units", "import", write("org.yaml", raw), "--data-dir", dir)
	if out := mustCLI(t, "units", "show", "--data-dir", dir); !strings.Contains(out, "Rechnungseingang") {
		t.Fatalf("units show:\n%s", out)
	}

	// A file.
	out := mustCLI(t, "files", "create", "--plan", "63.01.02", "--title", "Bauvoranfrage Mustermann", "--as", "g.richter", "--data-dir", dir)
	number := regexp.MustCompile(`63\.01\.02-0001/\d{4}`).FindString(out)
	if number == "" {
		t.Fatalf("files create: %s", out)
	}
	if _, _, err := cli(t, "files", "create", "--plan", "99.99", "--title", "x", "--as", "g.richter", "--data-dir", dir); err == nil {
		t.Fatal("a file under an unknown plan code was opened")
	}

	// A letter quoting it: filed, a task in 63's inbox.
	letter := write("nachreichung.pdf", app.TextPDF("Erika Mustermann, Lindenallee 12, 12345 Musterstadt",
		"Ihr Zeichen: "+number, "Musterstadt, 3. November 2026", "Nachreichung der Lageplaene",
		"Sehr geehrte Damen und Herren,", "anbei die fehlenden Lageplaene.", "Mit freundlichen Gruessen", "Erika Mustermann"))
	mustCLI(t, "intake", "--data-dir", dir, letter)
	var tasks []records.Task
	eventually(t, "the letter's task in unit 63", func() bool {
		out, _, err := cli(t, "tasks", "list", "--unit", "63", "--json", "--data-dir", dir)
		return err == nil && json.Unmarshal([]byte(out), &tasks) == nil && len(tasks) == 1
	})
	task := tasks[0]
	if task.FileNumber != number || task.Status != records.TaskOpen || !strings.HasPrefix(task.ID, workflows.ClerkTaskIDPrefix) {
		t.Fatalf("task %+v", task)
	}
	if _, _, err := cli(t, "tasks", "claim", task.ID, "--as", "m.wolf", "--data-dir", dir); err == nil {
		t.Fatal("a clerk of another unit claimed the task")
	}
	mustCLI(t, "tasks", "claim", task.ID, "--as", "e.koch", "--data-dir", dir)
	if _, _, err := cli(t, "tasks", "done", task.ID, "--as", "t.berger", "--data-dir", dir); err == nil {
		t.Fatal("someone other than the assignee finished the task while she is present")
	}
	tomorrow := time.Now().Add(24 * time.Hour).In(records.RegisterLocation).Format(time.DateOnly)
	if out := mustCLI(t, "tasks", "followup", task.ID, "--on", tomorrow, "--as", "e.koch", "--comment", "Statik abwarten", "--data-dir", dir); !strings.Contains(out, "Wiedervorlage") {
		t.Fatalf("followup: %s", out)
	}
	eventually(t, "the follow-up in the listing", func() bool {
		out, _, err := cli(t, "tasks", "list", "--assignee", "e.koch", "--status", "follow-up", "--json", "--data-dir", dir)
		return err == nil && json.Unmarshal([]byte(out), &tasks) == nil && len(tasks) == 1
	})
	mustCLI(t, "tasks", "done", task.ID, "--as", "e.koch", "--data-dir", dir)

	// An unknown letter: triage, decided by the registry.
	unknown := write("unklar.pdf", app.TextPDF("Zur Kenntnis.", "Gruss", "X"))
	mustCLI(t, "intake", "--data-dir", dir, unknown)
	var items []records.TriageItem
	eventually(t, "a triage item", func() bool {
		out, _, err := cli(t, "triage", "list", "--json", "--data-dir", dir)
		return err == nil && json.Unmarshal([]byte(out), &items) == nil && len(items) == 1
	})
	id := strconv.FormatInt(items[0].ID, 10)
	if _, _, err := cli(t, "triage", "decide", id, "--as", "r.poststelle", "--assign", "99", "--data-dir", dir); err == nil {
		t.Fatal("triage accepted an unknown unit")
	}
	if _, _, err := cli(t, "triage", "decide", id, "--as", "r.poststelle", "--file", number, "--open", "10.03.02", "--data-dir", dir); err == nil {
		t.Fatal("triage accepted two files")
	}
	mustCLI(t, "triage", "decide", id, "--as", "r.poststelle", "--open", "10.03.02", "--title", "Kenntnisnahme", "--assign", "10", "--comment", "allgemein", "--data-dir", dir)
	eventually(t, "the new file under 10.03.02", func() bool {
		out, _, err := cli(t, "files", "list", "--plan", "10.03", "--json", "--data-dir", dir)
		var fl []records.File
		return err == nil && json.Unmarshal([]byte(out), &fl) == nil && len(fl) == 1 && fl[0].Title == "Kenntnisnahme"
	})
	if out := mustCLI(t, "triage", "list", "--data-dir", dir); strings.Contains(out, "open") {
		t.Fatalf("triage still open:\n%s", out)
	}

	// Search: the Bauordnung sees its letter, the Kämmerei does not.
	var res store.SearchResult
	eventually(t, "the letter in the index", func() bool {
		out, _, err := cli(t, "search", "Lageplaene", "--as", "e.koch", "--json", "--data-dir", dir)
		return err == nil && json.Unmarshal([]byte(out), &res) == nil && res.Total == 1
	})
	if res.Hits[0].FileNumber != number || res.Hits[0].Unit != "63" {
		t.Fatalf("hit %+v", res.Hits[0])
	}
	out = mustCLI(t, "search", "Lageplaene", "--as", "m.wolf", "--json", "--data-dir", dir)
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Total != 0 {
		t.Fatalf("search as m.wolf: %s", out)
	}
	if _, _, err := cli(t, "search", "Lageplaene", "--data-dir", dir); err == nil {
		t.Fatal("search without --as or --all")
	}
	if out := mustCLI(t, "search", "--all", "--file", number, "--data-dir", dir); !strings.Contains(out, "1 Treffer") {
		t.Fatalf("search --file: %s", out)
	}

	// A process in the file, and a new version of the letter filed by hand.
	if out := mustCLI(t, "files", "process", number, "--title", "Nachforderung Statik", "--as", "g.richter", "--data-dir", dir); !strings.Contains(out, "Vorgang 1") {
		t.Fatalf("files process: %s", out)
	}
	letterSHA, unknownSHA := tasks[0].DocumentSHA256, items[0].DocumentSHA256
	if out := mustCLI(t, "files", "add", number, unknownSHA, "--process", "1", "--supersedes", letterSHA, "--as", "e.koch", "--data-dir", dir); !strings.Contains(out, "Version 2") {
		t.Fatalf("files add: %s", out)
	}
	if _, _, err := cli(t, "files", "add", number, unknownSHA, "--process", "7", "--as", "e.koch", "--data-dir", dir); err == nil {
		t.Fatal("filed into a process that does not exist")
	}

	// Closing the file: read-only, retention shown.
	if out := mustCLI(t, "files", "close", number, "--as", "g.richter", "--data-dir", dir); !strings.Contains(out, "zdA") {
		t.Fatalf("close: %s", out)
	}
	if _, _, err := cli(t, "files", "close", number, "--as", "g.richter", "--data-dir", dir); err == nil {
		t.Fatal("a closed file closed again")
	}
	out = mustCLI(t, "files", "show", number, "--data-dir", dir)
	if !strings.Contains(out, "zdA") || !strings.Contains(out, "Dokumente (2)") || !strings.Contains(out, "Nachforderung Statik") || !strings.Contains(out, "bis 31.12.") {
		t.Fatalf("files show:\n%s", out)
	}
	if _, _, err := cli(t, "files", "process", number, "--title", "zu spät", "--as", "g.richter", "--data-dir", dir); err == nil {
		t.Fatal("a process was opened in a closed file")
	}

	// The letter's archival rendition, downloaded; then the trail of the
	// people's acts beside the workflows' steps, and the chain intact.
	s, err := store.Open(t.Context(), info.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	eventually(t, "the letter's archival rendition", func() bool {
		list, err := s.Renditions(t.Context(), letterSHA)
		return err == nil && slices.ContainsFunc(list, func(r records.Rendition) bool { return r.Kind == records.RenditionArchivalPDF })
	})
	pdf := mustCLI(t, "documents", "get", letterSHA, "--rendition", "archival-pdf", "--out", "-", "--as", "e.koch", "--data-dir", dir)
	if !strings.HasPrefix(pdf, "%PDF-") {
		t.Fatalf("documents get: %.40q", pdf)
	}
	sum := sha256.Sum256([]byte(pdf))
	trail := func(typ, id, action string) []store.AuditEvent {
		t.Helper()
		evs, err := s.Events(t.Context(), typ, id)
		if err != nil {
			t.Fatal(err)
		}
		return slices.DeleteFunc(evs, func(ev store.AuditEvent) bool { return ev.Action != action })
	}
	for _, c := range []struct {
		typ, id, action, actor, detail string
	}{
		{"file", number, "file.opened", "g.richter", `"plan_code":"63.01.02"`},
		{"file", number, "process.opened", "g.richter", `"process":1`},
		{"file", number, "document.filed", "e.koch", `"version":2`},
		{"document", unknownSHA, "document.filed", "e.koch", `"supersedes":"` + letterSHA + `"`},
		{"file", number, "file.closed", "g.richter", `"file_number":"` + number + `"`},
		{"file", number, "file.read", cliActor(""), `"via":"cli"`},
		{"document", letterSHA, "document.downloaded", "e.koch", `"sha256":"` + hex.EncodeToString(sum[:]) + `"`},
		{"search", "e.koch", "search.performed", "e.koch", `"hits":`},
		{"search", cliActor(""), "search.performed", cliActor(""), `"filters":["file"]`},
		{"fileplan", "plan", "fileplan.imported", cliActor(""), `"nodes":`},
		{"organisation", "units", "organisation.imported", cliActor(""), `"unit_changes":`},
	} {
		evs := trail(c.typ, c.id, c.action)
		if len(evs) == 0 || evs[0].Actor != c.actor || !strings.Contains(string(evs[0].Details), c.detail) {
			t.Errorf("%s %s %s: want one by %s with %s, got %+v", c.action, c.typ, c.id, c.actor, c.detail, evs)
		}
	}
	// The file was opened once, through the CLI: the routing activity logs
	// only the files it opens itself (the triage's file under 10.03.02).
	if evs := trail("file", number, "file.opened"); len(evs) != 1 {
		t.Errorf("file.opened logged %d times", len(evs))
	}
	for _, ev := range trail("search", "e.koch", "search.performed") {
		if strings.Contains(string(ev.Details), "Lageplaene") || !strings.Contains(string(ev.Personal), "Lageplaene") {
			t.Errorf("search words not kept as personal data: details %s, personal %s", ev.Details, ev.Personal)
		}
	}
	if res, err := store.VerifyAudit(t.Context(), s, nil, nil); err != nil || !res.OK {
		t.Fatalf("verify the trail: %+v, %v", res, err)
	}
}
