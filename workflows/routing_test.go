package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// registerRoutingDefaults gives the inbound tests a routing that assigns
// every document to unit 10, and a ClerkTask that ends at once. The real
// activities run against the real store in package app.
func registerRoutingDefaults(env *testsuite.TestWorkflowEnvironment) {
	register(env, ActivityExtract, func(context.Context, ExtractInput) (ExtractOutput, error) {
		return ExtractOutput{Type: "letter", TypeConfidence: 0.9}, nil
	})
	register(env, ActivityRoute, func(context.Context, RouteInput) (RouteDecision, error) {
		return RouteDecision{Rule: "r", Reason: "test", Actions: []RouteAction{{Kind: RouteAssign, Unit: "10"}}}, nil
	})
	register(env, ActivityApplyRouting, func(_ context.Context, in ApplyRoutingInput) (ApplyRoutingOutput, error) {
		return applyStub(in), nil
	})
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in ClerkTaskInput) (ClerkTaskResult, error) {
		return ClerkTaskResult{Status: records.TaskDone}, nil
	}, workflow.RegisterOptions{Name: ClerkTaskName, DisableAlreadyRegisteredCheck: true})
}

func applyStub(in ApplyRoutingInput) ApplyRoutingOutput {
	out := ApplyRoutingOutput{Title: "Brief"}
	for _, a := range in.Decision.Actions {
		switch a.Kind {
		case RouteFile:
			out.FileNumber = a.FileNumber
		case RouteAssign:
			out.Tasks = append(out.Tasks, TaskSpec{Unit: a.Unit, Kind: TaskKindDocument})
			out.Unit = a.Unit
		case RouteApprove:
			out.Tasks = append(out.Tasks, TaskSpec{Unit: a.Unit, Kind: TaskKindInvoiceApproval})
		}
	}
	return out
}

// textEnv is an environment whose document is a born-digital PDF.
func textEnv(t *testing.T) *testsuite.TestWorkflowEnvironment {
	env := newEnv(t)
	register(env, ActivityStoreOriginal, func(_ context.Context, s StoreOriginalInput) (blob.Ref, error) {
		return blob.Ref{SHA256: s.SHA256, Size: s.Size}, nil
	})
	register(env, ActivityRegister, func(context.Context, RegisterInput) (RegisterOutput, error) {
		return RegisterOutput{EntryID: 1, RegisterNumber: "2026-000001"}, nil
	})
	register(env, ActivityDetectKind, func(context.Context, DetectKindInput) (DetectKindOutput, error) {
		return DetectKindOutput{Kind: records.KindPDFText}, nil
	})
	register(env, ActivityArchivePDF, func(_ context.Context, a ArchivePDFInput) (ArchiveOutput, error) {
		return ArchiveOutput{PDF: a.Original, Text: blob.Ref{SHA256: "text"}, Pages: 1}, nil
	})
	register(env, ActivityMarkFailed, func(_ context.Context, m MarkFailedInput) error {
		t.Errorf("MarkFailed: %+v", m)
		return nil
	})
	return env
}

func TestRoutingFilesAndStartsTheTask(t *testing.T) {
	env := textEnv(t)
	var extracted ExtractInput
	register(env, ActivityExtract, func(_ context.Context, in ExtractInput) (ExtractOutput, error) {
		extracted = in
		return ExtractOutput{Type: "letter", TypeConfidence: 0.9, FileNumber: "63.01.01-0001/2026"}, nil
	})
	register(env, ActivityRoute, func(context.Context, RouteInput) (RouteDecision, error) {
		return RouteDecision{Rule: "file-number", Reason: "Aktenzeichen erkannt", Actions: []RouteAction{
			{Kind: RouteFile, FileNumber: "63.01.01-0001/2026"}, {Kind: RouteAssign, Unit: "63"}}}, nil
	})
	var started []ClerkTaskInput
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in ClerkTaskInput) (ClerkTaskResult, error) {
		started = append(started, in)
		return ClerkTaskResult{Status: records.TaskDone}, nil
	}, workflow.RegisterOptions{Name: ClerkTaskName, DisableAlreadyRegisteredCheck: true})
	in := testInput()
	env.ExecuteWorkflow(InboundDocumentName, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if extracted.Text == nil || extracted.Text.SHA256 != "text" || extracted.Document != in.SHA256 {
		t.Fatalf("extract input %+v", extracted)
	}
	var res InboundResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	r := res.Routing
	if r == nil || r.FileNumber != "63.01.01-0001/2026" || r.Unit != "63" || r.DecidedBy != ActorRouting || r.Triage {
		t.Fatalf("routing %+v", r)
	}
	if len(r.Tasks) != 1 || r.Tasks[0] != ClerkTaskIDPrefix+in.SHA256 {
		t.Fatalf("tasks %v", r.Tasks)
	}
	if len(started) != 1 || started[0].Unit != "63" || started[0].FileNumber != "63.01.01-0001/2026" || started[0].Kind != TaskKindDocument {
		t.Fatalf("started %+v", started)
	}
}

func TestRoutingHandsAnInvoiceToApproval(t *testing.T) {
	env := textEnv(t)
	register(env, ActivityRoute, func(context.Context, RouteInput) (RouteDecision, error) {
		return RouteDecision{Rule: "Papierrechnungen", Actions: []RouteAction{{Kind: RouteApprove, Unit: "20.1"}}}, nil
	})
	env.ExecuteWorkflow(InboundDocumentName, testInput())
	var res InboundResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Routing.Tasks) != 1 || !strings.HasSuffix(res.Routing.Tasks[0], "-approval") {
		t.Fatalf("tasks %v", res.Routing.Tasks)
	}
}

// triageEnv routes to triage; ApplyRouting refuses file numbers that do
// not start with "63." (the store's "no such file"), and records what
// it was asked to do.
func triageEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *[]ApplyRoutingInput) {
	env := textEnv(t)
	register(env, ActivityRoute, func(context.Context, RouteInput) (RouteDecision, error) {
		return RouteDecision{Reason: "Keine Regel traf zu", Actions: []RouteAction{{Kind: RouteTriage}}, Triage: true}, nil
	})
	register(env, ActivityAddTriage, func(_ context.Context, in AddTriageInput) (AddTriageOutput, error) {
		return AddTriageOutput{ItemID: 3, Units: []string{"10", "63"}, PlanCodes: []string{"63", "63.01", "63.01.01"}}, nil
	})
	var applied []ApplyRoutingInput
	register(env, ActivityApplyRouting, func(_ context.Context, in ApplyRoutingInput) (ApplyRoutingOutput, error) {
		for _, a := range in.Decision.Actions {
			if a.Kind == RouteFile && !strings.HasPrefix(a.FileNumber, "63.") {
				return ApplyRoutingOutput{}, temporal.NewNonRetryableApplicationError("Die Akte "+a.FileNumber+" gibt es nicht.", ErrTypeBadDecision, nil)
			}
		}
		applied = append(applied, in)
		return applyStub(in), nil
	})
	return env, &applied
}

type updateResult struct {
	rejected, failed error
	done             bool
}

func (u *updateResult) callbacks() *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { u.rejected = err },
		OnComplete: func(_ interface{}, err error) {
			u.done = true
			u.failed = err
		},
	}
}

func TestTriageWaitsForTheRegistrar(t *testing.T) {
	env, applied := triageEnv(t)
	bad := map[string]TriageDecision{
		"no user":        {Actions: []RouteAction{{Kind: RouteAssign, Unit: "10"}}},
		"no actions":     {User: "reg"},
		"unknown unit":   {User: "reg", Actions: []RouteAction{{Kind: RouteAssign, Unit: "99"}}},
		"unknown code":   {User: "reg", Actions: []RouteAction{{Kind: RouteOpenFile, PlanCode: "99.01"}}},
		"unknown kind":   {User: "reg", Actions: []RouteAction{{Kind: "shred"}}},
		"two files":      {User: "reg", Actions: []RouteAction{{Kind: RouteFile, FileNumber: "63.1"}, {Kind: RouteOpenFile, PlanCode: "63.01"}}},
		"file no number": {User: "reg", Actions: []RouteAction{{Kind: RouteFile}}},
	}
	results := map[string]*updateResult{}
	// Three weeks in, the registrar gets to it: the workflow waited.
	at := 21 * 24 * time.Hour
	for name, d := range bad {
		r := &updateResult{}
		results[name] = r
		env.RegisterDelayedCallback(func() { env.UpdateWorkflow(UpdateTriageDecide, name, r.callbacks(), d) }, at)
	}
	var status InboundStatus
	env.RegisterDelayedCallback(func() {
		q, err := env.QueryWorkflow(QueryInboundStatus)
		if err == nil {
			err = q.Get(&status)
		}
		if err != nil {
			t.Error(err)
		}
	}, at)
	missing := &updateResult{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(UpdateTriageDecide, "missing", missing.callbacks(), TriageDecision{User: "reg", Actions: []RouteAction{{Kind: RouteFile, FileNumber: "10.01-0001/2026"}}})
	}, at+time.Minute)
	good := &updateResult{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(UpdateTriageDecide, "good", good.callbacks(), TriageDecision{User: "reg", Comment: "Bauvoranfrage", Actions: []RouteAction{
			{Kind: RouteOpenFile, PlanCode: "63.01.01"}, {Kind: RouteAssign, Unit: "63"}}})
	}, at+2*time.Minute)
	late := &updateResult{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(UpdateTriageDecide, "late", late.callbacks(), TriageDecision{User: "other", Actions: []RouteAction{{Kind: RouteAssign, Unit: "10"}}})
	}, at+2*time.Minute)

	env.ExecuteWorkflow(InboundDocumentName, testInput())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if status.Step != "triage" || status.Triage == nil || status.Triage.Reason != "Keine Regel traf zu" {
		t.Fatalf("status while waiting %+v", status)
	}
	for name, r := range results {
		if r.rejected == nil {
			t.Errorf("%s: the validator accepted it", name)
		}
	}
	if missing.rejected != nil || missing.failed == nil || !strings.Contains(missing.failed.Error(), "gibt es nicht") {
		t.Errorf("decision naming a missing file: rejected %v, failed %v", missing.rejected, missing.failed)
	}
	// Two decisions at the same moment both pass the validator; the
	// handler lets exactly one through, the other is told it came late.
	winner, loser, winnerUser := good, late, "reg"
	if good.failed != nil {
		winner, loser, winnerUser = late, good, "other"
	}
	if winner.rejected != nil || winner.failed != nil || !winner.done {
		t.Fatalf("winning decision: %+v", winner)
	}
	refused := loser.rejected
	if refused == nil {
		refused = loser.failed
	}
	if refused == nil || !strings.Contains(refused.Error(), "bereits entschieden") {
		t.Errorf("second decision: %+v", loser)
	}
	var final []ApplyRoutingInput
	for _, a := range *applied {
		if !a.CheckOnly {
			final = append(final, a)
		}
	}
	if len(final) != 1 || final[0].By != winnerUser || !final[0].Decision.Triage || !strings.HasPrefix(final[0].Decision.Reason, "Entscheidung der Registratur") {
		t.Fatalf("applied %+v", final)
	}
	if got := final[0].At.Sub(env.Now()); got > 0 {
		t.Errorf("decision time after the end: %v", got)
	}
	var res InboundResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Routing == nil || !res.Routing.Triage || res.Routing.DecidedBy != winnerUser || len(res.Routing.Tasks) != 1 {
		t.Fatalf("routing %+v", res.Routing)
	}
}

func TestADecisionThatCannotBeCarriedOutGoesToTriage(t *testing.T) {
	env, applied := triageEnv(t)
	// The rules name a file that does not exist (the stub refuses numbers
	// outside 63.): instead of failing, the document waits for a person.
	register(env, ActivityRoute, func(context.Context, RouteInput) (RouteDecision, error) {
		return RouteDecision{Rule: "file-number", Actions: []RouteAction{{Kind: RouteFile, FileNumber: "10.01-0009/2026"}, {Kind: RouteAssign, Unit: "10"}}}, nil
	})
	var status InboundStatus
	env.RegisterDelayedCallback(func() {
		q, err := env.QueryWorkflow(QueryInboundStatus)
		if err == nil {
			err = q.Get(&status)
		}
		if err != nil {
			t.Error(err)
		}
	}, time.Hour)
	u := &updateResult{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(UpdateTriageDecide, "d", u.callbacks(), TriageDecision{User: "reg", Actions: []RouteAction{{Kind: RouteAssign, Unit: "10"}}})
	}, 2*time.Hour)
	env.ExecuteWorkflow(InboundDocumentName, testInput())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if status.Step != "triage" || status.Triage == nil || !strings.Contains(status.Triage.Reason, "gibt es nicht") {
		t.Fatalf("status %+v", status)
	}
	if u.rejected != nil || u.failed != nil {
		t.Fatalf("decision: %+v", u)
	}
	var res InboundResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Routing == nil || res.Routing.DecidedBy != "reg" || res.Routing.Unit != "10" || len(*applied) != 2 {
		t.Fatalf("routing %+v, applied %+v", res.Routing, *applied)
	}
}
