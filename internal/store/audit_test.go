package store

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/audit"
)

// trailFixture is a chain of 200 events, every tenth with personal data,
// and a checkpoint over all of them signed by key, kept both in the
// database and "outside" (as the checkpoint file would hold it).
type trailFixture struct {
	s       Store
	db      *sql.DB
	key     ed25519.PrivateKey
	outside []audit.Checkpoint
}

const fixtureEvents = 200

func newTrail(t *testing.T, b backend) *trailFixture {
	t.Helper()
	s := open(t, b.fresh(t))
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	at := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	evs := make([]AuditEvent, fixtureEvents)
	for i := range evs {
		evs[i] = AuditEvent{
			Key: fmt.Sprintf("ev-%d", i+1), Time: at.Add(time.Duration(i) * time.Second), Actor: "system:test",
			Action: "test.step", ObjectType: "document", ObjectID: sum(fmt.Sprint(i % 7)),
			Details: json.RawMessage(fmt.Sprintf(`{"i":%d,"note":"Schritt %d"}`, i+1, i+1)),
		}
		if i%10 == 0 {
			evs[i].Personal = json.RawMessage(fmt.Sprintf(`{"sender":"Erika Mustermann %d"}`, i))
		}
	}
	_, err = s.AppendEvents(t.Context(), evs)
	require.NoError(t, err)
	f := &trailFixture{s: s, db: s.(*sqlStore).db, key: key}
	f.checkpoint(t)
	res := f.verify(t)
	require.True(t, res.OK, "untouched chain: %+v", res.Problem)
	require.EqualValues(t, fixtureEvents, res.Events)
	require.Equal(t, 1, res.Checkpoints)
	return f
}

// checkpoint signs the current head into the database and outside.
func (f *trailFixture) checkpoint(t *testing.T) audit.Checkpoint {
	head, err := f.s.AuditHead(t.Context())
	require.NoError(t, err)
	c := audit.Sign(f.key, head, time.Now())
	require.NoError(t, f.s.AddCheckpoint(t.Context(), c))
	f.outside = append(f.outside, c)
	return c
}

func (f *trailFixture) verify(t *testing.T) audit.Result {
	res, err := VerifyAudit(t.Context(), f.s, []ed25519.PublicKey{f.key.Public().(ed25519.PublicKey)}, f.outside)
	require.NoError(t, err)
	return res
}

func (f *trailFixture) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	_, err := f.db.ExecContext(t.Context(), q, args...)
	require.NoError(t, err, q)
}

func requireProblem(t *testing.T, res audit.Result, seq int64, kind string) {
	t.Helper()
	require.False(t, res.OK, "tampering must be detected")
	require.NotNil(t, res.Problem)
	require.Equal(t, kind, res.Problem.Kind, res.Problem.Message)
	require.Equal(t, seq, res.Problem.Seq, res.Problem.Message)
	require.Contains(t, res.Problem.Message, fmt.Sprint(seq))
}

// relink rewrites every row from seq on so that the chain is consistent
// again, the way a forger with database access but without the signing
// key would, and moves the head.
func (f *trailFixture) relink(t *testing.T, edit func(evs []AuditEvent) []AuditEvent) {
	var evs []AuditEvent
	require.NoError(t, f.s.ScanEvents(t.Context(), 0, func(ev AuditEvent) error { evs = append(evs, ev); return nil }))
	evs = edit(evs)
	prev := audit.Genesis()
	f.exec(t, `DELETE FROM audit_log`)
	f.exec(t, `DELETE FROM audit_personal`)
	for i, ev := range evs {
		ev = audit.Link(ev, int64(i), prev)
		prev = ev.Hash
		if len(ev.Personal) > 0 {
			f.exec(t, `INSERT INTO audit_personal (seq, salt, data) VALUES ($1, $2, $3)`, ev.Seq, ev.PersonalSalt, string(ev.Personal))
		}
		f.exec(t, `INSERT INTO audit_log (seq, key, time, actor, action, object_type, object_id, details, personal_hash, prev_hash, hash)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`, ev.Seq, ev.Key, f.s.(*sqlStore).d.timeArg(ev.Time), ev.Actor, ev.Action,
			ev.ObjectType, ev.ObjectID, nullText(string(ev.Details)), nullBytes(ev.PersonalHash), ev.PrevHash, ev.Hash)
	}
	f.exec(t, `UPDATE audit_head SET seq = $1, hash = $2`, int64(len(evs)), prev)
}

func testAuditTamper(t *testing.T, b backend) {
	t.Run("edit-one-byte-of-details", func(t *testing.T) {
		f := newTrail(t, b)
		f.exec(t, `UPDATE audit_log SET details = replace(details, 'Schritt 57', 'Schritt 58') WHERE seq = 57`)
		requireProblem(t, f.verify(t), 57, audit.ProblemEdited)
	})
	t.Run("edit-the-actor", func(t *testing.T) {
		f := newTrail(t, b)
		f.exec(t, `UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 3`)
		requireProblem(t, f.verify(t), 3, audit.ProblemEdited)
	})
	t.Run("delete-an-event", func(t *testing.T) {
		f := newTrail(t, b)
		f.exec(t, `DELETE FROM audit_log WHERE seq = 120`)
		requireProblem(t, f.verify(t), 120, audit.ProblemMissing)
	})
	t.Run("insert-an-event", func(t *testing.T) {
		f := newTrail(t, b)
		// Make room at 100 and insert an event correctly linked to 99: the
		// old event 100, now 101, no longer gives its hash.
		f.exec(t, `UPDATE audit_log SET seq = -(seq + 1) WHERE seq >= 100`)
		f.exec(t, `UPDATE audit_log SET seq = -seq WHERE seq < 0`)
		var prev []byte
		require.NoError(t, f.db.QueryRowContext(t.Context(), `SELECT hash FROM audit_log WHERE seq = 99`).Scan(&prev))
		ev, err := audit.Normalize(AuditEvent{Key: "forged", Time: time.Now(), Actor: "user:mallory", Action: "invoice.approved", ObjectType: "invoice", ObjectID: "7"})
		require.NoError(t, err)
		ev = audit.Link(ev, 99, prev)
		f.exec(t, `INSERT INTO audit_log (seq, key, time, actor, action, object_type, object_id, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
			ev.Seq, ev.Key, f.s.(*sqlStore).d.timeArg(ev.Time), ev.Actor, ev.Action, ev.ObjectType, ev.ObjectID, ev.PrevHash, ev.Hash)
		requireProblem(t, f.verify(t), 101, audit.ProblemEdited)
	})
	t.Run("insert-an-unlinked-event", func(t *testing.T) {
		f := newTrail(t, b)
		f.exec(t, `UPDATE audit_log SET seq = -(seq + 1) WHERE seq >= 100`)
		f.exec(t, `UPDATE audit_log SET seq = -seq WHERE seq < 0`)
		f.exec(t, `INSERT INTO audit_log (seq, key, time, actor, action, object_type, object_id, prev_hash, hash)
			SELECT 100, 'forged', time, actor, action, object_type, object_id, prev_hash, hash FROM audit_log WHERE seq = 101`)
		requireProblem(t, f.verify(t), 100, audit.ProblemEdited)
	})
	t.Run("swap-two-events", func(t *testing.T) {
		f := newTrail(t, b)
		f.exec(t, `UPDATE audit_log SET seq = -1 WHERE seq = 30`)
		f.exec(t, `UPDATE audit_log SET seq = 30 WHERE seq = 31`)
		f.exec(t, `UPDATE audit_log SET seq = 31 WHERE seq = -1`)
		requireProblem(t, f.verify(t), 30, audit.ProblemEdited)
	})
	t.Run("swap-two-events-rehashed", func(t *testing.T) {
		f := newTrail(t, b)
		// The forger swaps 30 and 31 and recomputes their hashes, but not
		// the rest: 32 no longer follows its predecessor.
		var evs []AuditEvent
		require.NoError(t, f.s.ScanEvents(t.Context(), 0, func(ev AuditEvent) error { evs = append(evs, ev); return nil }))
		a, c := evs[29], evs[30]
		a2 := audit.Link(c, 29, evs[28].Hash)
		c2 := audit.Link(a, 30, a2.Hash)
		for _, ev := range []AuditEvent{a2, c2} {
			f.exec(t, `UPDATE audit_log SET key = $1, details = $2, prev_hash = $3, hash = $4, personal_hash = $5 WHERE seq = $6`,
				ev.Key+"-", nullText(string(ev.Details)), ev.PrevHash, ev.Hash, nullBytes(ev.PersonalHash), ev.Seq)
		}
		f.exec(t, `UPDATE audit_log SET key = substr(key, 1, length(key) - 1) WHERE seq IN (30, 31)`)
		res := f.verify(t)
		require.False(t, res.OK)
		require.Contains(t, []string{audit.ProblemEdited, audit.ProblemLink}, res.Problem.Kind)
		require.LessOrEqual(t, res.Problem.Seq, int64(32))
	})
	t.Run("truncate-the-tail", func(t *testing.T) {
		f := newTrail(t, b)
		f.exec(t, `DELETE FROM audit_log WHERE seq > 190`)
		var h []byte
		require.NoError(t, f.db.QueryRowContext(t.Context(), `SELECT hash FROM audit_log WHERE seq = 190`).Scan(&h))
		f.exec(t, `UPDATE audit_head SET seq = 190, hash = $1`, h) // the forger tidies up the head too
		res := f.verify(t)
		requireProblem(t, res, 191, audit.ProblemTruncated)
		require.Contains(t, res.Problem.Message, "200")
	})
	t.Run("truncate-the-tail-head-left", func(t *testing.T) {
		f := newTrail(t, b)
		// Appends after the checkpoint are covered by the head row.
		_, err := f.s.AppendEvent(t.Context(), AuditEvent{Key: "late", Action: "test.late", ObjectType: "x", ObjectID: "1"})
		require.NoError(t, err)
		f.exec(t, `DELETE FROM audit_log WHERE seq = 201`)
		requireProblem(t, f.verify(t), 201, audit.ProblemHeadInvalid)
	})
	t.Run("edit-personal-data", func(t *testing.T) {
		f := newTrail(t, b)
		f.exec(t, `UPDATE audit_personal SET data = replace(data, 'Erika', 'Erich') WHERE seq = 11`)
		requireProblem(t, f.verify(t), 11, audit.ProblemPersonal)
	})
	t.Run("rechained-forgery", func(t *testing.T) {
		f := newTrail(t, b)
		f.relink(t, func(evs []AuditEvent) []AuditEvent {
			evs[19].Actor = "user:mallory"
			return append(evs[:150:150], evs[151:]...) // and drop one for good measure
		})
		f.exec(t, `DELETE FROM audit_checkpoints`)
		// The forged chain is consistent in itself …
		res, err := VerifyAudit(t.Context(), f.s, []ed25519.PublicKey{f.key.Public().(ed25519.PublicKey)}, nil)
		require.NoError(t, err)
		require.True(t, res.OK, "a consistent forgery passes without checkpoints: %+v", res.Problem)
		require.NotEmpty(t, res.Warnings, "but the verdict warns that nothing is signed")
		// … but not with the checkpoint kept outside the database.
		res = f.verify(t)
		require.False(t, res.OK)
		require.Equal(t, audit.ProblemTruncated, res.Problem.Kind, "the forged chain is one event short of the checkpoint: %s", res.Problem.Message)

		f2 := newTrail(t, b)
		f2.relink(t, func(evs []AuditEvent) []AuditEvent {
			evs[19].Actor = "user:mallory"
			return evs
		})
		requireProblem(t, f2.verify(t), fixtureEvents, audit.ProblemCheckpoint)
	})
	t.Run("forged-checkpoint", func(t *testing.T) {
		f := newTrail(t, b)
		f.relink(t, func(evs []AuditEvent) []AuditEvent { evs[5].Action = "invoice.approved"; return evs })
		// The forger signs the forged head with a key of their own.
		_, mallory, err := ed25519.GenerateKey(rand.Reader)
		require.NoError(t, err)
		head, err := f.s.AuditHead(t.Context())
		require.NoError(t, err)
		f.exec(t, `DELETE FROM audit_checkpoints`)
		require.NoError(t, f.s.AddCheckpoint(t.Context(), audit.Sign(mallory, head, time.Now())))
		res, err := VerifyAudit(t.Context(), f.s, []ed25519.PublicKey{f.key.Public().(ed25519.PublicKey)}, nil)
		require.NoError(t, err)
		require.False(t, res.OK)
		require.Equal(t, audit.ProblemSignature, res.Problem.Kind)
	})
}

func testAuditErase(t *testing.T, b backend) {
	f := newTrail(t, b)
	doc := sum("0") // events 1, 8, 15, … ; personal data on 1, 71, 141
	n, err := f.s.ErasePersonal(t.Context(), "document", doc, "user:dsb", "Löschersuchen nach Art. 17 DSGVO")
	require.NoError(t, err)
	require.Equal(t, 3, n)
	evs, err := f.s.Events(t.Context(), "document", doc)
	require.NoError(t, err)
	for _, ev := range evs {
		require.Empty(t, ev.Personal, "event %d", ev.Seq)
		require.Empty(t, ev.PersonalSalt)
	}
	last := evs[len(evs)-1]
	require.Equal(t, "audit.personal-erased", last.Action)
	require.JSONEq(t, `{"events":3,"reason":"Löschersuchen nach Art. 17 DSGVO"}`, string(last.Details))
	require.True(t, evs[0].Erased())

	res := f.verify(t)
	require.True(t, res.OK, "erasure keeps the chain valid: %+v", res.Problem)
	require.EqualValues(t, 3, res.Erased)
	require.EqualValues(t, fixtureEvents+1, res.Events)
	other, err := f.s.Events(t.Context(), "document", sum("1"))
	require.NoError(t, err)
	require.JSONEq(t, `{"sender":"Erika Mustermann 50"}`, string(other[7].Personal), "other objects keep theirs")
	_, err = f.s.ErasePersonal(t.Context(), "document", doc, "user:dsb", " ")
	require.ErrorIs(t, err, ErrInvalid, "a reason is required")
}

// testAuditWriters: 8 writers × 10,000 events from two store handles (as
// two worker processes would), each handle group-committing its own
// goroutines' appends: one chain, every event once, nothing lost.
func testAuditWriters(t *testing.T, b backend) {
	const writers, per = 8, 10000
	dsn := b.fresh(t)
	handles := []Store{open(t, dsn), open(t, dsn)}
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			s := handles[w%len(handles)]
			for i := range per {
				ok, err := s.AppendEvent(t.Context(), AuditEvent{
					Key: fmt.Sprintf("w%d/%d", w, i), Actor: fmt.Sprintf("system:worker-%d", w), Action: "test.appended",
					ObjectType: "writer", ObjectID: fmt.Sprint(w), Details: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
				})
				if err == nil && !ok {
					err = fmt.Errorf("event w%d/%d not appended", w, i)
				}
				if err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	res, err := VerifyAudit(t.Context(), handles[0], nil, nil)
	require.NoError(t, err)
	require.True(t, res.OK, "%+v", res.Problem)
	require.EqualValues(t, writers*per, res.Events)
	require.EqualValues(t, writers*per, res.LastSeq)
	for w := range writers {
		evs, err := handles[1].Events(t.Context(), "writer", fmt.Sprint(w))
		require.NoError(t, err)
		require.Len(t, evs, per, "writer %d", w)
		for i, ev := range evs { // each writer's own order is kept
			require.Equal(t, fmt.Sprintf("w%d/%d", w, i), ev.Key)
		}
	}
}

// testAuditCancelled: callers giving up while their append waits in the
// group commit (or is being handed the writing) neither lose a committed
// event nor leave the queue stuck.
func testAuditCancelled(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	const writers, per = 16, 150
	var mu sync.Mutex
	var committed []string
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range per {
				ctx, cancel := context.WithTimeout(t.Context(), time.Duration(i%4)*300*time.Microsecond)
				key := fmt.Sprintf("c%d/%d", w, i)
				ok, err := s.AppendEvent(ctx, AuditEvent{Key: key, Action: "test.cancelled", ObjectType: "x", ObjectID: "1"})
				cancel()
				if err == nil && ok {
					mu.Lock()
					committed = append(committed, key)
					mu.Unlock()
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("appends hang after cancellations")
	}
	ok, err := s.AppendEvent(t.Context(), AuditEvent{Key: "after", Action: "test.after", ObjectType: "x", ObjectID: "1"})
	require.NoError(t, err)
	require.True(t, ok, "the queue is not stuck")
	res, err := VerifyAudit(t.Context(), s, nil, nil)
	require.NoError(t, err)
	require.True(t, res.OK, "%+v", res.Problem)
	evs, err := s.Events(t.Context(), "x", "1")
	require.NoError(t, err)
	have := map[string]bool{}
	for _, ev := range evs {
		have[ev.Key] = true
	}
	for _, k := range committed {
		require.True(t, have[k], "acknowledged append %s is in the chain", k)
	}
	require.NotEmpty(t, committed)
	require.Less(t, len(committed), writers*per, "some callers gave up (else the test proves nothing)")
}

// testAuditLegacy: a database from before the chain keeps its events, in
// their order, as the start of the chain.
func testAuditLegacy(t *testing.T, b backend) {
	dsn := b.fresh(t)
	s := open(t, dsn).(*sqlStore)
	ctx := t.Context()
	// Rebuild the state before migration 7: the old table with two events.
	_, err := s.db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 7`)
	require.NoError(t, err)
	for _, q := range []string{`DROP TABLE audit_log`, `DROP TABLE audit_personal`, `DROP TABLE audit_head`, `DROP TABLE audit_checkpoints`} {
		_, err = s.db.ExecContext(ctx, q)
		require.NoError(t, err)
	}
	m, err := loadMigrations(s.d.migrationDir)
	require.NoError(t, err)
	_, err = s.db.ExecContext(ctx, legacyEventsTable(m[0].sql))
	require.NoError(t, err)
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	for i, action := range []string{"document.received", "document.registered"} {
		_, err = s.db.ExecContext(ctx, `INSERT INTO audit_events (key, time, actor, action, object_type, object_id, details) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
			fmt.Sprint("old-", i), s.d.timeArg(at.Add(time.Duration(i)*time.Minute)), "system:intake", action, "document", "d1", `{"b": 2, "a": 1}`)
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())

	s2 := open(t, dsn)
	evs, err := s2.Events(ctx, "document", "d1")
	require.NoError(t, err)
	require.Len(t, evs, 2)
	require.Equal(t, "document.received", evs[0].Action)
	require.EqualValues(t, 1, evs[0].Seq)
	require.Equal(t, `{"a":1,"b":2}`, string(evs[0].Details))
	res, err := VerifyAudit(ctx, s2, nil, nil)
	require.NoError(t, err)
	require.True(t, res.OK)
	require.EqualValues(t, 2, res.Events)
	ok, err := s2.AppendEvent(ctx, AuditEvent{Key: "old-1", Action: "again"})
	require.NoError(t, err)
	require.False(t, ok, "legacy keys stay idempotent")
}

// legacyEventsTable cuts the CREATE TABLE audit_events statement out of the
// first migration.
func legacyEventsTable(init string) string {
	start := strings.Index(init, "CREATE TABLE audit_events")
	end := strings.Index(init[start:], ");") + start + 2
	return init[start:end]
}
