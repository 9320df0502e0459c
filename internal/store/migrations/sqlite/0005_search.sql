-- The full-text index. search_docs holds the filter columns (one row per
-- document, id = the FTS rowid); search_fts the searchable text, tokenised
-- with diacritics folded so that "Schroder" finds "Schröder".
-- sender_fold is the sender lower-cased in Go (SQLite's lower() knows ASCII
-- only), for the case-insensitive substring filter.
CREATE TABLE search_docs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    document_sha256 TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL,
    type            TEXT NOT NULL,
    unit            TEXT NOT NULL,
    file_number     TEXT NOT NULL,
    sender          TEXT NOT NULL,
    sender_fold     TEXT NOT NULL,
    date            TEXT NOT NULL -- YYYY-MM-DD
);
CREATE INDEX search_docs_date ON search_docs (date, id);
CREATE INDEX search_docs_unit ON search_docs (unit, date, id);
CREATE INDEX search_docs_type ON search_docs (type, date, id);
CREATE INDEX search_docs_file ON search_docs (file_number, date, id);

CREATE VIRTUAL TABLE search_fts USING fts5 (
    title, sender, body, file_number,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- The rank column ranks a match in the title above one in the sender or
-- file number, and those above one in the body (bm25 weights per column).
INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(10.0, 5.0, 1.0, 5.0)');
