package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/devstack"
)

// Names and values of the small workflow whose history the test reads.
const (
	historyTestWorkflowName = "WorkflowEntriesTest"
	historyTestChainName    = "WorkflowEntriesChainTest"
	historyTestActivityName = "ScanPage"
	historyTestUpdateName   = "approve"
	historyTestChangeID     = "2026-06-01-history-test"
	// historyTestFailure is the error of the activity's first attempt.
	historyTestFailure = "Scanner nicht erreichbar (Testfehler)"
	// historyTestSecret stands for document content: it travels as
	// workflow input, activity argument and result and update argument,
	// and must appear in no entry.
	historyTestSecret = "GEHEIM-Dokumentinhalt"
)

type historyTestInput struct {
	Document string `json:"document"`
}

type historyTestDecision struct {
	Comment string `json:"comment"`
}

// historyTestWorkflow runs an activity that needs a retry, sleeps on a
// timer, waits for the update "approve" and completes.
func historyTestWorkflow(ctx workflow.Context, in historyTestInput) (string, error) {
	approved := false
	if err := workflow.SetUpdateHandler(ctx, historyTestUpdateName, func(ctx workflow.Context, d historyTestDecision) error {
		approved = true
		return nil
	}); err != nil {
		return "", err
	}
	workflow.GetVersion(ctx, historyTestChangeID, workflow.DefaultVersion, 1)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    100 * time.Millisecond,
			BackoffCoefficient: 1,
			MaximumAttempts:    3,
		},
	})
	var out string
	if err := workflow.ExecuteActivity(actx, historyTestActivityName, in.Document).Get(ctx, &out); err != nil {
		return "", err
	}
	if err := workflow.Sleep(ctx, time.Second); err != nil {
		return "", err
	}
	if err := workflow.Await(ctx, func() bool { return approved }); err != nil {
		return "", err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return "", err
	}
	return out, nil
}

// historyTestActivity fails on its first attempt and succeeds on the next.
func historyTestActivity(ctx context.Context, doc string) (string, error) {
	if activity.GetInfo(ctx).Attempt == 1 {
		return "", errors.New(historyTestFailure)
	}
	return "Ergebnis zu " + doc, nil
}

// historyTestChain continues as new until rounds reaches zero.
func historyTestChain(ctx workflow.Context, rounds int) error {
	if rounds > 0 {
		return workflow.NewContinueAsNewError(ctx, historyTestChainName, rounds-1)
	}
	return nil
}

func TestWorkflowEntries(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
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

	taskQueue := fmt.Sprintf("workflow-entries-test-%d", time.Now().UnixNano())
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(historyTestWorkflow, workflow.RegisterOptions{Name: historyTestWorkflowName})
	w.RegisterWorkflowWithOptions(historyTestChain, workflow.RegisterOptions{Name: historyTestChainName})
	w.RegisterActivityWithOptions(historyTestActivity, activity.RegisterOptions{Name: historyTestActivityName})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	t.Run("retry timer update", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		const id = "workflow-entries-test"
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, historyTestWorkflowName, historyTestInput{Document: historyTestSecret})
		if err != nil {
			t.Fatal(err)
		}
		anna, err := client.NewClientFromExisting(c, client.Options{Identity: "anna"})
		if err != nil {
			t.Fatal(err)
		}
		defer anna.Close()
		h, err := anna.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: historyTestUpdateName,
			Args:         []any{historyTestDecision{Comment: historyTestSecret}},
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Get(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if err := run.Get(ctx, nil); err != nil {
			t.Fatal(err)
		}

		entries, err := WorkflowEntries(ctx, c, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			t.Logf("%3d %-36s %-22s %s %s", e.EventID, e.Action, e.Actor, e.Summary, e.Details)
		}

		var last int64
		for _, e := range entries {
			if e.Source != audit.SourceWorkflow || e.Workflow != id || e.Object != "workflow "+id {
				t.Errorf("event %d: source %q workflow %q object %q", e.EventID, e.Source, e.Workflow, e.Object)
			}
			if e.Time.IsZero() || e.Time.Location() != time.UTC {
				t.Errorf("event %d: time %v, want UTC", e.EventID, e.Time)
			}
			if e.EventID <= last {
				t.Errorf("event %d after event %d: not in event id order", e.EventID, last)
			}
			last = e.EventID
			if e.Actor == "" || e.Summary == "" || !json.Valid(e.Details) {
				t.Errorf("event %d: actor %q summary %q details %s", e.EventID, e.Actor, e.Summary, e.Details)
			}
			if strings.HasPrefix(e.Action, "WorkflowTask") || e.Action == "ActivityTaskScheduled" {
				t.Errorf("event %d: %s should be left out", e.EventID, e.Action)
			}
			if strings.Contains(e.Summary, historyTestSecret) || strings.Contains(string(e.Details), historyTestSecret) {
				t.Errorf("event %d: payload content in the entry: %s %s", e.EventID, e.Summary, e.Details)
			}
		}

		workerActor := func(actor string) bool { return actor != "" && actor != actorTemporal && actor != "anna" }
		retryLine := fmt.Sprintf("Aktivität %s: Versuch 2 (vorheriger Fehler: %s)", historyTestActivityName, historyTestFailure)
		for _, want := range []struct {
			action, summary string
			prefix          bool
			actor           func(string) bool
			details         map[string]any
		}{
			{action: "WorkflowExecutionStarted", summary: "Workflow " + historyTestWorkflowName + " gestartet (Warteschlange " + taskQueue + ")",
				details: map[string]any{"workflow_type": historyTestWorkflowName, "task_queue": taskQueue}},
			{action: "MarkerRecorded", summary: "Version " + historyTestChangeID + ": 1",
				details: map[string]any{"change_id": historyTestChangeID, "version": 1.0}},
			{action: "ActivityTaskStarted", summary: retryLine, actor: workerActor,
				details: map[string]any{"activity_type": historyTestActivityName, "attempt": 2.0, "last_failure": historyTestFailure}},
			{action: "ActivityTaskCompleted", summary: "Aktivität " + historyTestActivityName + " abgeschlossen (Versuch 2)", actor: workerActor,
				details: map[string]any{"activity_type": historyTestActivityName, "attempt": 2.0}},
			{action: "TimerStarted", summary: "Timer über 1 Sekunde gestellt (bis ", prefix: true,
				details: map[string]any{"duration": "1s"}},
			{action: "TimerFired", summary: "Timer ausgelöst"},
			{action: "WorkflowExecutionUpdateAccepted", summary: "Update approve von anna angenommen",
				actor: func(a string) bool { return a == "anna" }, details: map[string]any{"update": "approve", "identity": "anna"}},
			{action: "WorkflowExecutionUpdateCompleted", summary: "Update approve abgeschlossen"},
			{action: "WorkflowExecutionCompleted", summary: "Workflow abgeschlossen",
				actor: func(a string) bool { return a == actorTemporal }},
		} {
			e, ok := findEntry(entries, want.action, want.summary, want.prefix)
			if !ok {
				t.Errorf("no %s entry %q", want.action, want.summary)
				continue
			}
			if want.actor != nil && !want.actor(e.Actor) {
				t.Errorf("%s: actor %q", want.action, e.Actor)
			}
			var got map[string]any
			if err := json.Unmarshal(e.Details, &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range want.details {
				if got[k] != v {
					t.Errorf("%s: details[%s] = %v, want %v", want.action, k, got[k], v)
				}
			}
		}
	})

	t.Run("continued as new", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		const id = "workflow-entries-chain-test"
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue}, historyTestChainName, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := run.Get(ctx, nil); err != nil {
			t.Fatal(err)
		}
		entries, err := WorkflowEntries(ctx, c, id)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		want := []string{"WorkflowExecutionStarted", "WorkflowExecutionContinuedAsNew", "WorkflowExecutionStarted", "WorkflowExecutionCompleted"}
		if strings.Join(actions, " ") != strings.Join(want, " ") {
			t.Fatalf("actions %v, want %v", actions, want)
		}
		type runDetails struct {
			RunID         string `json:"run_id"`
			NewRunID      string `json:"new_run_id"`
			ContinuedFrom string `json:"continued_from_run_id"`
		}
		runOf := func(e audit.Entry) runDetails {
			var d runDetails
			if err := json.Unmarshal(e.Details, &d); err != nil {
				t.Fatal(err)
			}
			return d
		}
		first, second := runOf(entries[1]), runOf(entries[2])
		if first.RunID == "" || first.NewRunID != second.RunID || second.ContinuedFrom != first.RunID {
			t.Errorf("runs not chained: continued-as-new %+v, next start %+v", first, second)
		}
		if !strings.Contains(entries[2].Summary, "fortgesetzt aus Lauf "+first.RunID) {
			t.Errorf("second start: %q", entries[2].Summary)
		}
	})

	t.Run("unknown workflow", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err := WorkflowEntries(ctx, c, "no-such-workflow")
		if !errors.Is(err, ErrNoHistory) {
			t.Fatalf("err = %v, want ErrNoHistory", err)
		}
	})
}

// findEntry is the first entry of an action whose summary is (or, with
// prefix, starts with) summary.
func findEntry(entries []audit.Entry, action, summary string, prefix bool) (audit.Entry, bool) {
	for _, e := range entries {
		if e.Action != action {
			continue
		}
		if e.Summary == summary || (prefix && strings.HasPrefix(e.Summary, summary)) {
			return e, true
		}
	}
	return audit.Entry{}, false
}
