package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// ---- files --------------------------------------------------------------------

const fileColumns = `id, number, plan_code, seq, year, title, unit, status, retention_years,
	created_at, created_by, closed_at, closed_by`

func scanFile(r rowScanner) (records.File, error) {
	var f records.File
	err := r.Scan(&f.ID, &f.Number, &f.PlanCode, &f.Seq, &f.Year, &f.Title, &f.Unit, &f.Status, &f.RetentionYears,
		timeDest{&f.CreatedAt}, &f.CreatedBy, nullTimeDest{&f.ClosedAt}, &f.ClosedBy)
	if err != nil {
		return records.File{}, errNoRows(err)
	}
	return f, nil
}

func (s *sqlStore) fileByKey(ctx context.Context, key string) (records.File, error) {
	return scanFile(s.db.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE key = $1`, key))
}

func (s *sqlStore) CreateFile(ctx context.Context, nf records.NewFile, f records.FileNumberFormat) (records.File, bool, error) {
	nf.Title = strings.TrimSpace(nf.Title)
	if nf.Title == "" {
		return records.File{}, false, fmt.Errorf("create file under %s: %w: title is empty", nf.PlanCode, ErrInvalid)
	}
	if f.Layout == "" {
		return records.File{}, false, fmt.Errorf("create file under %s: %w: no file number format", nf.PlanCode, ErrInvalid)
	}
	// A retried call is answered from a plain read, off the write path.
	if nf.Key != "" {
		if existing, err := s.fileByKey(ctx, nf.Key); err == nil {
			return existing, false, nil
		} else if !errors.Is(err, ErrNotFound) {
			return records.File{}, false, fmt.Errorf("create file under %s: %w", nf.PlanCode, err)
		}
	}
	if nf.CreatedAt.IsZero() {
		nf.CreatedAt = s.clock()
	}
	// The year of a file, like that of the register, is the German one.
	year := nf.CreatedAt.In(records.RegisterLocation).Year()
	var key any // NULL: no idempotency asked for
	if nf.Key != "" {
		key = nf.Key
	}

	var file records.File
	err := s.write(ctx, func(tx *sql.Tx) error {
		plan, err := planChain(ctx, tx, nf.PlanCode)
		if err != nil {
			return err
		}
		node, _ := plan.Effective(nf.PlanCode)
		unit := nf.Unit
		if unit == "" {
			unit = node.Unit
		}
		// As for register numbers: the counter row is bumped first; on
		// PostgreSQL its row lock queues every other opening under the same
		// code and year behind this transaction, and a rollback takes the
		// bump back with it.
		var seq int64
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO file_counters (plan_code, year, last_seq) VALUES ($1, $2, 1)
			ON CONFLICT (plan_code, year) DO UPDATE SET last_seq = file_counters.last_seq + 1
			RETURNING last_seq`, nf.PlanCode, year).Scan(&seq); err != nil {
			return fmt.Errorf("advance counter: %w", err)
		}
		number := f.Format(nf.PlanCode, seq, year)
		var id int64
		err = tx.QueryRowContext(ctx, `
			INSERT INTO files (number, plan_code, seq, year, title, unit, status, retention_years, created_at, created_by, closed_by, key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', $11)
			ON CONFLICT (key) DO NOTHING
			RETURNING id`,
			number, nf.PlanCode, seq, year, nf.Title, unit, string(records.FileOpen), node.RetentionYears,
			s.d.timeArg(nf.CreatedAt), nf.CreatedBy, key).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return errDuplicate
		}
		if err != nil {
			return fmt.Errorf("insert file %s: %w", number, err)
		}
		file, err = scanFile(tx.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE id = $1`, id))
		return err
	})
	switch {
	case errors.Is(err, errDuplicate):
		existing, err := s.fileByKey(ctx, nf.Key)
		if err != nil {
			return records.File{}, false, fmt.Errorf("create file under %s: read existing: %w", nf.PlanCode, err)
		}
		return existing, false, nil
	case err != nil:
		return records.File{}, false, fmt.Errorf("create file under %s: %w", nf.PlanCode, err)
	}
	return file, true, nil
}

func (s *sqlStore) File(ctx context.Context, id int64) (records.File, error) {
	f, err := scanFile(s.db.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE id = $1`, id))
	if err != nil {
		return records.File{}, fmt.Errorf("file %d: %w", id, err)
	}
	return f, nil
}

func (s *sqlStore) FileByNumber(ctx context.Context, number string) (records.File, error) {
	f, err := scanFile(s.db.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE number = $1`, number))
	if err != nil {
		return records.File{}, fmt.Errorf("file %s: %w", number, err)
	}
	return f, nil
}

func (ff FileFilter) where() (*where, error) {
	var w where
	if ff.PlanCode != "" {
		if err := records.ValidatePlanCode(ff.PlanCode); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		// Codes are digits and dots, so LIKE needs no escaping.
		w.add("(plan_code = $? OR plan_code LIKE $?)", ff.PlanCode, ff.PlanCode+".%")
	}
	if ff.Unit != "" {
		w.add("unit = $?", ff.Unit)
	}
	if len(ff.Units) > 0 {
		w.in("unit", ff.Units)
	}
	if ff.Status != "" {
		w.add("status = $?", string(ff.Status))
	}
	return &w, nil
}

func (s *sqlStore) CountFiles(ctx context.Context, ff FileFilter) (int, error) {
	w, err := ff.where()
	if err != nil {
		return 0, fmt.Errorf("count files: %w", err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM files`+w.clause(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count files: %w", err)
	}
	return n, nil
}

func (s *sqlStore) Files(ctx context.Context, ff FileFilter) ([]records.File, error) {
	w, err := ff.where()
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	limit, offset := page(ff.Limit, ff.Offset)
	q := `SELECT ` + fileColumns + ` FROM files` + w.clause() + ` ORDER BY number, id` + w.page(limit, offset)
	out, err := queryAll(ctx, s.db, scanFile, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list files: %w", err)
	}
	return out, nil
}

// where collects conditions whose placeholders are written "$?" and
// numbered in order of appearance.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "$?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

// in adds "col IN (…)" for a non-empty list.
func (w *where) in(col string, vals []string) {
	ph := make([]string, len(vals))
	args := make([]any, len(vals))
	for i, v := range vals {
		ph[i] = "$?"
		args[i] = v
	}
	w.add(col+" IN ("+strings.Join(ph, ", ")+")", args...)
}

func (w *where) clause() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// and is clause() for a query that already has a WHERE.
func (w *where) and() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " AND " + strings.Join(w.conds, " AND ")
}

// page appends LIMIT and OFFSET as arguments.
func (w *where) page(limit, offset int) string {
	w.args = append(w.args, limit, offset)
	n := len(w.args)
	return " LIMIT $" + strconv.Itoa(n-1) + " OFFSET $" + strconv.Itoa(n)
}

// lockFile reads a file's status inside a write transaction, locking its
// row on PostgreSQL so that a concurrent close waits for this change (and
// the other way round). A closed file is records.ErrFileClosed.
func (s *sqlStore) lockOpenFile(ctx context.Context, tx *sql.Tx, id int64) (number string, err error) {
	var status string
	err = tx.QueryRowContext(ctx, `SELECT number, status FROM files WHERE id = $1`+s.d.forUpdate, id).Scan(&number, &status)
	if err != nil {
		return "", fmt.Errorf("file %d: %w", id, errNoRows(err))
	}
	if records.FileStatus(status) == records.FileClosed {
		return number, fmt.Errorf("file %s: %w", number, records.ErrFileClosed)
	}
	return number, nil
}

func (s *sqlStore) CloseFile(ctx context.Context, number string, at time.Time, by string) (records.File, error) {
	if at.IsZero() {
		at = s.clock()
	}
	var f records.File
	err := s.write(ctx, func(tx *sql.Tx) error {
		var id int64
		var status string
		err := tx.QueryRowContext(ctx, `SELECT id, status FROM files WHERE number = $1`+s.d.forUpdate, number).Scan(&id, &status)
		if err != nil {
			return errNoRows(err)
		}
		if records.FileStatus(status) == records.FileClosed {
			return records.ErrFileClosed
		}
		if _, err := tx.ExecContext(ctx, `UPDATE files SET status = $1, closed_at = $2, closed_by = $3 WHERE id = $4`,
			string(records.FileClosed), s.d.timeArg(at), by, id); err != nil {
			return err
		}
		f, err = scanFile(tx.QueryRowContext(ctx, `SELECT `+fileColumns+` FROM files WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return records.File{}, fmt.Errorf("close file %s: %w", number, err)
	}
	return f, nil
}

// ---- processes ------------------------------------------------------------------

const processColumns = `id, file_id, seq, title, created_at, created_by`

func scanProcess(r rowScanner) (records.Process, error) {
	var p records.Process
	err := r.Scan(&p.ID, &p.FileID, &p.Seq, &p.Title, timeDest{&p.CreatedAt}, &p.CreatedBy)
	if err != nil {
		return records.Process{}, errNoRows(err)
	}
	return p, nil
}

func (s *sqlStore) CreateProcess(ctx context.Context, fileID int64, title, by string, at time.Time) (records.Process, error) {
	title = strings.TrimSpace(title)
	if title == "" {
		return records.Process{}, fmt.Errorf("create process in file %d: %w: title is empty", fileID, ErrInvalid)
	}
	if at.IsZero() {
		at = s.clock()
	}
	var p records.Process
	err := s.write(ctx, func(tx *sql.Tx) error {
		// The file row lock also serialises the numbering of its processes.
		if _, err := s.lockOpenFile(ctx, tx, fileID); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRowContext(ctx, `
			INSERT INTO processes (file_id, seq, title, created_at, created_by)
			VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM processes WHERE file_id = $1), $2, $3, $4)
			RETURNING id`, fileID, title, s.d.timeArg(at), by).Scan(&id)
		if err != nil {
			return err
		}
		p, err = scanProcess(tx.QueryRowContext(ctx, `SELECT `+processColumns+` FROM processes WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return records.Process{}, fmt.Errorf("create process in file %d: %w", fileID, err)
	}
	return p, nil
}

func (s *sqlStore) Processes(ctx context.Context, fileID int64) ([]records.Process, error) {
	out, err := queryAll(ctx, s.db, scanProcess, `SELECT `+processColumns+` FROM processes WHERE file_id = $1 ORDER BY seq`, fileID)
	if err != nil {
		return nil, fmt.Errorf("processes of file %d: %w", fileID, err)
	}
	return out, nil
}

// ---- filings --------------------------------------------------------------------

const filingSelect = `SELECT g.id, g.document_sha256, g.file_id, f.number, g.process_id, g.title, g.version,
	g.supersedes, g.filed_at, g.filed_by, g.reason FROM filings g JOIN files f ON f.id = g.file_id`

func scanFiling(r rowScanner) (records.Filing, error) {
	var g records.Filing
	var process sql.NullInt64
	err := r.Scan(&g.ID, &g.DocumentSHA256, &g.FileID, &g.FileNumber, &process, &g.Title, &g.Version,
		&g.Supersedes, timeDest{&g.FiledAt}, &g.FiledBy, &g.Reason)
	if err != nil {
		return records.Filing{}, errNoRows(err)
	}
	g.ProcessID = process.Int64
	return g, nil
}

func (s *sqlStore) filing(ctx context.Context, q querier, documentSHA256 string, fileID int64) (records.Filing, error) {
	return scanFiling(q.QueryRowContext(ctx, filingSelect+` WHERE g.document_sha256 = $1 AND g.file_id = $2`, documentSHA256, fileID))
}

func (s *sqlStore) FileDocument(ctx context.Context, fl records.Filing) (records.Filing, bool, error) {
	if err := validateSHA256(fl.DocumentSHA256); err != nil {
		return records.Filing{}, false, fmt.Errorf("file document %s: %w", fl.DocumentSHA256, err)
	}
	if fl.Supersedes != "" {
		if err := validateSHA256(fl.Supersedes); err != nil || fl.Supersedes == fl.DocumentSHA256 {
			return records.Filing{}, false, fmt.Errorf("file document %s: %w: supersedes must be the sha256 of another document", fl.DocumentSHA256, ErrInvalid)
		}
	}
	// A retry finds the stored filing, even once the file has been closed.
	if existing, err := s.filing(ctx, s.db, fl.DocumentSHA256, fl.FileID); err == nil {
		return existing, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return records.Filing{}, false, fmt.Errorf("file document %s: %w", fl.DocumentSHA256, err)
	}
	if fl.FiledAt.IsZero() {
		fl.FiledAt = s.clock()
	}
	var stored records.Filing
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockOpenFile(ctx, tx, fl.FileID); err != nil {
			return err
		}
		var process any
		if fl.ProcessID != 0 {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM processes WHERE id = $1 AND file_id = $2`, fl.ProcessID, fl.FileID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: process %d is not in file %d", ErrInvalid, fl.ProcessID, fl.FileID)
			}
			if err != nil {
				return err
			}
			process = fl.ProcessID
		}
		version := 1
		if fl.Supersedes != "" {
			prev, err := s.filing(ctx, tx, fl.Supersedes, fl.FileID)
			if errors.Is(err, ErrNotFound) {
				return fmt.Errorf("%w: superseded document %s is not filed in file %d", ErrInvalid, fl.Supersedes, fl.FileID)
			}
			if err != nil {
				return err
			}
			version = prev.Version + 1
		}
		var id int64
		err := tx.QueryRowContext(ctx, `
			INSERT INTO filings (document_sha256, file_id, process_id, title, version, supersedes, filed_at, filed_by, reason)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (document_sha256, file_id) DO NOTHING
			RETURNING id`,
			fl.DocumentSHA256, fl.FileID, process, fl.Title, version, fl.Supersedes, s.d.timeArg(fl.FiledAt), fl.FiledBy, fl.Reason).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return errDuplicate
		}
		if err != nil {
			return err
		}
		stored, err = scanFiling(tx.QueryRowContext(ctx, filingSelect+` WHERE g.id = $1`, id))
		return err
	})
	switch {
	case errors.Is(err, errDuplicate):
		existing, err := s.filing(ctx, s.db, fl.DocumentSHA256, fl.FileID)
		if err != nil {
			return records.Filing{}, false, fmt.Errorf("file document %s: read existing: %w", fl.DocumentSHA256, err)
		}
		return existing, false, nil
	case err != nil:
		return records.Filing{}, false, fmt.Errorf("file document %s in file %d: %w", fl.DocumentSHA256, fl.FileID, err)
	}
	return stored, true, nil
}

func (s *sqlStore) Filings(ctx context.Context, fileID int64) ([]records.Filing, error) {
	out, err := s.filings(ctx, filingSelect+` WHERE g.file_id = $1 ORDER BY g.filed_at, g.id`, fileID)
	if err != nil {
		return nil, fmt.Errorf("filings of file %d: %w", fileID, err)
	}
	return out, nil
}

func (s *sqlStore) FilingsOf(ctx context.Context, documentSHA256 string) ([]records.Filing, error) {
	out, err := s.filings(ctx, filingSelect+` WHERE g.document_sha256 = $1 ORDER BY g.filed_at, g.id`, documentSHA256)
	if err != nil {
		return nil, fmt.Errorf("filings of document %s: %w", documentSHA256, err)
	}
	return out, nil
}

func (s *sqlStore) filings(ctx context.Context, q string, args ...any) ([]records.Filing, error) {
	return queryAll(ctx, s.db, scanFiling, q, args...)
}
