package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrConflict is returned (wrapped) when a write lost against another one:
// a user changed since it was read (version mismatch), a login or an OIDC
// identity that is already taken. The caller re-reads and decides again.
var ErrConflict = errors.New("conflict")

// User is an account. The store keeps roles as plain strings; internal/auth
// knows which exist.
type User struct {
	Login string `json:"login"` // the key; also the name units and tasks use
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	// PasswordHash is the PHC string of the local password, "" when the
	// user has none (OIDC only, or not set up yet).
	PasswordHash string `json:"-"`
	// OIDCIssuer and OIDCSubject identify the user at an OIDC provider;
	// both set or both empty. The pair is unique.
	OIDCIssuer  string    `json:"oidc_issuer,omitempty"`
	OIDCSubject string    `json:"oidc_subject,omitempty"`
	Roles       []string  `json:"roles"` // sorted, no duplicates
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Version counts the changes of the row, starting at 1; PutUser
	// compares it against the stored one (optimistic locking).
	Version int64 `json:"version"`
}

// Session is a login session. Only the SHA-256 of its token is stored.
type Session struct {
	TokenHash  string    `json:"-"` // lower-case hex SHA-256 of the token
	Login      string    `json:"login"`
	CSRFToken  string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"` // absolute end, whatever the activity
}

// Auth is the persistence of accounts, their roles and login sessions.
// Store embeds it; both backends pass the same conformance suite.
type Auth interface {
	// PutUser creates the user when u.Version is 0 (ErrConflict when the
	// login is taken), with u.Roles and u.PasswordHash; otherwise it
	// updates name, e-mail, OIDC identity and Disabled of the user whose
	// stored version is u.Version (ErrConflict when it is another,
	// ErrNotFound when there is no such user) — roles and password change
	// only through SetRoles and SetPassword. An OIDC identity another user
	// holds is ErrConflict. Disabling a user ends its sessions in the same
	// transaction. Returns the stored user with its new version.
	PutUser(ctx context.Context, u User) (User, error)
	// User returns a user with its roles, or ErrNotFound.
	User(ctx context.Context, login string) (User, error)
	// UserByOIDC returns the user with that OIDC identity, or ErrNotFound.
	UserByOIDC(ctx context.Context, issuer, subject string) (User, error)
	// Users lists all users by login.
	Users(ctx context.Context) ([]User, error)
	// SetPassword replaces the password hash ("" removes the password) and
	// bumps the version; ErrNotFound when there is no such user.
	SetPassword(ctx context.Context, login, hash string) error
	// SetRoles replaces the roles and bumps the version; ErrNotFound when
	// there is no such user.
	SetRoles(ctx context.Context, login string, roles []string) error

	// CreateSession stores a session of an existing user (ErrNotFound
	// otherwise); ErrConflict when the token hash exists.
	CreateSession(ctx context.Context, s Session) error
	// SessionByTokenHash returns a session as it was stored and sets its
	// LastSeenAt to seen (when later), so the caller judges idleness by the
	// previous visit. ErrNotFound when there is none. It does not look at
	// expiry: that is the caller's policy.
	SessionByTokenHash(ctx context.Context, tokenHash string, seen time.Time) (Session, error)
	// DeleteSession removes a session; removing a missing one is no error.
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteSessionsOf removes all sessions of a user and counts them.
	DeleteSessionsOf(ctx context.Context, login string) (int, error)
	// PurgeExpiredSessions removes sessions whose ExpiresAt is not after
	// now, and, when idle > 0, those not seen for idle or longer.
	PurgeExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error)
}

const userColumns = `login, name, email, password_hash, oidc_issuer, oidc_subject, disabled, created_at, updated_at, version`

func validateUser(u User) error {
	if err := validateLogin(u.Login); err != nil {
		return err
	}
	if strings.TrimSpace(u.Name) == "" {
		return fmt.Errorf("%w: user %s needs a name", ErrInvalid, u.Login)
	}
	if (u.OIDCIssuer == "") != (u.OIDCSubject == "") {
		return fmt.Errorf("%w: user %s: oidc issuer and subject go together", ErrInvalid, u.Login)
	}
	if u.Version < 0 {
		return fmt.Errorf("%w: user %s: negative version", ErrInvalid, u.Login)
	}
	return nil
}

func validateLogin(login string) error {
	if login == "" || len(login) > 128 || strings.ContainsFunc(login, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("%w: login must be 1 to 128 characters without spaces", ErrInvalid)
	}
	return nil
}

// normRoles sorts and dedupes roles; an empty role is invalid.
func normRoles(roles []string) ([]string, error) {
	out := slices.Clone(roles)
	for _, r := range out {
		if strings.TrimSpace(r) == "" {
			return nil, fmt.Errorf("%w: empty role", ErrInvalid)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// nullText stores "" as NULL, so that unique constraints ignore it.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func scanUser(r interface{ Scan(...any) error }) (User, error) {
	var u User
	var hash, iss, sub sql.NullString
	err := r.Scan(&u.Login, &u.Name, &u.Email, &hash, &iss, &sub, &u.Disabled,
		timeDest{&u.CreatedAt}, timeDest{&u.UpdatedAt}, &u.Version)
	u.PasswordHash, u.OIDCIssuer, u.OIDCSubject = hash.String, iss.String, sub.String
	return u, err
}

func userRoles(ctx context.Context, q querier, login string) ([]string, error) {
	roles, err := queryStrings(ctx, q, `SELECT role FROM user_roles WHERE login = $1 ORDER BY role`, login)
	return nonNil(roles), err
}

func readUser(ctx context.Context, q querier, where string, args ...any) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, args...))
	if err != nil {
		return User{}, errNoRows(err)
	}
	if u.Roles, err = userRoles(ctx, q, u.Login); err != nil {
		return User{}, err
	}
	return u, nil
}

// oidcTaken reports ErrConflict when another user holds the OIDC identity.
// The unique constraint is the final guard; this check names the cause.
func oidcTaken(ctx context.Context, tx *sql.Tx, u User) error {
	if u.OIDCIssuer == "" {
		return nil
	}
	var other string
	err := tx.QueryRowContext(ctx, `SELECT login FROM users WHERE oidc_issuer = $1 AND oidc_subject = $2 AND login <> $3`,
		u.OIDCIssuer, u.OIDCSubject, u.Login).Scan(&other)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return fmt.Errorf("%w: oidc identity belongs to another user", ErrConflict)
}

func (s *sqlStore) PutUser(ctx context.Context, u User) (User, error) {
	if err := validateUser(u); err != nil {
		return User{}, fmt.Errorf("put user: %w", err)
	}
	roles, err := normRoles(u.Roles)
	if err != nil {
		return User{}, fmt.Errorf("put user %s: %w", u.Login, err)
	}
	now := s.clock()
	var stored User
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := oidcTaken(ctx, tx, u); err != nil {
			return err
		}
		if u.Version == 0 {
			var login string
			err := tx.QueryRowContext(ctx, `
				INSERT INTO users (login, name, email, password_hash, oidc_issuer, oidc_subject, disabled, created_at, updated_at, version)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1)
				ON CONFLICT (login) DO NOTHING
				RETURNING login`,
				u.Login, u.Name, u.Email, nullText(u.PasswordHash), nullText(u.OIDCIssuer), nullText(u.OIDCSubject),
				u.Disabled, s.d.timeArg(now)).Scan(&login)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: login is taken", ErrConflict)
			}
			if err != nil {
				return err
			}
			if err := insertRoles(ctx, tx, u.Login, roles); err != nil {
				return err
			}
		} else {
			res, err := tx.ExecContext(ctx, `
				UPDATE users SET name = $2, email = $3, oidc_issuer = $4, oidc_subject = $5, disabled = $6,
					updated_at = $7, version = version + 1
				WHERE login = $1 AND version = $8`,
				u.Login, u.Name, u.Email, nullText(u.OIDCIssuer), nullText(u.OIDCSubject), u.Disabled,
				s.d.timeArg(now), u.Version)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				var v int64
				err := tx.QueryRowContext(ctx, `SELECT version FROM users WHERE login = $1`, u.Login).Scan(&v)
				if err != nil {
					return errNoRows(err)
				}
				return fmt.Errorf("%w: stored version is %d, not %d", ErrConflict, v, u.Version)
			}
		}
		if u.Disabled {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE login = $1`, u.Login); err != nil {
				return err
			}
		}
		stored, err = readUser(ctx, tx, `login = $1`, u.Login)
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("put user %s: %w", u.Login, err)
	}
	return stored, nil
}

func insertRoles(ctx context.Context, tx *sql.Tx, login string, roles []string) error {
	for _, r := range roles {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_roles (login, role) VALUES ($1, $2)`, login, r); err != nil {
			return fmt.Errorf("role %s: %w", r, err)
		}
	}
	return nil
}

func (s *sqlStore) User(ctx context.Context, login string) (User, error) {
	u, err := readUser(ctx, s.db, `login = $1`, login)
	if err != nil {
		return User{}, fmt.Errorf("user %s: %w", login, err)
	}
	return u, nil
}

func (s *sqlStore) UserByOIDC(ctx context.Context, issuer, subject string) (User, error) {
	if issuer == "" || subject == "" {
		return User{}, fmt.Errorf("user by oidc: %w", ErrNotFound)
	}
	u, err := readUser(ctx, s.db, `oidc_issuer = $1 AND oidc_subject = $2`, issuer, subject)
	if err != nil {
		return User{}, fmt.Errorf("user by oidc: %w", err)
	}
	return u, nil
}

func (s *sqlStore) Users(ctx context.Context) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY login`)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	defer rows.Close()
	var users []User
	byLogin := map[string]int{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("users: %w", err)
		}
		u.Roles = []string{}
		byLogin[u.Login] = len(users)
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	rows.Close()
	roleRows, err := s.db.QueryContext(ctx, `SELECT login, role FROM user_roles ORDER BY login, role`)
	if err != nil {
		return nil, fmt.Errorf("users: roles: %w", err)
	}
	defer roleRows.Close()
	for roleRows.Next() {
		var login, role string
		if err := roleRows.Scan(&login, &role); err != nil {
			return nil, fmt.Errorf("users: roles: %w", err)
		}
		// A user inserted between the two queries has no row above; its
		// roles are skipped rather than guessed.
		if i, ok := byLogin[login]; ok {
			users[i].Roles = append(users[i].Roles, role)
		}
	}
	if err := roleRows.Err(); err != nil {
		return nil, fmt.Errorf("users: roles: %w", err)
	}
	return users, nil
}

// bumpUser touches a user's version and updated_at, ErrNotFound when the
// user does not exist.
func (s *sqlStore) bumpUser(ctx context.Context, tx *sql.Tx, login string, set string, args ...any) error {
	args = append([]any{login, s.d.timeArg(s.clock())}, args...)
	return execOne(ctx, tx, `UPDATE users SET updated_at = $2, version = version + 1`+set+` WHERE login = $1`, args...)
}

func (s *sqlStore) SetPassword(ctx context.Context, login, hash string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		return s.bumpUser(ctx, tx, login, `, password_hash = $3`, nullText(hash))
	})
	if err != nil {
		return fmt.Errorf("set password of %s: %w", login, err)
	}
	return nil
}

func (s *sqlStore) SetRoles(ctx context.Context, login string, roles []string) error {
	roles, err := normRoles(roles)
	if err != nil {
		return fmt.Errorf("set roles of %s: %w", login, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := s.bumpUser(ctx, tx, login, ""); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_roles WHERE login = $1`, login); err != nil {
			return err
		}
		return insertRoles(ctx, tx, login, roles)
	})
	if err != nil {
		return fmt.Errorf("set roles of %s: %w", login, err)
	}
	return nil
}

// ---- sessions --------------------------------------------------------------

const sessionColumns = `token_hash, login, csrf_token, created_at, last_seen_at, expires_at`

func scanSession(r interface{ Scan(...any) error }) (Session, error) {
	var ss Session
	err := r.Scan(&ss.TokenHash, &ss.Login, &ss.CSRFToken,
		timeDest{&ss.CreatedAt}, timeDest{&ss.LastSeenAt}, timeDest{&ss.ExpiresAt})
	return ss, errNoRows(err)
}

func (s *sqlStore) CreateSession(ctx context.Context, ss Session) error {
	if err := validateSHA256(ss.TokenHash); err != nil {
		return fmt.Errorf("create session: token hash: %w", err)
	}
	if ss.CSRFToken == "" || ss.CreatedAt.IsZero() || ss.ExpiresAt.IsZero() {
		return fmt.Errorf("create session: %w: csrf token, created and expires are required", ErrInvalid)
	}
	if ss.LastSeenAt.IsZero() {
		ss.LastSeenAt = ss.CreatedAt
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE login = $1`, ss.Login).Scan(&one); err != nil {
			return errNoRows(err)
		}
		var h string
		err := tx.QueryRowContext(ctx, `
			INSERT INTO sessions (token_hash, login, csrf_token, created_at, last_seen_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (token_hash) DO NOTHING
			RETURNING token_hash`,
			ss.TokenHash, ss.Login, ss.CSRFToken, s.d.timeArg(ss.CreatedAt), s.d.timeArg(ss.LastSeenAt), s.d.timeArg(ss.ExpiresAt)).Scan(&h)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: token hash exists", ErrConflict)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create session of %s: %w", ss.Login, err)
	}
	return nil
}

func (s *sqlStore) SessionByTokenHash(ctx context.Context, tokenHash string, seen time.Time) (Session, error) {
	var ss Session
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		ss, err = scanSession(tx.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE token_hash = $1`+s.d.forUpdate, tokenHash))
		if err != nil {
			return err
		}
		if !seen.IsZero() {
			_, err = tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2`,
				tokenHash, s.d.timeArg(seen))
		}
		return err
	})
	if err != nil {
		// The hash is not repeated: it is as good as the token to a reader of logs.
		return Session{}, fmt.Errorf("session: %w", err)
	}
	return ss, nil
}

func (s *sqlStore) DeleteSession(ctx context.Context, tokenHash string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func (s *sqlStore) DeleteSessionsOf(ctx context.Context, login string) (int, error) {
	return s.deleteSessions(ctx, "delete sessions of "+login, `DELETE FROM sessions WHERE login = $1`, login)
}

func (s *sqlStore) PurgeExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	if idle <= 0 {
		return s.deleteSessions(ctx, "purge sessions", `DELETE FROM sessions WHERE expires_at <= $1`, s.d.timeArg(now))
	}
	return s.deleteSessions(ctx, "purge sessions", `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`,
		s.d.timeArg(now), s.d.timeArg(now.Add(-idle)))
}

func (s *sqlStore) deleteSessions(ctx context.Context, what, query string, args ...any) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	return int(n), nil
}
