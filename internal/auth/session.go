package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/store"
)

// Login and session errors carry German messages, shown as they are.
var (
	// ErrInvalidCredentials is the one answer to a failed login, whether
	// the login does not exist, has no password, is disabled or the
	// password is wrong: the answer must not tell which logins exist.
	ErrInvalidCredentials = errors.New("Anmeldung fehlgeschlagen: Benutzername oder Passwort ist falsch.")
	// ErrNoSession: no session for the token, or it expired, or its user
	// was disabled. The person logs in again.
	ErrNoSession = errors.New("Die Sitzung ist abgelaufen oder ungültig. Bitte melden Sie sich erneut an.")
)

// SessionConfig bounds a session's life.
type SessionConfig struct {
	// IdleTimeout ends a session not used for this long.
	IdleTimeout time.Duration
	// Lifetime ends a session this long after login, however active.
	Lifetime time.Duration
}

// DefaultSessionConfig: 30 minutes idle, 12 hours at most (BSI
// IT-Grundschutz APP.3.1 asks for both limits; 12 h covers a long day).
var DefaultSessionConfig = SessionConfig{IdleTimeout: 30 * time.Minute, Lifetime: 12 * time.Hour}

// tokenBytes is the entropy of session and CSRF tokens: 256 bits.
const tokenBytes = 32

// NewSessionToken returns 32 random bytes as unpadded base64url: fit for a
// cookie, unguessable, and stored only as its SHA-256.
func NewSessionToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("session token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken is what the store keeps of a token: its SHA-256 in lower-case
// hex. The token has 256 bits of entropy, so an unsalted fast hash is
// enough; a stolen table yields no usable token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Session is a live login session.
type Session struct {
	// Token is the secret for the cookie; set only by Login, since the
	// store does not have it.
	Token     string
	TokenHash string
	// CSRFToken goes into every form and state-changing request of the
	// session; see CheckCSRF.
	CSRFToken string
	User      store.User
	Roles     []Role
	CreatedAt time.Time
	// LastSeenAt is the visit before this one.
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// CheckCSRF compares a request's CSRF token with the session's in
// constant time.
func (s Session) CheckCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRFToken)) == 1
}

// SessionStore is what Sessions needs of the store.
type SessionStore interface {
	User(ctx context.Context, login string) (store.User, error)
	SetPassword(ctx context.Context, login, hash string) error
	CreateSession(ctx context.Context, s store.Session) error
	SessionByTokenHash(ctx context.Context, tokenHash string, seen time.Time) (store.Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error
}

// Sessions logs people in and out and finds their session by token.
type Sessions struct {
	store   SessionStore
	cfg     SessionConfig
	params  Argon2Params
	limiter *Limiter
	now     func() time.Time
	// dummyHash is verified for logins without a password hash, so that
	// they take as long as a wrong password.
	dummyHash string
}

// SessionsOption adjusts NewSessions.
type SessionsOption func(*Sessions)

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) SessionsOption { return func(s *Sessions) { s.now = now } }

// WithLimiter replaces the default limiter.
func WithLimiter(l *Limiter) SessionsOption { return func(s *Sessions) { s.limiter = l } }

// WithArgon2Params sets the parameters of new hashes; older hashes are
// rehashed at the next login.
func WithArgon2Params(p Argon2Params) SessionsOption { return func(s *Sessions) { s.params = p } }

// NewSessions builds the service. Zero fields of cfg take the defaults.
func NewSessions(st SessionStore, cfg SessionConfig, opts ...SessionsOption) (*Sessions, error) {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultSessionConfig.IdleTimeout
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = DefaultSessionConfig.Lifetime
	}
	s := &Sessions{store: st, cfg: cfg, params: DefaultArgon2Params, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if s.limiter == nil {
		s.limiter = NewLimiter(DefaultLimiterConfig)
	}
	pw, err := NewSessionToken() // a random password nobody knows
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	dummy, err := HashPassword(pw, s.params)
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	s.dummyHash = dummy
	return s, nil
}

// Config returns the session limits in force.
func (s *Sessions) Config() SessionConfig { return s.cfg }

// Login checks a password and opens a session. Every refusal is
// ErrInvalidCredentials or a *LockedOutError; other errors are the
// store's. remote is the client address for rate limiting ("" for none).
func (s *Sessions) Login(ctx context.Context, login, password, remote string) (Session, error) {
	now := s.now()
	if err := s.limiter.Check(login, remote, now); err != nil {
		return Session{}, err
	}
	u, err := s.store.User(ctx, login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Session{}, fmt.Errorf("login: %w", err)
	}
	hash := u.PasswordHash
	if hash == "" { // no such user, or no local password
		hash = s.dummyHash
	}
	ok, verr := VerifyPassword(hash, password)
	if err != nil || u.PasswordHash == "" || u.Disabled || verr != nil || !ok {
		s.limiter.Fail(login, remote, now)
		if verr != nil {
			// A broken stored hash is the operator's problem; the person
			// hears the same as for a wrong password.
			return Session{}, fmt.Errorf("%w (login %s: %w)", ErrInvalidCredentials, login, verr)
		}
		return Session{}, ErrInvalidCredentials
	}
	s.limiter.Succeed(login)
	if NeedsRehash(u.PasswordHash, s.params) {
		// Best effort: the login is valid with the old hash as well, and
		// the next login tries again.
		if h, err := HashPassword(password, s.params); err == nil {
			_ = s.store.SetPassword(ctx, login, h)
		}
	}
	return s.open(ctx, u, now)
}

// Open starts a session for a user who proved who they are elsewhere (an
// OIDC login). A disabled user gets ErrInvalidCredentials.
func (s *Sessions) Open(ctx context.Context, u store.User) (Session, error) {
	if u.Disabled {
		return Session{}, ErrInvalidCredentials
	}
	return s.open(ctx, u, s.now())
}

func (s *Sessions) open(ctx context.Context, u store.User, now time.Time) (Session, error) {
	token, err := NewSessionToken()
	if err != nil {
		return Session{}, err
	}
	csrf, err := NewSessionToken()
	if err != nil {
		return Session{}, err
	}
	ss := store.Session{TokenHash: HashToken(token), Login: u.Login, CSRFToken: csrf,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.Lifetime)}
	if err := s.store.CreateSession(ctx, ss); err != nil {
		return Session{}, fmt.Errorf("login: %w", err)
	}
	return Session{Token: token, TokenHash: ss.TokenHash, CSRFToken: csrf, User: u, Roles: RolesFromStrings(u.Roles),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: ss.ExpiresAt}, nil
}

// Lookup finds the session of a token and marks it used. An unknown,
// expired or idle token, or one whose user is disabled or gone, is
// ErrNoSession; an expired session is deleted on the way.
func (s *Sessions) Lookup(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrNoSession
	}
	now := s.now()
	h := HashToken(token)
	ss, err := s.store.SessionByTokenHash(ctx, h, now)
	if errors.Is(err, store.ErrNotFound) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("session: %w", err)
	}
	if !now.Before(ss.ExpiresAt) || now.Sub(ss.LastSeenAt) >= s.cfg.IdleTimeout {
		return Session{}, s.end(ctx, h)
	}
	u, err := s.store.User(ctx, ss.Login)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled) {
		return Session{}, s.end(ctx, h)
	}
	if err != nil {
		return Session{}, fmt.Errorf("session: %w", err)
	}
	return Session{TokenHash: h, CSRFToken: ss.CSRFToken, User: u, Roles: RolesFromStrings(u.Roles),
		CreatedAt: ss.CreatedAt, LastSeenAt: ss.LastSeenAt, ExpiresAt: ss.ExpiresAt}, nil
}

// end deletes a session that may no longer be used and answers ErrNoSession.
func (s *Sessions) end(ctx context.Context, tokenHash string) error {
	if err := s.store.DeleteSession(ctx, tokenHash); err != nil {
		return fmt.Errorf("%w (%w)", ErrNoSession, err)
	}
	return ErrNoSession
}

// Logout ends the session of a token; an unknown token is no error.
func (s *Sessions) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	if err := s.store.DeleteSession(ctx, HashToken(token)); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}
