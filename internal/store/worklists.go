package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// jsonArg stores raw JSON as text, NULL when empty; invalid JSON is refused.
func jsonArg(field string, raw json.RawMessage) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("%w: %s is not valid JSON", ErrInvalid, field)
	}
	return string(raw), nil
}

// rawJSON turns a scanned column back into raw JSON, nil for NULL.
func rawJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

// nullTimeArg is timeArg for a nullable column.
func (s *sqlStore) nullTimeArg(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return s.d.timeArg(*t)
}

// ---- document meta ----------------------------------------------------------------

const metaColumns = `document_sha256, type, sender, letter_date, subject, file_number, amount, leitweg_id,
	extracted, routing_rule, routing_reason, routing, routed_by, routed_at, unit, updated_at`

func (s *sqlStore) PutDocumentMeta(ctx context.Context, m records.DocumentMeta) error {
	if err := validateSHA256(m.DocumentSHA256); err != nil {
		return fmt.Errorf("put document meta %s: %w", m.DocumentSHA256, err)
	}
	extracted, err := jsonArg("extracted", m.Extracted)
	if err != nil {
		return fmt.Errorf("put document meta %s: %w", m.DocumentSHA256, err)
	}
	routing, err := jsonArg("routing", m.Routing)
	if err != nil {
		return fmt.Errorf("put document meta %s: %w", m.DocumentSHA256, err)
	}
	if m.UpdatedAt.IsZero() {
		m.UpdatedAt = s.clock()
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO document_meta (`+metaColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			ON CONFLICT (document_sha256) DO UPDATE SET
				type = excluded.type, sender = excluded.sender, letter_date = excluded.letter_date,
				subject = excluded.subject, file_number = excluded.file_number, amount = excluded.amount,
				leitweg_id = excluded.leitweg_id, extracted = excluded.extracted,
				routing_rule = excluded.routing_rule, routing_reason = excluded.routing_reason,
				routing = excluded.routing, routed_by = excluded.routed_by, routed_at = excluded.routed_at,
				unit = excluded.unit, updated_at = excluded.updated_at`,
			m.DocumentSHA256, m.Type, m.Sender, m.LetterDate, m.Subject, m.FileNumber, m.Amount, m.LeitwegID,
			extracted, m.RoutingRule, m.RoutingReason, routing, m.RoutedBy, s.nullTimeArg(m.RoutedAt), m.Unit,
			s.d.timeArg(m.UpdatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("put document meta %s: %w", m.DocumentSHA256, err)
	}
	return nil
}

func (s *sqlStore) DocumentMeta(ctx context.Context, documentSHA256 string) (records.DocumentMeta, error) {
	var m records.DocumentMeta
	var extracted, routing []byte
	err := s.db.QueryRowContext(ctx, `SELECT `+metaColumns+` FROM document_meta WHERE document_sha256 = $1`, documentSHA256).Scan(
		&m.DocumentSHA256, &m.Type, &m.Sender, &m.LetterDate, &m.Subject, &m.FileNumber, &m.Amount, &m.LeitwegID,
		&extracted, &m.RoutingRule, &m.RoutingReason, &routing, &m.RoutedBy, nullTimeDest{&m.RoutedAt}, &m.Unit,
		timeDest{&m.UpdatedAt})
	if err != nil {
		return records.DocumentMeta{}, fmt.Errorf("document meta %s: %w", documentSHA256, errNoRows(err))
	}
	m.Extracted, m.Routing = rawJSON(extracted), rawJSON(routing)
	return m, nil
}

// ---- triage -----------------------------------------------------------------------

const triageColumns = `id, document_sha256, workflow_id, reason, suggestion, status, decision, decided_by, decided_at, created_at`

func scanTriage(r rowScanner) (records.TriageItem, error) {
	var t records.TriageItem
	var suggestion, decision []byte
	err := r.Scan(&t.ID, &t.DocumentSHA256, &t.WorkflowID, &t.Reason, &suggestion, &t.Status, &decision,
		&t.DecidedBy, nullTimeDest{&t.DecidedAt}, timeDest{&t.CreatedAt})
	if err != nil {
		return records.TriageItem{}, errNoRows(err)
	}
	t.Suggestion, t.Decision = rawJSON(suggestion), rawJSON(decision)
	return t, nil
}

// openTriage is the open item of a workflow.
func openTriage(ctx context.Context, q querier, workflowID string) (records.TriageItem, error) {
	return scanTriage(q.QueryRowContext(ctx, `SELECT `+triageColumns+` FROM triage_items WHERE workflow_id = $1 AND status = $2`,
		workflowID, string(records.TriageOpen)))
}

func (s *sqlStore) AddTriage(ctx context.Context, t records.TriageItem) (records.TriageItem, bool, error) {
	if t.WorkflowID == "" {
		return records.TriageItem{}, false, fmt.Errorf("add triage: %w: workflow id is empty", ErrInvalid)
	}
	if err := validateSHA256(t.DocumentSHA256); err != nil {
		return records.TriageItem{}, false, fmt.Errorf("add triage %s: %w", t.WorkflowID, err)
	}
	suggestion, err := jsonArg("suggestion", t.Suggestion)
	if err != nil {
		return records.TriageItem{}, false, fmt.Errorf("add triage %s: %w", t.WorkflowID, err)
	}
	if existing, err := openTriage(ctx, s.db, t.WorkflowID); err == nil {
		return existing, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return records.TriageItem{}, false, fmt.Errorf("add triage %s: %w", t.WorkflowID, err)
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = s.clock()
	}
	var stored records.TriageItem
	var created bool
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			INSERT INTO triage_items (document_sha256, workflow_id, reason, suggestion, status, decided_by, created_at)
			VALUES ($1, $2, $3, $4, $5, '', $6)
			ON CONFLICT (workflow_id) WHERE status = 'open' DO NOTHING`,
			t.DocumentSHA256, t.WorkflowID, t.Reason, suggestion, string(records.TriageOpen), s.d.timeArg(t.CreatedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n == 1
		stored, err = openTriage(ctx, tx, t.WorkflowID)
		return err
	})
	if err != nil {
		return records.TriageItem{}, false, fmt.Errorf("add triage %s: %w", t.WorkflowID, err)
	}
	return stored, created, nil
}

func (s *sqlStore) TriageItems(ctx context.Context, all bool, limit, offset int) ([]records.TriageItem, error) {
	var w where
	if !all {
		w.add("status = $?", string(records.TriageOpen))
	}
	limit, offset = page(limit, offset)
	out, err := queryAll(ctx, s.db, scanTriage, `SELECT `+triageColumns+` FROM triage_items`+w.clause()+
		` ORDER BY created_at, id`+w.page(limit, offset), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list triage: %w", err)
	}
	return out, nil
}

func (s *sqlStore) CountTriage(ctx context.Context, all bool) (int, error) {
	var w where
	if !all {
		w.add("status = $?", string(records.TriageOpen))
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM triage_items`+w.clause(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count triage: %w", err)
	}
	return n, nil
}

func (s *sqlStore) TriageItem(ctx context.Context, id int64) (records.TriageItem, error) {
	t, err := scanTriage(s.db.QueryRowContext(ctx, `SELECT `+triageColumns+` FROM triage_items WHERE id = $1`, id))
	if err != nil {
		return records.TriageItem{}, fmt.Errorf("triage item %d: %w", id, err)
	}
	return t, nil
}

// TriageByWorkflow returns the open item of a workflow, else its latest.
func (s *sqlStore) TriageByWorkflow(ctx context.Context, workflowID string) (records.TriageItem, error) {
	t, err := triageByWorkflow(ctx, s.db, workflowID, "")
	if err != nil {
		return records.TriageItem{}, fmt.Errorf("triage of %s: %w", workflowID, err)
	}
	return t, nil
}

func triageByWorkflow(ctx context.Context, q querier, workflowID, forUpdate string) (records.TriageItem, error) {
	return scanTriage(q.QueryRowContext(ctx, `SELECT `+triageColumns+` FROM triage_items WHERE workflow_id = $1
		ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, id DESC LIMIT 1`+forUpdate, workflowID))
}

func (s *sqlStore) DecideTriage(ctx context.Context, workflowID string, decision []byte, by string, at time.Time) (records.TriageItem, error) {
	dec, err := jsonArg("decision", decision)
	if err != nil {
		return records.TriageItem{}, fmt.Errorf("decide triage %s: %w", workflowID, err)
	}
	if at.IsZero() {
		at = s.clock()
	}
	var out records.TriageItem
	err = s.write(ctx, func(tx *sql.Tx) error {
		t, err := triageByWorkflow(ctx, tx, workflowID, s.d.forUpdate)
		if err != nil {
			return err
		}
		if t.Status != records.TriageOpen {
			out = t // decided before: a retry changes nothing
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE triage_items SET status = $1, decision = $2, decided_by = $3, decided_at = $4 WHERE id = $5`,
			string(records.TriageDecided), dec, by, s.d.timeArg(at), t.ID); err != nil {
			return err
		}
		out, err = scanTriage(tx.QueryRowContext(ctx, `SELECT `+triageColumns+` FROM triage_items WHERE id = $1`, t.ID))
		return err
	})
	if err != nil {
		return records.TriageItem{}, fmt.Errorf("decide triage %s: %w", workflowID, err)
	}
	return out, nil
}

// ---- tasks --------------------------------------------------------------------------

const taskColumns = `id, document_sha256, title, kind, unit, assignee, status, file_number, due, follow_up_on,
	escalated_to, version, created_at, updated_at`

func scanTask(r rowScanner) (records.Task, error) {
	var t records.Task
	err := r.Scan(&t.ID, &t.DocumentSHA256, &t.Title, &t.Kind, &t.Unit, &t.Assignee, &t.Status, &t.FileNumber,
		nullTimeDest{&t.Due}, nullTimeDest{&t.FollowUpOn}, &t.EscalatedTo, &t.Version, timeDest{&t.CreatedAt}, timeDest{&t.UpdatedAt})
	if err != nil {
		return records.Task{}, errNoRows(err)
	}
	return t, nil
}

func (s *sqlStore) PutTask(ctx context.Context, t records.Task) (bool, error) {
	if t.ID == "" || t.Status == "" {
		return false, fmt.Errorf("put task: %w: id and status must be set", ErrInvalid)
	}
	now := s.clock()
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = now
	}
	var applied bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		// created_at is kept from the first write.
		res, err := tx.ExecContext(ctx, `
			INSERT INTO tasks (`+taskColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			ON CONFLICT (id) DO UPDATE SET
				document_sha256 = excluded.document_sha256, title = excluded.title, kind = excluded.kind,
				unit = excluded.unit, assignee = excluded.assignee, status = excluded.status,
				file_number = excluded.file_number, due = excluded.due, follow_up_on = excluded.follow_up_on,
				escalated_to = excluded.escalated_to, version = excluded.version, updated_at = excluded.updated_at
			WHERE tasks.version < excluded.version`,
			t.ID, t.DocumentSHA256, t.Title, t.Kind, t.Unit, t.Assignee, string(t.Status), t.FileNumber,
			s.nullTimeArg(t.Due), s.nullTimeArg(t.FollowUpOn), t.EscalatedTo, t.Version,
			s.d.timeArg(t.CreatedAt), s.d.timeArg(t.UpdatedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		applied = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("put task %s: %w", t.ID, err)
	}
	return applied, nil
}

func (s *sqlStore) Task(ctx context.Context, id string) (records.Task, error) {
	t, err := scanTask(s.db.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE id = $1`, id))
	if err != nil {
		return records.Task{}, fmt.Errorf("task %s: %w", id, err)
	}
	return t, nil
}

func (f TaskFilter) where() *where {
	var w where
	if len(f.Units) > 0 {
		w.in("unit", f.Units)
	}
	if f.Assignee != "" {
		w.add("assignee = $?", f.Assignee)
	}
	if len(f.Status) > 0 {
		st := make([]string, len(f.Status))
		for i, v := range f.Status {
			st[i] = string(v)
		}
		w.in("status", st)
	}
	return &w
}

// listQuery is the query of Tasks: oldest first (by creation, then id),
// the order the task indexes end in (migration 0010).
func (f TaskFilter) listQuery() (string, []any) {
	w := f.where()
	limit, offset := page(f.Limit, f.Offset)
	return `SELECT ` + taskColumns + ` FROM tasks` + w.clause() + ` ORDER BY created_at, id` + w.page(limit, offset), w.args
}

func (s *sqlStore) Tasks(ctx context.Context, f TaskFilter) ([]records.Task, error) {
	q, args := f.listQuery()
	out, err := queryAll(ctx, s.db, scanTask, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	return out, nil
}

func (s *sqlStore) CountTasks(ctx context.Context, f TaskFilter) (int, error) {
	w := f.where()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tasks`+w.clause(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count tasks: %w", err)
	}
	return n, nil
}
