-- The hash-chained audit trail (internal/audit). seq is assigned by the
-- chain itself (head.seq + 1 while holding the head row's lock), not by a
-- sequence, so a rolled-back append leaves no gap and seq order is commit
-- order. The rows of audit_events are moved into the chain in their order
-- by the Go step of this migration, which then drops audit_events.
CREATE TABLE audit_log (
    seq           bigint      PRIMARY KEY,
    key           text        NOT NULL,
    time          timestamptz NOT NULL,
    actor         text        NOT NULL,
    action        text        NOT NULL,
    object_type   text        NOT NULL,
    object_id     text        NOT NULL,
    details       text,                   -- canonical JSON, exactly as hashed
    personal_hash bytea,                  -- SHA-256(salt || personal data)
    prev_hash     bytea       NOT NULL,
    hash          bytea       NOT NULL,
    CONSTRAINT audit_log_key_key UNIQUE (key)
);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id, seq);

-- Personal data lives outside the hashed row; erasing deletes the row here.
CREATE TABLE audit_personal (
    seq  bigint PRIMARY KEY,
    salt bytea  NOT NULL,
    data text   NOT NULL
);

-- The end of the chain, the one row every append locks.
CREATE TABLE audit_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    seq  bigint  NOT NULL,
    hash bytea
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, NULL);

-- Signed checkpoints; copies are kept outside the database as well.
CREATE TABLE audit_checkpoints (
    seq       bigint      NOT NULL,
    key_id    text        NOT NULL,
    time      timestamptz NOT NULL,
    hash      text        NOT NULL,
    signature text        NOT NULL,
    PRIMARY KEY (seq, key_id)
);
