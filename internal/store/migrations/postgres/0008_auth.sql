-- Accounts, their roles and login sessions (internal/auth). A user has a
-- local password, an OIDC identity, or both; neither is required, so an
-- account can exist before its first login is set up.
CREATE TABLE users (
    login         text        PRIMARY KEY,
    name          text        NOT NULL,
    email         text        NOT NULL DEFAULT '',
    password_hash text,                     -- PHC string ($argon2id$…), NULL when none
    oidc_issuer   text,
    oidc_subject  text,
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    version       bigint      NOT NULL CHECK (version > 0),
    CONSTRAINT users_oidc UNIQUE (oidc_issuer, oidc_subject),
    CONSTRAINT users_oidc_pair CHECK ((oidc_issuer IS NULL) = (oidc_subject IS NULL))
);

CREATE TABLE user_roles (
    login text NOT NULL REFERENCES users (login) ON DELETE CASCADE,
    role  text NOT NULL,
    PRIMARY KEY (login, role)
);

-- Only the SHA-256 of a session token is stored: a copy of this table does
-- not let anyone log in.
CREATE TABLE sessions (
    token_hash   text        PRIMARY KEY,   -- hex SHA-256 of the token
    login        text        NOT NULL REFERENCES users (login) ON DELETE CASCADE,
    csrf_token   text        NOT NULL,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_login ON sessions (login);
CREATE INDEX sessions_expires ON sessions (expires_at);
