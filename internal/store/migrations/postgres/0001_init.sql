-- One row per register year. The row is bumped in the same transaction as the
-- insert of the entry it numbers: its row lock serialises registrations within
-- a year, and a rolled-back registration leaves no gap.
CREATE TABLE register_counters (
    year     integer PRIMARY KEY,
    last_seq bigint  NOT NULL CHECK (last_seq >= 0)
);

-- The Posteingangsbuch.
CREATE TABLE register_entries (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year          integer     NOT NULL REFERENCES register_counters (year),
    seq           bigint      NOT NULL CHECK (seq > 0),
    sha256        text        NOT NULL,
    size          bigint      NOT NULL,
    media_type    text        NOT NULL,
    original_name text        NOT NULL,
    source        text        NOT NULL,
    received_at   timestamptz NOT NULL,
    registered_at timestamptz NOT NULL,
    scan_protocol jsonb,                  -- NULL when no protocol was given
    workflow_id   text        NOT NULL,
    kind          text        NOT NULL DEFAULT '',
    kind_detail   text        NOT NULL DEFAULT '',
    status        text        NOT NULL,
    updated_at    timestamptz NOT NULL,
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
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reason      text        NOT NULL,
    message     text        NOT NULL,
    subject     text        NOT NULL,
    payload     bytea       NOT NULL,
    sha256      text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    retried_at  timestamptz,
    retry_count integer     NOT NULL DEFAULT 0
);

CREATE INDEX quarantine_open_idx    ON quarantine (created_at, id) WHERE retried_at IS NULL;
CREATE INDEX quarantine_created_idx ON quarantine (created_at, id);

-- The audit trail. details is json, not jsonb: json keeps the appended text
-- byte for byte, which a hash chain over the events depends on.
CREATE TABLE audit_events (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         text        NOT NULL,
    time        timestamptz NOT NULL,
    actor       text        NOT NULL,
    action      text        NOT NULL,
    object_type text        NOT NULL,
    object_id   text        NOT NULL,
    details     json,
    CONSTRAINT audit_events_key_key UNIQUE (key)
);

CREATE INDEX audit_events_object_idx ON audit_events (object_type, object_id, seq);
