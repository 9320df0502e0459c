package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// ---- file plan ----------------------------------------------------------------

func (s *sqlStore) ReplaceFilePlan(ctx context.Context, p records.FilePlan) error {
	// The plan may have been built by hand; it is checked as an import would be.
	plan, err := records.NewFilePlan(p.Nodes)
	if err != nil {
		return fmt.Errorf("replace file plan: %w: %w", ErrInvalid, err)
	}
	keep := make(map[string]bool, len(plan.Nodes))
	for _, n := range plan.Nodes {
		keep[n.Code] = true
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if s.d.planLock != "" {
			if _, err := tx.ExecContext(ctx, s.d.planLock); err != nil {
				return fmt.Errorf("lock plan: %w", err)
			}
		}
		old, err := queryStrings(ctx, tx, `SELECT code FROM plan_nodes`)
		if err != nil {
			return err
		}
		var drop []string
		for _, c := range old {
			if !keep[c] {
				drop = append(drop, c)
			}
		}
		for _, c := range drop {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM files WHERE plan_code = $1`, c).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%w: plan code %s has %d files and cannot be removed", ErrInvalid, c, n)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM plan_nodes WHERE code = $1`, c); err != nil {
				return err
			}
		}
		for _, n := range plan.Nodes {
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO plan_nodes (code, title, retention_years, unit) VALUES ($1, $2, $3, $4)
				ON CONFLICT (code) DO UPDATE SET title = excluded.title,
					retention_years = excluded.retention_years, unit = excluded.unit`,
				n.Code, n.Title, n.RetentionYears, n.Unit); err != nil {
				return fmt.Errorf("node %s: %w", n.Code, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replace file plan: %w", err)
	}
	return nil
}

func (s *sqlStore) FilePlan(ctx context.Context) (records.FilePlan, error) {
	nodes, err := queryPlanNodes(ctx, s.db, `SELECT code, title, retention_years, unit FROM plan_nodes`)
	if err != nil {
		return records.FilePlan{}, fmt.Errorf("file plan: %w", err)
	}
	if len(nodes) == 0 {
		return records.FilePlan{}, nil
	}
	// NewFilePlan sorts by code as the plan orders it (2 before 10).
	p, err := records.NewFilePlan(nodes)
	if err != nil {
		return records.FilePlan{}, fmt.Errorf("file plan: stored plan: %w", err)
	}
	return p, nil
}

// planChain reads a node and its ancestors, enough for FilePlan.Effective.
func planChain(ctx context.Context, q querier, code string) (records.FilePlan, error) {
	if err := records.ValidatePlanCode(code); err != nil {
		return records.FilePlan{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var codes []string
	for c := code; ; {
		codes = append(codes, c)
		i := strings.LastIndexByte(c, '.')
		if i < 0 {
			break
		}
		c = c[:i]
	}
	ph := make([]string, len(codes))
	args := make([]any, len(codes))
	for i, c := range codes {
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = c
	}
	nodes, err := queryPlanNodes(ctx, q, `SELECT code, title, retention_years, unit FROM plan_nodes WHERE code IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return records.FilePlan{}, err
	}
	if len(nodes) != len(codes) {
		return records.FilePlan{}, fmt.Errorf("plan code %s: %w", code, ErrNotFound)
	}
	return records.NewFilePlan(nodes)
}

// querier is what *sql.DB and *sql.Tx share for reads.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func queryPlanNodes(ctx context.Context, q querier, query string, args ...any) ([]records.PlanNode, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []records.PlanNode
	for rows.Next() {
		var n records.PlanNode
		if err := rows.Scan(&n.Code, &n.Title, &n.RetentionYears, &n.Unit); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ---- organisation ---------------------------------------------------------------

func (s *sqlStore) ReplaceOrganisation(ctx context.Context, o records.Organisation) error {
	seen := map[string]bool{}
	for _, u := range o.Units {
		if err := u.Validate(); err != nil {
			return fmt.Errorf("replace organisation: %w: %w", ErrInvalid, err)
		}
		if seen[u.Code] {
			return fmt.Errorf("replace organisation: %w: unit %s appears twice", ErrInvalid, u.Code)
		}
		seen[u.Code] = true
	}
	for _, d := range o.Deputies {
		if d.User == "" || d.Deputy == "" || d.User == d.Deputy {
			return fmt.Errorf("replace organisation: %w: a deputy needs a user and another user as deputy", ErrInvalid)
		}
	}
	for _, a := range o.Absences {
		if err := a.Validate(); err != nil {
			return fmt.Errorf("replace organisation: %w: %w", ErrInvalid, err)
		}
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		for _, t := range []string{"units", "deputies", "absences"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
				return err
			}
		}
		for _, u := range o.Units {
			members, err := json.Marshal(nonNil(u.Members))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO units (code, name, lead, members, parent, mailbox) VALUES ($1, $2, $3, $4, $5, $6)`,
				u.Code, u.Name, u.Lead, string(members), u.Parent, u.Mailbox); err != nil {
				return fmt.Errorf("unit %s: %w", u.Code, err)
			}
		}
		for _, d := range o.Deputies {
			if _, err := tx.ExecContext(ctx, `INSERT INTO deputies (user_name, deputy, rank) VALUES ($1, $2, $3)`, d.User, d.Deputy, d.Rank); err != nil {
				return err
			}
		}
		for _, a := range o.Absences {
			if _, err := insertAbsence(ctx, tx, a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replace organisation: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func insertAbsence(ctx context.Context, tx *sql.Tx, a records.Absence) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO absences (user_name, from_day, until_day, reason) VALUES ($1, $2, $3, $4) RETURNING id`,
		a.User, a.From, a.Until, a.Reason).Scan(&id)
	return id, err
}

func (s *sqlStore) Organisation(ctx context.Context) (records.Organisation, error) {
	var o records.Organisation
	rows, err := s.db.QueryContext(ctx, `SELECT code, name, lead, members, parent, mailbox FROM units ORDER BY code`)
	if err != nil {
		return o, fmt.Errorf("organisation: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u records.Unit
		var members string
		if err := rows.Scan(&u.Code, &u.Name, &u.Lead, &members, &u.Parent, &u.Mailbox); err != nil {
			return o, fmt.Errorf("organisation: %w", err)
		}
		if err := json.Unmarshal([]byte(members), &u.Members); err != nil {
			return o, fmt.Errorf("organisation: unit %s members: %w", u.Code, err)
		}
		if len(u.Members) == 0 {
			u.Members = nil
		}
		o.Units = append(o.Units, u)
	}
	if err := rows.Err(); err != nil {
		return o, fmt.Errorf("organisation: %w", err)
	}
	rows.Close()

	drows, err := s.db.QueryContext(ctx, `SELECT user_name, deputy, rank FROM deputies ORDER BY user_name, rank, id`)
	if err != nil {
		return o, fmt.Errorf("organisation: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var d records.Deputy
		if err := drows.Scan(&d.User, &d.Deputy, &d.Rank); err != nil {
			return o, fmt.Errorf("organisation: %w", err)
		}
		o.Deputies = append(o.Deputies, d)
	}
	if err := drows.Err(); err != nil {
		return o, fmt.Errorf("organisation: %w", err)
	}
	drows.Close()

	arows, err := s.db.QueryContext(ctx, `SELECT id, user_name, from_day, until_day, reason FROM absences ORDER BY id`)
	if err != nil {
		return o, fmt.Errorf("organisation: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var a records.Absence
		if err := arows.Scan(&a.ID, &a.User, &a.From, &a.Until, &a.Reason); err != nil {
			return o, fmt.Errorf("organisation: %w", err)
		}
		o.Absences = append(o.Absences, a)
	}
	if err := arows.Err(); err != nil {
		return o, fmt.Errorf("organisation: %w", err)
	}
	return o, nil
}

func (s *sqlStore) AddAbsence(ctx context.Context, a records.Absence) (records.Absence, error) {
	if err := a.Validate(); err != nil {
		return records.Absence{}, fmt.Errorf("add absence: %w: %w", ErrInvalid, err)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		id, err := insertAbsence(ctx, tx, a)
		a.ID = id
		return err
	})
	if err != nil {
		return records.Absence{}, fmt.Errorf("add absence: %w", err)
	}
	return a, nil
}

func (s *sqlStore) RemoveAbsence(ctx context.Context, id int64) error {
	if err := s.update(ctx, `DELETE FROM absences WHERE id = $1`, id); err != nil {
		return fmt.Errorf("remove absence %d: %w", id, err)
	}
	return nil
}

// errNoRows maps sql.ErrNoRows to ErrNotFound.
func errNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
