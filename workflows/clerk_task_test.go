package workflows_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/aktenfluss/aktenfluss/activities"
	"github.com/aktenfluss/aktenfluss/internal/devstack"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// The clerk task runs here with its real activities on a real SQLite
// store; the test environment skips time, so weeks of deadlines pass in
// milliseconds.

const docSHA = "ef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"

var taskID = workflows.ClerkTaskIDPrefix + docSHA

// Monday 30 November 2026, 09:00 in Germany; the week after is berta's
// leave in the tests that need it.
var monday = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

// orgWith: unit 63 (lead ahmed, clerks berta and carl) under unit 60
// (lead dora, clerk egon); unit 20 (lead frieda, clerks gustav and hanna).
// carl stands in for berta, egon for ahmed, hanna for gustav.
func orgWith(absences ...records.Absence) records.Organisation {
	return records.Organisation{
		Units: []records.Unit{
			{Code: "60", Name: "Bauverwaltung", Lead: "dora", Members: []string{"egon"}},
			{Code: "63", Name: "Bauordnung", Lead: "ahmed", Members: []string{"berta", "carl"}, Parent: "60"},
			{Code: "20", Name: "Kämmerei", Lead: "frieda", Members: []string{"gustav", "hanna"}},
		},
		Deputies: []records.Deputy{
			{User: "berta", Deputy: "carl", Rank: 1},
			{User: "ahmed", Deputy: "egon", Rank: 1},
			{User: "gustav", Deputy: "hanna", Rank: 1},
		},
		Absences: absences,
	}
}

func away(user, from, until string) records.Absence {
	return records.Absence{User: user, From: from, Until: until}
}

// harness is one ClerkTask run with its store and what the test scheduled.
type harness struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	st      store.Store
	updates int
}

func newHarness(t *testing.T, org records.Organisation, start time.Time) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.ReplaceOrganisation(ctx, org); err != nil {
		t.Fatal(err)
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.RegisterWorkflowWithOptions(workflows.ClerkTask, workflow.RegisterOptions{Name: workflows.ClerkTaskName})
	acts := &activities.Tasks{Store: st}
	for name, fn := range map[string]any{
		workflows.ActivitySaveTask:      acts.SaveTask,
		workflows.ActivityLoadUnit:      acts.LoadUnit,
		workflows.ActivityResolveTarget: acts.ResolveEscalation,
		workflows.ActivityNotify:        acts.NotifyTask,
	} {
		env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	return &harness{t: t, env: env, st: st}
}

func (h *harness) run(in workflows.ClerkTaskInput) workflows.ClerkTaskResult {
	h.t.Helper()
	h.env.ExecuteWorkflow(workflows.ClerkTaskName, in)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatal(err)
	}
	var res workflows.ClerkTaskResult
	if err := h.env.GetWorkflowResult(&res); err != nil {
		h.t.Fatal(err)
	}
	return res
}

func taskInput() workflows.ClerkTaskInput {
	return workflows.ClerkTaskInput{TaskID: taskID, DocumentSHA256: docSHA, Title: "Bauantrag Lindenweg 3", Kind: workflows.TaskKindDocument, Unit: "63"}
}

// outcome is what became of one update.
type outcome struct {
	name     string
	sent     bool
	accepted bool
	rejected error
	done     bool
	err      error
}

// update sends an update to workflow id ("" is the task under test) after d.
func (h *harness) update(d time.Duration, id, name string, arg any) *outcome {
	o := &outcome{name: name}
	// Explicit ids: UpdateWorkflowByID takes "" for one id, not a new one.
	h.updates++
	updateID := fmt.Sprintf("update-%d", h.updates)
	h.env.RegisterDelayedCallback(func() {
		o.sent = true
		cb := &testsuite.TestUpdateCallback{
			OnAccept:   func() { o.accepted = true },
			OnReject:   func(err error) { o.rejected = err },
			OnComplete: func(_ any, err error) { o.done, o.err = true, err },
		}
		if id == "" {
			h.env.UpdateWorkflow(name, updateID, cb, arg)
			return
		}
		if err := h.env.UpdateWorkflowByID(id, name, updateID, cb, arg); err != nil {
			o.rejected = err
		}
	}, d)
	return o
}

func (o *outcome) mustComplete(t *testing.T) {
	t.Helper()
	if !o.sent || !o.accepted || !o.done || o.err != nil || o.rejected != nil {
		t.Fatalf("%s: sent %v accepted %v rejected %v completed %v err %v", o.name, o.sent, o.accepted, o.rejected, o.done, o.err)
	}
}

func (o *outcome) mustReject(t *testing.T, want string) {
	t.Helper()
	if o.rejected == nil || !strings.Contains(o.rejected.Error(), want) {
		t.Fatalf("%s: rejected with %v, want a refusal saying %q (accepted %v)", o.name, o.rejected, want, o.accepted)
	}
}

// query reads the status of workflow id ("" is the task under test) after d.
func (h *harness) query(d time.Duration, id string) *workflows.TaskState {
	st := &workflows.TaskState{}
	h.env.RegisterDelayedCallback(func() {
		var err error
		var v converter.EncodedValue
		if id == "" {
			v, err = h.env.QueryWorkflow(workflows.QueryTaskStatus)
		} else {
			v, err = h.env.QueryWorkflowByID(id, workflows.QueryTaskStatus)
		}
		if err == nil {
			err = v.Get(st)
		}
		if err != nil {
			h.t.Errorf("query %s after %s: %v", id, d, err)
		}
	}, d)
	return st
}

// row reads the listing row after d.
func (h *harness) row(d time.Duration, id string) *records.Task {
	row := &records.Task{}
	h.env.RegisterDelayedCallback(func() {
		got, err := h.st.Task(context.Background(), id)
		if err != nil {
			h.t.Errorf("row %s after %s: %v", id, d, err)
		}
		*row = got
	}, d)
	return row
}

func hasAction(s *workflows.TaskState, prefix string) *workflows.TaskEntry {
	for i := range s.History {
		if strings.HasPrefix(s.History[i].Action, prefix) {
			return &s.History[i]
		}
	}
	return nil
}

// TestClerkTaskFollowUpReturns: a task on follow-up is back with its
// assignee on the date, in the query and in the listing row.
func TestClerkTaskFollowUpReturns(t *testing.T) {
	start := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	h := newHarness(t, orgWith(), start)
	on := start.Add(2 * day) // Thursday
	claim := h.update(time.Hour, "", workflows.UpdateTaskClaim, workflows.ClaimTask{User: "berta"})
	fu := h.update(2*time.Hour, "", workflows.UpdateTaskFollowUp, workflows.FollowUpTask{User: "berta", On: on, Comment: "Stellungnahme abwarten"})
	before := h.query(3*time.Hour, "")
	rowBefore := h.row(3*time.Hour, taskID)
	after := h.query(2*day+time.Hour, "")
	rowAfter := h.row(2*day+time.Hour, taskID)
	finish := h.update(2*day+2*time.Hour, "", workflows.UpdateTaskDone, workflows.FinishTask{User: "berta"})

	res := h.run(taskInput())
	claim.mustComplete(t)
	fu.mustComplete(t)
	finish.mustComplete(t)
	if before.Status != records.TaskFollowUp || before.Assignee != "berta" || before.FollowUpOn == nil || !before.FollowUpOn.Equal(on) || before.Due != nil {
		t.Fatalf("before the date: %+v", before)
	}
	if rowBefore.Status != records.TaskFollowUp || rowBefore.FollowUpOn == nil || !rowBefore.FollowUpOn.Equal(on) {
		t.Fatalf("row before the date: %+v", rowBefore)
	}
	if after.Status != records.TaskClaimed || after.Assignee != "berta" || after.FollowUpOn != nil || hasAction(after, "Wiedervorlage fällig") == nil {
		t.Fatalf("after the date: %+v", after)
	}
	if e := hasAction(after, "Wiedervorlage fällig"); !e.At.Equal(on) {
		t.Fatalf("follow-up came back at %s, want %s", e.At, on)
	}
	if after.Due == nil || !after.Due.Equal(on.Add(workflows.DefaultRemindAfter)) {
		t.Fatalf("deadlines after the follow-up: due %v", after.Due)
	}
	if rowAfter.Status != records.TaskClaimed || rowAfter.Assignee != "berta" || rowAfter.FollowUpOn != nil || rowAfter.Version <= rowBefore.Version {
		t.Fatalf("row after the date: %+v (before: version %d)", rowAfter, rowBefore.Version)
	}
	if res.Status != records.TaskDone || res.By != "berta" {
		t.Fatalf("result %+v", res)
	}
	final, err := h.st.Task(context.Background(), taskID)
	if err != nil {
		t.Fatal(err)
	}
	if final.Status != records.TaskDone {
		t.Fatalf("final row %+v", final)
	}
	// The document's history shows the task's steps.
	evs, err := h.st.Events(context.Background(), "document", docSHA)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action)
	}
	want := []string{"task.assigned", "task.claimed", "task.follow-up", "task.follow-up-due", "task.done"}
	if !slices.Equal(actions, want) {
		t.Fatalf("document events %v, want %v", actions, want)
	}
}

// TestClerkTaskEscalation: an untouched task escalates after the deadline,
// to whoever records.EscalationTarget names at that moment. berta's leave
// in the first case is entered only after she claimed the task: the
// escalation sees it because the organisation is read again first.
func TestClerkTaskEscalation(t *testing.T) {
	tests := []struct {
		name       string
		absences   []records.Absence
		lateAbsent *records.Absence // entered one day in
		claimBy    string
		wantTo     string
		wantReason string
	}{
		{name: "absent assignee: the deputy", lateAbsent: &records.Absence{User: "berta", From: "2026-12-01", Until: "2026-12-07"},
			claimBy: "berta", wantTo: "carl", wantReason: "berta ist abwesend, Vertretung carl übernimmt"},
		{name: "present assignee: the lead", claimBy: "berta", wantTo: "ahmed", wantReason: "Eskalation an die Leitung ahmed"},
		{name: "unclaimed: the lead", wantTo: "ahmed", wantReason: "niemand hat die Aufgabe übernommen; Eskalation an die Leitung ahmed"},
		{name: "lead absent: the lead's deputy", absences: []records.Absence{away("ahmed", "2026-11-30", "2026-12-11")},
			wantTo: "egon", wantReason: "ahmed ist abwesend, Vertretung egon übernimmt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, orgWith(tt.absences...), monday)
			var claim *outcome
			if tt.claimBy != "" {
				claim = h.update(time.Hour, "", workflows.UpdateTaskClaim, workflows.ClaimTask{User: tt.claimBy})
			}
			if tt.lateAbsent != nil {
				h.env.RegisterDelayedCallback(func() {
					if _, err := h.st.AddAbsence(context.Background(), *tt.lateAbsent); err != nil {
						t.Error(err)
					}
				}, day)
			}
			notEscalated := h.query(4*day, "")
			escalated := h.query(5*day+2*time.Hour, "")
			row := h.row(5*day+2*time.Hour, taskID)
			finish := h.update(5*day+3*time.Hour, "", workflows.UpdateTaskDone, workflows.FinishTask{User: tt.wantTo, Comment: "erledigt nach Eskalation"})

			res := h.run(taskInput())
			if claim != nil {
				claim.mustComplete(t)
			}
			finish.mustComplete(t)
			if notEscalated.EscalatedTo != "" || notEscalated.Assignee != tt.claimBy {
				t.Fatalf("escalated before the deadline: %+v", notEscalated)
			}
			if escalated.Status != records.TaskClaimed || escalated.Assignee != tt.wantTo || escalated.EscalatedTo != tt.wantTo {
				t.Fatalf("after the deadline: %+v", escalated)
			}
			e := hasAction(escalated, "eskaliert an "+tt.wantTo)
			if e == nil || !strings.Contains(e.Comment, tt.wantReason) || e.Actor != workflows.ActorTasks {
				t.Fatalf("history %+v, want the reason %q", escalated.History, tt.wantReason)
			}
			deadline := monday.Add(5 * day)
			if tt.claimBy != "" {
				deadline = deadline.Add(time.Hour)
			}
			if !e.At.Equal(deadline) {
				t.Fatalf("escalated at %s, want %s", e.At, deadline)
			}
			if escalated.Due == nil || !escalated.Due.Equal(deadline.Add(workflows.DefaultRemindAfter)) {
				t.Fatalf("deadlines did not restart: due %v", escalated.Due)
			}
			if row.Assignee != tt.wantTo || row.EscalatedTo != tt.wantTo || row.Status != records.TaskClaimed {
				t.Fatalf("row %+v", row)
			}
			if res.Status != records.TaskDone || res.By != tt.wantTo {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

// TestClerkTaskEscalatesFurther: ignored again after the first
// escalation, the task goes on up: berta → ahmed (lead of 63) → dora
// (lead of the parent unit 60).
func TestClerkTaskEscalatesFurther(t *testing.T) {
	h := newHarness(t, orgWith(), monday)
	h.update(time.Minute, "", workflows.UpdateTaskClaim, workflows.ClaimTask{User: "berta"})
	second := h.query(10*day+time.Hour, "")
	h.update(10*day+2*time.Hour, "", workflows.UpdateTaskDone, workflows.FinishTask{User: "dora"})
	res := h.run(taskInput())
	// The lead's overdue task goes to the parent unit's lead, not back
	// and forth between the lead and the lead's deputy.
	if second.Assignee != "dora" || hasAction(second, "eskaliert an ahmed") == nil || hasAction(second, "eskaliert an dora") == nil {
		t.Fatalf("after two deadlines: %+v", second)
	}
	if res.By != "dora" {
		t.Fatalf("result %+v", res)
	}
}

// TestClerkTaskReminderBeforeEscalation: the reminder goes out (to the
// stand-in of the assignee) before the escalation, and both notices are
// in the audit trail, in that order.
func TestClerkTaskReminderBeforeEscalation(t *testing.T) {
	h := newHarness(t, orgWith(away("berta", "2026-12-02", "2026-12-04")), monday)
	h.update(time.Hour, "", workflows.UpdateTaskClaim, workflows.ClaimTask{User: "berta"})
	reminded := h.query(3*day+2*time.Hour, "")
	h.update(5*day+2*time.Hour, "", workflows.UpdateTaskDone, workflows.FinishTask{User: "ahmed"})
	h.run(workflows.ClerkTaskInput{TaskID: taskID, DocumentSHA256: docSHA, Title: "Bauantrag", Unit: "63",
		Policy: workflows.TaskPolicy{RemindAfter: 3 * day, EscalateAfter: 5 * day}})

	r := hasAction(reminded, "Erinnerung an ")
	if r == nil || r.Action != "Erinnerung an carl" || !r.At.Equal(monday.Add(3*day+time.Hour)) {
		t.Fatalf("reminder: %+v", reminded.History)
	}
	if reminded.Assignee != "berta" || reminded.EscalatedTo != "" || reminded.Due == nil || !reminded.Due.Equal(monday.Add(5*day+time.Hour)) {
		t.Fatalf("after the reminder: %+v", reminded)
	}
	evs, err := h.st.Events(context.Background(), "task", taskID)
	if err != nil {
		t.Fatal(err)
	}
	var notices []string
	for _, e := range evs {
		if strings.HasPrefix(e.Action, "task.notice.") {
			notices = append(notices, e.Action+" "+e.Time.Format(time.DateOnly))
		}
	}
	want := []string{"task.notice.reminder 2026-12-03", "task.notice.escalation 2026-12-05"}
	if !slices.Equal(notices, want) {
		t.Fatalf("notices %v, want %v", notices, want)
	}
}

// TestClerkTaskRefusals: the validators turn away the wrong person, a
// second claim, a date in the past and a forward to the same unit before
// anything reaches history; the deputy may act only while the assignee is
// away (berta is away from 1 December).
func TestClerkTaskRefusals(t *testing.T) {
	h := newHarness(t, orgWith(away("berta", "2026-12-01", "2026-12-07")), monday)
	type step struct {
		at   time.Duration
		name string
		arg  any
		want string // refusal text; empty: accepted
		fail bool   // accepted, then failed with want
	}
	steps := []step{
		{time.Hour, workflows.UpdateTaskClaim, workflows.ClaimTask{User: ""}, "Bitte einen Benutzer angeben", false},
		{time.Hour, workflows.UpdateTaskClaim, workflows.ClaimTask{User: "zoe"}, "zoe gehört nicht zur Organisationseinheit 63", false},
		{time.Hour, workflows.UpdateTaskClaim, workflows.ClaimTask{User: "egon"}, "egon gehört nicht zur Organisationseinheit 63", false},
		{time.Hour, workflows.UpdateTaskDone, workflows.FinishTask{User: "berta"}, "noch nicht übernommen", false},
		{2 * time.Hour, workflows.UpdateTaskClaim, workflows.ClaimTask{User: "berta"}, "", false},
		{3 * time.Hour, workflows.UpdateTaskClaim, workflows.ClaimTask{User: "carl"}, "Die Aufgabe ist bereits von berta übernommen.", false},
		{3 * time.Hour, workflows.UpdateTaskDone, workflows.FinishTask{User: "ahmed"}, "Die Aufgabe ist berta zugewiesen", false},
		{3 * time.Hour, workflows.UpdateTaskDone, workflows.FinishTask{User: "carl"}, "berta ist anwesend", false},
		{3 * time.Hour, workflows.UpdateTaskFollowUp, workflows.FollowUpTask{User: "berta", On: monday}, "muss in der Zukunft liegen", false},
		{3 * time.Hour, workflows.UpdateTaskForward, workflows.ForwardTask{User: "berta", Unit: "63"}, "liegt bereits bei der Organisationseinheit 63", false},
		{3 * time.Hour, workflows.UpdateTaskForward, workflows.ForwardTask{User: "berta", Unit: " "}, "Bitte die Organisationseinheit angeben", false},
		{3 * time.Hour, workflows.UpdateTaskForward, workflows.ForwardTask{User: "carl", Unit: "20"}, "berta ist anwesend", false},
		// Known only to the store: checked by the handler, the task stays.
		{4 * time.Hour, workflows.UpdateTaskForward, workflows.ForwardTask{User: "berta", Unit: "99"}, "Die Organisationseinheit 99 ist nicht bekannt", true},
		{5 * time.Hour, workflows.UpdateTaskForward, workflows.ForwardTask{User: "berta", Unit: "20", To: "carl"}, "carl gehört nicht zur Organisationseinheit 20", true},
		// Tuesday: berta is away, carl acts for her.
		{day + 4*time.Hour, workflows.UpdateTaskDone, workflows.FinishTask{User: "carl", Comment: "in Vertretung"}, "", false},
	}
	outcomes := make([]*outcome, len(steps))
	for i, s := range steps {
		outcomes[i] = h.update(s.at, "", s.name, s.arg)
	}
	res := h.run(taskInput())
	v, err := h.env.QueryWorkflow(workflows.QueryTaskStatus)
	if err != nil {
		t.Fatal(err)
	}
	var final workflows.TaskState
	if err := v.Get(&final); err != nil {
		t.Fatal(err)
	}
	for i, s := range steps {
		switch {
		case s.want == "":
			outcomes[i].mustComplete(t)
		case s.fail:
			if o := outcomes[i]; !o.accepted || o.err == nil || !strings.Contains(o.err.Error(), s.want) {
				t.Fatalf("%s: accepted %v, failed with %v, want %q", o.name, o.accepted, o.err, s.want)
			}
		default:
			outcomes[i].mustReject(t, s.want)
		}
	}
	if res.Status != records.TaskDone || res.By != "carl" {
		t.Fatalf("result %+v", res)
	}
	// Refused steps left no trace: eingang, übernommen, erledigt.
	if len(final.History) != 3 || final.History[2].Actor != "carl" || final.History[2].Comment != "in Vertretung" {
		t.Fatalf("history %+v", final.History)
	}
}

// TestClerkTaskDeputyClaims: someone outside the unit may claim a task
// only as the present deputy of an absent member.
func TestClerkTaskDeputyClaims(t *testing.T) {
	tests := []struct {
		name     string
		absences []records.Absence
		want     string
	}{
		{"ahmed present: refused", nil, "egon gehört nicht zur Organisationseinheit 63"},
		{"ahmed away: allowed", []records.Absence{away("ahmed", "2026-11-30", "2026-12-04")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, orgWith(tt.absences...), monday)
			claim := h.update(time.Hour, "", workflows.UpdateTaskClaim, workflows.ClaimTask{User: "egon"})
			h.update(2*time.Hour, "", workflows.UpdateTaskClaim, workflows.ClaimTask{User: "carl"})
			h.update(3*time.Hour, "", workflows.UpdateTaskDone, workflows.FinishTask{User: "carl"})
			h.update(3*time.Hour, "", workflows.UpdateTaskDone, workflows.FinishTask{User: "egon"})
			res := h.run(taskInput())
			if tt.want == "" {
				claim.mustComplete(t)
				if res.By != "egon" {
					t.Fatalf("result %+v", res)
				}
				return
			}
			claim.mustReject(t, tt.want)
			if res.By != "carl" {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

// TestClerkTaskForward: forwarding starts the successor task in the other
// unit (a child that outlives this run) and ends this one; a forward to a
// named person who is away goes to the stand-in.
func TestClerkTaskForward(t *testing.T) {
	succ := taskID + workflows.ClerkTaskForwardSuffix + "1"
	tests := []struct {
		name       string
		absences   []records.Absence
		to         string
		wantStatus records.TaskStatus
		wantHolder string // assignee of the successor at the start
		finisher   string
	}{
		{name: "to the unit's inbox", wantStatus: records.TaskOpen, finisher: "gustav"},
		{name: "to a named clerk", to: "gustav", wantStatus: records.TaskClaimed, wantHolder: "gustav", finisher: "gustav"},
		{name: "to an absent clerk: the deputy", absences: []records.Absence{away("gustav", "2026-11-23", "2026-12-11")},
			to: "gustav", wantStatus: records.TaskClaimed, wantHolder: "hanna", finisher: "hanna"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, orgWith(tt.absences...), monday)
			h.update(time.Hour, "", workflows.UpdateTaskClaim, workflows.ClaimTask{User: "berta"})
			fwd := h.update(2*time.Hour, "", workflows.UpdateTaskForward, workflows.ForwardTask{User: "berta", Unit: "20", To: tt.to, Comment: "Zuständigkeit Kämmerei"})
			child := h.query(3*time.Hour, succ)
			var claim *outcome
			if tt.wantHolder == "" {
				claim = h.update(4*time.Hour, succ, workflows.UpdateTaskClaim, workflows.ClaimTask{User: tt.finisher})
			}
			finish := h.update(5*time.Hour, succ, workflows.UpdateTaskDone, workflows.FinishTask{User: tt.finisher})

			res := h.run(taskInput())
			fwd.mustComplete(t)
			if claim != nil {
				claim.mustComplete(t)
			}
			finish.mustComplete(t)
			if res.Status != records.TaskForwarded || res.By != "berta" || res.ForwardedTo != "20" || res.Successor != succ {
				t.Fatalf("result %+v", res)
			}
			if child.TaskID != succ || child.Unit != "20" || child.Status != tt.wantStatus || child.Assignee != tt.wantHolder {
				t.Fatalf("successor %+v", child)
			}
			if !strings.Contains(child.History[0].Action, "weitergeleitet aus Aufgabe "+taskID) {
				t.Fatalf("successor history %+v", child.History)
			}
			ctx := context.Background()
			parentRow, err := h.st.Task(ctx, taskID)
			if err != nil {
				t.Fatal(err)
			}
			childRow, err := h.st.Task(ctx, succ)
			if err != nil {
				t.Fatal(err)
			}
			if parentRow.Status != records.TaskForwarded || parentRow.Unit != "63" || childRow.Status != records.TaskDone || childRow.Unit != "20" || childRow.Assignee != tt.finisher {
				t.Fatalf("rows: %+v / %+v", parentRow, childRow)
			}
		})
	}
}

// TestClerkTaskReplaysOnRealServer runs a task through an escalation, a
// refused claim, a follow-up and a forward on an embedded Temporal server
// (deadlines of seconds), then replays the recorded histories of the task
// and its successor against this code: timers, cancelled timers, updates
// and the child start must come out in the same order.
func TestClerkTaskReplaysOnRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := devstack.StartTemporal(devstack.TemporalOptions{LogFile: filepath.Join(t.TempDir(), "temporal.log")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	c, err := client.DialContext(ctx, client.Options{HostPort: srv.HostPort(), Namespace: srv.Namespace()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.ReplaceOrganisation(ctx, orgWith()); err != nil {
		t.Fatal(err)
	}
	w := worker.New(c, workflows.TaskQueueTasks, worker.Options{})
	w.RegisterWorkflowWithOptions(workflows.ClerkTask, workflow.RegisterOptions{Name: workflows.ClerkTaskName})
	acts := &activities.Tasks{Store: st}
	w.RegisterActivityWithOptions(acts.SaveTask, activity.RegisterOptions{Name: workflows.ActivitySaveTask})
	w.RegisterActivityWithOptions(acts.LoadUnit, activity.RegisterOptions{Name: workflows.ActivityLoadUnit})
	w.RegisterActivityWithOptions(acts.ResolveEscalation, activity.RegisterOptions{Name: workflows.ActivityResolveTarget})
	w.RegisterActivityWithOptions(acts.NotifyTask, activity.RegisterOptions{Name: workflows.ActivityNotify})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	in := taskInput()
	in.Policy = workflows.TaskPolicy{RemindAfter: time.Second, EscalateAfter: 2 * time.Second}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: taskID, TaskQueue: workflows.TaskQueueTasks}, workflows.ClerkTaskName, in)
	if err != nil {
		t.Fatal(err)
	}
	status := func(id string) workflows.TaskState {
		t.Helper()
		v, err := c.QueryWorkflow(ctx, id, "", workflows.QueryTaskStatus)
		if err != nil {
			t.Fatal(err)
		}
		var s workflows.TaskState
		if err := v.Get(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	waitUntil := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			if ctx.Err() != nil {
				t.Fatalf("waiting for %s: %v", what, ctx.Err())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	update := func(id, name string, arg any) error {
		t.Helper()
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			return err
		}
		return h.Get(ctx, nil)
	}

	waitUntil("the escalation", func() bool { return status(taskID).EscalatedTo == "ahmed" })
	if err := update(taskID, workflows.UpdateTaskClaim, workflows.ClaimTask{User: "berta"}); err == nil || !strings.Contains(err.Error(), "bereits von ahmed") {
		t.Fatalf("second claim: %v", err)
	}
	if err := update(taskID, workflows.UpdateTaskFollowUp, workflows.FollowUpTask{User: "ahmed", On: time.Now().Add(2 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	waitUntil("the follow-up", func() bool { return hasAction(ptr(status(taskID)), "Wiedervorlage fällig") != nil })
	if err := update(taskID, workflows.UpdateTaskForward, workflows.ForwardTask{User: "ahmed", Unit: "20", To: "gustav"}); err != nil {
		t.Fatal(err)
	}
	var res workflows.ClerkTaskResult
	if err := run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if err := update(res.Successor, workflows.UpdateTaskDone, workflows.FinishTask{User: "gustav"}); err != nil {
		t.Fatal(err)
	}
	if err := c.GetWorkflow(ctx, res.Successor, "").Get(ctx, nil); err != nil {
		t.Fatal(err)
	}

	for _, id := range []string{taskID, res.Successor} {
		hist := &historypb.History{}
		it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			hist.Events = append(hist.Events, ev)
		}
		r := worker.NewWorkflowReplayer()
		r.RegisterWorkflowWithOptions(workflows.ClerkTask, workflow.RegisterOptions{Name: workflows.ClerkTaskName})
		if err := r.ReplayWorkflowHistory(nil, hist); err != nil {
			t.Fatalf("replay %s (%d events): %v", id, len(hist.Events), err)
		}
	}
}

func ptr[T any](v T) *T { return &v }
