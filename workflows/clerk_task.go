package workflows

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// ClerkTask is one document in one unit's inbox, from the inbox to done:
//
//   - a clerk of the unit claims it (or a present deputy of an absent
//     member does), then finishes it, forwards it to another unit (a new
//     ClerkTask starts there and this one ends), or puts it on follow-up
//     (Wiedervorlage: it comes back to the assignee on a date);
//   - while it is open or claimed, a reminder goes out after
//     Policy.RemindAfter and the task escalates after Policy.EscalateAfter,
//     both counted from the last (re)assignment: to the assignee's deputy
//     while the assignee is absent, else to the unit lead (or the lead's
//     deputy, or the lead above); each escalation restarts both deadlines,
//     so an ignored task keeps climbing.
//
// Human steps are Updates whose validators refuse the wrong person, a
// second claim or a closed task before anything reaches history; status is
// QueryTaskStatus. Deadlines are timers from workflow.Now, cancelled when a
// person acts. Every change writes the listing row (records.Task, with the
// version counter) and the audit trail through SaveTask.
func ClerkTask(ctx workflow.Context, in ClerkTaskInput) (ClerkTaskResult, error) {
	r := newTaskRun(ctx, in)
	if err := workflow.SetQueryHandler(ctx, QueryTaskStatus, func() (TaskState, error) {
		return r.state, nil
	}); err != nil {
		return ClerkTaskResult{}, err
	}
	if err := r.registerUpdates(ctx); err != nil {
		return ClerkTaskResult{}, err
	}
	if err := r.start(ctx); err != nil {
		return ClerkTaskResult{}, err
	}
	if err := r.run(ctx); err != nil {
		return ClerkTaskResult{}, err
	}
	return r.result, nil
}

// taskRun is the state of one ClerkTask run. Update handlers change it
// synchronously before they wait for anything, so a validator running
// while a handler waits for its activity already sees the change.
type taskRun struct {
	in     ClerkTaskInput
	policy TaskPolicy
	state  TaskState
	snap   UnitSnapshot
	ready  bool // the start step loaded the snapshot and saved the row
	// forwarding is set while a forward checks its target unit; other
	// steps wait for it.
	forwarding bool

	created  time.Time
	since    time.Time // the deadlines count from here
	reminded bool      // the reminder for the current deadline went out
	// gen changes whenever a person changed the task: a deadline being
	// waited for is then void, and an escalation being decided is dropped.
	gen    int
	result ClerkTaskResult
}

func newTaskRun(ctx workflow.Context, in ClerkTaskInput) *taskRun {
	if in.TaskID == "" {
		in.TaskID = workflow.GetInfo(ctx).WorkflowExecution.ID
	}
	if in.Kind == "" {
		in.Kind = TaskKindDocument
	}
	return &taskRun{
		in:     in,
		policy: in.Policy.withDefaults(),
		state:  TaskState{TaskID: in.TaskID, Status: records.TaskOpen, Unit: in.Unit, History: []TaskEntry{}},
	}
}

func taskActivities(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           TaskQueueTasks,
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        5 * time.Minute,
			NonRetryableErrorTypes: []string{ErrTypeUnknownUnit},
		},
	})
}

// start loads the unit, assigns the task (to the named assignee of a
// forward, or the stand-in while that person is absent) and writes the row.
func (r *taskRun) start(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	r.created = now
	if err := r.loadSnapshot(ctx); err != nil {
		return err
	}
	arrived := fmt.Sprintf("Eingang in Organisationseinheit %s", r.in.Unit)
	if r.in.ForwardedFrom != "" {
		arrived += fmt.Sprintf(" (weitergeleitet aus Aufgabe %s)", r.in.ForwardedFrom)
	}
	r.note(ctx, ActorTasks, arrived, "")
	if a := r.in.Assignee; a != "" {
		if who, ok := r.snap.Organisation().StandIn(a, now); ok {
			r.state.Status, r.state.Assignee = records.TaskClaimed, who
			if who == a {
				r.note(ctx, ActorTasks, "zugewiesen an "+who, "")
			} else {
				r.note(ctx, ActorTasks, fmt.Sprintf("zugewiesen an %s (Vertretung für %s, abwesend)", who, a), "")
			}
		} else {
			r.note(ctx, ActorTasks, fmt.Sprintf("%s ist abwesend und ohne anwesende Vertretung; die Aufgabe liegt im Posteingang der Organisationseinheit", a), "")
		}
	}
	r.restartDeadlines(now)
	r.ready = true
	return r.save(ctx, "assigned", ActorTasks, "")
}

// run waits for deadlines and follow-up dates until a person closes the
// task, then for the update handlers still running.
func (r *taskRun) run(ctx workflow.Context) error {
	for {
		if r.closed() {
			// A forward whose successor failed to start reopens the task.
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) || !r.closed() }); err != nil {
				return err
			}
			if r.closed() {
				return nil
			}
			continue
		}
		if r.state.Status == records.TaskFollowUp {
			fired, err := r.wait(ctx, *r.state.FollowUpOn, "Wiedervorlage")
			if err != nil {
				return err
			}
			if fired {
				if err := r.followUpDue(ctx); err != nil {
					return err
				}
			}
			continue
		}
		at, remind := r.nextDeadline()
		summary := "Eskalation"
		if remind {
			summary = "Erinnerung"
		}
		fired, err := r.wait(ctx, at, summary)
		if err != nil {
			return err
		}
		switch {
		case !fired:
		case remind:
			err = r.remind(ctx)
		default:
			err = r.escalate(ctx)
		}
		if err != nil {
			return err
		}
	}
}

func (r *taskRun) closed() bool {
	return r.state.Status == records.TaskDone || r.state.Status == records.TaskForwarded
}

// remindFirst: a reminder makes sense only before the escalation.
func (r *taskRun) remindFirst() bool { return r.policy.RemindAfter < r.policy.EscalateAfter }

// nextDeadline is the next reminder or escalation of an open or claimed task.
func (r *taskRun) nextDeadline() (at time.Time, remind bool) {
	if !r.reminded && r.remindFirst() {
		return r.since.Add(r.policy.RemindAfter), true
	}
	return r.since.Add(r.policy.EscalateAfter), false
}

// restartDeadlines counts both deadlines anew from now and voids the one
// being waited for.
func (r *taskRun) restartDeadlines(now time.Time) {
	r.since, r.reminded = now, false
	r.gen++
	r.setDue()
}

func (r *taskRun) setDue() {
	r.state.Due = nil
	if r.state.Status == records.TaskOpen || r.state.Status == records.TaskClaimed {
		at, _ := r.nextDeadline()
		r.state.Due = &at
	}
}

// wait sleeps until at, or until a person changes the task; fired reports
// the former. The timer is cancelled when it is no longer needed, so the
// history does not collect timers that fire into nothing.
func (r *taskRun) wait(ctx workflow.Context, at time.Time, summary string) (fired bool, err error) {
	gen := r.gen
	d := at.Sub(workflow.Now(ctx))
	if d <= 0 {
		return true, nil
	}
	tctx, cancel := workflow.WithCancel(ctx)
	timer := workflow.NewTimerWithOptions(tctx, d, workflow.TimerOptions{Summary: summary})
	err = workflow.Await(ctx, func() bool { return timer.IsReady() || r.gen != gen })
	if !timer.IsReady() {
		cancel()
	}
	if err != nil {
		return false, err
	}
	return r.gen == gen, nil
}

// note appends a history line.
func (r *taskRun) note(ctx workflow.Context, actor, action, comment string) {
	r.state.History = append(r.state.History, TaskEntry{At: workflow.Now(ctx), Actor: actor, Action: action, Comment: comment})
}

// save bumps the version and writes the listing row and the audit events
// of the change. The row is taken now, before the activity runs, so that
// a later change cannot leak into this version.
func (r *taskRun) save(ctx workflow.Context, event, actor, comment string) error {
	now := workflow.Now(ctx)
	r.state.Version++
	row := records.Task{
		ID: r.in.TaskID, DocumentSHA256: r.in.DocumentSHA256, Title: r.in.Title, Kind: r.in.Kind,
		Unit: r.state.Unit, Assignee: r.state.Assignee, Status: r.state.Status, FileNumber: r.in.FileNumber,
		Due: copyTime(r.state.Due), FollowUpOn: copyTime(r.state.FollowUpOn), EscalatedTo: r.state.EscalatedTo,
		Version: r.state.Version, CreatedAt: r.created, UpdatedAt: now,
	}
	in := SaveTaskInput{Task: row, Event: event, Actor: actor, Comment: comment, At: now}
	if err := workflow.ExecuteActivity(taskActivities(ctx), ActivitySaveTask, in).Get(ctx, nil); err != nil {
		return fmt.Errorf("save task %s version %d: %w", r.in.TaskID, row.Version, err)
	}
	return nil
}

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

// notify sends a notice for the version just saved.
func (r *taskRun) notify(ctx workflow.Context, notice, to, reason string) error {
	in := NotifyTaskInput{
		TaskID: r.in.TaskID, Seq: r.state.Version, Notice: notice, To: to, Unit: r.state.Unit,
		DocumentSHA256: r.in.DocumentSHA256, Title: r.in.Title, Reason: reason, At: workflow.Now(ctx),
	}
	if err := workflow.ExecuteActivity(taskActivities(ctx), ActivityNotify, in).Get(ctx, nil); err != nil {
		return fmt.Errorf("notify task %s: %w", r.in.TaskID, err)
	}
	return nil
}

// loadSnapshot reads the unit with the deputies and absences of its
// people and of the assignee.
func (r *taskRun) loadSnapshot(ctx workflow.Context) error {
	in := LoadUnitInput{Unit: r.state.Unit}
	for _, u := range []string{r.state.Assignee, r.in.Assignee} {
		if u != "" {
			in.Users = append(in.Users, u)
		}
	}
	var snap UnitSnapshot
	if err := workflow.ExecuteActivity(taskActivities(ctx), ActivityLoadUnit, in).Get(ctx, &snap); err != nil {
		return fmt.Errorf("load unit %s: %w", r.state.Unit, err)
	}
	r.snap = snap
	return nil
}

// refreshSnapshot reloads the snapshot before a decision that depends on
// who is absent: weeks may have passed since the last load. A unit that
// disappeared meanwhile leaves the old snapshot in place.
func (r *taskRun) refreshSnapshot(ctx workflow.Context) error {
	err := r.loadSnapshot(ctx)
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == ErrTypeUnknownUnit {
		workflow.GetLogger(ctx).Warn("unit no longer known; keeping the last snapshot", "task", r.in.TaskID, "unit", r.state.Unit)
		return nil
	}
	return err
}

// standIn is who acts for the assignee now; empty when the task is
// unclaimed or nobody is present (the notice then goes to the unit).
func (r *taskRun) standIn(now time.Time) string {
	if r.state.Assignee == "" {
		return ""
	}
	who, _ := r.snap.Organisation().StandIn(r.state.Assignee, now)
	return who
}

// remind sends the reminder of the current deadline.
func (r *taskRun) remind(ctx workflow.Context) error {
	gen := r.gen
	if err := r.refreshSnapshot(ctx); err != nil {
		return err
	}
	if r.gen != gen {
		return nil // someone acted meanwhile
	}
	to := r.standIn(workflow.Now(ctx))
	action := "Erinnerung an " + to
	if to == "" {
		action = "Erinnerung an den Posteingang der Organisationseinheit " + r.state.Unit
	}
	r.reminded = true
	r.setDue()
	r.note(ctx, ActorTasks, action, "")
	if err := r.save(ctx, "reminded", ActorTasks, ""); err != nil {
		return err
	}
	return r.notify(ctx, NoticeReminder, to, action)
}

// escalate hands an overdue task to whoever records.EscalationTarget
// names at this moment, from a freshly loaded organisation.
func (r *taskRun) escalate(ctx workflow.Context) error {
	gen := r.gen
	if err := r.refreshSnapshot(ctx); err != nil {
		return err
	}
	if r.gen != gen {
		return nil
	}
	now := workflow.Now(ctx)
	var esc ResolveEscalationOutput
	err := workflow.ExecuteActivity(taskActivities(ctx), ActivityResolveTarget,
		ResolveEscalationInput{Unit: r.state.Unit, Assignee: r.state.Assignee, At: now}).Get(ctx, &esc)
	if err != nil {
		return fmt.Errorf("resolve escalation of task %s: %w", r.in.TaskID, err)
	}
	if r.gen != gen {
		return nil
	}
	now = workflow.Now(ctx)
	if esc.To == "" {
		// Nobody to take it: say so, and try again after the next deadline.
		r.note(ctx, ActorTasks, "Eskalation nicht möglich", esc.Reason)
		r.restartDeadlines(now)
		if err := r.save(ctx, "escalation-failed", ActorTasks, esc.Reason); err != nil {
			return err
		}
		return r.notify(ctx, NoticeEscalation, "", esc.Reason)
	}
	r.state.Status, r.state.Assignee, r.state.EscalatedTo = records.TaskClaimed, esc.To, esc.To
	r.note(ctx, ActorTasks, "eskaliert an "+esc.To, esc.Reason)
	r.restartDeadlines(now)
	if err := r.save(ctx, "escalated", ActorTasks, esc.Reason); err != nil {
		return err
	}
	if err := r.notify(ctx, NoticeEscalation, esc.To, esc.Reason); err != nil {
		return err
	}
	// The new assignee may come from elsewhere: learn their deputies.
	return r.refreshSnapshot(ctx)
}

// followUpDue brings a task back from follow-up to its assignee.
func (r *taskRun) followUpDue(ctx workflow.Context) error {
	gen := r.gen
	if err := r.refreshSnapshot(ctx); err != nil {
		return err
	}
	if r.gen != gen {
		return nil
	}
	now := workflow.Now(ctx)
	r.state.Status, r.state.FollowUpOn = records.TaskClaimed, nil
	if r.state.Assignee == "" {
		r.state.Status = records.TaskOpen
	}
	r.note(ctx, ActorTasks, "Wiedervorlage fällig", "")
	r.restartDeadlines(now)
	if err := r.save(ctx, "follow-up-due", ActorTasks, ""); err != nil {
		return err
	}
	return r.notify(ctx, NoticeFollowUp, r.standIn(now), "Wiedervorlage fällig")
}

// registerUpdates installs the human steps.
func (r *taskRun) registerUpdates(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateTaskClaim, r.claim,
		workflow.UpdateHandlerOptions{Validator: r.validateClaim}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateTaskDone, r.done,
		workflow.UpdateHandlerOptions{Validator: r.validateDone}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateTaskForward, r.forward,
		workflow.UpdateHandlerOptions{Validator: r.validateForward}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateTaskFollowUp, r.followUp,
		workflow.UpdateHandlerOptions{Validator: r.validateFollowUp})
}

// validateCommon refuses what no step accepts: no user, a task still being
// set up, a closed task.
func (r *taskRun) validateCommon(user string) error {
	if user == "" {
		return refused("Bitte einen Benutzer angeben.")
	}
	if !r.ready {
		return refused("Die Aufgabe wird gerade angelegt; bitte gleich noch einmal versuchen.")
	}
	if r.forwarding {
		return refused("Die Aufgabe wird gerade weitergeleitet.")
	}
	switch r.state.Status {
	case records.TaskDone:
		return refused("Die Aufgabe ist bereits erledigt.")
	case records.TaskForwarded:
		return refused("Die Aufgabe ist bereits weitergeleitet.")
	}
	return nil
}

// mayAct: the assignee, or a deputy of the assignee while the assignee is
// absent.
func (r *taskRun) mayAct(user string, now time.Time) error {
	a := r.state.Assignee
	switch {
	case a == "":
		return refused("Die Aufgabe ist noch nicht übernommen; bitte zuerst übernehmen.")
	case user == a:
		return nil
	case r.snap.IsDeputyOf(user, a):
		if r.snap.Organisation().Absent(a, now) {
			return nil
		}
		return refused("%s ist anwesend; die Vertretung handelt nur während der Abwesenheit.", a)
	default:
		return refused("Die Aufgabe ist %s zugewiesen; nur diese Person oder ihre Vertretung darf sie bearbeiten.", a)
	}
}

// mayClaim: a member of the unit, or a present deputy of an absent member.
func (r *taskRun) mayClaim(user string, now time.Time) error {
	if r.snap.Unit.IsMember(user) {
		return nil
	}
	org := r.snap.Organisation()
	if !org.Absent(user, now) {
		for _, m := range append([]string{r.snap.Unit.Lead}, r.snap.Unit.Members...) {
			if r.snap.IsDeputyOf(user, m) && org.Absent(m, now) {
				return nil
			}
		}
	}
	return refused("%s gehört nicht zur Organisationseinheit %s und vertritt dort niemanden.", user, r.state.Unit)
}

func (r *taskRun) validateClaim(ctx workflow.Context, c ClaimTask) error {
	if err := r.validateCommon(c.User); err != nil {
		return err
	}
	now := workflow.Now(ctx)
	switch r.state.Status {
	case records.TaskClaimed:
		return refused("Die Aufgabe ist bereits von %s übernommen.", r.state.Assignee)
	case records.TaskFollowUp:
		if r.state.Assignee != "" {
			if err := r.mayAct(c.User, now); err != nil {
				return refused("Die Aufgabe liegt bei %s auf Wiedervorlage.", r.state.Assignee)
			}
			return nil
		}
	}
	return r.mayClaim(c.User, now)
}

func (r *taskRun) claim(ctx workflow.Context, c ClaimTask) (TaskState, error) {
	action := "übernommen"
	if r.state.Status == records.TaskFollowUp {
		action = "Wiedervorlage vorzeitig beendet, übernommen"
	}
	r.state.Status, r.state.Assignee, r.state.FollowUpOn = records.TaskClaimed, c.User, nil
	r.note(ctx, c.User, action, "")
	r.restartDeadlines(workflow.Now(ctx))
	if err := r.save(ctx, "claimed", c.User, ""); err != nil {
		return TaskState{}, err
	}
	// The claimant may be a deputy from elsewhere: learn their deputies.
	if err := r.refreshSnapshot(ctx); err != nil {
		return TaskState{}, err
	}
	return r.state, nil
}

func (r *taskRun) validateDone(ctx workflow.Context, f FinishTask) error {
	if err := r.validateCommon(f.User); err != nil {
		return err
	}
	return r.mayAct(f.User, workflow.Now(ctx))
}

func (r *taskRun) done(ctx workflow.Context, f FinishTask) (TaskState, error) {
	r.state.Status, r.state.FollowUpOn = records.TaskDone, nil
	r.note(ctx, f.User, "erledigt", f.Comment)
	r.gen++
	r.setDue()
	r.result = ClerkTaskResult{Status: records.TaskDone, By: f.User}
	if err := r.save(ctx, "done", f.User, f.Comment); err != nil {
		return TaskState{}, err
	}
	return r.state, nil
}

func (r *taskRun) validateForward(ctx workflow.Context, f ForwardTask) error {
	if err := r.validateCommon(f.User); err != nil {
		return err
	}
	if err := r.mayAct(f.User, workflow.Now(ctx)); err != nil {
		return err
	}
	if strings.TrimSpace(f.Unit) == "" {
		return refused("Bitte die Organisationseinheit angeben, an die weitergeleitet wird.")
	}
	if f.Unit == r.state.Unit {
		return refused("Die Aufgabe liegt bereits bei der Organisationseinheit %s.", f.Unit)
	}
	return nil
}

// forward starts the successor task in the other unit and ends this one.
// The successor outlives this run (ParentClosePolicy ABANDON).
func (r *taskRun) forward(ctx workflow.Context, f ForwardTask) (TaskState, error) {
	// A validator cannot read the store, so the target unit (and the named
	// person's membership) is checked here, before anything changes.
	r.forwarding = true
	var target UnitSnapshot
	in := LoadUnitInput{Unit: f.Unit}
	if f.To != "" {
		in.Users = []string{f.To}
	}
	err := workflow.ExecuteActivity(taskActivities(ctx), ActivityLoadUnit, in).Get(ctx, &target)
	r.forwarding = false
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == ErrTypeUnknownUnit {
		return TaskState{}, refused("Die Organisationseinheit %s ist nicht bekannt.", f.Unit)
	}
	if err != nil {
		return TaskState{}, fmt.Errorf("load unit %s: %w", f.Unit, err)
	}
	if f.To != "" && !target.Unit.IsMember(f.To) {
		return TaskState{}, refused("%s gehört nicht zur Organisationseinheit %s.", f.To, f.Unit)
	}
	if r.closed() {
		return TaskState{}, refused("Die Aufgabe ist bereits abgeschlossen.")
	}

	prevStatus, prevFollowUp := r.state.Status, r.state.FollowUpOn
	succ := successorID(r.in.TaskID)
	r.state.Status, r.state.FollowUpOn, r.state.Successor = records.TaskForwarded, nil, succ
	action := "weitergeleitet an Organisationseinheit " + f.Unit
	if f.To != "" {
		action += " (an " + f.To + ")"
	}
	r.note(ctx, f.User, action, f.Comment)
	r.gen++
	r.setDue()

	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        succ,
		TaskQueue:         TaskQueueTasks,
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
	})
	child := workflow.ExecuteChildWorkflow(cctx, ClerkTaskName, ClerkTaskInput{
		TaskID: succ, DocumentSHA256: r.in.DocumentSHA256, Title: r.in.Title, Kind: r.in.Kind,
		Unit: f.Unit, FileNumber: r.in.FileNumber, Policy: r.in.Policy, ForwardedFrom: r.in.TaskID, Assignee: f.To,
	})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		// No successor, so the task stays here.
		r.state.Status, r.state.FollowUpOn, r.state.Successor = prevStatus, prevFollowUp, ""
		r.note(ctx, ActorTasks, "Weiterleitung fehlgeschlagen", "")
		r.restartDeadlines(workflow.Now(ctx))
		if serr := r.save(ctx, "forward-failed", ActorTasks, ""); serr != nil {
			return TaskState{}, serr
		}
		return TaskState{}, temporal.NewApplicationErrorWithCause(
			fmt.Sprintf("Die Weiterleitung an %s ist fehlgeschlagen.", f.Unit), ErrTypeForwardFailed, err)
	}
	r.result = ClerkTaskResult{Status: records.TaskForwarded, By: f.User, ForwardedTo: f.Unit, Successor: succ}
	if err := r.save(ctx, "forwarded", f.User, f.Comment); err != nil {
		return TaskState{}, err
	}
	return r.state, nil
}

// successorID is the id of the next task in a chain of forwards:
// task-<sha> → task-<sha>-f1 → task-<sha>-f2.
func successorID(id string) string {
	base, n := id, 0
	if i := strings.LastIndex(id, ClerkTaskForwardSuffix); i >= 0 {
		digits := id[i+len(ClerkTaskForwardSuffix):]
		if k, err := strconv.Atoi(digits); err == nil && k > 0 && len(digits) <= 4 && digits[0] != '+' {
			base, n = id[:i], k
		}
	}
	return base + ClerkTaskForwardSuffix + strconv.Itoa(n+1)
}

func (r *taskRun) validateFollowUp(ctx workflow.Context, f FollowUpTask) error {
	if err := r.validateCommon(f.User); err != nil {
		return err
	}
	now := workflow.Now(ctx)
	if err := r.mayAct(f.User, now); err != nil {
		return err
	}
	if !f.On.After(now) {
		return refused("Das Wiedervorlagedatum muss in der Zukunft liegen.")
	}
	return nil
}

func (r *taskRun) followUp(ctx workflow.Context, f FollowUpTask) (TaskState, error) {
	on := f.On.UTC()
	r.state.Status, r.state.FollowUpOn = records.TaskFollowUp, &on
	r.note(ctx, f.User, "Wiedervorlage zum "+on.In(records.RegisterLocation).Format("02.01.2006 15:04"), f.Comment)
	r.gen++
	r.setDue()
	if err := r.save(ctx, "follow-up", f.User, f.Comment); err != nil {
		return TaskState{}, err
	}
	return r.state, nil
}

// refused is a validator's answer: a German sentence the UI shows as is.
func refused(format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), ErrTypeTaskRefused)
}
