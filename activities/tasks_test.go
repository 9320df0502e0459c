package activities

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/aktenfluss/aktenfluss/internal/devstack"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

const taskSHA = "cd0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"

// taskOrg: unit 63 (lead ahmed, clerks berta and carl) under unit 60
// (lead dora); carl stands in for berta, egon (unit 60) for ahmed; berta
// is away in the first week of December.
func taskOrg() records.Organisation {
	return records.Organisation{
		Units: []records.Unit{
			{Code: "60", Name: "Bauverwaltung", Lead: "dora", Members: []string{"egon"}},
			{Code: "63", Name: "Bauordnung", Lead: "ahmed", Members: []string{"berta", "carl"}, Parent: "60"},
		},
		Deputies: []records.Deputy{
			{User: "berta", Deputy: "carl", Rank: 1},
			{User: "ahmed", Deputy: "egon", Rank: 1},
			{User: "dora", Deputy: "ahmed", Rank: 1},
		},
		Absences: []records.Absence{
			{User: "berta", From: "2026-12-01", Until: "2026-12-07", Reason: "Urlaub"},
			{User: "egon", From: "2027-01-04", Until: "2027-01-08"},
		},
	}
}

func newTaskStore(t *testing.T) store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "records.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.ReplaceOrganisation(ctx, taskOrg()); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestSaveTaskTwice: a retried SaveTask leaves one row and one event on
// the task and one on the document; an older version arriving late
// changes nothing.
func TestSaveTaskTwice(t *testing.T) {
	ctx := context.Background()
	st := newTaskStore(t)
	acts := &Tasks{Store: st}
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	due := at.Add(72 * time.Hour)
	row := records.Task{ID: "task-" + taskSHA, DocumentSHA256: taskSHA, Title: "Bauantrag", Kind: "document",
		Unit: "63", Status: records.TaskOpen, Due: &due, Version: 1, CreatedAt: at, UpdatedAt: at}
	first := workflows.SaveTaskInput{Task: row, Event: "assigned", Actor: workflows.ActorTasks, At: at}
	for range 2 {
		if err := acts.SaveTask(ctx, first); err != nil {
			t.Fatal(err)
		}
	}
	claimed := row
	claimed.Status, claimed.Assignee, claimed.Version, claimed.UpdatedAt = records.TaskClaimed, "berta", 2, at.Add(time.Hour)
	second := workflows.SaveTaskInput{Task: claimed, Event: "claimed", Actor: "berta", At: at.Add(time.Hour)}
	for range 2 {
		if err := acts.SaveTask(ctx, second); err != nil {
			t.Fatal(err)
		}
	}
	// Version 1 again, as a very late retry: ignored by the row.
	if err := acts.SaveTask(ctx, first); err != nil {
		t.Fatal(err)
	}
	got, err := st.Task(ctx, row.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Status != records.TaskClaimed || got.Assignee != "berta" {
		t.Fatalf("row %+v", got)
	}
	for _, obj := range []struct{ typ, id string }{{"task", row.ID}, {"document", taskSHA}} {
		evs, err := st.Events(ctx, obj.typ, obj.id)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || evs[0].Action != "task.assigned" || evs[1].Action != "task.claimed" || evs[1].Actor != "berta" {
			t.Fatalf("%s events: %+v", obj.typ, evs)
		}
	}
}

// TestNotifyTaskTwice: a retried notice is one audit event and one
// message on the OUTBOUND stream (its Nats-Msg-Id is task id + seq).
func TestNotifyTaskTwice(t *testing.T) {
	ctx := context.Background()
	st := newTaskStore(t)
	ns, err := devstack.StartNATS(devstack.NATSOptions{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := intake.EnsureStreams(ctx, js, intake.TopologyConfig{}); err != nil {
		t.Fatal(err)
	}
	acts := &Tasks{Store: st, Outbound: JetStreamOutbound{JS: js}}
	in := workflows.NotifyTaskInput{TaskID: "task-" + taskSHA, Seq: 3, Notice: workflows.NoticeEscalation, To: "ahmed",
		Unit: "63", DocumentSHA256: taskSHA, Title: "Bauantrag", Reason: "Frist überschritten", At: time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)}
	for range 2 {
		if err := acts.NotifyTask(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := st.Events(ctx, "task", in.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Action != "task.notice.escalation" {
		t.Fatalf("events %+v", evs)
	}
	stream, err := js.Stream(ctx, intake.OutboundStream)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := stream.GetLastMsgForSubject(ctx, SubjectTaskNotice)
	if err != nil {
		t.Fatal(err)
	}
	if id := msg.Header.Get(jetstream.MsgIDHeader); id != in.TaskID+"-3" {
		t.Fatalf("msg id %q", id)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Fatalf("%d messages on %s, want 1", info.State.Msgs, intake.OutboundStream)
	}
}

// TestResolveEscalation follows records.EscalationTarget on the stored
// organisation; nobody reachable is an answer, not an error.
func TestResolveEscalation(t *testing.T) {
	ctx := context.Background()
	acts := &Tasks{Store: newTaskStore(t)}
	inBertasLeave := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	later := time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name           string
		unit, assignee string
		at             time.Time
		want           string
	}{
		{"absent assignee goes to the deputy", "63", "berta", inBertasLeave, "carl"},
		{"present assignee goes to the lead", "63", "berta", later, "ahmed"},
		{"unclaimed goes to the lead", "63", "", later, "ahmed"},
		{"lead holding it goes to the parent unit's lead", "63", "ahmed", later, "dora"},
		{"unknown unit: nobody", "99", "", later, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // reads only: the same answer twice
				got, err := acts.ResolveEscalation(ctx, workflows.ResolveEscalationInput{Unit: tt.unit, Assignee: tt.assignee, At: tt.at})
				if err != nil {
					t.Fatal(err)
				}
				if got.To != tt.want || got.Reason == "" {
					t.Fatalf("got %+v, want to %q", got, tt.want)
				}
			}
		})
	}
}

// TestLoadUnit: the snapshot holds the unit, the deputies of its people
// and of the extra users, and the absences of all of them and their
// deputies; nothing about unrelated people.
func TestLoadUnit(t *testing.T) {
	ctx := context.Background()
	acts := &Tasks{Store: newTaskStore(t)}
	snap, err := acts.LoadUnit(ctx, workflows.LoadUnitInput{Unit: "63"})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Unit.Lead != "ahmed" || !snap.Unit.IsMember("carl") {
		t.Fatalf("unit %+v", snap.Unit)
	}
	if !snap.IsDeputyOf("carl", "berta") || !snap.IsDeputyOf("egon", "ahmed") || snap.IsDeputyOf("ahmed", "dora") {
		t.Fatalf("deputies %+v", snap.Deputies)
	}
	if len(snap.Absences) != 2 { // berta's, and egon's as ahmed's deputy
		t.Fatalf("absences %+v", snap.Absences)
	}
	withDora, err := acts.LoadUnit(ctx, workflows.LoadUnitInput{Unit: "63", Users: []string{"dora"}})
	if err != nil {
		t.Fatal(err)
	}
	if !withDora.IsDeputyOf("ahmed", "dora") {
		t.Fatalf("deputies with dora %+v", withDora.Deputies)
	}
	if _, err := acts.LoadUnit(ctx, workflows.LoadUnitInput{Unit: "99"}); err == nil {
		t.Fatal("unknown unit loaded")
	}
}
