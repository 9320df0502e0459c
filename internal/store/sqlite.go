package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver; pure Go, no cgo
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteBusyTimeout is how long a write waits for another process's write
// lock before it fails with SQLITE_BUSY.
const sqliteBusyTimeout = 10 * time.Second

var sqliteDialect = dialect{
	name:         "sqlite",
	migrationDir: "migrations/sqlite",
	// BEGIN IMMEDIATE (see sqliteDSN) already holds the write lock.
	migrationLock: "",
	timeArg:       func(t time.Time) any { return dbTime(t).Format(sqliteTimeLayout) },
	forUpdate:     "",
	planLock:      "",
}

// openSQLite opens (creating if need be) the database file at path.
func openSQLite(ctx context.Context, path string) (Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.Contains(path, "?") {
		// An in-memory database would be one per pooled connection; a URI or
		// query would bypass the settings below. Tests use t.TempDir().
		return nil, fmt.Errorf("open sqlite store %q: %w: want a file path", path, ErrInvalid)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("open sqlite store %q: %w", path, err)
		}
	}
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %q: %w", path, err)
	}
	// Readers run in parallel under WAL; writers queue on writeSem.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	s := &sqlStore{db: db, d: sqliteDialect, writeSem: make(chan struct{}, 1), now: time.Now}
	if err := enableWAL(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite store %q: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite store %q: migrate: %w", path, err)
	}
	return s, nil
}

// enableWAL switches the file to write-ahead logging, so readers do not
// block the writer nor it them. The mode is stored in the file, so this is
// done once here rather than per connection: the switch needs an exclusive
// lock and SQLite reports SQLITE_BUSY at once, without waiting, when another
// process opens the same fresh file at the same moment. Hence the retry.
func enableWAL(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, sqliteBusyTimeout)
	defer cancel()
	wait := 5 * time.Millisecond
	for {
		var mode string
		err := db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
		if err == nil {
			if !strings.EqualFold(mode, "wal") {
				return fmt.Errorf("enable wal: journal mode is %q", mode)
			}
			return nil
		}
		var serr *sqlite.Error
		if !errors.As(err, &serr) || serr.Code()&0xff != sqlite3.SQLITE_BUSY {
			return fmt.Errorf("enable wal: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("enable wal: %w", err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// sqliteDSN sets, on every connection the pool opens:
//   - synchronous=FULL, because this file is the register of record and a
//     committed registration must survive a power cut, not just a crash;
//   - foreign keys, which SQLite leaves off by default;
//   - busy_timeout, so a second process waits for the write lock;
//   - _txlock=immediate, so every transaction takes the write lock at BEGIN.
//     A deferred transaction that reads and then writes cannot wait for the
//     lock (SQLite returns SQLITE_BUSY at once to avoid a deadlock).
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(sqliteBusyTimeout.Milliseconds()))
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	// Reads through the page cache's mapping instead of copying each page
	// into SQLite's own cache: concurrent searches over a large full-text
	// index scale with the clients instead of queueing on the copies.
	q.Add("_pragma", "mmap_size(1073741824)")
	return path + "?" + q.Encode()
}
