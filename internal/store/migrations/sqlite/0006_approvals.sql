-- The approval of invoices: the decisions taken at each stage, the stage
-- that waits now and for whom, and the booking record handed to finance.

-- One row per decision, numbered per invoice by the approval workflow.
CREATE TABLE invoice_approvals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id   INTEGER NOT NULL REFERENCES invoices (id),
    seq          INTEGER NOT NULL CHECK (seq > 0),
    stage        TEXT    NOT NULL,
    user_name    TEXT    NOT NULL,
    on_behalf_of TEXT    NOT NULL DEFAULT '',
    approve      INTEGER NOT NULL,
    comment      TEXT    NOT NULL DEFAULT '',
    decided_at   TEXT    NOT NULL,
    workflow_id  TEXT    NOT NULL,
    CONSTRAINT invoice_approvals_invoice_seq UNIQUE (invoice_id, seq)
);

-- The stage that waits, one row per invoice in approval. assignees is a
-- JSON array, repeated row by row in invoice_assignees for the inboxes.
CREATE TABLE invoice_stages (
    invoice_id      INTEGER PRIMARY KEY REFERENCES invoices (id),
    stage           TEXT    NOT NULL,
    assignees       TEXT    NOT NULL DEFAULT '[]',
    since           TEXT    NOT NULL,
    due_date        TEXT    NOT NULL DEFAULT '',
    discount_date   TEXT    NOT NULL DEFAULT '',
    discount_amount TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE invoice_assignees (
    invoice_id INTEGER NOT NULL REFERENCES invoice_stages (invoice_id),
    user_name  TEXT    NOT NULL,
    PRIMARY KEY (invoice_id, user_name)
);
CREATE INDEX invoice_assignees_user ON invoice_assignees (user_name, invoice_id);

-- The booking record, one per invoice. approvals is the JSON snapshot of
-- the decisions that authorised it, as exported.
CREATE TABLE bookings (
    invoice_id      INTEGER PRIMARY KEY REFERENCES invoices (id),
    unit            TEXT    NOT NULL,
    creditor        TEXT    NOT NULL,
    creditor_vat_id TEXT    NOT NULL,
    iban            TEXT    NOT NULL,
    amount          TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    due_date        TEXT    NOT NULL,
    discount_date   TEXT    NOT NULL,
    discount_amount TEXT    NOT NULL,
    invoice_number  TEXT    NOT NULL,
    invoice_date    TEXT    NOT NULL,
    cost_centre     TEXT    NOT NULL,
    approvals       TEXT    NOT NULL, -- JSON array
    created_at      TEXT    NOT NULL,
    published_at    TEXT,
    exported_at     TEXT
);
CREATE INDEX bookings_unit ON bookings (unit, created_at, invoice_id);
CREATE INDEX bookings_not_exported ON bookings (created_at, invoice_id) WHERE exported_at IS NULL;
