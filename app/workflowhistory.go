package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// ErrNoHistory: the workflow is unknown or its history is past retention.
var ErrNoHistory = errors.New("workflow history not available")

// actorTemporal is the actor of workflow events that carry no identity:
// the engine itself decided (a timer fired, a run completed).
const actorTemporal = "system:temporal"

// maxChainedRuns bounds how many runs chained by ContinueAsNew, retry or
// cron are read before the latest one, so a workflow that continues as new
// every day cannot make one report read years of histories.
const maxChainedRuns = 50

// maxFailureMessage bounds a failure message in a summary: a message is
// meant to be one line, but nothing stops a wrapped error from carrying a
// whole parser dump.
const maxFailureMessage = 500

// WorkflowEntries reads the history of the latest run of a workflow, and of
// the runs it continues (ContinueAsNew, retry, cron; oldest first), and
// turns the events an auditor asks about into report entries: start and
// end of the run, activity retries and results, timers, updates, signals,
// child workflows and version markers. Workflow tasks and other engine
// bookkeeping are left out. Payloads are decoded only for marker metadata;
// arguments and results (which may name documents or people) never enter
// an entry.
//
// Event ids count from 1 in every run, so each entry's Details carry the
// run_id it belongs to. Earlier runs already past retention are left out;
// a workflow that is unknown, or whose latest run is past retention, gives
// an error wrapping ErrNoHistory.
func WorkflowEntries(ctx context.Context, c client.Client, workflowID string) ([]audit.Entry, error) {
	desc, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		return nil, historyError(workflowID, "", err)
	}
	runID := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	events, err := readRun(ctx, c, workflowID, runID)
	if err != nil {
		return nil, historyError(workflowID, runID, err)
	}
	type run struct {
		id     string
		events []*historypb.HistoryEvent
	}
	runs := []run{{runID, events}}
	for len(runs) <= maxChainedRuns {
		prev := continuedFrom(runs[len(runs)-1].events)
		if prev == "" {
			break
		}
		events, err := readRun(ctx, c, workflowID, prev)
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			break // past retention: the report starts with the runs still there
		}
		if err != nil {
			return nil, fmt.Errorf("history of workflow %s run %s: %w", workflowID, prev, err)
		}
		runs = append(runs, run{prev, events})
	}
	var entries []audit.Entry
	for i := len(runs) - 1; i >= 0; i-- {
		r := newRunReader(workflowID, runs[i].id)
		for _, ev := range runs[i].events {
			if e, ok := r.entry(ev); ok {
				entries = append(entries, e)
			}
		}
	}
	return entries, nil
}

func historyError(workflowID, runID string, err error) error {
	what := "workflow " + workflowID
	if runID != "" {
		what += " run " + runID
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return fmt.Errorf("history of %s: %w: %w", what, ErrNoHistory, err)
	}
	return fmt.Errorf("history of %s: %w", what, err)
}

// readRun reads all pages of one run's history.
func readRun(ctx context.Context, c client.Client, workflowID, runID string) ([]*historypb.HistoryEvent, error) {
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	if len(events) == 0 {
		return nil, serviceerror.NewNotFound("empty history")
	}
	return events, nil
}

// continuedFrom is the run a run's history continues, or "".
func continuedFrom(events []*historypb.HistoryEvent) string {
	if len(events) == 0 {
		return ""
	}
	return events[0].GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
}

// activityInfo is what later events of an activity need from its
// scheduled and started events.
type activityInfo struct {
	typ     string
	id      string
	attempt int32
}

// childInfo is what later events of a child workflow need from its
// initiated event.
type childInfo struct {
	id  string
	typ string
}

// runReader turns the events of one run into entries. It remembers what
// an event refers to by id (the activity of a completion, the update of
// a completion), since those events do not repeat it.
type runReader struct {
	workflowID string
	runID      string
	activities map[int64]*activityInfo // by scheduled event id
	timers     map[string]time.Duration
	updates    map[int64]string // update name by accepted event id
	children   map[int64]childInfo
	dc         converter.DataConverter
}

func newRunReader(workflowID, runID string) *runReader {
	return &runReader{
		workflowID: workflowID,
		runID:      runID,
		activities: map[int64]*activityInfo{},
		timers:     map[string]time.Duration{},
		updates:    map[int64]string{},
		children:   map[int64]childInfo{},
		dc:         converter.GetDefaultDataConverter(),
	}
}

// entry is the report line of one event; false for events the report
// leaves out.
func (r *runReader) entry(ev *historypb.HistoryEvent) (audit.Entry, bool) {
	e := audit.Entry{
		Time:     ev.GetEventTime().AsTime().UTC(),
		Source:   audit.SourceWorkflow,
		Workflow: r.workflowID,
		EventID:  ev.GetEventId(),
		Actor:    actorTemporal,
		Action:   ev.GetEventType().String(),
		Object:   "workflow " + r.workflowID,
	}
	d := details{"run_id": r.runID}
	actor := func(identity string) {
		if identity != "" {
			e.Actor = identity
		}
	}

	switch ev.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
		a := ev.GetWorkflowExecutionStartedEventAttributes()
		actor(a.GetIdentity())
		d.set("workflow_type", a.GetWorkflowType().GetName())
		d.set("task_queue", a.GetTaskQueue().GetName())
		d.set("parent_workflow_id", a.GetParentWorkflowExecution().GetWorkflowId())
		d.set("parent_run_id", a.GetParentWorkflowExecution().GetRunId())
		d.set("continued_from_run_id", a.GetContinuedExecutionRunId())
		var notes []string
		notes = append(notes, "Warteschlange "+a.GetTaskQueue().GetName())
		if p := a.GetParentWorkflowExecution().GetWorkflowId(); p != "" {
			notes = append(notes, "Eltern-Workflow "+p)
		}
		if prev := a.GetContinuedExecutionRunId(); prev != "" {
			d.set("initiator", a.GetInitiator().String())
			notes = append(notes, "fortgesetzt aus Lauf "+prev)
		}
		if n := a.GetAttempt(); n > 1 {
			d.set("attempt", n)
			notes = append(notes, "Versuch "+strconv.Itoa(int(n)))
		}
		e.Summary = fmt.Sprintf("Workflow %s gestartet (%s)", a.GetWorkflowType().GetName(), strings.Join(notes, ", "))

	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
		e.Summary = "Workflow abgeschlossen"
		d.set("new_run_id", ev.GetWorkflowExecutionCompletedEventAttributes().GetNewExecutionRunId())

	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
		a := ev.GetWorkflowExecutionFailedEventAttributes()
		msg := failureMessage(a.GetFailure())
		d.set("failure", msg)
		d.set("new_run_id", a.GetNewExecutionRunId())
		e.Summary = "Workflow fehlgeschlagen: " + msg

	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
		d.set("new_run_id", ev.GetWorkflowExecutionTimedOutEventAttributes().GetNewExecutionRunId())
		e.Summary = "Workflow wegen Zeitüberschreitung beendet"

	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
		a := ev.GetWorkflowExecutionTerminatedEventAttributes()
		actor(a.GetIdentity())
		d.set("reason", a.GetReason())
		e.Summary = "Workflow zwangsweise beendet"
		if a.GetReason() != "" {
			e.Summary += ": " + a.GetReason()
		}

	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED:
		a := ev.GetWorkflowExecutionCancelRequestedEventAttributes()
		actor(a.GetIdentity())
		d.set("cause", a.GetCause())
		e.Summary = "Abbruch des Workflows angefordert"
		if a.GetCause() != "" {
			e.Summary += ": " + a.GetCause()
		}

	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
		e.Summary = "Workflow abgebrochen"

	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
		a := ev.GetWorkflowExecutionContinuedAsNewEventAttributes()
		d.set("new_run_id", a.GetNewExecutionRunId())
		d.set("workflow_type", a.GetWorkflowType().GetName())
		d.set("task_queue", a.GetTaskQueue().GetName())
		e.Summary = "Workflow in neuem Lauf fortgesetzt (Lauf " + a.GetNewExecutionRunId() + ")"

	case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
		// No line of its own: the line is written when the activity
		// starts on a retry or closes.
		a := ev.GetActivityTaskScheduledEventAttributes()
		r.activities[ev.GetEventId()] = &activityInfo{typ: a.GetActivityType().GetName(), id: a.GetActivityId(), attempt: 1}
		return e, false

	case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
		a := ev.GetActivityTaskStartedEventAttributes()
		act := r.activity(a.GetScheduledEventId())
		act.attempt = a.GetAttempt()
		if a.GetAttempt() <= 1 {
			return e, false // the first attempt is told by the closing event
		}
		actor(a.GetIdentity())
		r.activityDetails(d, act)
		e.Summary = fmt.Sprintf("Aktivität %s: Versuch %d", act.typ, a.GetAttempt())
		if f := a.GetLastFailure(); f != nil {
			msg := failureMessage(f)
			d.set("last_failure", msg)
			e.Summary += " (vorheriger Fehler: " + msg + ")"
		}

	case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
		a := ev.GetActivityTaskCompletedEventAttributes()
		act := r.activity(a.GetScheduledEventId())
		actor(a.GetIdentity())
		r.activityDetails(d, act)
		e.Summary = fmt.Sprintf("Aktivität %s abgeschlossen (Versuch %d)", act.typ, act.attempt)

	case enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED:
		a := ev.GetActivityTaskFailedEventAttributes()
		act := r.activity(a.GetScheduledEventId())
		actor(a.GetIdentity())
		r.activityDetails(d, act)
		msg := failureMessage(a.GetFailure())
		d.set("failure", msg)
		d.set("retry_state", retryState(a.GetRetryState()))
		e.Summary = fmt.Sprintf("Aktivität %s fehlgeschlagen (Versuch %d): %s", act.typ, act.attempt, msg)

	case enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
		a := ev.GetActivityTaskTimedOutEventAttributes()
		act := r.activity(a.GetScheduledEventId())
		r.activityDetails(d, act)
		msg := failureMessage(a.GetFailure())
		d.set("failure", msg)
		d.set("timeout_type", timeoutType(a.GetFailure()))
		d.set("retry_state", retryState(a.GetRetryState()))
		e.Summary = fmt.Sprintf("Aktivität %s: Zeitüberschreitung (Versuch %d): %s", act.typ, act.attempt, msg)

	case enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
		a := ev.GetActivityTaskCanceledEventAttributes()
		act := r.activity(a.GetScheduledEventId())
		actor(a.GetIdentity())
		r.activityDetails(d, act)
		e.Summary = fmt.Sprintf("Aktivität %s abgebrochen (Versuch %d)", act.typ, act.attempt)

	case enumspb.EVENT_TYPE_TIMER_STARTED:
		a := ev.GetTimerStartedEventAttributes()
		dur := a.GetStartToFireTimeout().AsDuration()
		r.timers[a.GetTimerId()] = dur
		fireAt := e.Time.Add(dur)
		d.set("timer_id", a.GetTimerId())
		d.set("duration", dur.String())
		d.set("fire_at", fireAt.Format(time.RFC3339))
		e.Summary = fmt.Sprintf("Timer über %s gestellt (bis %s)", dauer(dur), fireAt.In(records.RegisterLocation).Format("02.01.2006 15:04:05"))

	case enumspb.EVENT_TYPE_TIMER_FIRED:
		a := ev.GetTimerFiredEventAttributes()
		d.set("timer_id", a.GetTimerId())
		d.set("started_event_id", a.GetStartedEventId())
		if dur, ok := r.timers[a.GetTimerId()]; ok {
			d.set("duration", dur.String())
		}
		e.Summary = "Timer ausgelöst"

	case enumspb.EVENT_TYPE_TIMER_CANCELED:
		a := ev.GetTimerCanceledEventAttributes()
		actor(a.GetIdentity())
		d.set("timer_id", a.GetTimerId())
		d.set("started_event_id", a.GetStartedEventId())
		e.Summary = "Timer aufgehoben"

	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
		a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes()
		req := a.GetAcceptedRequest()
		name := req.GetInput().GetName()
		identity := req.GetMeta().GetIdentity()
		r.updates[ev.GetEventId()] = name
		actor(identity)
		d.set("update", name)
		d.set("update_id", req.GetMeta().GetUpdateId())
		d.set("identity", identity)
		e.Summary = "Update " + name + von(identity) + " angenommen"

	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
		a := ev.GetWorkflowExecutionUpdateCompletedEventAttributes()
		name := r.updates[a.GetAcceptedEventId()]
		d.set("update", name)
		d.set("update_id", a.GetMeta().GetUpdateId())
		d.set("accepted_event_id", a.GetAcceptedEventId())
		if f := a.GetOutcome().GetFailure(); f != nil {
			msg := failureMessage(f)
			d.set("failure", msg)
			e.Summary = "Update " + name + " mit Fehler beendet: " + msg
		} else {
			e.Summary = "Update " + name + " abgeschlossen"
		}

	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED:
		a := ev.GetWorkflowExecutionUpdateRejectedEventAttributes()
		req := a.GetRejectedRequest()
		name := req.GetInput().GetName()
		identity := req.GetMeta().GetIdentity()
		actor(identity)
		msg := failureMessage(a.GetFailure())
		d.set("update", name)
		d.set("update_id", req.GetMeta().GetUpdateId())
		d.set("identity", identity)
		d.set("failure", msg)
		e.Summary = "Update " + name + von(identity) + " abgelehnt"
		if msg != "" {
			e.Summary += ": " + msg
		}

	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
		a := ev.GetWorkflowExecutionSignaledEventAttributes()
		actor(a.GetIdentity())
		d.set("signal", a.GetSignalName())
		d.set("identity", a.GetIdentity())
		from := von(a.GetIdentity())
		if ext := a.GetExternalWorkflowExecution().GetWorkflowId(); ext != "" {
			d.set("from_workflow_id", ext)
			from = " von Workflow " + ext
		}
		e.Summary = "Signal " + a.GetSignalName() + from + " empfangen"

	case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
		a := ev.GetStartChildWorkflowExecutionInitiatedEventAttributes()
		c := childInfo{id: a.GetWorkflowId(), typ: a.GetWorkflowType().GetName()}
		r.children[ev.GetEventId()] = c
		r.childDetails(d, c, "")
		d.set("task_queue", a.GetTaskQueue().GetName())
		e.Summary = fmt.Sprintf("Kind-Workflow %s (%s) angefordert", c.typ, c.id)

	case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED:
		a := ev.GetStartChildWorkflowExecutionFailedEventAttributes()
		c := r.child(a.GetInitiatedEventId(), a.GetWorkflowId(), a.GetWorkflowType().GetName())
		r.childDetails(d, c, "")
		d.set("cause", a.GetCause().String())
		e.Summary = fmt.Sprintf("Kind-Workflow %s (%s) konnte nicht gestartet werden", c.typ, c.id)

	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
		a := ev.GetChildWorkflowExecutionStartedEventAttributes()
		c := r.child(a.GetInitiatedEventId(), a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowType().GetName())
		r.childDetails(d, c, a.GetWorkflowExecution().GetRunId())
		e.Summary = fmt.Sprintf("Kind-Workflow %s (%s) gestartet", c.typ, c.id)

	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
		a := ev.GetChildWorkflowExecutionCompletedEventAttributes()
		c := r.child(a.GetInitiatedEventId(), a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowType().GetName())
		r.childDetails(d, c, a.GetWorkflowExecution().GetRunId())
		e.Summary = fmt.Sprintf("Kind-Workflow %s (%s) abgeschlossen", c.typ, c.id)

	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
		a := ev.GetChildWorkflowExecutionFailedEventAttributes()
		c := r.child(a.GetInitiatedEventId(), a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowType().GetName())
		r.childDetails(d, c, a.GetWorkflowExecution().GetRunId())
		msg := failureMessage(a.GetFailure())
		d.set("failure", msg)
		e.Summary = fmt.Sprintf("Kind-Workflow %s (%s) fehlgeschlagen: %s", c.typ, c.id, msg)

	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
		a := ev.GetChildWorkflowExecutionTimedOutEventAttributes()
		c := r.child(a.GetInitiatedEventId(), a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowType().GetName())
		r.childDetails(d, c, a.GetWorkflowExecution().GetRunId())
		e.Summary = fmt.Sprintf("Kind-Workflow %s (%s) wegen Zeitüberschreitung beendet", c.typ, c.id)

	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
		a := ev.GetChildWorkflowExecutionCanceledEventAttributes()
		c := r.child(a.GetInitiatedEventId(), a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowType().GetName())
		r.childDetails(d, c, a.GetWorkflowExecution().GetRunId())
		e.Summary = fmt.Sprintf("Kind-Workflow %s (%s) abgebrochen", c.typ, c.id)

	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED:
		a := ev.GetChildWorkflowExecutionTerminatedEventAttributes()
		c := r.child(a.GetInitiatedEventId(), a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowType().GetName())
		r.childDetails(d, c, a.GetWorkflowExecution().GetRunId())
		e.Summary = fmt.Sprintf("Kind-Workflow %s (%s) zwangsweise beendet", c.typ, c.id)

	case enumspb.EVENT_TYPE_MARKER_RECORDED:
		if !r.marker(&e, d, ev.GetMarkerRecordedEventAttributes()) {
			return e, false
		}

	default:
		return e, false
	}
	e.Details = d.json()
	return e, true
}

// Marker names and detail keys the Go SDK writes (internal to the SDK,
// stable because recorded histories depend on them).
const (
	markerVersion        = "Version"
	markerLocalActivity  = "LocalActivity"
	markerKeyChangeID    = "change-id"
	markerKeyVersion     = "version"
	markerKeyLocalActRec = "data"
)

// marker fills the entry of a version or local-activity marker; false
// for other markers (side effects), which say nothing to an auditor.
func (r *runReader) marker(e *audit.Entry, d details, a *historypb.MarkerRecordedEventAttributes) bool {
	switch a.GetMarkerName() {
	case markerVersion:
		var changeID string
		var version int
		if err := r.decode(a.GetDetails()[markerKeyChangeID], &changeID); err != nil {
			return false
		}
		if err := r.decode(a.GetDetails()[markerKeyVersion], &version); err != nil {
			return false
		}
		d.set("marker", markerVersion)
		d.set("change_id", changeID)
		d["version"] = version // 0 (DefaultVersion) is worth showing
		e.Summary = fmt.Sprintf("Version %s: %d", changeID, version)
		return true
	case markerLocalActivity:
		var rec struct {
			ActivityID   string
			ActivityType string
			Attempt      int32
		}
		if err := r.decode(a.GetDetails()[markerKeyLocalActRec], &rec); err != nil {
			return false
		}
		d.set("marker", markerLocalActivity)
		d.set("activity_type", rec.ActivityType)
		d.set("activity_id", rec.ActivityID)
		d.set("attempt", rec.Attempt)
		if f := a.GetFailure(); f != nil {
			msg := failureMessage(f)
			d.set("failure", msg)
			e.Summary = fmt.Sprintf("Lokale Aktivität %s fehlgeschlagen (Versuch %d): %s", rec.ActivityType, rec.Attempt, msg)
		} else {
			e.Summary = fmt.Sprintf("Lokale Aktivität %s abgeschlossen (Versuch %d)", rec.ActivityType, rec.Attempt)
		}
		return true
	}
	return false
}

func (r *runReader) decode(p *commonpb.Payloads, v any) error {
	if p == nil {
		return errors.New("no payload")
	}
	return r.dc.FromPayloads(p, v)
}

// activity is the activity scheduled at an event id. Should the scheduled
// event be missing from the history (Temporal always records it, but a
// report must not fail on a surprise), the activity is named "?" so the
// entry is still shown.
func (r *runReader) activity(scheduledID int64) *activityInfo {
	if a, ok := r.activities[scheduledID]; ok {
		return a
	}
	a := &activityInfo{typ: "?", attempt: 1}
	r.activities[scheduledID] = a
	return a
}

func (r *runReader) activityDetails(d details, a *activityInfo) {
	d.set("activity_type", a.typ)
	d.set("activity_id", a.id)
	d.set("attempt", a.attempt)
}

// child is the child workflow initiated at an event id, completed from
// the event itself where it names the child.
func (r *runReader) child(initiatedID int64, id, typ string) childInfo {
	c := r.children[initiatedID]
	if id != "" {
		c.id = id
	}
	if typ != "" {
		c.typ = typ
	}
	return c
}

func (r *runReader) childDetails(d details, c childInfo, runID string) {
	d.set("child_workflow_id", c.id)
	d.set("child_workflow_type", c.typ)
	d.set("child_run_id", runID)
}

// details are the salient attributes of an event; zero values are left
// out so that an entry shows only what the event says.
type details map[string]any

func (d details) set(key string, v any) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return
		}
	case int32:
		if x == 0 {
			return
		}
	case int64:
		if x == 0 {
			return
		}
	}
	d[key] = v
}

func (d details) json() json.RawMessage {
	raw, err := json.Marshal(d)
	if err != nil {
		// Only strings and numbers go in; this cannot happen.
		return nil
	}
	return raw
}

// von is " von <identity>" or "" when the event names nobody.
func von(identity string) string {
	if identity == "" {
		return ""
	}
	return " von " + identity
}

// failureMessage is the message of a failure and its causes, "activity
// error: scanner offline", without stack traces or encoded details.
func failureMessage(f *failurepb.Failure) string {
	var parts []string
	for ; f != nil && len(parts) < 5; f = f.GetCause() {
		m := strings.TrimSpace(f.GetMessage())
		if m == "" || (len(parts) > 0 && parts[len(parts)-1] == m) {
			continue
		}
		parts = append(parts, m)
	}
	msg := strings.Join(parts, ": ")
	if r := []rune(msg); len(r) > maxFailureMessage {
		msg = string(r[:maxFailureMessage]) + "…"
	}
	return msg
}

func timeoutType(f *failurepb.Failure) string {
	for ; f != nil; f = f.GetCause() {
		if t := f.GetTimeoutFailureInfo(); t != nil {
			return t.GetTimeoutType().String()
		}
	}
	return ""
}

func retryState(s enumspb.RetryState) string {
	if s == enumspb.RETRY_STATE_UNSPECIFIED {
		return ""
	}
	return s.String()
}

// dauer writes a duration the way a German reader says it: "1 Sekunde",
// "2 Tage, 3 Stunden".
func dauer(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + " Millisekunden"
	}
	if d < time.Minute && d%time.Second != 0 {
		s := strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
		return strings.Replace(s, ".", ",", 1) + " Sekunden"
	}
	d = d.Round(time.Second)
	units := []struct {
		size           time.Duration
		singular, plur string
	}{
		{24 * time.Hour, "Tag", "Tage"},
		{time.Hour, "Stunde", "Stunden"},
		{time.Minute, "Minute", "Minuten"},
		{time.Second, "Sekunde", "Sekunden"},
	}
	var parts []string
	for _, u := range units {
		n := d / u.size
		d -= n * u.size
		switch {
		case n == 1:
			parts = append(parts, "1 "+u.singular)
		case n > 1:
			parts = append(parts, strconv.FormatInt(int64(n), 10)+" "+u.plur)
		}
	}
	return strings.Join(parts, ", ")
}
