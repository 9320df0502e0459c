package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

var postgresDialect = dialect{
	name:         "postgres",
	migrationDir: "migrations/postgres",
	// A transaction-scoped advisory lock: two processes starting against a
	// fresh database queue here instead of racing on CREATE TABLE.
	migrationLock: `SELECT pg_advisory_xact_lock(7310293641846528061)`,
	timeArg:       func(t time.Time) any { return dbTime(t) },
	forUpdate:     " FOR UPDATE",
	// SHARE ROW EXCLUSIVE conflicts with itself and with writers, not with
	// readers of the plan.
	planLock: `LOCK TABLE plan_nodes IN SHARE ROW EXCLUSIVE MODE`,
}

// openPostgres connects with pgx through database/sql, which lets both
// backends share one implementation. Connection settings, search_path
// included, come from the DSN (pgx passes unknown keys on as runtime
// parameters).
func openPostgres(ctx context.Context, dsn string) (Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		// pgx's parse errors redact the password; the DSN is not repeated.
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &sqlStore{db: db, d: postgresDialect, now: time.Now}
	if err := s.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres store: migrate: %w", err)
	}
	return s, nil
}
