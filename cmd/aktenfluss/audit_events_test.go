package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// TestAuditEvents runs the commands by which people read documents or
// change the organisation against a stopped dev stack's data directory
// (the SQLite store and the blob store, no Temporal or NATS needed) and
// checks the audit trail afterwards: each act is one event with the acting
// person, the object and the details; search words and citizens' names
// are personal data, not details; a download that fails (unknown document
// or rendition, a path that cannot be written) logs nothing; and the chain
// still verifies.
func TestAuditEvents(t *testing.T) {
	for _, k := range []string{"NATS_URL", "DATABASE_URL", "TEMPORAL_ADDRESS", "AKTENFLUSS_BLOB_DIR"} {
		t.Setenv(k, "")
	}
	ctx := t.Context()
	dir := t.TempDir()
	s, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "aktenfluss.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	blobs, err := blob.NewFS(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	put := func(data []byte) blob.Ref {
		t.Helper()
		ref, err := blobs.Put(ctx, bytes.NewReader(data), "")
		if err != nil {
			t.Fatal(err)
		}
		return ref
	}
	register := func(data []byte, name string) records.RegisterEntry {
		t.Helper()
		ref := put(data)
		e, _, err := s.Register(ctx, records.NewEntry{SHA256: ref.SHA256, Size: ref.Size, MediaType: "application/pdf",
			OriginalName: name, Source: records.SourceUpload, ReceivedAt: time.Now(), WorkflowID: "test/" + ref.SHA256})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	files := t.TempDir()
	write := func(name string, data []byte) string {
		t.Helper()
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	me := cliActor("")
	if !strings.HasPrefix(me, "cli:") {
		t.Fatalf("cliActor without --as: %q", me)
	}
	d := func(args ...string) []string { return append(args, "--data-dir", dir) }

	// A letter with a text rendition, in the search index; an e-invoice.
	letterPDF := app.TextPDF("Erika Mustermann", "Nachreichung der Lageplaene")
	letter := register(letterPDF, "nachreichung.pdf")
	text := []byte("Erika Mustermann\nNachreichung der Lageplaene\n")
	textRef := put(text)
	if _, _, err := s.AddRendition(ctx, records.Rendition{DocumentSHA256: letter.SHA256, Kind: records.RenditionText,
		BlobSHA256: textRef.SHA256, Size: textRef.Size, MediaType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	if err := s.IndexDocument(ctx, records.SearchDoc{DocumentSHA256: letter.SHA256, Title: "Nachreichung", Type: "letter",
		Unit: "63", Sender: "Erika Mustermann", Date: time.Now().Format(time.DateOnly), Body: string(text)}); err != nil {
		t.Fatal(err)
	}
	invDoc := register([]byte("%PDF-1.7 invoice"), "rechnung.pdf")
	inv, _, err := s.AddInvoice(ctx, records.Invoice{DocumentSHA256: invDoc.SHA256, XMLSHA256: put([]byte("<Invoice/>")).SHA256,
		ReportSHA256: put([]byte(`{"findings":[]}`)).SHA256, WorkflowID: "test/invoice", Syntax: "UBL-Invoice",
		Number: "R-1", Currency: "EUR", Status: records.InvoiceAccepted, Accepted: true, DuplicateKey: "test|R-1"})
	if err != nil {
		t.Fatal(err)
	}

	// File plan: the sample without --as, then a changed plan by an admin.
	mustCLI(t, d("fileplan", "import", "--sample")...)
	plan, err := records.ParsePlanYAML(records.SampleFilePlanYAML())
	if err != nil {
		t.Fatal(err)
	}
	plan.Nodes = slices.DeleteFunc(plan.Nodes, func(n records.PlanNode) bool { return n.Code == "10.02.02" })
	for i := range plan.Nodes {
		if plan.Nodes[i].Code == "10.01.02" {
			plan.Nodes[i].Title = "Dienstanweisungen und Verfügungen"
		}
	}
	plan.Nodes = append(plan.Nodes, records.PlanNode{Code: "10.02.03", Title: "Arbeitsschutz", RetentionYears: 10})
	planYAML, err := plan.MarshalYAML()
	if err != nil {
		t.Fatal(err)
	}
	mustCLI(t, d("fileplan", "import", write("plan.yaml", planYAML), "--as", "h.albrecht")...)

	// Organisation: the demo, then 63 under a new lead with a new member.
	org, err := app.DemoOrganisation()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := yaml.Marshal(org)
	if err != nil {
		t.Fatal(err)
	}
	mustCLI(t, d("units", "import", write("org.yaml", raw), "--as", "h.albrecht")...)
	for i, u := range org.Units {
		if u.Code == "63" {
			org.Units[i].Lead, org.Units[i].Members = "e.koch", []string{"e.koch", "t.berger", "f.neu"}
		}
	}
	for i, dp := range org.Deputies {
		if dp.User == "e.koch" {
			org.Deputies[i].Deputy = "f.neu"
		}
	}
	org.Deputies = append(org.Deputies, records.Deputy{User: "e.koch", Deputy: "t.berger", Rank: 2})
	raw2, err := yaml.Marshal(org)
	if err != nil {
		t.Fatal(err)
	}
	mustCLI(t, d("units", "import", write("org2.yaml", raw2), "--as", "h.albrecht")...)
	out := mustCLI(t, d("units", "absent", "t.berger", "2026-08-03", "2026-08-14", "--reason", "Krankheit", "--as", "e.koch")...)
	m := regexp.MustCompile(`Abwesenheit (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("units absent: %s", out)
	}
	absenceID, _ := strconv.Atoi(m[1])
	mustCLI(t, d("units", "present", m[1], "--as", "e.koch")...)
	if _, _, err := cli(t, d("units", "present", "9999", "--as", "e.koch")...); err == nil {
		t.Fatal("an unknown absence was removed")
	}

	// A file: opened, a process, the letter filed (twice: one event), read.
	out = mustCLI(t, d("files", "create", "--plan", "63.01.02", "--title", "Bauvoranfrage Mustermann", "--as", "g.richter")...)
	number := regexp.MustCompile(`63\.01\.02-0001/\d{4}`).FindString(out)
	if number == "" {
		t.Fatalf("files create: %s", out)
	}
	mustCLI(t, d("files", "process", number, "--title", "Nachforderung Statik", "--as", "g.richter")...)
	mustCLI(t, d("files", "add", number, letter.SHA256, "--process", "1", "--as", "e.koch")...)
	mustCLI(t, d("files", "add", number, letter.SHA256, "--process", "1", "--as", "e.koch")...)
	mustCLI(t, d("files", "show", number, "--as", "e.koch")...)
	mustCLI(t, d("files", "show", number)...)

	// The letter: shown, downloaded as original and as text; an unknown
	// rendition and an unknown document are refused without a download.
	mustCLI(t, d("documents", "show", letter.Number.String(), "--as", "e.koch")...)
	outFile := filepath.Join(files, "original.pdf")
	mustCLI(t, d("documents", "get", letter.SHA256, "--out", outFile, "--as", "e.koch")...)
	got, err := os.ReadFile(outFile)
	if err != nil || !bytes.Equal(got, letterPDF) {
		t.Fatalf("documents get wrote %d bytes, err %v", len(got), err)
	}
	textOut := mustCLI(t, d("documents", "get", letter.Number.String(), "--rendition", "text", "--out", "-")...)
	if textOut != string(text) {
		t.Fatalf("documents get --rendition text: %q", textOut)
	}
	missing := filepath.Join(files, "archiv.pdf")
	if _, _, err := cli(t, d("documents", "get", letter.SHA256, "--rendition", "archival-pdf", "--out", missing, "--as", "e.koch")...); err == nil || !strings.Contains(err.Error(), "keine Fassung") {
		t.Fatalf("unknown rendition: %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an unknown rendition left a file: %v", err)
	}
	if _, _, err := cli(t, d("documents", "get", letter.SHA256, "--out", filepath.Join(files, "fehlt", "x.pdf"), "--as", "e.koch")...); err == nil {
		t.Fatal("documents get into a missing directory succeeded")
	}
	unknownSHA := strings.Repeat("ab", 32)
	if _, _, err := cli(t, d("documents", "get", unknownSHA, "--out", missing)...); err == nil || !strings.Contains(err.Error(), "nicht im Posteingangsbuch") {
		t.Fatalf("unknown document: %v", err)
	}

	// Searches and the invoice.
	mustCLI(t, d("search", "Lageplaene", "--as", "e.koch", "--json")...)
	mustCLI(t, d("search", "Lageplaene", "--all", "--sender", "Mustermann", "--type", "letter")...)
	invID := strconv.FormatInt(inv.ID, 10)
	mustCLI(t, d("invoices", "show", invID, "--as", "m.wolf")...)

	// Closing the file.
	mustCLI(t, d("files", "close", number, "--as", "g.richter")...)

	// The trail.
	events := func(typ, id, action string) []store.AuditEvent {
		t.Helper()
		all, err := s.Events(ctx, typ, id)
		if err != nil {
			t.Fatal(err)
		}
		return slices.DeleteFunc(all, func(ev store.AuditEvent) bool { return ev.Action != action })
	}
	one := func(typ, id, action, actor string) (store.AuditEvent, map[string]any, map[string]any) {
		t.Helper()
		evs := events(typ, id, action)
		if len(evs) != 1 {
			t.Fatalf("%s %s %s: %d events, want 1", action, typ, id, len(evs))
		}
		if evs[0].Actor != actor {
			t.Fatalf("%s %s %s: actor %q, want %q", action, typ, id, evs[0].Actor, actor)
		}
		return evs[0], jsonMap(t, evs[0].Details), jsonMap(t, evs[0].Personal)
	}
	want := func(what string, got, want any) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if !bytes.Equal(g, w) {
			t.Errorf("%s: got %s, want %s", what, g, w)
		}
	}

	planEvents := events("fileplan", "plan", "fileplan.imported")
	if len(planEvents) != 2 || planEvents[0].Actor != me || planEvents[1].Actor != "h.albrecht" {
		t.Fatalf("fileplan events %+v", planEvents)
	}
	pd := jsonMap(t, planEvents[1].Details)
	want("plan added", pd["added"], []string{"10.02.03"})
	want("plan removed", pd["removed"], []string{"10.02.02"})
	want("plan changed", pd["changed"], []string{"10.01.02"})
	want("plan nodes", pd["nodes"], len(plan.Nodes))
	want("plan sha256", pd["sha256"], sha256Hex(planYAML))
	if first := jsonMap(t, planEvents[0].Details); len(first["added"].([]any)) == 0 || first["sha256"] != sha256Hex(records.SampleFilePlanYAML()) {
		t.Errorf("first plan import: %s", planEvents[0].Details)
	}

	orgEvents := events("organisation", "units", "organisation.imported")
	if len(orgEvents) != 2 || orgEvents[1].Actor != "h.albrecht" {
		t.Fatalf("organisation events %+v", orgEvents)
	}
	od := jsonMap(t, orgEvents[1].Details)
	want("unit changes", od["unit_changes"], map[string]any{"63": map[string]any{
		"lead": map[string]string{"from": "g.richter", "to": "e.koch"}, "members_added": []string{"f.neu"}, "members_removed": []string{"g.richter"},
	}})
	want("deputy changes", od["deputy_changes"], map[string]any{"e.koch": map[string]any{"from": []string{"t.berger"}, "to": []string{"f.neu", "t.berger"}}})
	want("org sha256", od["sha256"], sha256Hex(raw2))
	if first := jsonMap(t, orgEvents[0].Details)["unit_changes"].(map[string]any); len(first) != len(org.Units) {
		t.Errorf("first organisation import: %d units changed, want %d", len(first), len(org.Units))
	}

	_, ad, ap := one("user", "t.berger", "unit.absence.added", "e.koch")
	want("absence added", ad, map[string]any{"absence_id": absenceID, "from": "2026-08-03", "until": "2026-08-14"})
	want("absence reason", ap, map[string]any{"reason": "Krankheit"})
	_, rd, _ := one("user", "t.berger", "unit.absence.removed", "e.koch")
	want("absence removed", rd, map[string]any{"absence_id": absenceID, "from": "2026-08-03", "until": "2026-08-14"})

	_, fd, fp := one("file", number, "file.opened", "g.richter")
	want("file opened", fd, map[string]any{"file_number": number, "plan_code": "63.01.02", "unit": "63"})
	want("file title", fp, map[string]any{"title": "Bauvoranfrage Mustermann"})
	_, pcd, _ := one("file", number, "process.opened", "g.richter")
	want("process opened", pcd, map[string]any{"file_number": number, "process": 1})
	onFile, fld, _ := one("file", number, "document.filed", "e.koch")
	onDoc, dfd, _ := one("document", letter.SHA256, "document.filed", "e.koch")
	want("filed on the file", fld, map[string]any{"document": letter.SHA256, "file_number": number, "process": 1, "unit": "63", "version": 1})
	if !bytes.Equal(onFile.Details, onDoc.Details) || !onFile.Time.Equal(onDoc.Time) || onDoc.Key == onFile.Key {
		t.Errorf("document.filed: on the file %s, on the document %s", fld, dfd)
	}
	one("file", number, "file.closed", "g.richter")
	reads := events("file", number, audit.ActionFileRead)
	if len(reads) != 2 || reads[0].Actor != "e.koch" || reads[1].Actor != me {
		t.Errorf("file reads %+v", reads)
	}

	_, dd, _ := one("document", letter.SHA256, audit.ActionDocumentRead, "e.koch")
	want("document read", dd, map[string]any{"via": "cli"})
	downloads := events("document", letter.SHA256, audit.ActionDocumentDownloaded)
	if len(downloads) != 2 {
		t.Fatalf("%d downloads logged, want 2 (the unknown rendition and the unwritable path must not be logged)", len(downloads))
	}
	sum := sha256.Sum256(got)
	if downloads[0].Actor != "e.koch" {
		t.Errorf("download actor %q", downloads[0].Actor)
	}
	want("download original", jsonMap(t, downloads[0].Details), map[string]any{"rendition": "original", "sha256": hex.EncodeToString(sum[:]), "size": len(got)})
	if downloads[1].Actor != me {
		t.Errorf("download without --as: actor %q, want %q", downloads[1].Actor, me)
	}
	want("download text", jsonMap(t, downloads[1].Details), map[string]any{"rendition": "text", "sha256": textRef.SHA256, "size": len(text)})
	if evs := events("document", unknownSHA, audit.ActionDocumentDownloaded); len(evs) != 0 {
		t.Errorf("an unknown document's download was logged: %+v", evs)
	}

	ev, sd, sp := one("search", "e.koch", audit.ActionSearch, "e.koch")
	want("search", sd, map[string]any{"filters": []string{}, "hits": 1, "scope": "units", "units": []string{"63"}})
	want("search words", sp, map[string]any{"query": "Lageplaene"})
	if strings.Contains(string(ev.Details), "Lageplaene") {
		t.Errorf("search words in the details: %s", ev.Details)
	}
	ev, sd, sp = one("search", me, audit.ActionSearch, me)
	want("search --all", sd, map[string]any{"filters": []string{"type", "sender"}, "hits": 1, "scope": "all"})
	want("search --all words", sp, map[string]any{"query": "Lageplaene", "filters": map[string]string{"type": "letter", "sender": "Mustermann"}})
	if strings.Contains(string(ev.Details), "Mustermann") {
		t.Errorf("a sender's name in the details: %s", ev.Details)
	}

	_, id, _ := one("invoice", invID, audit.ActionInvoiceRead, "m.wolf")
	want("invoice read", id, map[string]any{"via": "cli", "document": invDoc.SHA256})

	res, err := store.VerifyAudit(ctx, s, nil, nil)
	if err != nil || !res.OK {
		t.Fatalf("verify: %+v, %v", res, err)
	}
}

// jsonMap decodes an event's details or personal data; nil for none.
func jsonMap(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return m
}
