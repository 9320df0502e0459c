package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOpenDSN covers how Open reads a DSN; the behaviour behind it is the
// conformance suite's business.
func TestOpenDSN(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		dsn  string
		file string // the SQLite file that must exist afterwards
	}{
		{"sqlite scheme", "sqlite:" + filepath.Join(dir, "a", "b", "one.db"), filepath.Join(dir, "a", "b", "one.db")},
		{"sqlite url form", "sqlite://" + filepath.Join(dir, "two.db"), filepath.Join(dir, "two.db")},
		{"plain path", filepath.Join(dir, "c", "three.db"), filepath.Join(dir, "c", "three.db")},
		{"sqlite scheme without .db", "sqlite:" + filepath.Join(dir, "records.sqlite"), filepath.Join(dir, "records.sqlite")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := open(t, c.dsn)
			require.Equal(t, "sqlite", s.(*sqlStore).d.name)
			_, err := os.Stat(c.file)
			require.NoError(t, err, "database file")
		})
	}

	for _, dsn := range []string{
		"",
		"mysql://user:secret@host/db",
		filepath.Join(dir, "records.txt"),
		"sqlite::memory:",
		"sqlite:",
		"sqlite:file:x.db?mode=memory",
	} {
		t.Run("rejects "+dsn, func(t *testing.T) {
			_, err := Open(t.Context(), dsn)
			require.ErrorIs(t, err, ErrInvalid)
			require.NotContains(t, err.Error(), "secret", "errors must not repeat passwords")
		})
	}
}

// TestPostgresSchemes checks that both URL schemes reach PostgreSQL.
func TestPostgresSchemes(t *testing.T) {
	b := postgresBackend(t)
	if b.unavailable != nil {
		requireReachable(t, b.unavailable)
	}
	dsn := b.fresh(t)
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		t.Run(scheme, func(t *testing.T) {
			_, rest, ok := strings.Cut(dsn, "://")
			require.True(t, ok)
			s := open(t, scheme+rest)
			require.Equal(t, "postgres", s.(*sqlStore).d.name)
			require.NoError(t, s.Ping(t.Context()))
		})
	}
}

// TestSQLiteSettings checks the connection settings the SQLite backend's
// guarantees depend on, on several pooled connections.
func TestSQLiteSettings(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "settings.db"))
	db := s.(*sqlStore).db
	conns := 3
	for i := range conns {
		conn, err := db.Conn(t.Context())
		require.NoError(t, err)
		defer conn.Close()
		var mode string
		require.NoError(t, conn.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode))
		require.Equal(t, "wal", strings.ToLower(mode), "conn %d", i)
		var fk, busy, sync int
		require.NoError(t, conn.QueryRowContext(t.Context(), `PRAGMA foreign_keys`).Scan(&fk))
		require.Equal(t, 1, fk, "conn %d: foreign keys", i)
		require.NoError(t, conn.QueryRowContext(t.Context(), `PRAGMA busy_timeout`).Scan(&busy))
		require.Equal(t, int(sqliteBusyTimeout.Milliseconds()), busy, "conn %d: busy timeout", i)
		require.NoError(t, conn.QueryRowContext(t.Context(), `PRAGMA synchronous`).Scan(&sync))
		require.Equal(t, 2, sync, "conn %d: synchronous=FULL", i)
	}
	// Foreign keys are enforced: an entry cannot point at a year without a counter.
	_, err := db.ExecContext(t.Context(), `INSERT INTO register_entries (year, seq, sha256, size, media_type, original_name,
		source, received_at, registered_at, workflow_id, status, updated_at)
		VALUES (1999, 1, 'x', 0, '', '', 'upload', '', '', '', 'registered', '')`)
	require.Error(t, err)
}

func TestPage(t *testing.T) {
	for _, c := range []struct{ limit, offset, wantLimit, wantOffset int }{
		{0, 0, DefaultLimit, 0},
		{-3, -1, DefaultLimit, 0},
		{10, 20, 10, 20},
		{MaxLimit + 1, 0, MaxLimit, 0},
	} {
		l, o := page(c.limit, c.offset)
		require.Equal(t, c.wantLimit, l, "limit %d", c.limit)
		require.Equal(t, c.wantOffset, o, "offset %d", c.offset)
	}
}
