-- Versions of the routing rules an administrator saved in the browser.
-- The newest version is the one routing uses; when there is none, the
-- worker uses the rule file of the configuration. Versions are never
-- changed or deleted, so the trail's hashes can be matched to the text.
CREATE TABLE routing_rules (
    version    INTEGER PRIMARY KEY CHECK (version > 0),
    content    TEXT    NOT NULL,
    sha256     TEXT    NOT NULL,  -- hex SHA-256 of content
    created_at TEXT    NOT NULL,
    created_by TEXT    NOT NULL
);
