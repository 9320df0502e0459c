package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// InvoiceApproval takes one invoice record from the formal check to the
// booking: the stages of the configured Dienstanweisung in order — formal
// check (automatic: validation verdict, duplicate), sachlich richtig,
// rechnerisch richtig (automatic when the e-invoice's calculation rules
// passed and the configuration allows it), Anordnung (one or two
// signatures by people whose limit covers the amount) — then the booking
// record to finance.
//
// Decisions are Updates. Their validators apply the rules of
// internal/approval (four eyes, limits, deputies only while the principal
// is absent, excluded units, one decision per person and stage) against
// the state and the organisation as last loaded, so a refused decision
// never reaches the history; the handler checks again before it records,
// so two decisions racing past their validators cannot both count.
// Reminders before the discount and due dates and the escalation of a
// stage that waits too long are timers.
func InvoiceApproval(ctx workflow.Context, in InvoiceApprovalInput) (InvoiceApprovalResult, error) {
	r := &approvalRun{in: in, wfID: workflow.GetInfo(ctx).WorkflowExecution.ID}
	r.state = ApprovalState{InvoiceID: in.InvoiceID, Status: records.InvoiceInApproval, Decisions: []approval.Decision{}}
	if err := workflow.SetQueryHandler(ctx, QueryApprovalStatus, func() (ApprovalState, error) { return r.state, nil }); err != nil {
		return InvoiceApprovalResult{}, err
	}
	actx := approvalActivities(ctx)
	if err := workflow.ExecuteActivity(actx, ActivityLoadApproval, LoadApprovalInput{InvoiceID: in.InvoiceID, Unit: in.Unit}).Get(ctx, &r.ac); err != nil {
		return InvoiceApprovalResult{}, err
	}
	r.state.Unit, r.state.Amount, r.state.Currency, r.state.Terms = r.ac.Case.Unit, r.ac.Case.Amount, r.ac.Case.Currency, r.ac.Terms
	if rem, err := approval.Reminders(r.ac.Terms, r.ac.Config.Deadlines); err == nil {
		r.reminders = rem
	} else {
		r.state.Notices = append(r.state.Notices, "keine Erinnerungen: "+err.Error())
	}
	if err := r.registerUpdates(ctx, actx); err != nil {
		return InvoiceApprovalResult{}, err
	}
	if err := r.run(ctx, actx); err != nil {
		return InvoiceApprovalResult{}, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return InvoiceApprovalResult{}, err
	}
	return InvoiceApprovalResult{Status: r.state.Status, Reason: r.state.Reason, Decisions: r.state.Decisions}, nil
}

type approvalRun struct {
	in    InvoiceApprovalInput
	wfID  string
	ac    ApprovalContext
	state ApprovalState
	// ended is set by a rejection or cancellation: the run stops waiting.
	ended    bool
	toSender bool
	endedBy  string
	// recording counts decisions whose activity has not returned yet; the
	// stage only moves on once they are stored.
	recording int
	notices   int
	reminders []approval.Reminder
}

func approvalActivities(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           TaskQueueTasks,
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        5 * time.Minute,
			NonRetryableErrorTypes: []string{ErrTypeUnknownUnit, ErrTypeUnreadable},
		},
	})
}

func (r *approvalRun) run(ctx, actx workflow.Context) error {
	// The formal check is automatic.
	reason := ""
	switch {
	case !r.ac.Accepted:
		reason = "Formale Prüfung: die Rechnung hat die Prüfung nach EN 16931/XRechnung nicht bestanden."
	case r.ac.DuplicateOf != nil:
		reason = fmt.Sprintf("Formale Prüfung: mögliche Dublette der Rechnung %d (gleicher Rechnungssteller, Nummer, Datum und Betrag).", *r.ac.DuplicateOf)
	}
	if err := r.system(ctx, actx, approval.StageFormal, reason == "", reason); err != nil {
		return err
	}
	if reason != "" {
		r.ended, r.endedBy, r.state.Reason = true, ActorApproval, reason
		return r.close(ctx, actx, records.InvoiceRejectedInApproval)
	}

	for _, st := range r.ac.Config.Stages {
		if st.Kind == approval.StageFormal {
			continue
		}
		if !approval.NeedsPerson(st, r.ac.Case.CalculationOK) {
			if err := r.system(ctx, actx, st.Kind, true, "Rechenregeln der E-Rechnung (EN 16931 BR-CO) erfüllt"); err != nil {
				return err
			}
			continue
		}
		if err := r.waitForStage(ctx, actx, st); err != nil {
			return err
		}
		if r.ended {
			status := records.InvoiceRejectedInApproval
			if r.state.Status == records.InvoiceCancelled {
				status = records.InvoiceCancelled
			}
			return r.close(ctx, actx, status)
		}
	}

	r.state.Status, r.state.Stage, r.state.StageName, r.state.Assignees, r.state.Since = records.InvoiceApproved, "", "", nil, nil
	// Finance must get the booking; the activity retries until it does.
	bctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           TaskQueueTasks,
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
	})
	err := workflow.ExecuteActivity(bctx, ActivityExportBooking, ExportBookingInput{
		InvoiceID: r.in.InvoiceID, Unit: r.ac.Case.Unit, Terms: r.ac.Terms, Decisions: r.state.Decisions, At: workflow.Now(ctx),
	}).Get(ctx, nil)
	if err != nil {
		return err
	}
	r.state.Status = records.InvoiceBooked
	return nil
}

// system records an automatic decision.
func (r *approvalRun) system(ctx, actx workflow.Context, stage approval.StageKind, approve bool, comment string) error {
	d := approval.Decision{Stage: stage, User: ActorApproval, Approve: approve, Comment: comment, At: workflow.Now(ctx)}
	r.state.Decisions = append(r.state.Decisions, d)
	r.ac.Case.Decisions = append(r.ac.Case.Decisions, d)
	return r.record(ctx, actx, len(r.state.Decisions), d)
}

func (r *approvalRun) record(ctx, actx workflow.Context, seq int, d approval.Decision) error {
	return workflow.ExecuteActivity(actx, ActivityRecordDecision, RecordDecisionInput{
		InvoiceID: r.in.InvoiceID, DocumentSHA256: r.in.DocumentSHA256, WorkflowID: r.wfID, Seq: seq, Decision: d,
	}).Get(ctx, nil)
}

// stageDone reports whether the current person stage has all the
// approvals it needs (two signatures for a large payment order).
func (r *approvalRun) stageDone(k approval.StageKind) bool {
	if r.recording > 0 {
		return false
	}
	need := 1
	if k == approval.StagePaymentOrder {
		need = r.ac.Config.SignaturesNeeded(r.ac.Case)
	}
	n := 0
	for _, d := range r.ac.Case.Decisions {
		if d.Stage == k && d.Approve {
			n++
		}
	}
	return n >= need
}

// waitForStage waits until the stage is decided, the case is rejected or
// cancelled; meanwhile it sends the reminders before the discount and due
// dates and escalates when the stage waits longer than configured.
func (r *approvalRun) waitForStage(ctx, actx workflow.Context, st approval.Stage) error {
	now := workflow.Now(ctx)
	r.state.Stage, r.state.StageName, r.state.Since = st.Kind, st.Name, &now
	if err := r.refreshOrg(ctx, actx); err != nil {
		return err
	}
	r.state.Assignees = r.ac.Config.Assignees(r.ac.Case, st.Kind, r.ac.Org, now)
	if err := workflow.ExecuteActivity(actx, ActivityEnterStage, EnterStageInput{
		InvoiceID: r.in.InvoiceID, Stage: st.Kind, Assignees: r.state.Assignees, At: now, Status: records.InvoiceInApproval, Terms: r.ac.Terms,
	}).Get(ctx, nil); err != nil {
		return err
	}
	escalateAt := time.Time{}
	if d := r.ac.Config.Deadlines.EscalateAfter; d > 0 {
		escalateAt = now.Add(d)
	}
	for {
		done := func() bool { return r.ended || r.stageDone(st.Kind) }
		next, kind := r.nextDeadline(workflow.Now(ctx), escalateAt)
		if next.IsZero() {
			if err := workflow.Await(ctx, done); err != nil {
				return err
			}
			return nil
		}
		fired, err := workflow.AwaitWithTimeout(ctx, next.Sub(workflow.Now(ctx)), done)
		if err != nil {
			return err
		}
		if fired {
			return nil
		}
		if err := r.refreshOrg(ctx, actx); err != nil {
			return err
		}
		now := workflow.Now(ctx)
		to, reason := r.state.Assignees, ""
		switch kind {
		case "escalation":
			to, reason = r.escalationTargets(now)
			for _, u := range to {
				if !slices.Contains(r.state.Assignees, u) {
					r.state.Assignees = append(r.state.Assignees, u)
				}
			}
			escalateAt = now.Add(r.ac.Config.Deadlines.EscalateAfter)
			if err := workflow.ExecuteActivity(actx, ActivityEnterStage, EnterStageInput{
				InvoiceID: r.in.InvoiceID, Stage: st.Kind, Assignees: r.state.Assignees, At: *r.state.Since, Status: records.InvoiceInApproval, Terms: r.ac.Terms,
			}).Get(ctx, nil); err != nil {
				return err
			}
		case "discount":
			reason = fmt.Sprintf("Skontofrist endet am %s (%s %s)", r.ac.Terms.DiscountDate, r.ac.Terms.DiscountAmount, r.ac.Case.Currency)
		case "due":
			reason = fmt.Sprintf("Rechnung fällig am %s", r.ac.Terms.Due)
		}
		r.notices++
		r.state.Notices = append(r.state.Notices, fmt.Sprintf("%s %s: %s", now.In(records.RegisterLocation).Format("02.01.2006 15:04"), kind, reason))
		if err := workflow.ExecuteActivity(actx, ActivityNotifyApproval, NotifyApprovalInput{
			InvoiceID: r.in.InvoiceID, Seq: r.notices, Notice: kind, To: to, Reason: reason, At: now,
		}).Get(ctx, nil); err != nil {
			return err
		}
	}
}

// nextDeadline is the earliest future reminder or the escalation.
func (r *approvalRun) nextDeadline(now, escalateAt time.Time) (time.Time, string) {
	var next time.Time
	kind := ""
	for _, rem := range r.reminders {
		if rem.At.After(now) && (next.IsZero() || rem.At.Before(next)) {
			next, kind = rem.At, rem.Kind
		}
	}
	if !escalateAt.IsZero() && (next.IsZero() || escalateAt.Before(next)) {
		next, kind = escalateAt, "escalation"
	}
	return next, kind
}

// escalationTargets: for each assignee who is absent, a present deputy;
// and the unit's lead (records.Organisation.EscalationTarget).
func (r *approvalRun) escalationTargets(now time.Time) ([]string, string) {
	e, err := r.ac.Org.EscalationTarget(r.ac.Case.Unit, "", now)
	if err != nil {
		return nil, "Frist überschritten; niemand erreichbar: " + err.Error()
	}
	to := []string{e.To}
	for _, a := range r.state.Assignees {
		if r.ac.Org.Absent(a, now) {
			if d, ok := r.ac.Org.PresentDeputy(a, now); ok && !slices.Contains(to, d) {
				to = append(to, d)
			}
		}
	}
	return to, fmt.Sprintf("Stufe %q wartet seit %s; %s", r.state.StageName, r.state.Since.In(records.RegisterLocation).Format("02.01.2006"), e.Reason)
}

func (r *approvalRun) refreshOrg(ctx, actx workflow.Context) error {
	var fresh ApprovalContext
	if err := workflow.ExecuteActivity(actx, ActivityLoadApproval, LoadApprovalInput{InvoiceID: r.in.InvoiceID, OrgOnly: true}).Get(ctx, &fresh); err != nil {
		return err
	}
	r.ac.Org = fresh.Org
	return nil
}

// close records a rejection or cancellation: status, audit, and a
// correction task or the notice to the sender.
func (r *approvalRun) close(ctx, actx workflow.Context, status records.InvoiceStatus) error {
	r.state.Status, r.state.Stage, r.state.StageName, r.state.Assignees, r.state.Since = status, "", "", nil, nil
	err := workflow.ExecuteActivity(actx, ActivityCloseApproval, CloseApprovalInput{
		InvoiceID: r.in.InvoiceID, DocumentSHA256: r.in.DocumentSHA256, Status: status, Reason: r.state.Reason,
		By: r.endedBy, ToSender: r.toSender, Unit: r.ac.Case.Unit, At: workflow.Now(ctx),
	}).Get(ctx, nil)
	if err != nil || status != records.InvoiceRejectedInApproval || r.toSender {
		return err
	}
	// To correction: the receiving unit gets a task to sort it out with
	// the sender or the ordering unit.
	id := ClerkTaskIDPrefix + r.in.DocumentSHA256 + "-correction"
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: id, TaskQueue: TaskQueueTasks, ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
	})
	child := workflow.ExecuteChildWorkflow(cctx, ClerkTaskName, ClerkTaskInput{
		TaskID: id, DocumentSHA256: r.in.DocumentSHA256, Title: "Rechnung " + r.ac.Number + " berichtigen: " + r.state.Reason,
		Kind: TaskKindInvoiceCorrection, Unit: r.ac.Case.Unit,
	})
	return child.GetChildWorkflowExecution().Get(ctx, nil)
}

func refusedApproval(err error) error {
	return temporal.NewApplicationError(err.Error(), ErrTypeApprovalRefused)
}

// check is the common part of the validators: the case is open, the stage
// is the one waiting, and the rules let this user decide it now.
func (r *approvalRun) check(ctx workflow.Context, user string, stage approval.StageKind) (string, error) {
	if r.ended || r.state.Status != records.InvoiceInApproval {
		return "", fmt.Errorf("Über diese Rechnung ist bereits entschieden (%s).", r.state.Status)
	}
	if stage != r.state.Stage {
		if r.state.Stage == "" {
			return "", errors.New("Die Rechnung wartet gerade auf keine Entscheidung.")
		}
		return "", fmt.Errorf("Die Rechnung wartet auf „%s“, nicht auf %q.", r.state.StageName, stage)
	}
	return r.ac.Config.Check(r.ac.Case, stage, user, r.ac.Org, workflow.Now(ctx))
}

func (r *approvalRun) registerUpdates(ctx, actx workflow.Context) error {
	decide := func(ctx workflow.Context, user string, stage approval.StageKind, approve bool, comment string) error {
		// Checked again: another decision may have been recorded since
		// this one passed its validator.
		onBehalf, err := r.check(ctx, user, stage)
		if err != nil {
			return refusedApproval(err)
		}
		d := approval.Decision{Stage: stage, User: user, OnBehalfOf: onBehalf, Approve: approve, Comment: comment, At: workflow.Now(ctx)}
		r.state.Decisions = append(r.state.Decisions, d)
		r.ac.Case.Decisions = append(r.ac.Case.Decisions, d)
		r.recording++
		defer func() { r.recording-- }()
		return r.record(ctx, actx, len(r.state.Decisions), d)
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateApprove,
		func(ctx workflow.Context, req ApproveRequest) (ApprovalState, error) {
			if err := decide(ctx, req.User, req.Stage, true, req.Comment); err != nil {
				return r.state, err
			}
			return r.state, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req ApproveRequest) error {
			_, err := r.check(ctx, req.User, req.Stage)
			return err
		}})
	if err != nil {
		return err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, UpdateReject,
		func(ctx workflow.Context, req RejectRequest) (ApprovalState, error) {
			if err := decide(ctx, req.User, req.Stage, false, req.Reason); err != nil {
				return r.state, err
			}
			r.ended, r.toSender, r.endedBy, r.state.Reason = true, req.ToSender, req.User, req.Reason
			return r.state, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req RejectRequest) error {
			if len(req.Reason) < 3 {
				return errors.New("Eine Ablehnung braucht eine Begründung.")
			}
			_, err := r.check(ctx, req.User, req.Stage)
			return err
		}})
	if err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancel,
		func(ctx workflow.Context, req CancelRequest) (ApprovalState, error) {
			if err := r.ac.Config.CheckCancel(r.ac.Case, req.User, r.ac.Org, workflow.Now(ctx)); err != nil || r.ended {
				if err == nil {
					err = errors.New("Über diese Rechnung ist bereits entschieden.")
				}
				return r.state, refusedApproval(err)
			}
			r.ended, r.endedBy, r.state.Reason = true, req.User, req.Reason
			r.state.Status = records.InvoiceCancelled
			return r.state, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req CancelRequest) error {
			if r.ended || r.state.Status != records.InvoiceInApproval {
				return fmt.Errorf("Über diese Rechnung ist bereits entschieden (%s).", r.state.Status)
			}
			if len(req.Reason) < 3 {
				return errors.New("Ein Storno braucht eine Begründung.")
			}
			return r.ac.Config.CheckCancel(r.ac.Case, req.User, r.ac.Org, workflow.Now(ctx))
		}})
}
