-- The hash-chained audit trail (internal/audit). seq is assigned by the
-- chain itself (head.seq + 1 under the write lock), not by the database,
-- so a rolled-back append leaves no gap. The rows of audit_events are moved
-- into the chain in their order by the Go step of this migration, which
-- then drops audit_events.
CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY,
    key           TEXT    NOT NULL,
    time          TEXT    NOT NULL,
    actor         TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    object_type   TEXT    NOT NULL,
    object_id     TEXT    NOT NULL,
    details       TEXT,               -- canonical JSON, NULL when none
    personal_hash BLOB,               -- SHA-256(salt || personal data)
    prev_hash     BLOB    NOT NULL,
    hash          BLOB    NOT NULL,
    CONSTRAINT audit_log_key_key UNIQUE (key)
);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id, seq);

-- Personal data lives outside the hashed row; erasing deletes the row here.
CREATE TABLE audit_personal (
    seq  INTEGER PRIMARY KEY,
    salt BLOB NOT NULL,
    data TEXT NOT NULL
);

-- The end of the chain, the one row every append locks.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash BLOB
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, NULL);

-- Signed checkpoints; copies are kept outside the database as well.
CREATE TABLE audit_checkpoints (
    seq       INTEGER NOT NULL,
    key_id    TEXT    NOT NULL,
    time      TEXT    NOT NULL,
    hash      TEXT    NOT NULL,
    signature TEXT    NOT NULL,
    PRIMARY KEY (seq, key_id)
);
