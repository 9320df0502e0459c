package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// ErrApprovalConflict is returned (wrapped) when a decision is stored under a
// Seq that already holds a different decision. It wraps ErrInvalid: a retry
// cannot succeed.
var ErrApprovalConflict = fmt.Errorf("approval conflict: %w", ErrInvalid)

// InvoiceApprovals is the persistence of the invoice approval: the decisions per
// stage, the stage that waits and for whom, and the booking record handed to
// finance. Store embeds it; both backends pass the same conformance suite.
// Invoice statuses move on through Store.SetInvoiceStatus
// (records.InvoiceStatus.CanBecome says where to).
type InvoiceApprovals interface {
	// AddApproval stores a decision. Idempotent on (InvoiceID, Seq): a
	// retry returns the stored decision and created=false; a different
	// decision under a stored Seq is ErrApprovalConflict (records.Approval.
	// SameDecision; At is not compared). A new Seq must be the next one of
	// its invoice (1, 2, …), else ErrInvalid. At defaults to now.
	// ErrNotFound when the invoice does not exist.
	AddApproval(ctx context.Context, a records.Approval) (stored records.Approval, created bool, err error)
	// Approvals lists an invoice's decisions by Seq (none for an unknown
	// invoice).
	Approvals(ctx context.Context, invoiceID int64) ([]records.Approval, error)

	// SetInvoiceStage records the stage that waits, its assignees (an
	// approver's inbox lists the invoice) and since when. A write whose
	// Since is before the stored one is ignored and returns applied=false
	// (a late retry of an older activity must not move the stage back).
	// Zero Terms keep the stored terms. Since defaults to now. An empty
	// Stage with no assignees says that nothing waits. ErrNotFound when
	// the invoice does not exist.
	SetInvoiceStage(ctx context.Context, st records.InvoiceStage) (applied bool, err error)
	// InvoiceStage returns where an invoice's approval stands, or
	// ErrNotFound when no stage was ever set.
	InvoiceStage(ctx context.Context, invoiceID int64) (records.InvoiceStage, error)
	// InvoicesWaitingFor lists the invoices whose current stage lists user
	// as an assignee, longest waiting first (by stage Since, then id).
	InvoicesWaitingFor(ctx context.Context, user string, limit int) ([]records.Invoice, error)
	// OverdueInvoices lists invoices in approval or approved whose due date
	// is before today (YYYY-MM-DD), oldest due first. The due date is the
	// one of the stored stage terms when set, else the invoice's (BT-9);
	// invoices without either are never overdue.
	OverdueInvoices(ctx context.Context, today string, limit int) ([]records.Invoice, error)

	// PutBooking stores the booking record of an invoice. Idempotent on
	// InvoiceID: when the invoice has a booking, that one is returned with
	// created=false, whatever b says. A new booking needs the invoice in
	// status approved (ErrInvalid otherwise; ErrNotFound when it does not
	// exist). CreatedAt defaults to now; PublishedAt and ExportedAt are
	// ignored (see MarkBookingPublished, MarkBookingExported).
	PutBooking(ctx context.Context, b records.Booking) (stored records.Booking, created bool, err error)
	// Booking returns the booking record of an invoice, or ErrNotFound.
	Booking(ctx context.Context, invoiceID int64) (records.Booking, error)
	// MarkBookingPublished sets PublishedAt (now when at is zero);
	// MarkBookingExported sets ExportedAt. Both keep the first time, so
	// retries are safe. ErrNotFound when the invoice has no booking.
	MarkBookingPublished(ctx context.Context, invoiceID int64, at time.Time) error
	MarkBookingExported(ctx context.Context, invoiceID int64, at time.Time) error
	// Bookings lists booking records oldest first (by CreatedAt, then
	// invoice id).
	Bookings(ctx context.Context, f BookingFilter) ([]records.Booking, error)
}

// BookingFilter narrows Bookings. Zero fields do not filter.
type BookingFilter struct {
	Unit        string
	NotExported bool // only bookings finance has not confirmed yet
	Limit       int  // 0 means DefaultLimit; capped at MaxLimit
	Offset      int
}

// ---- approvals ----------------------------------------------------------------

const approvalColumns = `id, invoice_id, seq, stage, user_name, on_behalf_of, approve, comment, decided_at, workflow_id`

func scanApproval(r rowScanner) (records.Approval, error) {
	var a records.Approval
	err := r.Scan(&a.ID, &a.InvoiceID, &a.Seq, &a.Stage, &a.User, &a.OnBehalfOf, &a.Approve, &a.Comment,
		timeDest{&a.At}, &a.WorkflowID)
	if err != nil {
		return records.Approval{}, errNoRows(err)
	}
	return a, nil
}

func approvalBySeq(ctx context.Context, q querier, invoiceID int64, seq int) (records.Approval, error) {
	return scanApproval(q.QueryRowContext(ctx,
		`SELECT `+approvalColumns+` FROM invoice_approvals WHERE invoice_id = $1 AND seq = $2`, invoiceID, seq))
}

// lockInvoice reads an invoice's status inside a write transaction, locking
// its row on PostgreSQL so that writers of one invoice's approval queue.
func (s *sqlStore) lockInvoice(ctx context.Context, tx *sql.Tx, id int64) (records.InvoiceStatus, error) {
	var status records.InvoiceStatus
	err := tx.QueryRowContext(ctx, `SELECT status FROM invoices WHERE id = $1`+s.d.forUpdate, id).Scan(&status)
	return status, errNoRows(err)
}

func (s *sqlStore) AddApproval(ctx context.Context, a records.Approval) (records.Approval, bool, error) {
	if a.InvoiceID <= 0 || a.Seq <= 0 || a.Stage == "" || a.User == "" || a.WorkflowID == "" {
		return records.Approval{}, false, fmt.Errorf("add approval %d/%d: %w: invoice, seq, stage, user and workflow id must be set",
			a.InvoiceID, a.Seq, ErrInvalid)
	}
	if a.At.IsZero() {
		a.At = s.clock()
	}
	settle := func(stored records.Approval) (records.Approval, bool, error) {
		if !stored.SameDecision(a) {
			return records.Approval{}, false, fmt.Errorf("add approval %d/%d: %w: seq holds another decision",
				a.InvoiceID, a.Seq, ErrApprovalConflict)
		}
		return stored, false, nil
	}
	// Most repeats are retries; a plain read answers them.
	if stored, err := approvalBySeq(ctx, s.db, a.InvoiceID, a.Seq); err == nil {
		return settle(stored)
	} else if !errors.Is(err, ErrNotFound) {
		return records.Approval{}, false, fmt.Errorf("add approval %d/%d: %w", a.InvoiceID, a.Seq, err)
	}
	var stored records.Approval
	var created bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockInvoice(ctx, tx, a.InvoiceID); err != nil {
			return err
		}
		// Under the lock: a concurrent writer of the same Seq has committed
		// or not started.
		existing, err := approvalBySeq(ctx, tx, a.InvoiceID, a.Seq)
		if err == nil {
			stored = existing
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		var last int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM invoice_approvals WHERE invoice_id = $1`,
			a.InvoiceID).Scan(&last); err != nil {
			return err
		}
		if a.Seq != last+1 {
			return fmt.Errorf("%w: seq %d is not the next one (%d)", ErrInvalid, a.Seq, last+1)
		}
		var id int64
		err = tx.QueryRowContext(ctx, `
			INSERT INTO invoice_approvals (invoice_id, seq, stage, user_name, on_behalf_of, approve, comment, decided_at, workflow_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			RETURNING id`,
			a.InvoiceID, a.Seq, a.Stage, a.User, a.OnBehalfOf, a.Approve, a.Comment, s.d.timeArg(a.At), a.WorkflowID,
		).Scan(&id)
		if err != nil {
			return err
		}
		created = true
		stored, err = scanApproval(tx.QueryRowContext(ctx, `SELECT `+approvalColumns+` FROM invoice_approvals WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return records.Approval{}, false, fmt.Errorf("add approval %d/%d: %w", a.InvoiceID, a.Seq, err)
	}
	if !created {
		return settle(stored)
	}
	return stored, true, nil
}

func (s *sqlStore) Approvals(ctx context.Context, invoiceID int64) ([]records.Approval, error) {
	out, err := queryAll(ctx, s.db, scanApproval,
		`SELECT `+approvalColumns+` FROM invoice_approvals WHERE invoice_id = $1 ORDER BY seq`, invoiceID)
	if err != nil {
		return nil, fmt.Errorf("approvals of invoice %d: %w", invoiceID, err)
	}
	return out, nil
}

// ---- stages -------------------------------------------------------------------

const stageColumns = `invoice_id, stage, assignees, since, due_date, discount_date, discount_amount`

func scanStage(r rowScanner) (records.InvoiceStage, error) {
	var st records.InvoiceStage
	var assignees string
	err := r.Scan(&st.InvoiceID, &st.Stage, &assignees, timeDest{&st.Since},
		&st.Terms.DueDate, &st.Terms.DiscountDate, &st.Terms.DiscountAmount)
	if err != nil {
		return records.InvoiceStage{}, errNoRows(err)
	}
	if err := json.Unmarshal([]byte(assignees), &st.Assignees); err != nil {
		return records.InvoiceStage{}, fmt.Errorf("stage of invoice %d: assignees: %w", st.InvoiceID, err)
	}
	return st, nil
}

func (s *sqlStore) SetInvoiceStage(ctx context.Context, st records.InvoiceStage) (bool, error) {
	if st.InvoiceID <= 0 {
		return false, fmt.Errorf("set invoice stage: %w: invoice id must be set", ErrInvalid)
	}
	// The assignees in the order given, once each: the JSON keeps the order
	// (first is whom the workflow asked first), the side table the set.
	assignees := make([]string, 0, len(st.Assignees))
	for _, u := range st.Assignees {
		if u == "" {
			return false, fmt.Errorf("set invoice %d stage: %w: empty assignee", st.InvoiceID, ErrInvalid)
		}
		if !slices.Contains(assignees, u) {
			assignees = append(assignees, u)
		}
	}
	if st.Stage == "" && len(assignees) > 0 {
		return false, fmt.Errorf("set invoice %d stage: %w: assignees without a stage", st.InvoiceID, ErrInvalid)
	}
	assigneeJSON, err := json.Marshal(assignees)
	if err != nil {
		return false, fmt.Errorf("set invoice %d stage: assignees: %w", st.InvoiceID, err)
	}
	if st.Since.IsZero() {
		st.Since = s.clock()
	}
	since := dbTime(st.Since)
	var applied bool
	err = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockInvoice(ctx, tx, st.InvoiceID); err != nil {
			return err
		}
		stored, err := scanStage(tx.QueryRowContext(ctx, `SELECT `+stageColumns+` FROM invoice_stages WHERE invoice_id = $1`, st.InvoiceID))
		switch {
		case err == nil:
			if since.Before(stored.Since) {
				return nil // stale
			}
			if st.Terms.IsZero() {
				st.Terms = stored.Terms
			}
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO invoice_stages (`+stageColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (invoice_id) DO UPDATE SET
				stage = excluded.stage, assignees = excluded.assignees, since = excluded.since,
				due_date = excluded.due_date, discount_date = excluded.discount_date,
				discount_amount = excluded.discount_amount`,
			st.InvoiceID, st.Stage, string(assigneeJSON), s.d.timeArg(since),
			st.Terms.DueDate, st.Terms.DiscountDate, st.Terms.DiscountAmount); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM invoice_assignees WHERE invoice_id = $1`, st.InvoiceID); err != nil {
			return err
		}
		for _, u := range assignees {
			if _, err := tx.ExecContext(ctx, `INSERT INTO invoice_assignees (invoice_id, user_name) VALUES ($1, $2)`,
				st.InvoiceID, u); err != nil {
				return err
			}
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("set invoice %d stage: %w", st.InvoiceID, err)
	}
	return applied, nil
}

func (s *sqlStore) InvoiceStage(ctx context.Context, invoiceID int64) (records.InvoiceStage, error) {
	st, err := scanStage(s.db.QueryRowContext(ctx, `SELECT `+stageColumns+` FROM invoice_stages WHERE invoice_id = $1`, invoiceID))
	if err != nil {
		return records.InvoiceStage{}, fmt.Errorf("stage of invoice %d: %w", invoiceID, err)
	}
	return st, nil
}

func (s *sqlStore) InvoicesWaitingFor(ctx context.Context, user string, limit int) ([]records.Invoice, error) {
	limit, _ = page(limit, 0)
	// The derived table names its columns apart from those of invoices, so
	// invoiceColumns stays unqualified.
	out, err := queryAll(ctx, s.db, scanInvoice, `
		SELECT `+invoiceColumns+` FROM invoices
		JOIN (SELECT st.invoice_id AS waiting_id, st.since AS waiting_since
			FROM invoice_assignees a JOIN invoice_stages st ON st.invoice_id = a.invoice_id
			WHERE a.user_name = $1) w ON w.waiting_id = invoices.id
		ORDER BY w.waiting_since, invoices.id
		LIMIT $2`, user, limit)
	if err != nil {
		return nil, fmt.Errorf("invoices waiting for a user: %w", err)
	}
	return out, nil
}

func (s *sqlStore) OverdueInvoices(ctx context.Context, today string, limit int) ([]records.Invoice, error) {
	if _, err := time.Parse(time.DateOnly, today); err != nil {
		return nil, fmt.Errorf("overdue invoices: %w: today must be YYYY-MM-DD", ErrInvalid)
	}
	limit, _ = page(limit, 0)
	const due = `CASE WHEN COALESCE(st.stage_due, '') <> '' THEN st.stage_due ELSE due_date END`
	out, err := queryAll(ctx, s.db, scanInvoice, `
		SELECT `+invoiceColumns+` FROM invoices
		LEFT JOIN (SELECT invoice_id AS stage_id, due_date AS stage_due FROM invoice_stages) st ON st.stage_id = invoices.id
		WHERE status IN ($1, $2) AND `+due+` <> '' AND `+due+` < $3
		ORDER BY `+due+`, invoices.id
		LIMIT $4`,
		string(records.InvoiceInApproval), string(records.InvoiceApproved), today, limit)
	if err != nil {
		return nil, fmt.Errorf("overdue invoices: %w", err)
	}
	return out, nil
}

// ---- bookings -----------------------------------------------------------------

const bookingColumns = `invoice_id, unit, creditor, creditor_vat_id, iban, amount, currency, due_date,
	discount_date, discount_amount, invoice_number, invoice_date, cost_centre, approvals,
	created_at, published_at, exported_at`

func scanBooking(r rowScanner) (records.Booking, error) {
	var b records.Booking
	var approvals string
	err := r.Scan(&b.InvoiceID, &b.Unit, &b.Creditor, &b.CreditorVATID, &b.IBAN, &b.Amount, &b.Currency, &b.DueDate,
		&b.DiscountDate, &b.DiscountAmount, &b.InvoiceNumber, &b.InvoiceDate, &b.CostCentre, &approvals,
		timeDest{&b.CreatedAt}, nullTimeDest{&b.PublishedAt}, nullTimeDest{&b.ExportedAt})
	if err != nil {
		return records.Booking{}, errNoRows(err)
	}
	if err := json.Unmarshal([]byte(approvals), &b.Approvals); err != nil {
		return records.Booking{}, fmt.Errorf("booking of invoice %d: approvals: %w", b.InvoiceID, err)
	}
	return b, nil
}

func (s *sqlStore) PutBooking(ctx context.Context, b records.Booking) (records.Booking, bool, error) {
	if b.InvoiceID <= 0 || b.Amount == "" || b.Currency == "" {
		return records.Booking{}, false, fmt.Errorf("put booking of invoice %d: %w: invoice, amount and currency must be set",
			b.InvoiceID, ErrInvalid)
	}
	if existing, err := s.Booking(ctx, b.InvoiceID); err == nil {
		return existing, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return records.Booking{}, false, fmt.Errorf("put booking of invoice %d: %w", b.InvoiceID, err)
	}
	approvals := b.Approvals
	if approvals == nil {
		approvals = []records.Approval{}
	}
	approvalJSON, err := json.Marshal(approvals)
	if err != nil {
		return records.Booking{}, false, fmt.Errorf("put booking of invoice %d: approvals: %w", b.InvoiceID, err)
	}
	if b.CreatedAt.IsZero() {
		b.CreatedAt = s.clock()
	}
	var stored records.Booking
	var created bool
	err = s.write(ctx, func(tx *sql.Tx) error {
		status, err := s.lockInvoice(ctx, tx, b.InvoiceID)
		if err != nil {
			return err
		}
		// Under the lock: a concurrent put has committed or not started.
		existing, err := scanBooking(tx.QueryRowContext(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE invoice_id = $1`, b.InvoiceID))
		if err == nil {
			stored = existing
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		if status != records.InvoiceApproved {
			return fmt.Errorf("%w: invoice is %s, not %s", ErrInvalid, status, records.InvoiceApproved)
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO bookings (invoice_id, unit, creditor, creditor_vat_id, iban, amount, currency, due_date,
				discount_date, discount_amount, invoice_number, invoice_date, cost_centre, approvals, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			b.InvoiceID, b.Unit, b.Creditor, b.CreditorVATID, b.IBAN, b.Amount, b.Currency, b.DueDate,
			b.DiscountDate, b.DiscountAmount, b.InvoiceNumber, b.InvoiceDate, b.CostCentre, string(approvalJSON),
			s.d.timeArg(b.CreatedAt)); err != nil {
			return err
		}
		created = true
		stored, err = scanBooking(tx.QueryRowContext(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE invoice_id = $1`, b.InvoiceID))
		return err
	})
	if err != nil {
		return records.Booking{}, false, fmt.Errorf("put booking of invoice %d: %w", b.InvoiceID, err)
	}
	return stored, created, nil
}

func (s *sqlStore) Booking(ctx context.Context, invoiceID int64) (records.Booking, error) {
	b, err := scanBooking(s.db.QueryRowContext(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE invoice_id = $1`, invoiceID))
	if err != nil {
		return records.Booking{}, fmt.Errorf("booking of invoice %d: %w", invoiceID, err)
	}
	return b, nil
}

func (s *sqlStore) MarkBookingPublished(ctx context.Context, invoiceID int64, at time.Time) error {
	if err := s.markBooking(ctx, "published_at", invoiceID, at); err != nil {
		return fmt.Errorf("mark booking of invoice %d published: %w", invoiceID, err)
	}
	return nil
}

func (s *sqlStore) MarkBookingExported(ctx context.Context, invoiceID int64, at time.Time) error {
	if err := s.markBooking(ctx, "exported_at", invoiceID, at); err != nil {
		return fmt.Errorf("mark booking of invoice %d exported: %w", invoiceID, err)
	}
	return nil
}

// markBooking sets a time column once; column is one of two constants.
func (s *sqlStore) markBooking(ctx context.Context, column string, invoiceID int64, at time.Time) error {
	if at.IsZero() {
		at = s.clock()
	}
	// COALESCE keeps the first time; the row still counts as matched, so
	// a missing booking is told from a repeat.
	return s.update(ctx, `UPDATE bookings SET `+column+` = COALESCE(`+column+`, $1) WHERE invoice_id = $2`,
		s.d.timeArg(at), invoiceID)
}

func (s *sqlStore) Bookings(ctx context.Context, f BookingFilter) ([]records.Booking, error) {
	var w where
	if f.Unit != "" {
		w.add("unit = $?", f.Unit)
	}
	if f.NotExported {
		w.add("exported_at IS NULL")
	}
	limit, offset := page(f.Limit, f.Offset)
	q := `SELECT ` + bookingColumns + ` FROM bookings` + w.clause() + ` ORDER BY created_at, invoice_id` + w.page(limit, offset)
	out, err := queryAll(ctx, s.db, scanBooking, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("bookings: %w", err)
	}
	return out, nil
}
