package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// defaultPostgresDSN is the test database when DATABASE_URL is unset.
const defaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// backend is one Store implementation under test. fresh returns the DSN of an
// empty database that is removed when the test ends; opening the same DSN
// again reaches the same data.
type backend struct {
	name        string
	fresh       func(t *testing.T) string
	unavailable error // why fresh is nil
}

// conformance is the behaviour every backend must show. Each case gets its
// own fresh database, so cases run in parallel and in any order.
var conformance = []struct {
	name string
	run  func(t *testing.T, b backend)
}{
	{"migrations/idempotent-on-reopen", testMigrationsIdempotent},
	{"migrations/concurrent-open", testMigrationsConcurrentOpen},
	{"register/first-entry-round-trips", testRegisterRoundTrip},
	{"register/idempotent-by-sha256", testRegisterIdempotent},
	{"register/numbers-per-year-berlin-boundary", testRegisterYearBoundary},
	{"register/rejects-invalid-input", testRegisterInvalid},
	{"register/concurrent-gap-free", testRegisterConcurrent},
	{"register/concurrent-gap-free-across-processes", testRegisterConcurrentStores},
	{"lookups/found-and-not-found", testLookups},
	{"entries/filter-page-count", testEntriesFilter},
	{"entries/default-limit", testEntriesDefaultLimit},
	{"entries/set-kind-and-status", testSetKindStatus},
	{"quarantine/add-list-get-retry", testQuarantine},
	{"renditions/add-idempotent-list", testRenditions},
	{"entries/set-scan-protocol", testSetScanProtocol},
	{"events/idempotent-by-key-in-order", testEvents},
	{"events/concurrent-appends", testEventsConcurrent},
	{"audit/tamper-detected", testAuditTamper},
	{"audit/erase-personal-keeps-chain", testAuditErase},
	{"audit/8-writers-one-chain", testAuditWriters},
	{"audit/cancelled-appends", testAuditCancelled},
	{"audit/legacy-events-chained", testAuditLegacy},
	{"invoices/add-idempotent-duplicates-status", testInvoices},
	{"invoices/concurrent-duplicates-flagged-once", testInvoicesConcurrent},
	{"invoices/approval-status-transitions", testInvoiceApprovalStatuses},
	{"invoices/approvals-idempotent-by-seq", testInvoiceApprovals},
	{"invoices/stages-and-waiting-for", testInvoiceStages},
	{"invoices/overdue-oldest-due-first", testOverdueInvoices},
	{"invoices/bookings-once-per-invoice", testBookings},
	{"fileplan/import-replace-refuse-drop", testFilePlan},
	{"files/numbers-per-code-and-year", testFileNumbers},
	{"files/concurrent-gap-free", testFileNumbersConcurrent},
	{"files/processes-and-close", testProcessesAndClose},
	{"filings/idempotent-versions", testFilings},
	{"document-meta/upsert", testDocumentMeta},
	{"triage/add-idempotent-decide", testTriage},
	{"tasks/upsert-version-filters", testTasks},
	{"listings/count-and-narrow-by-units", testListingsCountAndUnits},
	{"organisation/replace-absences", testOrganisation},
	{"routing-rules/versions-and-conflicts", testRoutingRules},
	{"search/sqlite-and-postgres", testSearch},
	{"search/hostile-queries", testSearchHostile},
	{"search/phrase-window", testSearchPhraseWindow},
	{"auth/users-versions-roles-oidc", testUsers},
	{"auth/users-concurrent-update", testUsersConcurrentUpdate},
	{"auth/sessions-lookup-delete", testSessions},
	{"auth/sessions-purge", testSessionsPurge},
	{"ping", testPing},
	{"reopen/keeps-data", testReopenKeepsData},
}

func TestConformance(t *testing.T) {
	for _, b := range []backend{sqliteBackend(), postgresBackend(t)} {
		t.Run(b.name, func(t *testing.T) {
			if b.unavailable != nil {
				requireReachable(t, b.unavailable)
			}
			for _, c := range conformance {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					c.run(t, b)
				})
			}
		})
	}
}

func sqliteBackend() backend {
	return backend{name: "sqlite", fresh: func(t *testing.T) string {
		// A sub-directory that does not exist yet: Open must create it.
		return "sqlite:" + filepath.Join(t.TempDir(), "records", "store.db")
	}}
}

// postgresBackend gives each test its own schema in the test database, via
// search_path in the DSN, and drops it afterwards. When the server cannot
// be reached, fresh is nil and the postgres subtests skip (or fail in CI).
func postgresBackend(t *testing.T) backend {
	base := os.Getenv("DATABASE_URL")
	if base == "" {
		base = defaultPostgresDSN
	}
	b := backend{name: "postgres"}
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		b.unavailable = err
		return b
	}
	t.Cleanup(func() { admin.Close() })
	b.fresh = func(t *testing.T) string {
		schema := "t_" + randomHex(t, 8)
		_, err := admin.Exec(`CREATE SCHEMA ` + schema)
		require.NoError(t, err, "create test schema")
		t.Cleanup(func() {
			if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
				t.Errorf("drop test schema %s: %v", schema, err)
			}
		})
		u, err := url.Parse(base)
		require.NoError(t, err, "DATABASE_URL must be a postgres:// URL")
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return b
}

// requireReachable skips a test whose database is not running, except in CI,
// where a missing database is a broken pipeline.
func requireReachable(t *testing.T, err error) {
	t.Helper()
	msg := fmt.Sprintf("postgres unreachable: %v (set DATABASE_URL, or run postgres on 127.0.0.1:5432 with a database \"test\")", err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// ---- helpers ---------------------------------------------------------------

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func open(t *testing.T, dsn string) Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, dsn)
	require.NoError(t, err, "open store")
	t.Cleanup(func() { s.Close() })
	return s
}

func sum(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

func berlin(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, records.RegisterLocation)
}

func newEntry(key string, received time.Time) records.NewEntry {
	return records.NewEntry{
		SHA256:       sum(key),
		Size:         int64(len(key)) * 1000,
		MediaType:    "application/pdf",
		OriginalName: key + ".pdf",
		Source:       records.SourceUpload,
		ReceivedAt:   received,
		WorkflowID:   "intake-" + sum(key)[:16],
	}
}

func register(t *testing.T, s Store, e records.NewEntry) records.RegisterEntry {
	t.Helper()
	got, created, err := s.Register(t.Context(), e)
	require.NoError(t, err, "register")
	require.True(t, created, "register %s: expected a new entry", e.OriginalName)
	return got
}

// requireSameEntry compares entries field by field, times with Equal.
func requireSameEntry(t *testing.T, want, got records.RegisterEntry) {
	t.Helper()
	require.Equal(t, want.ID, got.ID, "id")
	require.Equal(t, want.Number, got.Number, "number")
	require.Equal(t, want.SHA256, got.SHA256, "sha256")
	require.Equal(t, want.Size, got.Size, "size")
	require.Equal(t, want.MediaType, got.MediaType, "media type")
	require.Equal(t, want.OriginalName, got.OriginalName, "original name")
	require.Equal(t, want.Source, got.Source, "source")
	requireTime(t, want.ReceivedAt, got.ReceivedAt, "received at")
	requireTime(t, want.RegisteredAt, got.RegisteredAt, "registered at")
	requireTime(t, want.UpdatedAt, got.UpdatedAt, "updated at")
	require.Equal(t, want.WorkflowID, got.WorkflowID, "workflow id")
	require.Equal(t, want.Kind, got.Kind, "kind")
	require.Equal(t, want.KindDetail, got.KindDetail, "kind detail")
	require.Equal(t, want.Status, got.Status, "status")
	wp, err := json.Marshal(want.ScanProtocol)
	require.NoError(t, err)
	gp, err := json.Marshal(got.ScanProtocol)
	require.NoError(t, err)
	require.JSONEq(t, string(wp), string(gp), "scan protocol")
}

func requireTime(t *testing.T, want, got time.Time, what string) {
	t.Helper()
	require.True(t, want.Equal(got), "%s: want %s, got %s", what, want.Format(time.RFC3339Nano), got.Format(time.RFC3339Nano))
	require.Equal(t, time.UTC, got.Location(), "%s: must come back as UTC", what)
}

// setClock fixes the store's clock, so UpdatedAt and friends can be checked.
func setClock(s Store, now time.Time) { s.(*sqlStore).now = func() time.Time { return now } }

// ---- migrations ------------------------------------------------------------

func appliedMigrations(t *testing.T, s Store) []int {
	t.Helper()
	rows, err := s.(*sqlStore).db.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	require.NoError(t, err)
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		require.NoError(t, rows.Scan(&v))
		vs = append(vs, v)
	}
	require.NoError(t, rows.Err())
	return vs
}

func embeddedMigrations(t *testing.T, s Store) []int {
	t.Helper()
	ms, err := loadMigrations(s.(*sqlStore).d.migrationDir)
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	var vs []int
	for _, m := range ms {
		vs = append(vs, m.version)
	}
	return vs
}

func testMigrationsIdempotent(t *testing.T, b backend) {
	dsn := b.fresh(t)
	s := open(t, dsn)
	want := embeddedMigrations(t, s)
	require.Equal(t, want, appliedMigrations(t, s))
	register(t, s, newEntry("before-reopen", berlin(2026, 3, 2, 9, 0)))
	require.NoError(t, s.Close())

	for range 2 {
		s = open(t, dsn)
		require.Equal(t, want, appliedMigrations(t, s), "reopen must not re-apply migrations")
		require.NoError(t, s.Close())
	}
}

func testMigrationsConcurrentOpen(t *testing.T, b backend) {
	dsn := b.fresh(t)
	const n = 4
	stores := make([]Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), dsn) })
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i], "open %d", i)
		t.Cleanup(func() { stores[i].Close() })
	}
	require.Equal(t, embeddedMigrations(t, stores[0]), appliedMigrations(t, stores[0]))
}

// ---- register ----------------------------------------------------------------

func testRegisterRoundTrip(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	now := time.Date(2026, 5, 4, 10, 11, 12, 123456789, time.UTC)
	setClock(s, now)
	scanned := time.Date(2026, 5, 4, 9, 0, 0, 0, records.RegisterLocation)
	e := newEntry("round-trip", time.Date(2026, 5, 4, 8, 30, 15, 987654321, records.RegisterLocation))
	e.Source = records.SourceMailroom
	e.MediaType = "image/tiff"
	e.ScanProtocol = &records.ScanProtocol{
		Operator: "op-17", Station: "scan-2", Profile: "TR-RESISCAN A", ScannedAt: &scanned,
		Pages: 3, DPI: 300, CaptureSHA256: sum("capture"), Checks: []string{"completeness", "legibility"},
	}

	got, created, err := s.Register(t.Context(), e)
	require.NoError(t, err)
	require.True(t, created)
	require.NotZero(t, got.ID)
	want := records.RegisterEntry{
		ID: got.ID, Number: records.RegisterNumber{Year: 2026, Seq: 1},
		SHA256: e.SHA256, Size: e.Size, MediaType: e.MediaType, OriginalName: e.OriginalName, Source: e.Source,
		ReceivedAt:   e.ReceivedAt.Truncate(time.Microsecond), // microsecond precision on every backend
		RegisteredAt: now.Truncate(time.Microsecond),
		UpdatedAt:    now.Truncate(time.Microsecond),
		ScanProtocol: e.ScanProtocol, WorkflowID: e.WorkflowID,
		Kind: records.KindUnknown, Status: records.StatusRegistered,
	}
	requireSameEntry(t, want, got)
	require.Equal(t, "2026-000001", got.Number.String())

	read, err := s.EntryBySHA256(t.Context(), e.SHA256)
	require.NoError(t, err)
	requireSameEntry(t, got, read)
	require.True(t, scanned.Equal(*read.ScanProtocol.ScannedAt))

	// Without a protocol the column stays empty and comes back nil.
	plain := register(t, s, newEntry("no-protocol", berlin(2026, 5, 5, 8, 0)))
	require.Nil(t, plain.ScanProtocol)
	plain, err = s.Entry(t.Context(), plain.ID)
	require.NoError(t, err)
	require.Nil(t, plain.ScanProtocol)
	require.Equal(t, int64(2), plain.Number.Seq)
}

func testRegisterIdempotent(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	e := newEntry("twice", berlin(2026, 2, 10, 12, 0))
	first := register(t, s, e)

	again := e
	again.OriginalName = "renamed.pdf"
	again.Source = records.SourceEmail
	again.ReceivedAt = berlin(2027, 1, 5, 12, 0) // another year: the sha256 still decides
	second, created, err := s.Register(t.Context(), again)
	require.NoError(t, err)
	require.False(t, created, "same sha256 must not create a second entry")
	requireSameEntry(t, first, second)

	n, err := s.CountEntries(t.Context(), EntryFilter{})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	// The duplicate must not have moved either year's counter.
	next := register(t, s, newEntry("next", berlin(2026, 2, 11, 12, 0)))
	require.Equal(t, records.RegisterNumber{Year: 2026, Seq: 2}, next.Number)
	other := register(t, s, newEntry("other-year", berlin(2027, 2, 11, 12, 0)))
	require.Equal(t, records.RegisterNumber{Year: 2027, Seq: 1}, other.Number)
}

func testRegisterYearBoundary(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	steps := []struct {
		key      string
		received time.Time
		want     string
	}{
		// 23:59:59.999999 on 31 December in Berlin is still 2026 ...
		{"last-of-2026", time.Date(2026, 12, 31, 22, 59, 59, 999999000, time.UTC), "2026-000001"},
		// ... one microsecond later it is 2027 in Berlin, though still 2026 in UTC.
		{"first-of-2027", time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), "2027-000001"},
		{"mid-2026", berlin(2026, 6, 1, 10, 0), "2026-000002"},
		{"mid-2027", berlin(2027, 3, 1, 10, 0), "2027-000002"},
		// 2025-12-31 23:30 UTC is 2026-01-01 00:30 in Berlin.
		{"utc-2025-berlin-2026", time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC), "2026-000003"},
		{"early-2025", berlin(2025, 1, 2, 8, 0), "2025-000001"},
	}
	for _, st := range steps {
		got := register(t, s, newEntry(st.key, st.received))
		require.Equal(t, st.want, got.Number.String(), st.key)
		require.Equal(t, records.RegisterYear(st.received), got.Number.Year, st.key)
		byNumber, err := s.EntryByNumber(t.Context(), got.Number)
		require.NoError(t, err)
		require.Equal(t, got.SHA256, byNumber.SHA256, st.key)
	}
}

func testRegisterInvalid(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	valid := newEntry("valid", berlin(2026, 4, 1, 9, 0))
	for name, mutate := range map[string]func(e *records.NewEntry){
		"empty sha256":      func(e *records.NewEntry) { e.SHA256 = "" },
		"short sha256":      func(e *records.NewEntry) { e.SHA256 = e.SHA256[:63] },
		"upper-case sha256": func(e *records.NewEntry) { e.SHA256 = "AB" + e.SHA256[2:] },
		"unknown source":    func(e *records.NewEntry) { e.Source = "fax" },
		"no receipt time":   func(e *records.NewEntry) { e.ReceivedAt = time.Time{} },
		"negative size":     func(e *records.NewEntry) { e.Size = -1 },
	} {
		e := valid
		mutate(&e)
		_, _, err := s.Register(t.Context(), e)
		require.ErrorIs(t, err, ErrInvalid, name)
	}
	got := register(t, s, valid)
	require.Equal(t, int64(1), got.Number.Seq, "rejected input must not use up a number")
}

// testRegisterConcurrent is the guarantee the Posteingangsbuch rests on:
// 8 writers × 50 registrations, a fifth of them racing on the same
// documents, across two register years, yield 1..N per year exactly once.
func testRegisterConcurrent(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	registerConcurrently(t, []Store{s}, 8, 50)
}

// testRegisterConcurrentStores is the same race between separate Store
// values on one database, as between two processes (say, two intake workers
// on one SQLite file): nothing in-process can serialise them.
func testRegisterConcurrentStores(t *testing.T, b backend) {
	dsn := b.fresh(t)
	registerConcurrently(t, []Store{open(t, dsn), open(t, dsn), open(t, dsn), open(t, dsn)}, 8, 25)
}

// registerConcurrently runs writers goroutines, spread over stores, each
// registering perWriter documents, and checks the numbering they produced.
func registerConcurrently(t *testing.T, stores []Store, writers, perWriter int) {
	t.Helper()
	s := stores[0]
	type result struct {
		sha     string
		number  records.RegisterNumber
		created bool
	}
	results := make([][]result, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				key := fmt.Sprintf("w%d-%d", w, i)
				if i%5 == 0 {
					key = fmt.Sprintf("shared-%d", i/5) // every writer registers these
				}
				year := 2026 + int(sum(key)[0]%2)
				e := newEntry(key, berlin(year, 7, 1+i%28, 9, 0))
				got, created, err := stores[w%len(stores)].Register(t.Context(), e)
				if err != nil {
					errs[w] = fmt.Errorf("writer %d, %s: %w", w, key, err)
					return
				}
				results[w] = append(results[w], result{e.SHA256, got.Number, created})
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	numberOf := map[string]records.RegisterNumber{}
	createdBy := map[string]int{}
	for _, rs := range results {
		for _, r := range rs {
			if n, seen := numberOf[r.sha]; seen {
				require.Equal(t, n, r.number, "every caller must get the same number for one document")
			}
			numberOf[r.sha] = r.number
			if r.created {
				createdBy[r.sha]++
			}
		}
	}
	unique := writers*perWriter - (writers-1)*((perWriter+4)/5)
	require.Len(t, numberOf, unique)
	for sha := range numberOf {
		require.Equal(t, 1, createdBy[sha], "exactly one caller creates %s", sha)
	}

	seqs := map[int]map[int64]bool{}
	for _, n := range numberOf {
		if seqs[n.Year] == nil {
			seqs[n.Year] = map[int64]bool{}
		}
		require.False(t, seqs[n.Year][n.Seq], "duplicate number %s", n)
		seqs[n.Year][n.Seq] = true
	}
	require.Len(t, seqs, 2, "both years must have been used")
	for year, set := range seqs {
		for seq := int64(1); seq <= int64(len(set)); seq++ {
			require.True(t, set[seq], "gap at %d-%06d", year, seq)
		}
		// The database agrees with what the callers were told.
		list, err := s.Entries(t.Context(), EntryFilter{Year: year, Limit: MaxLimit})
		require.NoError(t, err)
		require.Len(t, list, len(set))
		for _, e := range list {
			require.Equal(t, numberOf[e.SHA256], e.Number)
		}
	}
	n, err := s.CountEntries(t.Context(), EntryFilter{})
	require.NoError(t, err)
	require.Equal(t, unique, n)
}

// ---- lookups and listing -------------------------------------------------------

func testLookups(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	e := register(t, s, newEntry("lookup", berlin(2026, 8, 3, 14, 0)))

	bySHA, err := s.EntryBySHA256(t.Context(), e.SHA256)
	require.NoError(t, err)
	requireSameEntry(t, e, bySHA)
	byNumber, err := s.EntryByNumber(t.Context(), e.Number)
	require.NoError(t, err)
	requireSameEntry(t, e, byNumber)
	byID, err := s.Entry(t.Context(), e.ID)
	require.NoError(t, err)
	requireSameEntry(t, e, byID)

	_, err = s.EntryBySHA256(t.Context(), sum("missing"))
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.EntryByNumber(t.Context(), records.RegisterNumber{Year: 2026, Seq: 2})
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.EntryByNumber(t.Context(), records.RegisterNumber{Year: 2025, Seq: 1})
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.Entry(t.Context(), e.ID+1000)
	require.ErrorIs(t, err, ErrNotFound)
}

func testEntriesFilter(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	specs := []struct {
		key      string
		source   records.Source
		received time.Time
	}{
		{"a", records.SourceMailroom, berlin(2025, 11, 3, 9, 0)},
		{"b", records.SourceEmail, berlin(2025, 12, 1, 9, 0)},
		{"c", records.SourceMailroom, berlin(2026, 1, 5, 9, 0)},
		{"d", records.SourceEInvoice, berlin(2026, 1, 6, 9, 0)},
		{"e", records.SourceUpload, berlin(2026, 1, 7, 9, 0)},
		{"f", records.SourceMailroom, berlin(2026, 1, 8, 9, 0)},
		// Registered last but received first: listing goes by receipt date.
		{"g", records.SourceEInvoice, berlin(2025, 10, 1, 9, 0)},
	}
	byKey := map[string]records.RegisterEntry{}
	for _, sp := range specs {
		e := newEntry(sp.key, sp.received)
		e.Source = sp.source
		byKey[sp.key] = register(t, s, e)
	}
	require.NoError(t, s.SetKind(t.Context(), byKey["d"].SHA256, records.KindXMLUBL, "UBL Invoice"))
	require.NoError(t, s.SetKind(t.Context(), byKey["c"].SHA256, records.KindPDFScan, ""))
	require.NoError(t, s.SetKind(t.Context(), byKey["f"].SHA256, records.KindPDFScan, ""))
	require.NoError(t, s.SetStatus(t.Context(), byKey["f"].SHA256, records.StatusFailed))

	keys := func(es []records.RegisterEntry) []string {
		out := []string{}
		for _, e := range es {
			out = append(out, e.OriginalName[:len(e.OriginalName)-len(".pdf")])
		}
		return out
	}
	cases := []struct {
		name   string
		filter EntryFilter
		want   []string
	}{
		{"all newest first", EntryFilter{}, []string{"f", "e", "d", "c", "b", "a", "g"}},
		{"year", EntryFilter{Year: 2025}, []string{"b", "a", "g"}},
		{"source", EntryFilter{Source: records.SourceMailroom}, []string{"f", "c", "a"}},
		{"status registered", EntryFilter{Status: records.StatusRegistered}, []string{"e", "b", "a", "g"}},
		{"status classified", EntryFilter{Status: records.StatusClassified}, []string{"d", "c"}},
		{"status failed", EntryFilter{Status: records.StatusFailed}, []string{"f"}},
		{"kind", EntryFilter{Kind: records.KindPDFScan}, []string{"f", "c"}},
		{"combined", EntryFilter{Year: 2026, Source: records.SourceEInvoice, Kind: records.KindXMLUBL}, []string{"d"}},
		{"nothing matches", EntryFilter{Year: 2024}, []string{}},
		{"first page", EntryFilter{Limit: 3}, []string{"f", "e", "d"}},
		{"second page", EntryFilter{Limit: 3, Offset: 3}, []string{"c", "b", "a"}},
		{"last page", EntryFilter{Limit: 3, Offset: 6}, []string{"g"}},
		{"past the end", EntryFilter{Limit: 3, Offset: 7}, []string{}},
		{"negative offset is zero", EntryFilter{Limit: 2, Offset: -5}, []string{"f", "e"}},
		{"filtered page", EntryFilter{Source: records.SourceMailroom, Limit: 1, Offset: 1}, []string{"c"}},
	}
	for _, c := range cases {
		got, err := s.Entries(t.Context(), c.filter)
		require.NoError(t, err, c.name)
		require.Equal(t, c.want, keys(got), c.name)

		count, err := s.CountEntries(t.Context(), c.filter)
		require.NoError(t, err, c.name)
		unpaged := c.filter
		unpaged.Limit, unpaged.Offset = MaxLimit, 0
		all, err := s.Entries(t.Context(), unpaged)
		require.NoError(t, err, c.name)
		require.Equal(t, len(all), count, "%s: count ignores limit and offset", c.name)
	}
}

func testEntriesDefaultLimit(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	start := berlin(2026, 1, 1, 8, 0)
	for i := range DefaultLimit + 1 {
		register(t, s, newEntry(fmt.Sprintf("many-%d", i), start.Add(time.Duration(i)*time.Minute)))
	}
	got, err := s.Entries(t.Context(), EntryFilter{})
	require.NoError(t, err)
	require.Len(t, got, DefaultLimit)
	got, err = s.Entries(t.Context(), EntryFilter{Limit: 10 * MaxLimit})
	require.NoError(t, err)
	require.Len(t, got, DefaultLimit+1)
	n, err := s.CountEntries(t.Context(), EntryFilter{Limit: 1})
	require.NoError(t, err)
	require.Equal(t, DefaultLimit+1, n)
}

func testSetKindStatus(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	t0 := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	setClock(s, t0)
	e := register(t, s, newEntry("kind", berlin(2026, 9, 1, 9, 0)))

	t1 := t0.Add(90*time.Second + 1500*time.Nanosecond)
	setClock(s, t1)
	require.NoError(t, s.SetKind(t.Context(), e.SHA256, records.KindPDFEInvoice, "factur-x.xml"))
	got, err := s.EntryBySHA256(t.Context(), e.SHA256)
	require.NoError(t, err)
	require.Equal(t, records.KindPDFEInvoice, got.Kind)
	require.Equal(t, "factur-x.xml", got.KindDetail)
	require.Equal(t, records.StatusClassified, got.Status)
	requireTime(t, t1.Truncate(time.Microsecond), got.UpdatedAt, "updated at after set kind")
	requireTime(t, t0, got.RegisteredAt, "registered at is not touched")

	t2 := t1.Add(time.Hour)
	setClock(s, t2)
	require.NoError(t, s.SetStatus(t.Context(), e.SHA256, records.StatusFailed))
	got, err = s.EntryBySHA256(t.Context(), e.SHA256)
	require.NoError(t, err)
	require.Equal(t, records.StatusFailed, got.Status)
	require.Equal(t, records.KindPDFEInvoice, got.Kind, "status change keeps the kind")
	requireTime(t, t2.Truncate(time.Microsecond), got.UpdatedAt, "updated at after set status")

	// Setting the same values again (an activity retry) is fine.
	require.NoError(t, s.SetStatus(t.Context(), e.SHA256, records.StatusFailed))

	require.ErrorIs(t, s.SetKind(t.Context(), sum("missing"), records.KindPDFText, ""), ErrNotFound)
	require.ErrorIs(t, s.SetStatus(t.Context(), sum("missing"), records.StatusFailed), ErrNotFound)
	require.ErrorIs(t, s.SetKind(t.Context(), e.SHA256, records.KindUnknown, ""), ErrInvalid)
	require.ErrorIs(t, s.SetStatus(t.Context(), e.SHA256, ""), ErrInvalid)
}

// ---- quarantine ------------------------------------------------------------------

func testQuarantine(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	now := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	setClock(s, now)

	binary := []byte{0x00, 0xff, 0xfe, '{', 0x80, '\n'} // envelopes can be anything
	explicit := time.Date(2026, 9, 30, 7, 0, 0, 0, records.RegisterLocation)
	first, err := s.AddQuarantine(t.Context(), QuarantineItem{
		Reason: "bad-envelope", Message: "envelope is not JSON", Subject: "intake.mailroom", Payload: binary, CreatedAt: explicit,
	})
	require.NoError(t, err)
	require.NotZero(t, first.ID)
	require.Equal(t, binary, first.Payload)
	requireTime(t, explicit, first.CreatedAt, "explicit created at")
	require.Nil(t, first.RetriedAt)
	require.Zero(t, first.RetryCount)

	second, err := s.AddQuarantine(t.Context(), QuarantineItem{
		Reason: "missing-object", Message: "object not in bucket", Subject: "intake.upload",
		Payload: []byte(`{"sha256":"x"}`), SHA256: sum("gone"),
	})
	require.NoError(t, err)
	requireTime(t, now, second.CreatedAt, "created at defaults to now")
	require.Equal(t, sum("gone"), second.SHA256)

	setClock(s, now.Add(time.Minute))
	third, err := s.AddQuarantine(t.Context(), QuarantineItem{Reason: "empty", Subject: "intake.email"})
	require.NoError(t, err)
	require.Nil(t, third.Payload)
	require.NotEqual(t, first.ID, second.ID)
	require.NotEqual(t, second.ID, third.ID)

	ids := func(items []QuarantineItem) []int64 {
		out := []int64{}
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	openItems, err := s.Quarantined(t.Context(), QuarantineFilter{})
	require.NoError(t, err)
	require.Equal(t, []int64{third.ID, second.ID, first.ID}, ids(openItems), "newest first")
	byReason, err := s.Quarantined(t.Context(), QuarantineFilter{Reason: "missing-object"})
	require.NoError(t, err)
	require.Equal(t, []int64{second.ID}, ids(byReason))
	byDocument, err := s.Quarantined(t.Context(), QuarantineFilter{SHA256: sum("gone")})
	require.NoError(t, err)
	require.Equal(t, []int64{second.ID}, ids(byDocument))
	paged, err := s.Quarantined(t.Context(), QuarantineFilter{Limit: 1, Offset: 1})
	require.NoError(t, err)
	require.Equal(t, []int64{second.ID}, ids(paged))

	retriedAt := time.Date(2026, 10, 2, 8, 0, 0, 4000, time.UTC)
	require.NoError(t, s.MarkQuarantineRetried(t.Context(), first.ID, retriedAt))
	openItems, err = s.Quarantined(t.Context(), QuarantineFilter{})
	require.NoError(t, err)
	require.Equal(t, []int64{third.ID, second.ID}, ids(openItems), "retried items are no longer open")
	all, err := s.Quarantined(t.Context(), QuarantineFilter{All: true})
	require.NoError(t, err)
	require.Equal(t, []int64{third.ID, second.ID, first.ID}, ids(all))
	for _, c := range []struct {
		f    QuarantineFilter
		want int
	}{{QuarantineFilter{}, 2}, {QuarantineFilter{All: true}, 3}, {QuarantineFilter{All: true, Reason: "bad-envelope"}, 1}, {QuarantineFilter{Reason: "bad-envelope"}, 0}} {
		n, err := s.CountQuarantined(t.Context(), c.f)
		require.NoError(t, err)
		require.Equal(t, c.want, n, "CountQuarantined(%+v)", c.f)
	}

	got, err := s.QuarantineItem(t.Context(), first.ID)
	require.NoError(t, err)
	require.NotNil(t, got.RetriedAt)
	requireTime(t, retriedAt, *got.RetriedAt, "retried at")
	require.Equal(t, 1, got.RetryCount)
	require.Equal(t, binary, got.Payload)
	require.Equal(t, "bad-envelope", got.Reason)
	require.Equal(t, "envelope is not JSON", got.Message)
	require.Equal(t, "intake.mailroom", got.Subject)

	// A zero time means now.
	setClock(s, now.Add(time.Hour))
	require.NoError(t, s.MarkQuarantineRetried(t.Context(), first.ID, time.Time{}))
	got, err = s.QuarantineItem(t.Context(), first.ID)
	require.NoError(t, err)
	require.Equal(t, 2, got.RetryCount)
	requireTime(t, now.Add(time.Hour), *got.RetriedAt, "retried at defaults to now")

	_, err = s.QuarantineItem(t.Context(), third.ID+100)
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorIs(t, s.MarkQuarantineRetried(t.Context(), third.ID+100, now), ErrNotFound)
	_, err = s.AddQuarantine(t.Context(), QuarantineItem{Message: "no reason"})
	require.ErrorIs(t, err, ErrInvalid)
}

// ---- audit events ------------------------------------------------------------------

func testEvents(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	doc, other := sum("audited"), sum("other")
	at := time.Date(2026, 11, 2, 10, 0, 0, 123456000, time.UTC)
	// Details are stored in canonical form (compact, keys sorted, numbers
	// as written), the bytes the chain hashes.
	details := json.RawMessage(`{"z": 1.50,  "a": [true, null], "name":"Müller <m>"}`)
	const canonical = `{"a":[true,null],"name":"Müller <m>","z":1.50}`
	evs := []AuditEvent{
		{Key: "k1", Time: at, Actor: "system:intake", Action: "document.registered", ObjectType: "document", ObjectID: doc, Details: details},
		{Key: "k2", Time: at.Add(time.Second), Actor: "system:classify", Action: "document.classified", ObjectType: "document", ObjectID: doc},
		{Key: "k3", Time: at.Add(time.Second), Actor: "system:intake", Action: "document.registered", ObjectType: "document", ObjectID: other},
		{Key: "k4", Time: at.Add(2 * time.Second), Actor: "user:mm", Action: "document.viewed", ObjectType: "document", ObjectID: doc, Details: json.RawMessage(`[]`)},
	}
	for _, ev := range evs {
		appended, err := s.AppendEvent(t.Context(), ev)
		require.NoError(t, err)
		require.True(t, appended, ev.Key)
	}
	retry := evs[1]
	retry.Details = json.RawMessage(`{"different":true}`)
	retry.Time = at.Add(time.Hour)
	appended, err := s.AppendEvent(t.Context(), retry)
	require.NoError(t, err)
	require.False(t, appended, "same key is a no-op")

	got, err := s.Events(t.Context(), "document", doc)
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, want := range []AuditEvent{evs[0], evs[1], evs[3]} {
		require.Equal(t, want.Key, got[i].Key)
		requireTime(t, want.Time, got[i].Time, "event time")
		require.Equal(t, want.Actor, got[i].Actor)
		require.Equal(t, want.Action, got[i].Action)
		require.Equal(t, want.ObjectType, got[i].ObjectType)
		require.Equal(t, want.ObjectID, got[i].ObjectID)
		if i == 0 {
			require.Equal(t, canonical, string(got[i].Details), "details canonical")
		} else {
			require.Equal(t, string(want.Details), string(got[i].Details))
		}
		if i > 0 {
			require.Greater(t, got[i].Seq, got[i-1].Seq, "seq strictly increasing")
		}
	}
	require.Nil(t, got[1].Details)
	require.Equal(t, []int64{1, 2, 4}, []int64{got[0].Seq, got[1].Seq, got[2].Seq}, "the chain numbers 1, 2, 3, … without gaps")

	got, err = s.Events(t.Context(), "document", other)
	require.NoError(t, err)
	require.Len(t, got, 1)
	got, err = s.Events(t.Context(), "document", sum("nobody"))
	require.NoError(t, err)
	require.Empty(t, got)

	_, err = s.AppendEvent(t.Context(), AuditEvent{Action: "x", ObjectType: "document", ObjectID: doc})
	require.ErrorIs(t, err, ErrInvalid, "key is required")
	_, err = s.AppendEvent(t.Context(), AuditEvent{Key: "k5", Action: "x", Details: json.RawMessage(`{broken`)})
	require.ErrorIs(t, err, ErrInvalid, "details must be JSON")

	// Time defaults to now.
	now := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	setClock(s, now)
	_, err = s.AppendEvent(t.Context(), AuditEvent{Key: "k6", Action: "document.exported", ObjectType: "document", ObjectID: other})
	require.NoError(t, err)
	got, err = s.Events(t.Context(), "document", other)
	require.NoError(t, err)
	require.Len(t, got, 2)
	requireTime(t, now, got[1].Time, "default event time")
}

func testEventsConcurrent(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	const writers, perWriter = 8, 25
	appended := make([]int, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				key := fmt.Sprintf("w%d-%d", w, i)
				if i%2 == 0 {
					key = fmt.Sprintf("shared-%d", i) // a retried activity racing itself
				}
				ok, err := s.AppendEvent(t.Context(), AuditEvent{
					Key: key, Actor: "system:test", Action: "test.appended", ObjectType: "document", ObjectID: "doc",
					Details: json.RawMessage(fmt.Sprintf(`{"writer":%d,"i":%d}`, w, i)),
				})
				if err != nil {
					errs[w] = err
					return
				}
				if ok {
					appended[w]++
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	const shared = (perWriter + 1) / 2
	const unique = writers*(perWriter-shared) + shared
	total := 0
	for _, n := range appended {
		total += n
	}
	require.Equal(t, unique, total, "each key appended exactly once")

	got, err := s.Events(t.Context(), "document", "doc")
	require.NoError(t, err)
	require.Len(t, got, unique)
	keys := map[string]bool{}
	for i, ev := range got {
		require.False(t, keys[ev.Key], "key %s twice", ev.Key)
		keys[ev.Key] = true
		if i > 0 {
			require.Greater(t, ev.Seq, got[i-1].Seq)
		}
	}
}

// ---- housekeeping ------------------------------------------------------------------

func testPing(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	require.NoError(t, s.Ping(t.Context()))
	require.NoError(t, s.Close())
	require.Error(t, s.Ping(t.Context()), "ping after close must fail")
}

func testReopenKeepsData(t *testing.T, b backend) {
	dsn := b.fresh(t)
	s := open(t, dsn)
	first := register(t, s, newEntry("kept-1", berlin(2026, 4, 1, 9, 0)))
	second := register(t, s, newEntry("kept-2", berlin(2026, 4, 2, 9, 0)))
	require.NoError(t, s.SetKind(t.Context(), second.SHA256, records.KindPDFText, ""))
	q, err := s.AddQuarantine(t.Context(), QuarantineItem{Reason: "too-large", Payload: []byte("x")})
	require.NoError(t, err)
	_, err = s.AppendEvent(t.Context(), AuditEvent{Key: "kept", Action: "document.registered", ObjectType: "document", ObjectID: first.SHA256})
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s = open(t, dsn)
	got, err := s.EntryBySHA256(t.Context(), first.SHA256)
	require.NoError(t, err)
	requireSameEntry(t, first, got)
	got, err = s.EntryBySHA256(t.Context(), second.SHA256)
	require.NoError(t, err)
	require.Equal(t, records.KindPDFText, got.Kind)
	gotQ, err := s.QuarantineItem(t.Context(), q.ID)
	require.NoError(t, err)
	require.Equal(t, "too-large", gotQ.Reason)
	evs, err := s.Events(t.Context(), "document", first.SHA256)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	appended, err := s.AppendEvent(t.Context(), AuditEvent{Key: "kept", Action: "document.registered"})
	require.NoError(t, err)
	require.False(t, appended, "keys stay unique across restarts")

	// The counter survives too: numbering continues, it does not restart.
	third := register(t, s, newEntry("kept-3", berlin(2026, 4, 3, 9, 0)))
	require.Equal(t, records.RegisterNumber{Year: 2026, Seq: 3}, third.Number)
}

func testRenditions(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	doc := sum("brief")
	_, _, err := s.AddRendition(ctx, records.Rendition{DocumentSHA256: doc, Kind: records.RenditionText, BlobSHA256: sum("text"), Size: 5, MediaType: "text/plain"})
	require.ErrorIs(t, err, ErrNotFound, "a rendition needs its document in the register")

	_, _, err = s.Register(ctx, records.NewEntry{SHA256: doc, Size: 10, MediaType: "application/pdf", Source: records.SourceMailroom,
		ReceivedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), WorkflowID: "inbound-" + doc})
	require.NoError(t, err)
	pdf := records.Rendition{DocumentSHA256: doc, Kind: records.RenditionArchivalPDF, BlobSHA256: sum("pdfa"), Size: 1234, MediaType: "application/pdf"}
	got, created, err := s.AddRendition(ctx, pdf)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, pdf.BlobSHA256, got.BlobSHA256)
	require.False(t, got.CreatedAt.IsZero())

	again, created, err := s.AddRendition(ctx, records.Rendition{DocumentSHA256: doc, Kind: records.RenditionArchivalPDF,
		BlobSHA256: sum("other pdfa"), Size: 99, MediaType: "application/pdf"})
	require.NoError(t, err)
	require.False(t, created, "second rendition of a kind")
	require.Equal(t, pdf.BlobSHA256, again.BlobSHA256, "the first rendition stays")

	_, _, err = s.AddRendition(ctx, records.Rendition{DocumentSHA256: doc, Kind: records.RenditionText, BlobSHA256: sum("text"), Size: 5, MediaType: "text/plain; charset=utf-8"})
	require.NoError(t, err)
	list, err := s.Renditions(ctx, doc)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, records.RenditionArchivalPDF, list[0].Kind)
	require.Equal(t, records.RenditionText, list[1].Kind)
	none, err := s.Renditions(ctx, sum("unknown"))
	require.NoError(t, err)
	require.Empty(t, none)

	_, _, err = s.AddRendition(ctx, records.Rendition{DocumentSHA256: "x", Kind: records.RenditionText, BlobSHA256: sum("t"), MediaType: "text/plain"})
	require.ErrorIs(t, err, ErrInvalid)
}

func testSetScanProtocol(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	doc := sum("scan")
	require.ErrorIs(t, s.SetScanProtocol(ctx, doc, &records.ScanProtocol{Pages: 1}), ErrNotFound)
	_, _, err := s.Register(ctx, records.NewEntry{SHA256: doc, Size: 10, MediaType: "image/tiff", Source: records.SourceMailroom,
		ReceivedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), WorkflowID: "inbound-" + doc,
		ScanProtocol: &records.ScanProtocol{Operator: "poststelle-1"}})
	require.NoError(t, err)
	p := &records.ScanProtocol{Operator: "poststelle-1", Pages: 3, DPI: 300, CaptureSHA256: doc, Checks: []string{"ocr-text-layer", "pdfa-self-check"}}
	require.NoError(t, s.SetScanProtocol(ctx, doc, p))
	e, err := s.EntryBySHA256(ctx, doc)
	require.NoError(t, err)
	require.Equal(t, p, e.ScanProtocol)
}

// testSearchPhraseWindow: a phrase is checked on the newest candidates
// (documents with all its words) first; when they hold too few matches for
// the page, every candidate is checked. Every hit holds the phrase.
func testSearchPhraseWindow(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	doc := func(key, body string) records.SearchDoc {
		return records.SearchDoc{DocumentSHA256: sum(key), Title: "Brief", Type: "letter", Unit: "63",
			Sender: "Jörg Schröder", Date: "2026-01-10", Body: body}
	}
	phrase, words := "Wir planen den Neubau Einfamilienhaus am Waldrand.", "Das Einfamilienhaus ist kein Neubau."
	// Oldest first: two with the phrase, three with its words only.
	docs := []records.SearchDoc{doc("p1", phrase), doc("p2", phrase), doc("w1", words), doc("w2", words), doc("w3", words)}
	require.NoError(t, s.IndexDocuments(ctx, docs))
	ss := s.(*sqlStore)
	t.Cleanup(func() { ss.rankWindow, ss.totalCap = 0, 0 })
	keys := func(res SearchResult) []string {
		names := map[string]string{}
		for _, k := range []string{"p1", "p2", "p3", "p4", "w1", "w2", "w3"} {
			names[sum(k)] = k
		}
		out := []string{}
		for _, h := range res.Hits {
			out = append(out, names[h.DocumentSHA256])
		}
		return out
	}
	q := SearchQuery{Text: `"Neubau Einfamilienhaus"`, Viewer: Viewer{Units: []string{"63"}}, Limit: 2}

	res, err := s.Search(ctx, q)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"p1", "p2"}, keys(res))
	require.Equal(t, 2, res.Total)
	require.False(t, res.Capped)

	// The newest two candidates hold no phrase: all are checked.
	ss.rankWindow = 2
	res, err = s.Search(ctx, q)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"p1", "p2"}, keys(res))
	require.Equal(t, 2, res.Total)

	// The newest candidates fill the page: Total may be an estimate.
	require.NoError(t, s.IndexDocuments(ctx, []records.SearchDoc{doc("p3", phrase), doc("p4", phrase)}))
	res, err = s.Search(ctx, q)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"p3", "p4"}, keys(res))
	require.GreaterOrEqual(t, res.Total, 2)
	require.LessOrEqual(t, res.Total, 7)
	if res.Total != 4 {
		require.True(t, res.Capped, "an estimate is marked")
	}

	// Never outside the viewer's units.
	res, err = s.Search(ctx, SearchQuery{Text: q.Text, Viewer: Viewer{Units: []string{"20"}}})
	require.NoError(t, err)
	require.Empty(t, res.Hits)
	require.Zero(t, res.Total)
}

// ---- invoice approval --------------------------------------------------------

// invoiceIn stores an invoice and moves it through the given statuses.
func invoiceIn(t *testing.T, s Store, key, dueDate string, path ...records.InvoiceStatus) records.Invoice {
	t.Helper()
	inv := sampleInvoice(registerDoc(t, s, key), "R-"+key, "119.00")
	inv.DueDate = dueDate
	stored, created, err := s.AddInvoice(t.Context(), inv)
	require.NoError(t, err)
	require.True(t, created)
	for _, st := range path {
		require.NoError(t, s.SetInvoiceStatus(t.Context(), stored.ID, st), "to %s", st)
	}
	stored, err = s.Invoice(t.Context(), stored.ID)
	require.NoError(t, err)
	return stored
}

func invoiceIDs(invs []records.Invoice) []int64 {
	ids := []int64{}
	for _, inv := range invs {
		ids = append(ids, inv.ID)
	}
	return ids
}

func testInvoiceApprovalStatuses(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	inv := invoiceIn(t, s, "statuses", "2026-11-29")
	for _, c := range []struct {
		to records.InvoiceStatus
		ok bool
	}{
		{records.InvoiceApproved, false}, // not before approval started
		{records.InvoiceInApproval, true},
		{records.InvoiceInApproval, true}, // a retry
		{records.InvoiceRejectedInApproval, true},
		{records.InvoiceInApproval, true}, // corrected
		{records.InvoiceApproved, true},
		{records.InvoiceBooked, true},
		{records.InvoiceCancelled, false}, // booked is final
		{"paid", false},
	} {
		err := s.SetInvoiceStatus(ctx, inv.ID, c.to)
		if c.ok {
			require.NoError(t, err, "to %s", c.to)
		} else {
			require.ErrorIs(t, err, ErrInvalid, "to %s", c.to)
		}
	}
	got, err := s.Invoice(ctx, inv.ID)
	require.NoError(t, err)
	require.Equal(t, records.InvoiceBooked, got.Status)
	list, err := s.Invoices(ctx, InvoiceFilter{Status: records.InvoiceBooked})
	require.NoError(t, err)
	require.Equal(t, []int64{inv.ID}, invoiceIDs(list))
}

func testInvoiceApprovals(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	inv := invoiceIn(t, s, "approvals", "2026-11-29", records.InvoiceInApproval)
	other := invoiceIn(t, s, "approvals other", "2026-11-29", records.InvoiceInApproval)
	at := time.Date(2026, 11, 3, 9, 30, 0, 123456789, time.UTC)
	first := records.Approval{InvoiceID: inv.ID, Seq: 1, Stage: "factual", User: "anna", OnBehalfOf: "bert",
		Approve: true, Comment: "Lieferung vollständig", At: at, WorkflowID: "invoice-approval-1"}

	_, _, err := s.AddApproval(ctx, records.Approval{InvoiceID: 999999, Seq: 1, Stage: "factual", User: "anna", WorkflowID: "w"})
	require.ErrorIs(t, err, ErrNotFound)
	for _, bad := range []func(*records.Approval){
		func(a *records.Approval) { a.Seq = 0 },
		func(a *records.Approval) { a.Stage = "" },
		func(a *records.Approval) { a.User = "" },
		func(a *records.Approval) { a.WorkflowID = "" },
	} {
		a := first
		bad(&a)
		_, _, err := s.AddApproval(ctx, a)
		require.ErrorIs(t, err, ErrInvalid)
	}

	stored, created, err := s.AddApproval(ctx, first)
	require.NoError(t, err)
	require.True(t, created)
	require.NotZero(t, stored.ID)
	requireTime(t, dbTime(at), stored.At, "decided at")
	want := first
	want.ID, want.At = stored.ID, stored.At
	require.Equal(t, want, stored)

	// A retry, even with another time, finds the decision.
	retry := first
	retry.At = at.Add(time.Minute)
	again, created, err := s.AddApproval(ctx, retry)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, stored, again)

	// Another decision under the same seq is a conflict.
	conflict := first
	conflict.Approve = false
	_, _, err = s.AddApproval(ctx, conflict)
	require.ErrorIs(t, err, ErrApprovalConflict)
	require.ErrorIs(t, err, ErrInvalid)

	// Seqs leave no hole.
	skip := first
	skip.Seq, skip.Stage = 3, "arithmetic"
	_, _, err = s.AddApproval(ctx, skip)
	require.ErrorIs(t, err, ErrInvalid)

	setClock(s, time.Date(2026, 11, 4, 8, 0, 0, 0, time.UTC))
	second, created, err := s.AddApproval(ctx, records.Approval{InvoiceID: inv.ID, Seq: 2, Stage: "arithmetic", User: "carla",
		Approve: true, WorkflowID: "invoice-approval-1"})
	require.NoError(t, err)
	require.True(t, created)
	requireTime(t, time.Date(2026, 11, 4, 8, 0, 0, 0, time.UTC), second.At, "at defaults to now")

	// Concurrent writers of one seq: one decision is stored.
	var wg sync.WaitGroup
	var mu sync.Mutex
	createdN := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, created, err := s.AddApproval(ctx, records.Approval{InvoiceID: inv.ID, Seq: 3, Stage: "payment_order",
				User: "dora", Approve: true, WorkflowID: "invoice-approval-1"})
			if err != nil {
				t.Errorf("concurrent add: %v", err)
				return
			}
			if created {
				mu.Lock()
				createdN++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 1, createdN)

	list, err := s.Approvals(ctx, inv.ID)
	require.NoError(t, err)
	require.Len(t, list, 3)
	for i, a := range list {
		require.Equal(t, i+1, a.Seq)
	}
	require.Equal(t, stored, list[0])
	require.Equal(t, second, list[1])
	none, err := s.Approvals(ctx, other.ID)
	require.NoError(t, err)
	require.NotNil(t, none, "an empty list, not nil")
	require.Empty(t, none)
}

func testInvoiceStages(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	inv1 := invoiceIn(t, s, "stage one", "2026-11-29", records.InvoiceInApproval)
	inv2 := invoiceIn(t, s, "stage two", "2026-11-29", records.InvoiceInApproval)
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	t1, t2, t3 := t0.Add(time.Hour), t0.Add(2*time.Hour), t0.Add(3*time.Hour)
	terms := records.InvoiceTerms{DueDate: "2026-11-29", DiscountDate: "2026-11-12", DiscountAmount: "2.38"}

	_, err := s.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: 999999, Stage: "factual", Since: t0})
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.InvoiceStage(ctx, inv1.ID)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: inv1.ID, Assignees: []string{"anna"}, Since: t0})
	require.ErrorIs(t, err, ErrInvalid, "assignees need a stage")
	_, err = s.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: inv1.ID, Stage: "factual", Assignees: []string{""}, Since: t0})
	require.ErrorIs(t, err, ErrInvalid)

	waiting := func(user string) []int64 {
		t.Helper()
		invs, err := s.InvoicesWaitingFor(ctx, user, 0)
		require.NoError(t, err)
		return invoiceIDs(invs)
	}

	applied, err := s.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: inv1.ID, Stage: "factual",
		Assignees: []string{"anna", "bert", "anna"}, Since: t1, Terms: terms})
	require.NoError(t, err)
	require.True(t, applied)
	st, err := s.InvoiceStage(ctx, inv1.ID)
	require.NoError(t, err)
	require.Equal(t, inv1.ID, st.InvoiceID)
	require.Equal(t, "factual", st.Stage)
	require.Equal(t, []string{"anna", "bert"}, st.Assignees, "once each, in order")
	requireTime(t, t1, st.Since, "since")
	require.Equal(t, terms, st.Terms)

	// inv2 waits for anna longer: it comes first.
	_, err = s.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: inv2.ID, Stage: "factual", Assignees: []string{"anna"}, Since: t0})
	require.NoError(t, err)
	require.Equal(t, []int64{inv2.ID, inv1.ID}, waiting("anna"))
	require.Equal(t, []int64{inv1.ID}, waiting("bert"))
	invs, err := s.InvoicesWaitingFor(ctx, "anna", 1)
	require.NoError(t, err)
	require.Equal(t, []int64{inv2.ID}, invoiceIDs(invs), "limit")
	require.Equal(t, []int64{}, waiting("nobody"))
	require.Equal(t, []int64{}, waiting(`"anna"`), "a user is matched exactly")

	// The next stage; zero terms keep the stored ones.
	applied, err = s.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: inv1.ID, Stage: "arithmetic", Assignees: []string{"carla"}, Since: t2})
	require.NoError(t, err)
	require.True(t, applied)
	st, err = s.InvoiceStage(ctx, inv1.ID)
	require.NoError(t, err)
	require.Equal(t, "arithmetic", st.Stage)
	require.Equal(t, terms, st.Terms)
	require.Equal(t, []int64{inv2.ID}, waiting("anna"))
	require.Equal(t, []int64{}, waiting("bert"))
	require.Equal(t, []int64{inv1.ID}, waiting("carla"))

	// A late retry of the older write changes nothing; a retry of the
	// current one is harmless.
	applied, err = s.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: inv1.ID, Stage: "factual", Assignees: []string{"anna"}, Since: t1})
	require.NoError(t, err)
	require.False(t, applied)
	require.Equal(t, []int64{inv1.ID}, waiting("carla"))
	applied, err = s.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: inv1.ID, Stage: "arithmetic", Assignees: []string{"carla"}, Since: t2})
	require.NoError(t, err)
	require.True(t, applied)
	require.Equal(t, []int64{inv1.ID}, waiting("carla"))

	// Nothing waits any more.
	_, err = s.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: inv1.ID, Since: t3})
	require.NoError(t, err)
	st, err = s.InvoiceStage(ctx, inv1.ID)
	require.NoError(t, err)
	require.Empty(t, st.Stage)
	require.Empty(t, st.Assignees)
	require.Equal(t, []int64{}, waiting("carla"))
}

func testOverdueInvoices(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	in := []records.InvoiceStatus{records.InvoiceInApproval}
	approved := []records.InvoiceStatus{records.InvoiceInApproval, records.InvoiceApproved}
	a := invoiceIn(t, s, "overdue a", "2026-11-10", in...)
	bInv := invoiceIn(t, s, "overdue b", "2026-11-05", approved...)
	invoiceIn(t, s, "not in approval", "2026-11-01")
	invoiceIn(t, s, "no due date", "", in...)
	invoiceIn(t, s, "due later", "2026-12-01", in...)
	invoiceIn(t, s, "due today", "2026-11-12", in...)
	invoiceIn(t, s, "booked", "2026-11-01", append(approved, records.InvoiceBooked)...)
	// The stage terms say when it is due, before the invoice's own date.
	f := invoiceIn(t, s, "terms", "2026-11-20", in...)
	_, err := s.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: f.ID, Stage: "factual", Assignees: []string{"anna"},
		Since: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), Terms: records.InvoiceTerms{DueDate: "2026-11-03"}})
	require.NoError(t, err)

	got, err := s.OverdueInvoices(ctx, "2026-11-12", 0)
	require.NoError(t, err)
	require.Equal(t, []int64{f.ID, bInv.ID, a.ID}, invoiceIDs(got), "oldest due first")
	got, err = s.OverdueInvoices(ctx, "2026-11-12", 2)
	require.NoError(t, err)
	require.Equal(t, []int64{f.ID, bInv.ID}, invoiceIDs(got))
	got, err = s.OverdueInvoices(ctx, "2026-11-01", 0)
	require.NoError(t, err)
	require.Equal(t, []int64{}, invoiceIDs(got))
	_, err = s.OverdueInvoices(ctx, "12.11.2026", 0)
	require.ErrorIs(t, err, ErrInvalid)
}

func testBookings(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	approved := []records.InvoiceStatus{records.InvoiceInApproval, records.InvoiceApproved}
	inv := invoiceIn(t, s, "booking", "2026-11-29", approved...)
	pending := invoiceIn(t, s, "still in approval", "2026-11-29", records.InvoiceInApproval)
	cancelled := invoiceIn(t, s, "cancelled", "2026-11-29", records.InvoiceInApproval, records.InvoiceCancelled)
	decision, _, err := s.AddApproval(ctx, records.Approval{InvoiceID: inv.ID, Seq: 1, Stage: "payment_order", User: "dora",
		Approve: true, At: time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC), WorkflowID: "invoice-approval-1"})
	require.NoError(t, err)
	booking := func(id int64, unit, amount string) records.Booking {
		return records.Booking{InvoiceID: id, Unit: unit, Creditor: "Müller & Söhne GmbH", CreditorVATID: "DE123456789",
			IBAN: "DE02120300000000202051", Amount: amount, Currency: "EUR", DueDate: "2026-11-29",
			DiscountDate: "2026-11-12", DiscountAmount: "2.38", InvoiceNumber: "R-1", InvoiceDate: "2026-10-30",
			CostCentre: "KST-4711", Approvals: []records.Approval{decision}}
	}

	_, _, err = s.PutBooking(ctx, booking(999999, "20", "119.00"))
	require.ErrorIs(t, err, ErrNotFound)
	_, _, err = s.PutBooking(ctx, records.Booking{InvoiceID: inv.ID, Currency: "EUR"})
	require.ErrorIs(t, err, ErrInvalid, "an amount is needed")
	// Only an approved invoice gets booked: not one still in approval, not
	// a cancelled one.
	for _, id := range []int64{pending.ID, cancelled.ID} {
		_, _, err = s.PutBooking(ctx, booking(id, "20", "119.00"))
		require.ErrorIs(t, err, ErrInvalid)
	}
	_, err = s.Booking(ctx, pending.ID)
	require.ErrorIs(t, err, ErrNotFound)

	created0 := time.Date(2026, 11, 5, 11, 0, 0, 0, time.UTC)
	setClock(s, created0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	createdN := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, created, err := s.PutBooking(ctx, booking(inv.ID, "20", fmt.Sprintf("119.%02d", i)))
			if err != nil {
				t.Errorf("concurrent put: %v", err)
				return
			}
			if created {
				mu.Lock()
				createdN++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Equal(t, 1, createdN, "never two bookings for one invoice")
	stored, err := s.Booking(ctx, inv.ID)
	require.NoError(t, err)
	requireTime(t, created0, stored.CreatedAt, "created at")
	require.Nil(t, stored.PublishedAt)
	require.Nil(t, stored.ExportedAt)
	want := booking(inv.ID, "20", stored.Amount)
	want.CreatedAt = stored.CreatedAt
	require.Equal(t, want, stored)

	// A repeat, also once the invoice is booked, returns the first.
	require.NoError(t, s.SetInvoiceStatus(ctx, inv.ID, records.InvoiceBooked))
	again, created, err := s.PutBooking(ctx, booking(inv.ID, "99", "1.00"))
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, stored, again)

	// Published and exported keep the first time.
	p1, p2 := created0.Add(time.Minute), created0.Add(time.Hour)
	require.NoError(t, s.MarkBookingPublished(ctx, inv.ID, p1))
	require.NoError(t, s.MarkBookingPublished(ctx, inv.ID, p2))
	require.NoError(t, s.MarkBookingExported(ctx, inv.ID, p2))
	require.NoError(t, s.MarkBookingExported(ctx, inv.ID, p2.Add(time.Hour)))
	require.ErrorIs(t, s.MarkBookingPublished(ctx, pending.ID, p1), ErrNotFound)
	require.ErrorIs(t, s.MarkBookingExported(ctx, 999999, p1), ErrNotFound)
	got, err := s.Booking(ctx, inv.ID)
	require.NoError(t, err)
	require.NotNil(t, got.PublishedAt)
	require.NotNil(t, got.ExportedAt)
	requireTime(t, p1, *got.PublishedAt, "published at")
	requireTime(t, p2, *got.ExportedAt, "exported at")

	// Two more bookings, in another unit and later.
	inv2 := invoiceIn(t, s, "booking two", "2026-11-29", approved...)
	inv3 := invoiceIn(t, s, "booking three", "2026-11-29", approved...)
	setClock(s, created0.Add(2*time.Hour))
	_, _, err = s.PutBooking(ctx, booking(inv2.ID, "30", "50.00"))
	require.NoError(t, err)
	setClock(s, created0.Add(3*time.Hour))
	third, _, err := s.PutBooking(ctx, records.Booking{InvoiceID: inv3.ID, Unit: "20", Amount: "7.00", Currency: "EUR"})
	require.NoError(t, err)
	require.NotNil(t, third.Approvals, "an empty list, not nil")
	require.Empty(t, third.Approvals)

	list := func(f BookingFilter) []int64 {
		t.Helper()
		bs, err := s.Bookings(ctx, f)
		require.NoError(t, err)
		ids := []int64{}
		for _, b := range bs {
			ids = append(ids, b.InvoiceID)
		}
		return ids
	}
	require.Equal(t, []int64{inv.ID, inv2.ID, inv3.ID}, list(BookingFilter{}), "oldest first")
	require.Equal(t, []int64{inv2.ID, inv3.ID}, list(BookingFilter{NotExported: true}))
	require.Equal(t, []int64{inv.ID, inv3.ID}, list(BookingFilter{Unit: "20"}))
	require.Equal(t, []int64{inv3.ID}, list(BookingFilter{Unit: "20", NotExported: true}))
	require.Equal(t, []int64{inv2.ID}, list(BookingFilter{Limit: 1, Offset: 1}))
	require.Equal(t, []int64{}, list(BookingFilter{Unit: "nowhere"}))
}
