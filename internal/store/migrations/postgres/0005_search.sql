-- The full-text index: one row per document with the filter columns, the
-- body (for ts_headline) and a weighted tsvector in the german
-- configuration (stemming: "Bauanträge" finds "Bauantrag"): title A,
-- sender and file number B, body C. sender_fold is the sender lower-cased
-- in Go, for the case-insensitive substring filter.
CREATE TABLE search_docs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_sha256 text NOT NULL UNIQUE,
    title           text NOT NULL,
    type            text NOT NULL,
    unit            text NOT NULL,
    file_number     text NOT NULL,
    sender          text NOT NULL,
    sender_fold     text NOT NULL,
    date            text NOT NULL, -- YYYY-MM-DD
    body            text NOT NULL,
    tsv             tsvector NOT NULL GENERATED ALWAYS AS (
        setweight(to_tsvector('german'::regconfig, title), 'A') ||
        setweight(to_tsvector('german'::regconfig, sender || ' ' || file_number), 'B') ||
        setweight(to_tsvector('german'::regconfig, body), 'C')
    ) STORED
);
CREATE INDEX search_docs_tsv  ON search_docs USING gin (tsv);
CREATE INDEX search_docs_date ON search_docs (date, id);
CREATE INDEX search_docs_unit ON search_docs (unit, date, id);
CREATE INDEX search_docs_type ON search_docs (type, date, id);
CREATE INDEX search_docs_file ON search_docs (file_number, date, id);

-- Keep the heap narrow: body and tsv go out of line (TOAST) as soon as a
-- row passes 256 bytes, so counting and filtering read small rows and only
-- ranking and headlines touch the large columns.
ALTER TABLE search_docs SET (toast_tuple_target = 256);
