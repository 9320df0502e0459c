-- Renditions made from a document (archival PDF/A, text). One per kind: the
-- first one stored stays, so a retried activity cannot swap a rendition
-- an auditor may already have read.
CREATE TABLE renditions (
    document_sha256 TEXT    NOT NULL REFERENCES register_entries (sha256),
    kind            TEXT    NOT NULL,
    blob_sha256     TEXT    NOT NULL,
    size            INTEGER NOT NULL,
    media_type      TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    PRIMARY KEY (document_sha256, kind)
);
