package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// TaskStore is the part of the records store the clerk task activities use.
type TaskStore interface {
	PutTask(ctx context.Context, t records.Task) (applied bool, err error)
	Organisation(ctx context.Context) (records.Organisation, error)
	AppendEvent(ctx context.Context, ev store.AuditEvent) (bool, error)
}

// Tasks holds the activities of the ClerkTask workflow.
type Tasks struct {
	Store TaskStore
	// Outbound, when set, receives reminder and escalation notices (for a
	// mail connector); without it the notice is only in the audit trail.
	Outbound Outbound
	// Now is the clock for audit events without a time; nil means time.Now.
	Now func() time.Time
}

// SubjectTaskNotice is where reminder, escalation and follow-up notices go.
const SubjectTaskNotice = intake.OutboundSubjectPrefix + "task.notice"

func (a *Tasks) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

func (a *Tasks) at(t time.Time) time.Time {
	if t.IsZero() {
		return a.now()
	}
	return t.UTC()
}

// SaveTask writes the listing row of a task and the audit events of the
// change: one on the task, one on the document, so that a document's
// history shows its tasks. Idempotent: the row ignores a version it has
// already seen (or passed), the events are keyed by task id and version.
func (a *Tasks) SaveTask(ctx context.Context, in workflows.SaveTaskInput) error {
	t := in.Task
	if t.ID == "" || t.Version <= 0 || in.Event == "" {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("save task: id %q, version %d, event %q: all must be set", t.ID, t.Version, in.Event), "InvalidInput", nil)
	}
	if _, err := a.Store.PutTask(ctx, t); err != nil {
		return err
	}
	actor := in.Actor
	if actor == "" {
		actor = workflows.ActorTasks
	}
	details := map[string]any{
		"task_id": t.ID, "version": t.Version, "status": t.Status, "unit": t.Unit, "kind": t.Kind,
	}
	if t.Assignee != "" {
		details["assignee"] = t.Assignee
	}
	if t.EscalatedTo != "" {
		details["escalated_to"] = t.EscalatedTo
	}
	if t.FollowUpOn != nil {
		details["follow_up_on"] = t.FollowUpOn.UTC()
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit task %s: %w", t.ID, err)
	}
	key := taskEventKey(t.ID, t.Version)
	ev := store.AuditEvent{
		Key: key, Time: a.at(in.At), Actor: actor, Action: "task." + in.Event,
		ObjectType: "task", ObjectID: t.ID, Details: raw,
	}
	if in.Comment != "" {
		// Free text that may name citizens: beside the chain, erasable.
		if ev.Personal, err = json.Marshal(map[string]string{"comment": in.Comment}); err != nil {
			return err
		}
	}
	if _, err := a.Store.AppendEvent(ctx, ev); err != nil {
		return fmt.Errorf("audit task %s version %d: %w", t.ID, t.Version, err)
	}
	if t.DocumentSHA256 != "" {
		ev.Key, ev.ObjectType, ev.ObjectID = key+"/document", "document", t.DocumentSHA256
		if _, err := a.Store.AppendEvent(ctx, ev); err != nil {
			return fmt.Errorf("audit task %s version %d on document %s: %w", t.ID, t.Version, t.DocumentSHA256, err)
		}
	}
	return nil
}

func taskEventKey(id string, version int64) string {
	return id + "/v" + strconv.FormatInt(version, 10)
}

// LoadUnit returns what the task's validators need to know about a unit:
// members and lead, and the deputies and absences of them, of in.Users
// and of their deputies. An unknown unit fails without retry.
func (a *Tasks) LoadUnit(ctx context.Context, in workflows.LoadUnitInput) (workflows.UnitSnapshot, error) {
	org, err := a.Store.Organisation(ctx)
	if err != nil {
		return workflows.UnitSnapshot{}, err
	}
	u, ok := org.Unit(in.Unit)
	if !ok {
		return workflows.UnitSnapshot{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("unit %q is not known", in.Unit), workflows.ErrTypeUnknownUnit, nil)
	}
	return snapshotOf(org, u, in.Users), nil
}

// snapshotOf cuts the organisation down to one unit's people.
func snapshotOf(org records.Organisation, u records.Unit, extra []string) workflows.UnitSnapshot {
	people := append(append([]string{u.Lead}, u.Members...), extra...)
	snap := workflows.UnitSnapshot{Unit: u}
	absentees := slices.Clone(people)
	for _, d := range org.Deputies {
		if slices.Contains(people, d.User) {
			snap.Deputies = append(snap.Deputies, d)
			absentees = append(absentees, d.Deputy)
		}
	}
	for _, ab := range org.Absences {
		if slices.Contains(absentees, ab.User) {
			snap.Absences = append(snap.Absences, ab)
		}
	}
	return snap
}

// ResolveEscalation loads the organisation and says who gets an overdue
// task now (records.Organisation.EscalationTarget). When nobody can take
// it, To is empty and Reason says why; the workflow records that and tries
// again later. Reads only.
func (a *Tasks) ResolveEscalation(ctx context.Context, in workflows.ResolveEscalationInput) (workflows.ResolveEscalationOutput, error) {
	org, err := a.Store.Organisation(ctx)
	if err != nil {
		return workflows.ResolveEscalationOutput{}, err
	}
	at := a.at(in.At)
	if _, ok := org.Unit(in.Unit); !ok {
		return workflows.ResolveEscalationOutput{Reason: fmt.Sprintf("Eskalation nicht möglich: Organisationseinheit %s ist nicht bekannt", in.Unit)}, nil
	}
	esc, err := org.EscalationTarget(in.Unit, in.Assignee, at)
	if err != nil {
		return workflows.ResolveEscalationOutput{Reason: fmt.Sprintf(
			"Eskalation nicht möglich: in Organisationseinheit %s und darüber ist am %s niemand erreichbar",
			in.Unit, at.In(records.RegisterLocation).Format("02.01.2006"))}, nil
	}
	return workflows.ResolveEscalationOutput{To: esc.To, Reason: esc.Reason}, nil
}

// TaskNotice is the message on SubjectTaskNotice.
type TaskNotice struct {
	TaskID         string    `json:"task_id"`
	Seq            int64     `json:"seq"`
	Notice         string    `json:"notice"`
	To             string    `json:"to,omitempty"` // empty: the unit's inbox
	Unit           string    `json:"unit"`
	DocumentSHA256 string    `json:"document_sha256"`
	Title          string    `json:"title"`
	Reason         string    `json:"reason,omitempty"`
	At             time.Time `json:"at"`
}

// NotifyTask records a reminder, escalation or follow-up notice in the
// audit trail and, with an Outbound, publishes it. Idempotent: the event
// is keyed and the message id is task id + seq, which the stream
// deduplicates.
func (a *Tasks) NotifyTask(ctx context.Context, in workflows.NotifyTaskInput) error {
	if in.TaskID == "" || in.Notice == "" {
		return temporal.NewNonRetryableApplicationError("notify task: task id and notice must be set", "InvalidInput", nil)
	}
	n := TaskNotice(in)
	n.At = a.at(in.At)
	msgID := in.TaskID + "-" + strconv.FormatInt(in.Seq, 10)
	if a.Outbound != nil {
		raw, err := json.Marshal(n)
		if err != nil {
			return fmt.Errorf("encode task notice %s: %w", msgID, err)
		}
		if err := a.Outbound.Publish(ctx, SubjectTaskNotice, raw, msgID); err != nil {
			return fmt.Errorf("publish task notice %s: %w", msgID, err)
		}
	}
	details := map[string]any{"task_id": in.TaskID, "seq": in.Seq, "notice": in.Notice, "unit": in.Unit, "published": a.Outbound != nil}
	if in.To != "" {
		details["to"] = in.To
	}
	if in.Reason != "" {
		details["reason"] = in.Reason
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit task notice %s: %w", msgID, err)
	}
	_, err = a.Store.AppendEvent(ctx, store.AuditEvent{
		Key: taskEventKey(in.TaskID, in.Seq) + "/notice/" + in.Notice, Time: n.At, Actor: workflows.ActorTasks,
		Action: "task.notice." + in.Notice, ObjectType: "task", ObjectID: in.TaskID, Details: raw,
	})
	if err != nil {
		return fmt.Errorf("audit task notice %s: %w", msgID, err)
	}
	return nil
}
