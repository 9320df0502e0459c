-- Times are TEXT in a fixed-width UTC form (2006-01-02T15:04:05.000000Z), so
-- string order is time order and the sqlite3 shell shows them readably.

-- One row per register year. The row is bumped in the same transaction as the
-- insert of the entry it numbers, so a rolled-back registration leaves no gap.
CREATE TABLE register_counters (
    year     INTEGER PRIMARY KEY,
    last_seq INTEGER NOT NULL CHECK (last_seq >= 0)
);

-- The Posteingangsbuch.
CREATE TABLE register_entries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    year          INTEGER NOT NULL REFERENCES register_counters (year),
    seq           INTEGER NOT NULL CHECK (seq > 0),
    sha256        TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    media_type    TEXT    NOT NULL,
    original_name TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    received_at   TEXT    NOT NULL,
    registered_at TEXT    NOT NULL,
    scan_protocol TEXT,               -- JSON, NULL when no protocol was given
    workflow_id   TEXT    NOT NULL,
    kind          TEXT    NOT NULL DEFAULT '',
    kind_detail   TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    CONSTRAINT register_entries_number_key UNIQUE (year, seq),
    CONSTRAINT register_entries_sha256_key UNIQUE (sha256)
);

-- Listing is newest first by receipt date, optionally narrowed by one column.
CREATE INDEX register_entries_received_idx ON register_entries (received_at, id);
CREATE INDEX register_entries_status_idx   ON register_entries (status, received_at, id);
CREATE INDEX register_entries_source_idx   ON register_entries (source, received_at, id);
CREATE INDEX register_entries_kind_idx     ON register_entries (kind, received_at, id);

-- Envelopes intake could not turn into a register entry.
CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    reason      TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    payload     BLOB    NOT NULL,
    sha256      TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    retried_at  TEXT,
    retry_count INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX quarantine_open_idx    ON quarantine (created_at, id) WHERE retried_at IS NULL;
CREATE INDEX quarantine_created_idx ON quarantine (created_at, id);

-- The audit trail. AUTOINCREMENT so a sequence number is never handed out twice.
CREATE TABLE audit_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT    NOT NULL,
    time        TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    object_type TEXT    NOT NULL,
    object_id   TEXT    NOT NULL,
    details     TEXT,                 -- JSON exactly as appended, NULL when none
    CONSTRAINT audit_events_key_key UNIQUE (key)
);

CREATE INDEX audit_events_object_idx ON audit_events (object_type, object_id, seq);
