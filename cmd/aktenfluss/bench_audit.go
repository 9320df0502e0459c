package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// benchAudit measures the audit trail on a throwaway database per backend:
// appends per second through the real AppendEvent path from many writers
// spread over several store handles (as worker processes would be), the
// latency of one append, and the time to verify a chain of --verify events
// (filled up by bulk appends) against a signed checkpoint.
func benchAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("bench audit", stderr)
	backend := fs.String("backend", "both", "sqlite, postgres or both")
	events := fs.Int("events", 100000, "events appended through AppendEvent")
	writers := fs.Int("writers", 64, "concurrent writers")
	handles := fs.Int("handles", 2, "store handles the writers are spread over (as worker processes)")
	verify := fs.Int("verify", 1000000, "chain length to verify (filled up with bulk appends)")
	dsn := fs.String("dsn", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL database to create the throwaway schema in")
	if err := parse(fs, args); err != nil {
		return err
	}
	backends, err := parseBackends("audit", *backend)
	if err != nil {
		return err
	}
	if *events < 1 || *writers < 1 || *handles < 1 || *verify < 0 {
		return usageError{"bench audit: --events, --writers and --handles must be positive"}
	}
	fmt.Fprintf(stdout, "bench audit: %d appends from %d writers over %d store handles, then verify %d events\n",
		*events, *writers, *handles, max(*verify, *events))
	for _, b := range backends {
		if err := benchAuditOne(ctx, b, *dsn, *events, *writers, *handles, *verify, stdout); err != nil {
			return fmt.Errorf("bench audit %s: %w", b, err)
		}
	}
	return nil
}

func benchAuditOne(ctx context.Context, backend, pgDSN string, events, writers, handles, verify int, stdout io.Writer) error {
	dsn, cleanup, err := throwawayStore(ctx, "audit", backend, pgDSN)
	if err != nil {
		return err
	}
	defer cleanup()
	stores := make([]store.Store, handles)
	for i := range stores {
		if stores[i], err = store.Open(ctx, dsn); err != nil {
			return err
		}
		defer stores[i].Close()
	}
	s := stores[0]

	event := func(key string, i int) store.AuditEvent {
		return store.AuditEvent{
			Key: key, Time: time.Now(), Actor: "system:bench", Action: "document.routed", ObjectType: "document",
			ObjectID: fmt.Sprintf("%064x", i%5000), Details: json.RawMessage(fmt.Sprintf(`{"rule":"bauantrag","file_number":"63.01.02-%04d/2026","i":%d}`, i%9999, i)),
		}
	}

	// One writer alone: the latency of a synced append without company.
	const single = 500
	t0 := time.Now()
	for i := range single {
		if _, err := s.AppendEvent(ctx, event(fmt.Sprintf("single/%d", i), i)); err != nil {
			return err
		}
	}
	alone := time.Since(t0)
	fmt.Fprintf(stdout, "\n%s: one writer: %d appends in %s (%.0f appends/s, %.2f ms each)\n", backend, single, alone.Round(time.Millisecond),
		single/alone.Seconds(), float64(alone.Microseconds())/single/1000)

	var next atomic.Int64
	lat := make([][]time.Duration, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	t0 = time.Now()
	for w := range writers {
		wg.Go(func() {
			st := stores[w%handles]
			for {
				i := int(next.Add(1)) - 1
				if i >= events {
					return
				}
				a := time.Now()
				ok, err := st.AppendEvent(ctx, event(fmt.Sprintf("many/%d", i), i))
				if err == nil && !ok {
					err = fmt.Errorf("event %d not appended", i)
				}
				if err != nil {
					errs[w] = err
					return
				}
				lat[w] = append(lat[w], time.Since(a))
			}
		})
	}
	wg.Wait()
	took := time.Since(t0)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	fmt.Fprintf(stdout, "%s: %d writers: %d appends in %s = %.0f appends/s; latency p50 %s, p99 %s\n", backend, writers, events,
		took.Round(time.Millisecond), float64(events)/took.Seconds(), pct(all, 50).Round(10*time.Microsecond), pct(all, 99).Round(10*time.Microsecond))

	// Fill up to the verification length with bulk appends, sign, verify.
	head, err := s.AuditHead(ctx)
	if err != nil {
		return err
	}
	t0 = time.Now()
	for n := int(head.Seq); n < verify; {
		batch := make([]store.AuditEvent, 0, 5000)
		for ; n < verify && len(batch) < cap(batch); n++ {
			batch = append(batch, event(fmt.Sprintf("bulk/%d", n), n))
		}
		if _, err := s.AppendEvents(ctx, batch); err != nil {
			return err
		}
	}
	if fill := time.Since(t0); verify > int(head.Seq) {
		fmt.Fprintf(stdout, "%s: filled the chain to %d events with bulk appends in %s\n", backend, verify, fill.Round(time.Millisecond))
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	if head, err = s.AuditHead(ctx); err != nil {
		return err
	}
	if err := s.AddCheckpoint(ctx, audit.Sign(key, head, time.Now())); err != nil {
		return err
	}
	t0 = time.Now()
	res, err := store.VerifyAudit(ctx, s, []ed25519.PublicKey{key.Public().(ed25519.PublicKey)}, nil)
	if err != nil {
		return err
	}
	took = time.Since(t0)
	if !res.OK {
		return fmt.Errorf("verification failed: %s", res.Problem.Message)
	}
	fmt.Fprintf(stdout, "%s: verified %d events against the signed checkpoint in %s (%.0f events/s)\n", backend, res.Events,
		took.Round(time.Millisecond), float64(res.Events)/took.Seconds())
	return nil
}
