// Package store is the SQL record of truth for aktenfluss: the
// Posteingangsbuch (register entries with their gap-free yearly numbers), the
// quarantine of envelopes intake could not register, and the audit trail.
//
// Two backends sit behind one [Store] interface: SQLite (a single file, the
// embedded default) and PostgreSQL (production). Both run the same SQL where
// the dialects agree and keep their own migrations where they do not; one
// conformance suite (conformance_test.go) holds both to the same behaviour,
// because a difference between them would only show up after a deployment
// moved from one to the other.
//
// Every write is idempotent on a natural key — the document's SHA-256 for a
// registration, the caller's key for an audit event — because the callers are
// Temporal activities, and activities are retried.
package store
