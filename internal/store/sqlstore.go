package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// dialect is what differs between the backends. Everything else — the
// queries included — is shared: both speak $n placeholders, ON CONFLICT and
// RETURNING, so one implementation serves both and cannot drift.
type dialect struct {
	name string
	// migrationDir is the directory in the embedded migrations.
	migrationDir string
	// migrationLock runs first in the migration transaction so that two
	// processes opening a fresh database do not both apply a migration.
	migrationLock string
	// timeArg turns a time into the value the driver stores.
	timeArg func(time.Time) any
	// forUpdate ends a SELECT that reads a row the transaction then
	// changes or depends on: " FOR UPDATE" on PostgreSQL; SQLite's
	// transactions hold the write lock from BEGIN and need nothing.
	forUpdate string
	// planLock runs first in a file plan import so that two imports (and
	// a file opened meanwhile) do not interleave.
	planLock string
}

// sqlStore implements Store over database/sql for either dialect.
type sqlStore struct {
	db *sql.DB
	d  dialect
	// writeSem, when not nil, admits one write transaction at a time. SQLite
	// has a single writer anyway; queuing in-process is fairer and faster
	// than letting connections poll the file lock through busy_timeout,
	// which stays as the guard against other processes.
	writeSem chan struct{}
	now      func() time.Time
	// rankWindow and totalCap replace SearchRankWindow and MaxSearchTotal
	// when set (tests use small ones).
	rankWindow, totalCap int
	// appends is the group commit of audit events.
	appends appendQueue
}

var _ Store = (*sqlStore)(nil)

// dbTime is the precision both backends keep: PostgreSQL timestamptz stores
// microseconds, so SQLite is held to the same to keep them comparable.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func (s *sqlStore) clock() time.Time { return dbTime(s.now()) }

// write runs fn in a transaction and commits it unless fn fails.
func (s *sqlStore) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.writeSem != nil {
		select {
		case s.writeSem <- struct{}{}:
			defer func() { <-s.writeSem }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// ---- register entries ------------------------------------------------------

const entryColumns = `id, year, seq, sha256, size, media_type, original_name, source,
	received_at, registered_at, scan_protocol, workflow_id, kind, kind_detail, status, updated_at`

// errDuplicate ends a registration transaction that lost the race for its
// SHA-256; the transaction is rolled back, so the counter bump goes with it.
var errDuplicate = errors.New("duplicate sha256")

func (s *sqlStore) Register(ctx context.Context, e records.NewEntry) (records.RegisterEntry, bool, error) {
	if err := validateNewEntry(e); err != nil {
		return records.RegisterEntry{}, false, fmt.Errorf("register %s: %w", e.SHA256, err)
	}
	// Most repeats are activity retries long after the first call committed;
	// answering them from a plain read keeps them off the write path.
	if existing, err := s.EntryBySHA256(ctx, e.SHA256); err == nil {
		return existing, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return records.RegisterEntry{}, false, fmt.Errorf("register %s: %w", e.SHA256, err)
	}

	var proto any // NULL unless a protocol was given
	if !e.ScanProtocol.IsZero() {
		b, err := json.Marshal(e.ScanProtocol)
		if err != nil {
			return records.RegisterEntry{}, false, fmt.Errorf("register %s: scan protocol: %w", e.SHA256, err)
		}
		proto = string(b)
	}
	year := records.RegisterYear(e.ReceivedAt)
	now := s.clock()

	var entry records.RegisterEntry
	err := s.write(ctx, func(tx *sql.Tx) error {
		// The counter row is bumped first: on PostgreSQL its row lock queues
		// every other registration of the year behind this transaction, and
		// a rollback below takes the bump back with it.
		var seq int64
		err := tx.QueryRowContext(ctx, `
			INSERT INTO register_counters (year, last_seq) VALUES ($1, 1)
			ON CONFLICT (year) DO UPDATE SET last_seq = register_counters.last_seq + 1
			RETURNING last_seq`, year).Scan(&seq)
		if err != nil {
			return fmt.Errorf("advance counter %d: %w", year, err)
		}
		// ON CONFLICT DO NOTHING rather than a failed insert: on PostgreSQL
		// it waits for a concurrent transaction holding the same SHA-256 and
		// then yields no row instead of aborting with an error.
		var id int64
		err = tx.QueryRowContext(ctx, `
			INSERT INTO register_entries (year, seq, sha256, size, media_type, original_name, source,
				received_at, registered_at, scan_protocol, workflow_id, kind, kind_detail, status, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
			ON CONFLICT (sha256) DO NOTHING
			RETURNING id`,
			year, seq, e.SHA256, e.Size, e.MediaType, e.OriginalName, string(e.Source),
			s.d.timeArg(e.ReceivedAt), s.d.timeArg(now), proto, e.WorkflowID,
			string(records.KindUnknown), "", string(records.StatusRegistered), s.d.timeArg(now),
		).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return errDuplicate
		}
		if err != nil {
			return fmt.Errorf("insert entry: %w", err)
		}
		// Read back inside the transaction so the caller gets exactly what
		// every later read will return (precision, time zone, JSON).
		entry, err = scanEntry(tx.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM register_entries WHERE id = $1`, id))
		return err
	})
	switch {
	case errors.Is(err, errDuplicate):
		existing, err := s.EntryBySHA256(ctx, e.SHA256)
		if err != nil {
			return records.RegisterEntry{}, false, fmt.Errorf("register %s: read existing: %w", e.SHA256, err)
		}
		return existing, false, nil
	case err != nil:
		return records.RegisterEntry{}, false, fmt.Errorf("register %s: %w", e.SHA256, err)
	}
	return entry, true, nil
}

func validateNewEntry(e records.NewEntry) error {
	if err := validateSHA256(e.SHA256); err != nil {
		return err
	}
	if _, err := records.ParseSource(string(e.Source)); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if e.ReceivedAt.IsZero() {
		return fmt.Errorf("%w: received_at is zero", ErrInvalid)
	}
	if e.Size < 0 {
		return fmt.Errorf("%w: negative size", ErrInvalid)
	}
	return nil
}

// validateSHA256 accepts the lower-case hex form the blob store addresses by,
// so that one document cannot be registered twice under two spellings.
func validateSHA256(h string) error {
	if len(h) != 64 {
		return fmt.Errorf("%w: sha256 must be 64 lower-case hex digits", ErrInvalid)
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return fmt.Errorf("%w: sha256 must be 64 lower-case hex digits", ErrInvalid)
		}
	}
	return nil
}

func (s *sqlStore) EntryBySHA256(ctx context.Context, sha256 string) (records.RegisterEntry, error) {
	e, err := scanEntry(s.db.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM register_entries WHERE sha256 = $1`, sha256))
	if err != nil {
		return records.RegisterEntry{}, fmt.Errorf("entry %s: %w", sha256, err)
	}
	return e, nil
}

func (s *sqlStore) EntryByNumber(ctx context.Context, n records.RegisterNumber) (records.RegisterEntry, error) {
	e, err := scanEntry(s.db.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM register_entries WHERE year = $1 AND seq = $2`, n.Year, n.Seq))
	if err != nil {
		return records.RegisterEntry{}, fmt.Errorf("entry %s: %w", n, err)
	}
	return e, nil
}

func (s *sqlStore) Entry(ctx context.Context, id int64) (records.RegisterEntry, error) {
	e, err := scanEntry(s.db.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM register_entries WHERE id = $1`, id))
	if err != nil {
		return records.RegisterEntry{}, fmt.Errorf("entry id %d: %w", id, err)
	}
	return e, nil
}

// where builds the WHERE clause of an entry filter with $n placeholders.
func (f EntryFilter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, cond+" = $"+strconv.Itoa(len(args)))
	}
	if f.Year != 0 {
		add("year", f.Year)
	}
	if f.Source != "" {
		add("source", string(f.Source))
	}
	if f.Status != "" {
		add("status", string(f.Status))
	}
	if f.Kind != records.KindUnknown {
		add("kind", string(f.Kind))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func page(limit, offset int) (int, int) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	return limit, max(offset, 0)
}

func (s *sqlStore) Entries(ctx context.Context, f EntryFilter) ([]records.RegisterEntry, error) {
	where, args := f.where()
	limit, offset := page(f.Limit, f.Offset)
	n := len(args)
	q := `SELECT ` + entryColumns + ` FROM register_entries` + where +
		` ORDER BY received_at DESC, id DESC LIMIT $` + strconv.Itoa(n+1) + ` OFFSET $` + strconv.Itoa(n+2)
	out, err := queryAll(ctx, s.db, scanEntry, q, append(args, limit, offset)...) // empty, not nil: lists are encoded as [] in the API
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	return out, nil
}

func (s *sqlStore) CountEntries(ctx context.Context, f EntryFilter) (int, error) {
	where, args := f.where()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM register_entries`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count entries: %w", err)
	}
	return n, nil
}

func (s *sqlStore) SetKind(ctx context.Context, sha256 string, kind records.Kind, detail string) error {
	if kind == records.KindUnknown {
		return fmt.Errorf("set kind of %s: %w: kind is empty", sha256, ErrInvalid)
	}
	err := s.update(ctx, `UPDATE register_entries SET kind = $1, kind_detail = $2, status = $3, updated_at = $4 WHERE sha256 = $5`,
		string(kind), detail, string(records.StatusClassified), s.d.timeArg(s.clock()), sha256)
	if err != nil {
		return fmt.Errorf("set kind of %s: %w", sha256, err)
	}
	return nil
}

func (s *sqlStore) SetStatus(ctx context.Context, sha256 string, status records.Status) error {
	// Any non-empty status is accepted: the set of statuses belongs to
	// records and grows there without a schema change here.
	if status == "" {
		return fmt.Errorf("set status of %s: %w: status is empty", sha256, ErrInvalid)
	}
	err := s.update(ctx, `UPDATE register_entries SET status = $1, updated_at = $2 WHERE sha256 = $3`,
		string(status), s.d.timeArg(s.clock()), sha256)
	if err != nil {
		return fmt.Errorf("set status of %s: %w", sha256, err)
	}
	return nil
}

// update runs a statement that must touch exactly one existing row.
func (s *sqlStore) SetScanProtocol(ctx context.Context, sha256 string, p *records.ScanProtocol) error {
	var proto any
	if !p.IsZero() {
		b, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("set scan protocol of %s: %w", sha256, err)
		}
		proto = string(b)
	}
	err := s.update(ctx, `UPDATE register_entries SET scan_protocol = $1, updated_at = $2 WHERE sha256 = $3`,
		proto, s.d.timeArg(s.clock()), sha256)
	if err != nil {
		return fmt.Errorf("set scan protocol of %s: %w", sha256, err)
	}
	return nil
}

const renditionColumns = `document_sha256, kind, blob_sha256, size, media_type, created_at`

func scanRendition(r rowScanner) (records.Rendition, error) {
	var out records.Rendition
	err := r.Scan(&out.DocumentSHA256, &out.Kind, &out.BlobSHA256, &out.Size, &out.MediaType, timeDest{&out.CreatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return records.Rendition{}, ErrNotFound
	}
	return out, err
}

func (s *sqlStore) AddRendition(ctx context.Context, r records.Rendition) (records.Rendition, bool, error) {
	if validateSHA256(r.DocumentSHA256) != nil || validateSHA256(r.BlobSHA256) != nil || r.Kind == "" || r.MediaType == "" {
		return records.Rendition{}, false, fmt.Errorf("add rendition: %w: document and blob need sha256 digests, kind and media type must be set", ErrInvalid)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.clock()
	}
	var stored records.Rendition
	var created bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		// Checked here rather than read from the driver's foreign-key error,
		// whose form differs between the backends.
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM register_entries WHERE sha256 = $1`, r.DocumentSHA256).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO renditions (`+renditionColumns+`) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (document_sha256, kind) DO NOTHING`,
			r.DocumentSHA256, string(r.Kind), r.BlobSHA256, r.Size, r.MediaType, s.d.timeArg(r.CreatedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n == 1
		stored, err = scanRendition(tx.QueryRowContext(ctx,
			`SELECT `+renditionColumns+` FROM renditions WHERE document_sha256 = $1 AND kind = $2`, r.DocumentSHA256, string(r.Kind)))
		return err
	})
	if err != nil {
		return records.Rendition{}, false, fmt.Errorf("add %s rendition of %s: %w", r.Kind, r.DocumentSHA256, err)
	}
	return stored, created, nil
}

func (s *sqlStore) Renditions(ctx context.Context, documentSHA256 string) ([]records.Rendition, error) {
	out, err := queryAll(ctx, s.db, scanRendition, `SELECT `+renditionColumns+` FROM renditions WHERE document_sha256 = $1 ORDER BY kind`, documentSHA256)
	if err != nil {
		return nil, fmt.Errorf("renditions of %s: %w", documentSHA256, err)
	}
	return out, nil
}

func (s *sqlStore) update(ctx context.Context, query string, args ...any) error {
	return s.write(ctx, func(tx *sql.Tx) error { return execOne(ctx, tx, query, args...) })
}

// execOne runs a statement in tx that must touch a row: ErrNotFound when
// it touched none.
func execOne(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

type rowScanner interface{ Scan(dest ...any) error }

// queryAll runs a query and scans every row; an empty result is an empty
// slice, not nil, as lists are encoded as [] in the API.
func queryAll[T any](ctx context.Context, db *sql.DB, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanEntry(r rowScanner) (records.RegisterEntry, error) {
	var e records.RegisterEntry
	var proto []byte
	err := r.Scan(&e.ID, &e.Number.Year, &e.Number.Seq, &e.SHA256, &e.Size, &e.MediaType, &e.OriginalName, &e.Source,
		timeDest{&e.ReceivedAt}, timeDest{&e.RegisteredAt}, &proto, &e.WorkflowID, &e.Kind, &e.KindDetail, &e.Status,
		timeDest{&e.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return records.RegisterEntry{}, ErrNotFound
	}
	if err != nil {
		return records.RegisterEntry{}, err
	}
	if len(proto) > 0 {
		e.ScanProtocol = new(records.ScanProtocol)
		if err := json.Unmarshal(proto, e.ScanProtocol); err != nil {
			return records.RegisterEntry{}, fmt.Errorf("scan protocol of %s: %w", e.SHA256, err)
		}
	}
	return e, nil
}

// ---- quarantine -----------------------------------------------------------

const quarantineColumns = `id, reason, message, subject, payload, sha256, created_at, retried_at, retry_count`

func (s *sqlStore) AddQuarantine(ctx context.Context, q QuarantineItem) (QuarantineItem, error) {
	if q.Reason == "" {
		return QuarantineItem{}, fmt.Errorf("add quarantine: %w: reason is empty", ErrInvalid)
	}
	if q.CreatedAt.IsZero() {
		q.CreatedAt = s.clock()
	}
	var retried any
	if q.RetriedAt != nil {
		retried = s.d.timeArg(*q.RetriedAt)
	}
	payload := q.Payload
	if payload == nil {
		payload = []byte{} // NOT NULL: an empty envelope is a reason of its own ("empty")
	}
	var item QuarantineItem
	err := s.write(ctx, func(tx *sql.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `
			INSERT INTO quarantine (reason, message, subject, payload, sha256, created_at, retried_at, retry_count)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			RETURNING id`,
			q.Reason, q.Message, q.Subject, payload, q.SHA256, s.d.timeArg(q.CreatedAt), retried, q.RetryCount,
		).Scan(&id)
		if err != nil {
			return err
		}
		item, err = scanQuarantine(tx.QueryRowContext(ctx, `SELECT `+quarantineColumns+` FROM quarantine WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return QuarantineItem{}, fmt.Errorf("add quarantine %s: %w", q.Reason, err)
	}
	return item, nil
}

func (f QuarantineFilter) where() (string, []any) {
	var conds []string
	var args []any
	if !f.All {
		conds = append(conds, "retried_at IS NULL")
	}
	if f.Reason != "" {
		args = append(args, f.Reason)
		conds = append(conds, "reason = $"+strconv.Itoa(len(args)))
	}
	if f.SHA256 != "" {
		args = append(args, f.SHA256)
		conds = append(conds, "sha256 = $"+strconv.Itoa(len(args)))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func (s *sqlStore) CountQuarantined(ctx context.Context, f QuarantineFilter) (int, error) {
	where, args := f.where()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM quarantine`+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count quarantine: %w", err)
	}
	return n, nil
}

func (s *sqlStore) Quarantined(ctx context.Context, f QuarantineFilter) ([]QuarantineItem, error) {
	where, args := f.where()
	limit, offset := page(f.Limit, f.Offset)
	n := len(args)
	q := `SELECT ` + quarantineColumns + ` FROM quarantine` + where +
		` ORDER BY created_at DESC, id DESC LIMIT $` + strconv.Itoa(n+1) + ` OFFSET $` + strconv.Itoa(n+2)
	out, err := queryAll(ctx, s.db, scanQuarantine, q, append(args, limit, offset)...) // empty, not nil: lists are encoded as [] in the API
	if err != nil {
		return nil, fmt.Errorf("list quarantine: %w", err)
	}
	return out, nil
}

func (s *sqlStore) QuarantineItem(ctx context.Context, id int64) (QuarantineItem, error) {
	item, err := scanQuarantine(s.db.QueryRowContext(ctx, `SELECT `+quarantineColumns+` FROM quarantine WHERE id = $1`, id))
	if err != nil {
		return QuarantineItem{}, fmt.Errorf("quarantine item %d: %w", id, err)
	}
	return item, nil
}

func (s *sqlStore) MarkQuarantineRetried(ctx context.Context, id int64, at time.Time) error {
	if at.IsZero() {
		at = s.clock()
	}
	err := s.update(ctx, `UPDATE quarantine SET retried_at = $1, retry_count = retry_count + 1 WHERE id = $2`,
		s.d.timeArg(at), id)
	if err != nil {
		return fmt.Errorf("mark quarantine item %d retried: %w", id, err)
	}
	return nil
}

func scanQuarantine(r rowScanner) (QuarantineItem, error) {
	var q QuarantineItem
	err := r.Scan(&q.ID, &q.Reason, &q.Message, &q.Subject, &q.Payload, &q.SHA256,
		timeDest{&q.CreatedAt}, nullTimeDest{&q.RetriedAt}, &q.RetryCount)
	if errors.Is(err, sql.ErrNoRows) {
		return QuarantineItem{}, ErrNotFound
	}
	if err != nil {
		return QuarantineItem{}, err
	}
	if len(q.Payload) == 0 {
		q.Payload = nil // the drivers disagree on empty blobs; settle on nil
	}
	return q, nil
}

// ---- housekeeping -----------------------------------------------------------

func (s *sqlStore) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.d.name, err)
	}
	// A ping only proves a connection; a query proves the database answers.
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("ping %s: %w", s.d.name, err)
	}
	return nil
}

func (s *sqlStore) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", s.d.name, err)
	}
	return nil
}

// ---- time columns -----------------------------------------------------------

// sqliteTimeLayout is fixed-width so that text order is time order.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// timeDest scans a timestamp from either backend: time.Time from PostgreSQL,
// text from SQLite. The result is always UTC.
type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	t, err := parseDBTime(src)
	if err != nil {
		return err
	}
	if t == nil {
		return errors.New("unexpected NULL time")
	}
	*d.t = *t
	return nil
}

// nullTimeDest is timeDest for a nullable column.
type nullTimeDest struct{ t **time.Time }

func (d nullTimeDest) Scan(src any) error {
	t, err := parseDBTime(src)
	if err != nil {
		return err
	}
	*d.t = t
	return nil
}

func parseDBTime(src any) (*time.Time, error) {
	var t time.Time
	switch v := src.(type) {
	case nil:
		return nil, nil
	case time.Time:
		t = v
	case string:
		p, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, fmt.Errorf("parse time %q: %w", v, err)
		}
		t = p
	case []byte:
		p, err := time.Parse(time.RFC3339Nano, string(v))
		if err != nil {
			return nil, fmt.Errorf("parse time %q: %w", v, err)
		}
		t = p
	default:
		return nil, fmt.Errorf("unexpected time column type %T", src)
	}
	t = t.UTC()
	return &t, nil
}
