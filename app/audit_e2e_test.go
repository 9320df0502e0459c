package app

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// TestAuditTrailThroughTheStack runs a letter through the real stack and
// asks for its history as an auditor would: the trail's events joined with
// the Temporal histories of the inbound workflow and the clerk task, a
// verified chain with checkpoints kept in the file and on NATS, the
// configuration the worker started with, and a final checkpoint at
// shutdown.
func TestAuditTrailThroughTheStack(t *testing.T) {
	dir := t.TempDir()
	dev := startDev(t, dir, RunOptions{})
	st := openStore(t, dir)
	ctx := context.Background()
	file := seedDemo(t, st)
	pub, js := dev.publisher(t)

	letter := publish(t, pub, "nachreichung.pdf", TextPDF(
		"Erika Mustermann, Lindenallee 12, 12345 Musterstadt",
		"Stadt Musterstadt, Bauordnung, Rathausplatz 1, 12345 Musterstadt",
		"Ihr Zeichen: "+file.Number,
		"Musterstadt, 3. November 2026",
		"Nachreichung von Unterlagen zur Bauvoranfrage",
		"Sehr geehrte Damen und Herren,",
		"anbei die fehlenden Lageplaene."))
	waitTask(t, st, workflows.ClerkTaskIDPrefix+letter.SHA256)

	var cfg config.AuditConfig
	DevAuditDefaults(&cfg, dir)
	key, err := audit.LoadPrivateKey(cfg.SigningKey)
	if err != nil {
		t.Fatalf("dev created no signing key: %v", err)
	}
	cp := &Checkpointer{Store: st, Key: key, File: cfg.CheckpointFile, JS: js, Log: discardLogger()}
	made, ok, err := cp.Checkpoint(ctx)
	if err != nil || !ok {
		t.Fatalf("checkpoint: %v %v", ok, err)
	}
	outside, sources, err := OutsideCheckpoints(ctx, cfg.CheckpointFile, js)
	if err != nil || len(sources) != 2 || !slices.Contains(outside, made) {
		t.Fatalf("outside checkpoints %v from %v: %v", outside, sources, err)
	}
	streamOnly, err := streamCheckpoints(ctx, js)
	if err != nil || !slices.Contains(streamOnly, made) {
		t.Fatalf("the checkpoint is not on NATS: %v %v", streamOnly, err)
	}
	keys, err := VerificationKeys(cfg)
	if err != nil || len(keys) != 1 || !keys[0].Equal(key.Public().(ed25519.PublicKey)) {
		t.Fatalf("verification keys %v: %v", keys, err)
	}

	tc, err := DialTemporal(ctx, config.TemporalConfig{Address: dev.info.Temporal, Namespace: "default"}, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	rep, err := BuildReport(ctx, st, tc, ReportRequest{Kind: "document", ID: letter.SHA256, Actor: "pruefer", Keys: keys, Outside: outside})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Verification.OK || rep.Verification.LastCheckpoint == nil || rep.Verification.LastCheckpoint.Seq != made.Seq {
		t.Fatalf("verification %+v", rep.Verification)
	}
	has := func(source, action, summaryPart string) bool {
		return slices.ContainsFunc(rep.Entries, func(e audit.Entry) bool {
			return e.Source == source && e.Action == action && strings.Contains(e.Summary, summaryPart)
		})
	}
	for _, want := range []struct{ source, action, summary string }{
		{audit.SourceTrail, "document.registered", "Posteingangsbuch"},
		{audit.SourceTrail, "document.routed", file.Number},
		{audit.SourceTrail, "task.assigned", "Einheit 63"},
		{audit.SourceWorkflow, "WorkflowExecutionStarted", workflows.InboundDocumentName},
		{audit.SourceWorkflow, "ActivityTaskCompleted", "Aktivität"},
		{audit.SourceWorkflow, "StartChildWorkflowExecutionInitiated", workflows.ClerkTaskName},
		{audit.SourceWorkflow, "WorkflowExecutionStarted", workflows.ClerkTaskName},
		{audit.SourceWorkflow, "TimerStarted", "Timer"},
	} {
		if !has(want.source, want.action, want.summary) {
			t.Errorf("no %s entry %s containing %q", want.source, want.action, want.summary)
		}
	}
	if !slices.Contains(rep.Workflows, workflows.InboundWorkflowID(letter.SHA256)) || !slices.Contains(rep.Workflows, workflows.ClerkTaskIDPrefix+letter.SHA256) {
		t.Errorf("workflows %v", rep.Workflows)
	}
	for i := 1; i < len(rep.Entries); i++ {
		if rep.Entries[i].Time.Before(rep.Entries[i-1].Time) {
			t.Fatalf("entries out of time order at %d", i)
		}
	}
	// A task event is logged on the task and on the document: one entry.
	n := 0
	for _, e := range rep.Entries {
		if e.Source == audit.SourceTrail && e.Action == "task.assigned" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("task.assigned shown %d times", n)
	}

	fileRep, err := BuildReport(ctx, st, tc, ReportRequest{Kind: "file", ID: file.Number, Actor: "pruefer", Keys: keys, Outside: outside})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(fileRep.Objects, func(o audit.Object) bool { return o.Type == "document" && o.ID == letter.SHA256 }) {
		t.Errorf("the file's report lacks its document: %v", fileRep.Objects)
	}
	if _, err := BuildReport(ctx, st, tc, ReportRequest{Kind: "file", ID: "99.99-0001/2026"}); err == nil {
		t.Error("a file that does not exist gives a report")
	}

	// The worker logged the configuration it runs with.
	for _, name := range []string{"routing_rules", "approval_config", "records"} {
		evs, err := st.Events(ctx, "config", name)
		if err != nil || len(evs) != 1 || evs[0].Action != "config.changed" {
			t.Errorf("configuration %s: %v %v", name, evs, err)
		}
	}

	// At shutdown the worker signs the end of the chain once more.
	_, err = st.AppendEvent(ctx, audit.Event{Key: "late", Time: time.Now(), Actor: "pruefer", Action: audit.ActionDocumentRead, ObjectType: "document", ObjectID: letter.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	head, err := st.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dev.stop(t)
	cps, err := audit.ReadCheckpointFile(cfg.CheckpointFile)
	if err != nil || len(cps) == 0 || cps[len(cps)-1].Seq != head.Seq {
		t.Fatalf("no shutdown checkpoint at %d: %v %v", head.Seq, cps, err)
	}
	res, err := store.VerifyAudit(ctx, st, keys, cps)
	if err != nil || !res.OK || res.LastCheckpoint.Seq != head.Seq {
		t.Fatalf("after shutdown: %+v %v", res, err)
	}
	if info, err := os.Stat(filepath.Join(dir, "audit", "signing-key.pem")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("signing key file %v %v", info, err)
	}
}
