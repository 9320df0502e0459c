package workflows

import (
	"slices"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// Task kinds.
const (
	TaskKindDocument        = "document"
	TaskKindInvoiceApproval = "invoice-approval"
)

// Default deadlines of TaskPolicy.
const (
	DefaultRemindAfter   = 3 * 24 * time.Hour
	DefaultEscalateAfter = 5 * 24 * time.Hour
)

// TaskPolicy says when an untouched task is brought up: a reminder after
// RemindAfter, an escalation after EscalateAfter, both counted from the
// moment the task was (re)assigned or claimed. Zero means the default.
type TaskPolicy struct {
	RemindAfter   time.Duration `json:"remind_after,omitempty"`
	EscalateAfter time.Duration `json:"escalate_after,omitempty"`
}

// withDefaults fills zero durations.
func (p TaskPolicy) withDefaults() TaskPolicy {
	if p.RemindAfter <= 0 {
		p.RemindAfter = DefaultRemindAfter
	}
	if p.EscalateAfter <= 0 {
		p.EscalateAfter = DefaultEscalateAfter
	}
	return p
}

// ClerkTaskInput starts a ClerkTask: one document in one unit's inbox.
type ClerkTaskInput struct {
	// TaskID is the workflow id (ClerkTaskIDPrefix + sha256, + "-f" + n
	// for a forwarded task's successor); empty means the workflow's own id.
	TaskID         string     `json:"task_id"`
	DocumentSHA256 string     `json:"document_sha256"`
	Title          string     `json:"title"`
	Kind           string     `json:"kind"` // TaskKindDocument (default) or TaskKindInvoiceApproval
	Unit           string     `json:"unit"`
	FileNumber     string     `json:"file_number,omitempty"`
	Policy         TaskPolicy `json:"policy"`
	// ForwardedFrom is the task id of the predecessor, when forwarded.
	ForwardedFrom string `json:"forwarded_from,omitempty"`
	// Assignee, when set, is the user the task goes to directly (a forward
	// to a named person): the task starts claimed by that user, or by the
	// stand-in while that user is absent. Empty: the unit's inbox.
	Assignee string `json:"assignee,omitempty"`
}

// ClerkTaskResult is how a task ended.
type ClerkTaskResult struct {
	Status records.TaskStatus `json:"status"` // done or forwarded
	By     string             `json:"by"`
	// ForwardedTo is the unit a forwarded task went to, Successor the
	// task id of the new task there.
	ForwardedTo string `json:"forwarded_to,omitempty"`
	Successor   string `json:"successor,omitempty"`
}

// ClaimTask is the UpdateTaskClaim argument: User takes the task.
type ClaimTask struct {
	User string `json:"user"`
}

// FinishTask is the UpdateTaskDone argument.
type FinishTask struct {
	User    string `json:"user"`
	Comment string `json:"comment,omitempty"`
}

// ForwardTask is the UpdateTaskForward argument: the task goes to Unit,
// to the user To directly when set.
type ForwardTask struct {
	User    string `json:"user"`
	Unit    string `json:"unit"`
	To      string `json:"to,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// FollowUpTask is the UpdateTaskFollowUp argument: the task comes back
// to its assignee On that moment (Wiedervorlage).
type FollowUpTask struct {
	User    string    `json:"user"`
	On      time.Time `json:"on"`
	Comment string    `json:"comment,omitempty"`
}

// TaskEntry is one line of a task's history.
type TaskEntry struct {
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"` // German, for the UI
	Comment string    `json:"comment,omitempty"`
}

// TaskState answers QueryTaskStatus and every task update.
type TaskState struct {
	TaskID      string             `json:"task_id"`
	Status      records.TaskStatus `json:"status"`
	Unit        string             `json:"unit"`
	Assignee    string             `json:"assignee,omitempty"`
	FollowUpOn  *time.Time         `json:"follow_up_on,omitempty"`
	Due         *time.Time         `json:"due,omitempty"` // next reminder or escalation
	EscalatedTo string             `json:"escalated_to,omitempty"`
	Successor   string             `json:"successor,omitempty"` // task id, once forwarded
	Version     int64              `json:"version"`
	History     []TaskEntry        `json:"history"`
}

// UnitSnapshot is what the update validators know about a unit: its
// members and lead, and the deputies and absences of them and of the
// extra users asked for (the current assignee, who may come from
// elsewhere after an escalation).
type UnitSnapshot struct {
	Unit     records.Unit      `json:"unit"`
	Deputies []records.Deputy  `json:"deputies,omitempty"`
	Absences []records.Absence `json:"absences,omitempty"`
}

// Organisation is the snapshot as a one-unit organisation, so the
// records rules (Absent, StandIn, DeputiesOf) apply to it.
func (s UnitSnapshot) Organisation() records.Organisation {
	return records.Organisation{Units: []records.Unit{s.Unit}, Deputies: s.Deputies, Absences: s.Absences}
}

// IsDeputyOf reports whether user is listed as a deputy of of.
func (s UnitSnapshot) IsDeputyOf(user, of string) bool {
	return slices.Contains(s.Organisation().DeputiesOf(of), user)
}

// LoadUnitInput asks for a unit's snapshot; Users are further people whose
// deputies and absences matter (the assignee).
type LoadUnitInput struct {
	Unit  string   `json:"unit"`
	Users []string `json:"users,omitempty"`
}

// SaveTaskInput writes the listing row of a task and the audit events of
// one change: Event is the change ("assigned", "claimed", "escalated", …),
// the row's Version its sequence number.
type SaveTaskInput struct {
	Task    records.Task `json:"task"`
	Event   string       `json:"event"`
	Actor   string       `json:"actor"` // the user, or ActorTasks
	Comment string       `json:"comment,omitempty"`
	At      time.Time    `json:"at"`
}

// ResolveEscalationInput asks who gets an overdue task of Unit, held by
// Assignee (empty when unclaimed), At that moment.
type ResolveEscalationInput struct {
	Unit     string    `json:"unit"`
	Assignee string    `json:"assignee,omitempty"`
	At       time.Time `json:"at"`
}

// ResolveEscalationOutput is records.Escalation; To is empty when nobody
// can take the task (Reason says why, in German).
type ResolveEscalationOutput struct {
	To     string `json:"to,omitempty"`
	Reason string `json:"reason"`
}

// Notice kinds of NotifyTaskInput.
const (
	NoticeReminder   = "reminder"
	NoticeEscalation = "escalation"
	NoticeFollowUp   = "follow-up"
)

// NotifyTaskInput is a reminder, escalation or follow-up notice. Seq is
// the task's version at the notice; task id + Seq identify it.
type NotifyTaskInput struct {
	TaskID         string    `json:"task_id"`
	Seq            int64     `json:"seq"`
	Notice         string    `json:"notice"`       // NoticeReminder, NoticeEscalation, NoticeFollowUp
	To             string    `json:"to,omitempty"` // user; empty: the unit's inbox
	Unit           string    `json:"unit"`
	DocumentSHA256 string    `json:"document_sha256"`
	Title          string    `json:"title"`
	Reason         string    `json:"reason,omitempty"` // German
	At             time.Time `json:"at"`
}
