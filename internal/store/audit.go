package store

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/audit"
)

// AuditTrail is the hash-chained audit trail (see internal/audit for the
// chain). Appends are serialised on the chain's head row, so concurrent
// writers — goroutines or processes — build one chain; within a process
// concurrent appends are committed together in one transaction (group
// commit), which is what makes thousands of appends per second possible
// with a synced commit each.
type AuditTrail interface {
	// AppendEvent adds an event at the end of the chain. Idempotent on Key:
	// a second append with the same Key is a no-op returning
	// appended=false (activities are retried). Key and Action must be
	// non-empty; Time defaults to now; Details and Personal, when set,
	// must be JSON and are stored in canonical form (audit.Canonical).
	AppendEvent(ctx context.Context, ev AuditEvent) (appended bool, err error)
	// AppendEvents appends evs in this order in one transaction; what
	// AppendEvent does for one. Used for bulk loads.
	AppendEvents(ctx context.Context, evs []AuditEvent) (appended []bool, err error)
	// Events returns the events of one object in chain order, with their
	// personal data unless erased.
	Events(ctx context.Context, objectType, objectID string) ([]AuditEvent, error)
	// ScanEvents calls fn for every event with Seq > after, in chain order,
	// reading in pages so that a chain of millions is never in memory.
	// fn returning an error stops the scan with that error.
	ScanEvents(ctx context.Context, after int64, fn func(AuditEvent) error) error
	// AuditHead is the end of the chain as the head row records it.
	AuditHead(ctx context.Context) (audit.Head, error)
	// AddCheckpoint stores a signed checkpoint; storing it again is a no-op.
	AddCheckpoint(ctx context.Context, c audit.Checkpoint) error
	// Checkpoints lists the stored checkpoints by Seq.
	Checkpoints(ctx context.Context) ([]audit.Checkpoint, error)
	// ErasePersonal deletes the personal data of every event of one object
	// and appends an event "audit.personal-erased" naming the object, the
	// number of events and the reason. The chain stays verifiable.
	ErasePersonal(ctx context.Context, objectType, objectID, actor, reason string) (erased int, err error)
}

// auditBatchMax bounds one group commit.
const auditBatchMax = 512

// appendReq is one caller's event waiting for a group commit.
type appendReq struct {
	ev       audit.Event
	appended bool
	err      error
	done     chan struct{}
	lead     chan struct{} // the writing is handed to this request
	promoted bool          // lead was sent (guarded by appendQueue.mu)
}

// appendQueue collects concurrent appends. The first caller to find the
// queue idle becomes the writer: it commits what has queued up
// (commitQueued) until its own event is in, then hands the writing on to
// the oldest waiting caller, so no caller writes for others for long.
// Writes run without the callers' cancellation: a caller that gives up
// after its event was taken into a batch leaves an append that is still
// committed, which is harmless because appends are idempotent on their key.
type appendQueue struct {
	mu      sync.Mutex
	pending []*appendReq
	busy    bool
}

func (s *sqlStore) AppendEvent(ctx context.Context, ev AuditEvent) (bool, error) {
	if ev.Time.IsZero() {
		ev.Time = s.clock()
	}
	ev, err := audit.Normalize(ev)
	if err != nil {
		return false, fmt.Errorf("append event: %w: %v", ErrInvalid, err)
	}
	r := &appendReq{ev: ev, done: make(chan struct{}), lead: make(chan struct{}, 1)}
	q := &s.appends
	q.mu.Lock()
	q.pending = append(q.pending, r)
	if !q.busy {
		q.busy = true
		q.mu.Unlock()
		s.writeFor(r, context.WithoutCancel(ctx))
		return r.appended, r.err
	}
	q.mu.Unlock()
	select {
	case <-r.done:
		return r.appended, r.err
	case <-r.lead:
		s.writeFor(r, context.WithoutCancel(ctx))
		return r.appended, r.err
	case <-ctx.Done():
	}
	q.mu.Lock()
	if r.promoted { // the writing was handed to us just now: it must go on
		q.mu.Unlock()
		<-r.lead
		s.writeFor(r, context.WithoutCancel(ctx))
		return r.appended, r.err // committed after all
	}
	if i := slices.Index(q.pending, r); i >= 0 {
		q.pending = slices.Delete(q.pending, i, i+1)
	}
	q.mu.Unlock()
	return false, fmt.Errorf("append event %s: %w", ev.Key, ctx.Err())
}

// writeFor is the writer's turn: commit batches until r is done, then hand
// over to the oldest waiting request or leave the queue idle.
func (s *sqlStore) writeFor(r *appendReq, ctx context.Context) {
	q := &s.appends
	for {
		s.commitQueued(ctx)
		q.mu.Lock()
		if len(q.pending) == 0 {
			q.busy = false
			q.mu.Unlock()
			return
		}
		select {
		case <-r.done:
			next := q.pending[0]
			next.promoted = true
			next.lead <- struct{}{}
			q.mu.Unlock()
			return
		default:
			q.mu.Unlock()
		}
	}
}

// commitQueued commits the next batch of queued appends. The batch is
// taken only once the transaction holds the chain's head, so everything
// that queued up while another writer held it goes into this one commit. If the batch fails, each request is tried on its own, so one
// bad event cannot fail its neighbours.
func (s *sqlStore) commitQueued(ctx context.Context) {
	q := &s.appends
	var batch []*appendReq
	var evs []audit.Event
	var appended []bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		head, err := s.lockHead(ctx, tx)
		if err != nil {
			return err
		}
		q.mu.Lock()
		n := min(len(q.pending), auditBatchMax)
		batch = q.pending[:n:n]
		q.pending = q.pending[n:]
		q.mu.Unlock()
		evs = make([]audit.Event, len(batch))
		for i, r := range batch {
			evs[i] = r.ev
		}
		appended, err = s.chainTx(ctx, tx, head, evs, false)
		return err
	})
	if errors.Is(err, errKeyExists) {
		appended, err = s.appendEvents(ctx, evs)
	}
	for i, r := range batch {
		switch {
		case err == nil:
			r.appended = appended[i]
		case len(batch) == 1:
			r.err = fmt.Errorf("append event %s: %w", r.ev.Key, err)
		default:
			one, err := s.appendEvents(ctx, []audit.Event{r.ev})
			if err != nil {
				r.err = fmt.Errorf("append event %s: %w", r.ev.Key, err)
			} else {
				r.appended = one[0]
			}
		}
		close(r.done)
	}
	if batch == nil && err != nil {
		// The head could not be locked: fail everything queued, since the
		// next attempt would most likely fail the same way.
		q.mu.Lock()
		batch, q.pending = q.pending, nil
		q.mu.Unlock()
		for _, r := range batch {
			r.err = fmt.Errorf("append event %s: %w", r.ev.Key, err)
			close(r.done)
		}
	}
}

func (s *sqlStore) AppendEvents(ctx context.Context, evs []AuditEvent) ([]bool, error) {
	norm := make([]audit.Event, len(evs))
	for i, ev := range evs {
		if ev.Time.IsZero() {
			ev.Time = s.clock()
		}
		n, err := audit.Normalize(ev)
		if err != nil {
			return nil, fmt.Errorf("append events: %w: %v", ErrInvalid, err)
		}
		norm[i] = n
	}
	out, err := s.appendEvents(ctx, norm)
	if err != nil {
		return nil, fmt.Errorf("append events: %w", err)
	}
	return out, nil
}

func (s *sqlStore) appendEvents(ctx context.Context, evs []audit.Event) ([]bool, error) {
	var out []bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.appendTx(ctx, tx, evs)
		return err
	})
	return out, err
}

// errKeyExists ends an append transaction that assumed its keys were new
// and met one already in the trail; the append is then redone with a
// lookup of every key (appendTx). Appends are mostly new, so the common
// path saves the lookup.
var errKeyExists = errors.New("audit key exists")

// appendTx links evs (normalised) to the chain inside tx, skipping keys
// already in the trail.
func (s *sqlStore) appendTx(ctx context.Context, tx *sql.Tx, evs []audit.Event) ([]bool, error) {
	head, err := s.lockHead(ctx, tx)
	if err != nil {
		return nil, err
	}
	return s.chainTx(ctx, tx, head, evs, true)
}

// lockHead reads the end of the chain and holds it for tx.
func (s *sqlStore) lockHead(ctx context.Context, tx *sql.Tx) (audit.Head, error) {
	var head audit.Head
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+s.d.forUpdate).Scan(&head.Seq, &head.Hash); err != nil {
		return head, fmt.Errorf("lock audit head: %w", err)
	}
	if head.Seq == 0 {
		head.Hash = audit.Genesis()
	}
	return head, nil
}

// chainTx appends evs after head inside tx, which holds the head: it
// skips keys already in the trail (looked up if lookup is set, else the
// insert fails with errKeyExists), assigns seq and hashes, inserts the
// rows and personal data, and moves the head.
func (s *sqlStore) chainTx(ctx context.Context, tx *sql.Tx, head audit.Head, evs []audit.Event, lookup bool) ([]bool, error) {
	exists := map[string]bool{}
	if lookup {
		var err error
		if exists, err = s.existingKeys(ctx, tx, evs); err != nil {
			return nil, err
		}
	}
	appended := make([]bool, len(evs))
	var linked []audit.Event
	for i, ev := range evs {
		if exists[ev.Key] {
			continue
		}
		exists[ev.Key] = true // a key twice in one batch is appended once
		ev, err := audit.SealPersonal(ev)
		if err != nil {
			return nil, err
		}
		ev = audit.Link(ev, head.Seq, head.Hash)
		head = audit.Head{Seq: ev.Seq, Hash: ev.Hash}
		linked = append(linked, ev)
		appended[i] = true
	}
	if len(linked) == 0 {
		return appended, nil
	}
	if err := s.insertEvents(ctx, tx, linked); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, head.Seq, head.Hash); err != nil {
		return nil, fmt.Errorf("move audit head: %w", err)
	}
	return appended, nil
}

// existingKeys looks the keys up one by one: an equality on the unique
// key is an index lookup whatever the planner thinks of the table's size
// (an IN list over a table that was empty when the statement was prepared
// can get a generic plan that scans it). Only the rare batch that meets a
// repeated key comes here.
func (s *sqlStore) existingKeys(ctx context.Context, tx *sql.Tx, evs []audit.Event) (map[string]bool, error) {
	found := map[string]bool{}
	for _, ev := range evs {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM audit_log WHERE key = $1`, ev.Key).Scan(&one)
		switch {
		case err == nil:
			found[ev.Key] = true
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("look up audit key: %w", err)
		}
	}
	return found, nil
}

// insertEvents writes linked events with multi-row inserts.
func (s *sqlStore) insertEvents(ctx context.Context, tx *sql.Tx, evs []audit.Event) error {
	const cols, chunk = 11, 200
	for start := 0; start < len(evs); start += chunk {
		part := evs[start:min(start+chunk, len(evs))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO audit_log (seq, key, time, actor, action, object_type, object_id, details, personal_hash, prev_hash, hash) VALUES `)
		args := make([]any, 0, len(part)*cols)
		var personal []audit.Event
		for i, ev := range part {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteByte('(')
			for c := range cols {
				if c > 0 {
					sb.WriteByte(',')
				}
				fmt.Fprintf(&sb, "$%d", i*cols+c+1)
			}
			sb.WriteByte(')')
			args = append(args, ev.Seq, ev.Key, s.d.timeArg(ev.Time), ev.Actor, ev.Action, ev.ObjectType, ev.ObjectID,
				nullText(string(ev.Details)), nullBytes(ev.PersonalHash), ev.PrevHash, ev.Hash)
			if len(ev.Personal) > 0 {
				personal = append(personal, ev)
			}
		}
		sb.WriteString(` ON CONFLICT (key) DO NOTHING`)
		res, err := tx.ExecContext(ctx, sb.String(), args...)
		if err != nil {
			return fmt.Errorf("insert audit events: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("insert audit events: %w", err)
		} else if n != int64(len(part)) {
			return errKeyExists
		}
		for _, ev := range personal {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_personal (seq, salt, data) VALUES ($1, $2, $3)`,
				ev.Seq, ev.PersonalSalt, string(ev.Personal)); err != nil {
				return fmt.Errorf("insert personal data of audit event %d: %w", ev.Seq, err)
			}
		}
	}
	return nil
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

const auditColumns = `l.seq, l.key, l.time, l.actor, l.action, l.object_type, l.object_id, l.details,
	l.personal_hash, l.prev_hash, l.hash, p.salt, p.data`

const auditFrom = ` FROM audit_log l LEFT JOIN audit_personal p ON p.seq = l.seq`

func scanAuditEvent(r rowScanner) (AuditEvent, error) {
	var ev AuditEvent
	var details, personal []byte
	if err := r.Scan(&ev.Seq, &ev.Key, timeDest{&ev.Time}, &ev.Actor, &ev.Action, &ev.ObjectType, &ev.ObjectID,
		&details, &ev.PersonalHash, &ev.PrevHash, &ev.Hash, &ev.PersonalSalt, &personal); err != nil {
		return ev, err
	}
	ev.Details, ev.Personal = rawJSON(details), rawJSON(personal)
	if len(ev.PersonalHash) == 0 {
		ev.PersonalHash = nil
	}
	if len(ev.PersonalSalt) == 0 {
		ev.PersonalSalt = nil
	}
	return ev, nil
}

func (s *sqlStore) Events(ctx context.Context, objectType, objectID string) ([]AuditEvent, error) {
	out, err := queryAll(ctx, s.db, scanAuditEvent, `SELECT `+auditColumns+auditFrom+`
		WHERE l.object_type = $1 AND l.object_id = $2 ORDER BY l.seq`, objectType, objectID)
	if err != nil {
		return nil, fmt.Errorf("events of %s %s: %w", objectType, objectID, err)
	}
	return out, nil
}

// scanPage is how many events ScanEvents reads per query.
const scanPage = 5000

func (s *sqlStore) ScanEvents(ctx context.Context, after int64, fn func(AuditEvent) error) error {
	for {
		page, err := queryAll(ctx, s.db, scanAuditEvent, `SELECT `+auditColumns+auditFrom+`
			WHERE l.seq > $1 ORDER BY l.seq LIMIT $2`, after, scanPage)
		if err != nil {
			return fmt.Errorf("scan audit events after %d: %w", after, err)
		}
		for _, ev := range page {
			if err := fn(ev); err != nil {
				return err
			}
			after = ev.Seq
		}
		if len(page) < scanPage {
			return nil
		}
	}
}

func (s *sqlStore) AuditHead(ctx context.Context) (audit.Head, error) {
	var h audit.Head
	if err := s.db.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&h.Seq, &h.Hash); err != nil {
		return h, fmt.Errorf("audit head: %w", err)
	}
	return h, nil
}

func (s *sqlStore) AddCheckpoint(ctx context.Context, c audit.Checkpoint) error {
	if c.Seq <= 0 || c.Hash == "" || c.KeyID == "" || c.Signature == "" {
		return fmt.Errorf("add checkpoint: %w: seq, hash, key id and signature are required", ErrInvalid)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_checkpoints (seq, key_id, time, hash, signature)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seq, key_id) DO NOTHING`,
			c.Seq, c.KeyID, s.d.timeArg(c.Time), c.Hash, c.Signature)
		return err
	})
	if err != nil {
		return fmt.Errorf("add checkpoint %d: %w", c.Seq, err)
	}
	return nil
}

func (s *sqlStore) Checkpoints(ctx context.Context) ([]audit.Checkpoint, error) {
	out, err := queryAll(ctx, s.db, func(r rowScanner) (audit.Checkpoint, error) {
		var c audit.Checkpoint
		err := r.Scan(&c.Seq, &c.KeyID, timeDest{&c.Time}, &c.Hash, &c.Signature)
		return c, err
	}, `SELECT seq, key_id, time, hash, signature FROM audit_checkpoints ORDER BY seq, key_id`)
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %w", err)
	}
	return out, nil
}

func (s *sqlStore) ErasePersonal(ctx context.Context, objectType, objectID, actor, reason string) (int, error) {
	if objectType == "" || objectID == "" || actor == "" || strings.TrimSpace(reason) == "" {
		return 0, fmt.Errorf("erase personal data: %w: object, actor and reason are required", ErrInvalid)
	}
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_personal WHERE seq IN
			(SELECT seq FROM audit_log WHERE object_type = $1 AND object_id = $2)`, objectType, objectID)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		at := s.clock()
		details, err := json.Marshal(map[string]any{"events": n, "reason": reason})
		if err != nil {
			return err
		}
		ev, err := audit.Normalize(audit.Event{
			Key: fmt.Sprintf("erase/%s/%s/%d", objectType, objectID, at.UnixMicro()), Time: at, Actor: actor,
			Action: "audit.personal-erased", ObjectType: objectType, ObjectID: objectID, Details: details,
		})
		if err != nil {
			return err
		}
		_, err = s.appendTx(ctx, tx, []audit.Event{ev})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("erase personal data of %s %s: %w", objectType, objectID, err)
	}
	return int(n), nil
}

// chainLegacyEvents is the Go step of migration 7: the events of the
// unchained table audit_events, in their order, become the start of the
// chain, and the old table goes.
func chainLegacyEvents(ctx context.Context, s *sqlStore, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT key, time, actor, action, object_type, object_id, details FROM audit_events ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("read audit_events: %w", err)
	}
	var evs []audit.Event
	for rows.Next() {
		var ev audit.Event
		var details []byte
		if err := rows.Scan(&ev.Key, timeDest{&ev.Time}, &ev.Actor, &ev.Action, &ev.ObjectType, &ev.ObjectID, &details); err != nil {
			rows.Close()
			return fmt.Errorf("read audit_events: %w", err)
		}
		ev.Details = rawJSON(details)
		if ev, err = audit.Normalize(ev); err != nil {
			rows.Close()
			return fmt.Errorf("legacy audit event: %w", err)
		}
		evs = append(evs, ev)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(evs) > 0 {
		if _, err := s.appendTx(ctx, tx, evs); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DROP TABLE audit_events`); err != nil {
		return errors.Join(errors.New("drop audit_events"), err)
	}
	return nil
}

// VerifyAudit checks the whole chain in t against the checkpoints stored
// with it and those kept outside the database (outside), signed by one of
// keys. The database's checkpoints count only if their signatures verify.
func VerifyAudit(ctx context.Context, t AuditTrail, keys []ed25519.PublicKey, outside []audit.Checkpoint) (audit.Result, error) {
	started := time.Now()
	stored, err := t.Checkpoints(ctx)
	if err != nil {
		return audit.Result{}, err
	}
	v := audit.NewVerifier(keys, append(stored, outside...)) // NewVerifier merges and sorts
	errStop := errors.New("stop")
	err = t.ScanEvents(ctx, 0, func(ev AuditEvent) error {
		if !v.Add(ev) {
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return audit.Result{}, err
	}
	head, err := t.AuditHead(ctx)
	if err != nil {
		return audit.Result{}, err
	}
	res := v.Finish(&head, time.Now())
	res.Took = time.Since(started).Round(time.Millisecond).String()
	return res, nil
}
