package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// ActorRouting is the actor of decisions routing made on its own.
const ActorRouting = "system:routing"

// routeDocument reads the document's fields, routes it by the rules, waits
// for a registrar when the rules are not sure (for weeks if need be: the
// wait is a durable Await on an Update), files it and starts its tasks.
func routeDocument(ctx workflow.Context, in InboundInput, wfID string, kind records.Kind, res *InboundResult, status *InboundStatus) error {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           TaskQueueInbound,
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: []string{ErrTypeUnreadable, ErrTypeBadDecision},
		},
	})

	status.Step = "extracting"
	ex := ExtractInput{WorkflowID: wfID, Document: in.SHA256, Kind: kind, Title: in.OriginalName, ReceivedAt: in.ReceivedAt}
	if res.Archive != nil {
		ex.OCRPages = res.Archive.OCRPages
		if res.Archive.Text.SHA256 != "" {
			text := res.Archive.Text
			ex.Text = &text
		}
	}
	if res.Invoice != nil {
		ex.InvoiceID = res.Invoice.InvoiceID
	}
	var extracted ExtractOutput
	if err := workflow.ExecuteActivity(actx, ActivityExtract, ex).Get(ctx, &extracted); err != nil {
		return err
	}

	status.Step = "routing"
	var decision RouteDecision
	err := workflow.ExecuteActivity(actx, ActivityRoute, RouteInput{WorkflowID: wfID, Document: in.SHA256, EInvoice: isEInvoice(kind)}).Get(ctx, &decision)
	if err != nil {
		return err
	}
	by := ActorRouting
	var applied ApplyRoutingOutput
	for {
		if decision.Triage {
			status.Step = "triage"
			suggestion := decision
			status.Triage = &suggestion
			var item AddTriageOutput
			err := workflow.ExecuteActivity(actx, ActivityAddTriage, AddTriageInput{WorkflowID: wfID, Document: in.SHA256, Suggestion: decision}).Get(ctx, &item)
			if err != nil {
				return err
			}
			d, err := awaitTriage(ctx, actx, wfID, in.SHA256, item)
			if err != nil {
				return err
			}
			reason := "Entscheidung der Registratur"
			if d.Comment != "" {
				reason += ": " + d.Comment
			}
			decision = RouteDecision{Rule: "triage", Reason: reason, Actions: d.Actions, Triage: true}
			by = d.User
			status.Triage = nil
		}
		status.Step = "filing"
		err = workflow.ExecuteActivity(actx, ActivityApplyRouting, ApplyRoutingInput{
			WorkflowID: wfID, Document: in.SHA256, Decision: decision, By: by, At: workflow.Now(ctx),
		}).Get(ctx, &applied)
		var appErr *temporal.ApplicationError
		if err == nil || !errors.As(err, &appErr) || appErr.Type() != ErrTypeBadDecision {
			break
		}
		// The decision cannot be carried out (a rule names a unit the
		// organisation lacks, the file was closed meanwhile): a registrar
		// decides instead of the document failing.
		rule := decision.Rule
		if rule == "" {
			rule = "triage"
		}
		decision = RouteDecision{Rule: rule, Reason: "Nicht ausführbar: " + appErr.Message(), Actions: []RouteAction{{Kind: RouteTriage}}, Triage: true}
		by = ActorRouting
	}
	if err != nil {
		return err
	}
	rr := &RoutingResult{Rule: decision.Rule, Reason: decision.Reason, Triage: decision.Triage, DecidedBy: by, FileNumber: applied.FileNumber, Unit: applied.Unit}
	res.Routing = rr
	status.Routing = rr

	for _, t := range applied.Tasks {
		// An invoice's approval is its own workflow, for an e-invoice and
		// for a paper invoice (whose record ApplyRouting made).
		invoiceID := applied.InvoiceID
		if res.Invoice != nil {
			invoiceID = res.Invoice.InvoiceID
		}
		if t.Kind == TaskKindInvoiceApproval && invoiceID != 0 &&
			workflow.GetVersion(ctx, ChangeApproval, workflow.DefaultVersion, 1) == 1 {
			id := InvoiceApprovalID(invoiceID)
			cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
				WorkflowID: id, TaskQueue: TaskQueueTasks, ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
			})
			child := workflow.ExecuteChildWorkflow(cctx, InvoiceApprovalName, InvoiceApprovalInput{
				InvoiceID: invoiceID, DocumentSHA256: in.SHA256, Unit: t.Unit,
			})
			if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
				return fmt.Errorf("start approval %s: %w", id, err)
			}
			rr.Tasks = append(rr.Tasks, id)
			continue
		}
		id := ClerkTaskIDPrefix + in.SHA256
		if t.Kind == TaskKindInvoiceApproval {
			id += "-approval"
		}
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: id,
			TaskQueue:  TaskQueueTasks,
			// The task outlives this workflow: it ends when a clerk is done.
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		})
		child := workflow.ExecuteChildWorkflow(cctx, ClerkTaskName, ClerkTaskInput{
			TaskID: id, DocumentSHA256: in.SHA256, Title: applied.Title, Kind: t.Kind,
			Unit: t.Unit, FileNumber: applied.FileNumber, Policy: applied.Policy,
		})
		if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			return fmt.Errorf("start task %s: %w", id, err)
		}
		rr.Tasks = append(rr.Tasks, id)
	}
	return nil
}

// awaitTriage waits for the registrar's decision. The validator refuses,
// before anything reaches history, a decision without a user or actions,
// with an unknown action, unit or plan code, or one that comes after the
// decision was made; the handler then asks the store whether a named file
// exists and is open, and only a decision that passes ends the wait.
func awaitTriage(ctx, actx workflow.Context, wfID, doc string, item AddTriageOutput) (TriageDecision, error) {
	var decided *TriageDecision
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateTriageDecide,
		func(ctx workflow.Context, d TriageDecision) error {
			err := workflow.ExecuteActivity(actx, ActivityApplyRouting, ApplyRoutingInput{
				WorkflowID: wfID, Document: doc, Decision: RouteDecision{Actions: d.Actions, Triage: true},
				By: d.User, At: workflow.Now(ctx), CheckOnly: true,
			}).Get(ctx, nil)
			if err != nil {
				var appErr *temporal.ApplicationError
				if errors.As(err, &appErr) {
					return temporal.NewApplicationError(appErr.Message(), ErrTypeBadDecision)
				}
				return err
			}
			if decided != nil { // two decisions raced past the validator
				return temporal.NewApplicationError("Über dieses Dokument wurde bereits entschieden.", ErrTypeBadDecision)
			}
			decided = &d
			return nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d TriageDecision) error {
			if decided != nil {
				return fmt.Errorf("über dieses Dokument hat %s bereits entschieden", decided.User)
			}
			return validateTriageDecision(d, item)
		}},
	)
	if err != nil {
		return TriageDecision{}, err
	}
	if err := workflow.Await(ctx, func() bool { return decided != nil }); err != nil {
		return TriageDecision{}, err
	}
	return *decided, nil
}

func validateTriageDecision(d TriageDecision, item AddTriageOutput) error {
	if d.User == "" {
		return errors.New("wer entscheidet? (user fehlt)")
	}
	if len(d.Actions) == 0 {
		return errors.New("die Entscheidung braucht mindestens eine Aktion (file, open_file, assign, approve)")
	}
	files := 0
	for i, a := range d.Actions {
		switch a.Kind {
		case RouteFile:
			if a.FileNumber == "" {
				return fmt.Errorf("Aktion %d (file): Aktenzeichen fehlt", i+1)
			}
			files++
		case RouteOpenFile:
			if !slices.Contains(item.PlanCodes, a.PlanCode) {
				return fmt.Errorf("Aktion %d (open_file): Aktenplan-Kennzeichen %q gibt es nicht", i+1, a.PlanCode)
			}
			files++
		case RouteAssign, RouteApprove:
			if !slices.Contains(item.Units, a.Unit) {
				return fmt.Errorf("Aktion %d (%s): Organisationseinheit %q gibt es nicht", i+1, a.Kind, a.Unit)
			}
		default:
			return fmt.Errorf("Aktion %d: unbekannte Art %q (erlaubt: file, open_file, assign, approve)", i+1, a.Kind)
		}
	}
	if files > 1 {
		return errors.New("ein Dokument wird in genau eine Akte eingeordnet")
	}
	return nil
}
