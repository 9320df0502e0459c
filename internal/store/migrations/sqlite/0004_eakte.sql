-- The E-Akte: file plan, organisation, files with their processes and
-- filings, what extraction and routing found, the triage queue and the
-- task listing.

-- The file plan (Aktenplan), flat by code. retention_years 0 and unit ''
-- mean "inherited from the parent".
CREATE TABLE plan_nodes (
    code            TEXT    PRIMARY KEY,
    title           TEXT    NOT NULL,
    retention_years INTEGER NOT NULL DEFAULT 0,
    unit            TEXT    NOT NULL DEFAULT ''
);

-- Organisational units; members is a JSON array of login names.
CREATE TABLE units (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    lead    TEXT NOT NULL,
    members TEXT NOT NULL DEFAULT '[]',
    parent  TEXT NOT NULL DEFAULT '',
    mailbox TEXT NOT NULL DEFAULT ''
);

CREATE TABLE deputies (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_name TEXT    NOT NULL,
    deputy    TEXT    NOT NULL,
    rank      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deputies_user ON deputies (user_name, rank, id);

CREATE TABLE absences (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_name  TEXT NOT NULL,
    from_day   TEXT NOT NULL, -- YYYY-MM-DD
    until_day  TEXT NOT NULL, -- YYYY-MM-DD, inclusive
    reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX absences_user ON absences (user_name, from_day);

-- One row per plan code and year, bumped in the same transaction as the
-- insert of the file it numbers: a rolled-back opening leaves no gap.
CREATE TABLE file_counters (
    plan_code TEXT    NOT NULL,
    year      INTEGER NOT NULL,
    last_seq  INTEGER NOT NULL CHECK (last_seq >= 0),
    PRIMARY KEY (plan_code, year)
);

-- Case files (Akten). key is the caller's idempotency key, NULL when none.
CREATE TABLE files (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    number          TEXT    NOT NULL UNIQUE,
    plan_code       TEXT    NOT NULL REFERENCES plan_nodes (code),
    seq             INTEGER NOT NULL CHECK (seq > 0),
    year            INTEGER NOT NULL,
    title           TEXT    NOT NULL,
    unit            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    retention_years INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    closed_at       TEXT,
    closed_by       TEXT    NOT NULL DEFAULT '',
    key             TEXT    UNIQUE,
    CONSTRAINT files_plan_year_seq UNIQUE (plan_code, year, seq)
);
CREATE INDEX files_unit ON files (unit, plan_code, year, seq);

-- Processes (Vorgänge), numbered per file.
CREATE TABLE processes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id    INTEGER NOT NULL REFERENCES files (id),
    seq        INTEGER NOT NULL CHECK (seq > 0),
    title      TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    CONSTRAINT processes_file_seq UNIQUE (file_id, seq)
);

-- A document placed in a file, once per file.
CREATE TABLE filings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    document_sha256 TEXT    NOT NULL,
    file_id         INTEGER NOT NULL REFERENCES files (id),
    process_id      INTEGER REFERENCES processes (id),
    title           TEXT    NOT NULL DEFAULT '',
    version         INTEGER NOT NULL CHECK (version > 0),
    supersedes      TEXT    NOT NULL DEFAULT '',
    filed_at        TEXT    NOT NULL,
    filed_by        TEXT    NOT NULL,
    reason          TEXT    NOT NULL DEFAULT '',
    CONSTRAINT filings_document_file UNIQUE (document_sha256, file_id)
);
CREATE INDEX filings_file ON filings (file_id, filed_at, id);

-- Extraction and routing results, one row per document. The JSON columns
-- keep the text as given.
CREATE TABLE document_meta (
    document_sha256 TEXT PRIMARY KEY,
    type            TEXT NOT NULL,
    sender          TEXT NOT NULL DEFAULT '',
    letter_date     TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    file_number     TEXT NOT NULL DEFAULT '',
    amount          TEXT NOT NULL DEFAULT '',
    leitweg_id      TEXT NOT NULL DEFAULT '',
    extracted       TEXT,
    routing_rule    TEXT NOT NULL DEFAULT '',
    routing_reason  TEXT NOT NULL DEFAULT '',
    routing         TEXT,
    routed_by       TEXT NOT NULL DEFAULT '',
    routed_at       TEXT,
    unit            TEXT NOT NULL DEFAULT '',
    updated_at      TEXT NOT NULL
);

-- The triage queue: at most one open item per workflow.
CREATE TABLE triage_items (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    document_sha256 TEXT NOT NULL,
    workflow_id     TEXT NOT NULL,
    reason          TEXT NOT NULL,
    suggestion      TEXT,
    status          TEXT NOT NULL,
    decision        TEXT,
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      TEXT,
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX triage_open_workflow ON triage_items (workflow_id) WHERE status = 'open';
CREATE INDEX triage_workflow ON triage_items (workflow_id, id);
CREATE INDEX triage_status ON triage_items (status, created_at, id);

-- The listing rows of clerk tasks; id is the workflow id.
CREATE TABLE tasks (
    id              TEXT    PRIMARY KEY,
    document_sha256 TEXT    NOT NULL DEFAULT '',
    title           TEXT    NOT NULL DEFAULT '',
    kind            TEXT    NOT NULL DEFAULT '',
    unit            TEXT    NOT NULL DEFAULT '',
    assignee        TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    file_number     TEXT    NOT NULL DEFAULT '',
    due             TEXT,
    follow_up_on    TEXT,
    escalated_to    TEXT    NOT NULL DEFAULT '',
    version         INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX tasks_unit ON tasks (unit, status, created_at);
CREATE INDEX tasks_assignee ON tasks (assignee, status, created_at);
