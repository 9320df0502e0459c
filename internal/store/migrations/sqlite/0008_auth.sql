-- Accounts, their roles and login sessions (internal/auth). A user has a
-- local password, an OIDC identity, or both; neither is required, so an
-- account can exist before its first login is set up.
CREATE TABLE users (
    login         TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    email         TEXT    NOT NULL DEFAULT '',
    password_hash TEXT,               -- PHC string ($argon2id$…), NULL when none
    oidc_issuer   TEXT,
    oidc_subject  TEXT,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    version       INTEGER NOT NULL CHECK (version > 0),
    CONSTRAINT users_oidc UNIQUE (oidc_issuer, oidc_subject),
    CONSTRAINT users_oidc_pair CHECK ((oidc_issuer IS NULL) = (oidc_subject IS NULL))
);

CREATE TABLE user_roles (
    login TEXT NOT NULL REFERENCES users (login) ON DELETE CASCADE,
    role  TEXT NOT NULL,
    PRIMARY KEY (login, role)
);

-- Only the SHA-256 of a session token is stored: a copy of this table does
-- not let anyone log in.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,   -- hex SHA-256 of the token
    login        TEXT NOT NULL REFERENCES users (login) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_login ON sessions (login);
CREATE INDEX sessions_expires ON sessions (expires_at);
