-- The E-Akte: file plan, organisation, files with their processes and
-- filings, what extraction and routing found, the triage queue and the
-- task listing.

-- The file plan (Aktenplan), flat by code. retention_years 0 and unit ''
-- mean "inherited from the parent".
CREATE TABLE plan_nodes (
    code            text    PRIMARY KEY,
    title           text    NOT NULL,
    retention_years bigint NOT NULL DEFAULT 0,
    unit            text    NOT NULL DEFAULT ''
);

-- Organisational units; members is a JSON array of login names.
CREATE TABLE units (
    code    text PRIMARY KEY,
    name    text NOT NULL,
    lead    text NOT NULL,
    members text NOT NULL DEFAULT '[]',
    parent  text NOT NULL DEFAULT '',
    mailbox text NOT NULL DEFAULT ''
);

CREATE TABLE deputies (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name text    NOT NULL,
    deputy    text    NOT NULL,
    rank      bigint NOT NULL DEFAULT 0
);
CREATE INDEX deputies_user ON deputies (user_name, rank, id);

CREATE TABLE absences (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name  text NOT NULL,
    from_day   text NOT NULL, -- YYYY-MM-DD
    until_day  text NOT NULL, -- YYYY-MM-DD, inclusive
    reason     text NOT NULL DEFAULT ''
);
CREATE INDEX absences_user ON absences (user_name, from_day);

-- One row per plan code and year, bumped in the same transaction as the
-- insert of the file it numbers: a rolled-back opening leaves no gap.
CREATE TABLE file_counters (
    plan_code text    NOT NULL,
    year      bigint NOT NULL,
    last_seq  bigint NOT NULL CHECK (last_seq >= 0),
    PRIMARY KEY (plan_code, year)
);

-- Case files (Akten). key is the caller's idempotency key, NULL when none.
CREATE TABLE files (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number          text    NOT NULL UNIQUE,
    plan_code       text    NOT NULL REFERENCES plan_nodes (code),
    seq             bigint NOT NULL CHECK (seq > 0),
    year            bigint NOT NULL,
    title           text    NOT NULL,
    unit            text    NOT NULL,
    status          text    NOT NULL,
    retention_years bigint NOT NULL,
    created_at      timestamptz NOT NULL,
    created_by      text    NOT NULL,
    closed_at       timestamptz,
    closed_by       text    NOT NULL DEFAULT '',
    key             text    UNIQUE,
    CONSTRAINT files_plan_year_seq UNIQUE (plan_code, year, seq)
);
CREATE INDEX files_unit ON files (unit, plan_code, year, seq);

-- Processes (Vorgänge), numbered per file.
CREATE TABLE processes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_id    bigint NOT NULL REFERENCES files (id),
    seq        bigint NOT NULL CHECK (seq > 0),
    title      text    NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text    NOT NULL,
    CONSTRAINT processes_file_seq UNIQUE (file_id, seq)
);

-- A document placed in a file, once per file.
CREATE TABLE filings (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_sha256 text    NOT NULL,
    file_id         bigint NOT NULL REFERENCES files (id),
    process_id      bigint REFERENCES processes (id),
    title           text    NOT NULL DEFAULT '',
    version         bigint NOT NULL CHECK (version > 0),
    supersedes      text    NOT NULL DEFAULT '',
    filed_at        timestamptz NOT NULL,
    filed_by        text    NOT NULL,
    reason          text    NOT NULL DEFAULT '',
    CONSTRAINT filings_document_file UNIQUE (document_sha256, file_id)
);
CREATE INDEX filings_file ON filings (file_id, filed_at, id);

-- Extraction and routing results, one row per document. The json columns
-- keep the text as given.
CREATE TABLE document_meta (
    document_sha256 text PRIMARY KEY,
    type            text NOT NULL,
    sender          text NOT NULL DEFAULT '',
    letter_date     text NOT NULL DEFAULT '',
    subject         text NOT NULL DEFAULT '',
    file_number     text NOT NULL DEFAULT '',
    amount          text NOT NULL DEFAULT '',
    leitweg_id      text NOT NULL DEFAULT '',
    extracted       json,
    routing_rule    text NOT NULL DEFAULT '',
    routing_reason  text NOT NULL DEFAULT '',
    routing         json,
    routed_by       text NOT NULL DEFAULT '',
    routed_at       timestamptz,
    unit            text NOT NULL DEFAULT '',
    updated_at      timestamptz NOT NULL
);

-- The triage queue: at most one open item per workflow.
CREATE TABLE triage_items (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_sha256 text NOT NULL,
    workflow_id     text NOT NULL,
    reason          text NOT NULL,
    suggestion      json,
    status          text NOT NULL,
    decision        json,
    decided_by      text NOT NULL DEFAULT '',
    decided_at      timestamptz,
    created_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX triage_open_workflow ON triage_items (workflow_id) WHERE status = 'open';
CREATE INDEX triage_workflow ON triage_items (workflow_id, id);
CREATE INDEX triage_status ON triage_items (status, created_at, id);

-- The listing rows of clerk tasks; id is the workflow id.
CREATE TABLE tasks (
    id              text    PRIMARY KEY,
    document_sha256 text    NOT NULL DEFAULT '',
    title           text    NOT NULL DEFAULT '',
    kind            text    NOT NULL DEFAULT '',
    unit            text    NOT NULL DEFAULT '',
    assignee        text    NOT NULL DEFAULT '',
    status          text    NOT NULL,
    file_number     text    NOT NULL DEFAULT '',
    due             timestamptz,
    follow_up_on    timestamptz,
    escalated_to    text    NOT NULL DEFAULT '',
    version         bigint NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX tasks_unit ON tasks (unit, status, created_at);
CREATE INDEX tasks_assignee ON tasks (assignee, status, created_at);
