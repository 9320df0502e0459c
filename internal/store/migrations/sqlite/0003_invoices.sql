-- The invoice record of an e-invoice: what the approval workflow, the
-- duplicate check and the listings need, with the blobs of the XML (the
-- legal original), the validation report and the readable rendition. One
-- per delivered document. Amounts are decimal strings as written.
CREATE TABLE invoices (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    document_sha256  TEXT    NOT NULL UNIQUE REFERENCES register_entries (sha256),
    xml_sha256       TEXT    NOT NULL,
    report_sha256    TEXT    NOT NULL,
    view_sha256      TEXT    NOT NULL DEFAULT '',
    workflow_id      TEXT    NOT NULL,
    syntax           TEXT    NOT NULL,
    scenario         TEXT    NOT NULL,
    customization_id TEXT    NOT NULL,
    number           TEXT    NOT NULL,
    issue_date       TEXT    NOT NULL,
    type_code        TEXT    NOT NULL,
    currency         TEXT    NOT NULL,
    seller_name      TEXT    NOT NULL,
    seller_vat_id    TEXT    NOT NULL,
    buyer_name       TEXT    NOT NULL,
    buyer_reference  TEXT    NOT NULL,
    order_reference  TEXT    NOT NULL,
    net_total        TEXT    NOT NULL,
    tax_total        TEXT    NOT NULL,
    gross_total      TEXT    NOT NULL,
    payable          TEXT    NOT NULL,
    due_date         TEXT    NOT NULL,
    payment_terms    TEXT    NOT NULL,
    ibans            TEXT    NOT NULL, -- JSON array
    accepted         INTEGER NOT NULL,
    errors           INTEGER NOT NULL,
    warnings         INTEGER NOT NULL,
    status           TEXT    NOT NULL,
    duplicate_key    TEXT    NOT NULL,
    duplicate_of     INTEGER REFERENCES invoices (id),
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);
CREATE INDEX invoices_duplicate_key ON invoices (duplicate_key, id);
CREATE INDEX invoices_status ON invoices (status, id);
