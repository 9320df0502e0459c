package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/store"
)

// clock is a settable time for the services under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sessionFixture is the real SQLite store with two users.
func sessionFixture(t *testing.T) (*Sessions, store.Store, *clock) {
	t.Helper()
	st, err := store.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "auth.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	h, err := HashPassword("Anna ihr Passwort", DefaultArgon2Params)
	require.NoError(t, err)
	_, err = st.PutUser(t.Context(), store.User{Login: "anna", Name: "Anna Schmidt", PasswordHash: h, Roles: []string{"clerk", "approver"}})
	require.NoError(t, err)
	_, err = st.PutUser(t.Context(), store.User{Login: "oidc-only", Name: "Olga", OIDCIssuer: "https://idp", OIDCSubject: "o1", Roles: []string{"clerk"}})
	require.NoError(t, err)
	c := &clock{t: time.Date(2026, 4, 1, 7, 0, 0, 0, time.UTC)}
	s, err := NewSessions(st, SessionConfig{}, WithClock(c.now))
	require.NoError(t, err)
	return s, st, c
}

func TestNewSessionToken(t *testing.T) {
	a, err := NewSessionToken()
	require.NoError(t, err)
	b, err := NewSessionToken()
	require.NoError(t, err)
	require.NotEqual(t, a, b)
	raw, err := base64.RawURLEncoding.DecodeString(a)
	require.NoError(t, err)
	require.Len(t, raw, 32)
	require.Len(t, HashToken(a), 64)
	require.NotEqual(t, a, HashToken(a))
}

func TestLoginAndLookup(t *testing.T) {
	s, st, c := sessionFixture(t)
	ctx := t.Context()
	require.Equal(t, DefaultSessionConfig, s.Config())

	sess, err := s.Login(ctx, "anna", "Anna ihr Passwort", "10.0.0.1")
	require.NoError(t, err)
	require.NotEmpty(t, sess.Token)
	require.Equal(t, HashToken(sess.Token), sess.TokenHash)
	require.Equal(t, []Role{RoleClerk, RoleApprover}, sess.Roles)
	require.Equal(t, c.now().Add(12*time.Hour), sess.ExpiresAt)
	require.True(t, sess.CheckCSRF(sess.CSRFToken))
	require.False(t, sess.CheckCSRF(""))
	require.False(t, sess.CheckCSRF(sess.CSRFToken+"x"))

	// The store holds the hash, never the token.
	_, err = st.SessionByTokenHash(ctx, sess.Token, time.Time{})
	require.ErrorIs(t, err, store.ErrNotFound)

	c.advance(10 * time.Minute)
	got, err := s.Lookup(ctx, sess.Token)
	require.NoError(t, err)
	require.Equal(t, "anna", got.User.Login)
	require.Equal(t, sess.CSRFToken, got.CSRFToken)
	require.Empty(t, got.Token, "Lookup cannot know the token's plain text beyond the caller's")

	_, err = s.Lookup(ctx, "not-a-token")
	require.ErrorIs(t, err, ErrNoSession)
	_, err = s.Lookup(ctx, "")
	require.ErrorIs(t, err, ErrNoSession)

	require.NoError(t, s.Logout(ctx, sess.Token))
	_, err = s.Lookup(ctx, sess.Token)
	require.ErrorIs(t, err, ErrNoSession)
	require.NoError(t, s.Logout(ctx, sess.Token), "logging out twice is fine")
}

func TestLoginRefusalsLookAlike(t *testing.T) {
	s, st, _ := sessionFixture(t)
	ctx := t.Context()
	u, err := st.User(ctx, "anna")
	require.NoError(t, err)
	_, err = st.PutUser(ctx, store.User{Login: "dora", Name: "Dora", PasswordHash: u.PasswordHash, Disabled: true, Roles: []string{"clerk"}})
	require.NoError(t, err)

	for name, try := range map[string][2]string{
		"wrong password": {"anna", "falsches Passwort"},
		"unknown user":   {"niemand", "Anna ihr Passwort"},
		"no password":    {"oidc-only", "Anna ihr Passwort"},
		"disabled user":  {"dora", "Anna ihr Passwort"},
		"empty password": {"anna", ""},
	} {
		_, err := s.Login(ctx, try[0], try[1], "")
		require.ErrorIs(t, err, ErrInvalidCredentials, name)
		require.Equal(t, ErrInvalidCredentials.Error(), err.Error(), "%s: the same words every time", name)
	}
}

func TestLoginRateLimited(t *testing.T) {
	s, _, c := sessionFixture(t)
	ctx := t.Context()
	for range 5 {
		_, err := s.Login(ctx, "anna", "falsches Passwort", "10.0.0.9")
		require.ErrorIs(t, err, ErrInvalidCredentials)
		c.advance(time.Minute)
	}
	_, err := s.Login(ctx, "anna", "Anna ihr Passwort", "10.0.0.9")
	var locked *LockedOutError
	require.True(t, errors.As(err, &locked), "even the right password is refused while locked: %v", err)
	require.Contains(t, err.Error(), "Zu viele Fehlversuche, bitte in 10 Minuten erneut versuchen")
	c.advance(10 * time.Minute)
	_, err = s.Login(ctx, "anna", "Anna ihr Passwort", "10.0.0.9")
	require.NoError(t, err)
	// Unknown users are counted too.
	for range 5 {
		_, err := s.Login(ctx, "niemand", "x", "")
		require.ErrorIs(t, err, ErrInvalidCredentials)
	}
	_, err = s.Login(ctx, "niemand", "x", "")
	require.True(t, errors.As(err, &locked))
}

func TestSessionExpiry(t *testing.T) {
	s, _, c := sessionFixture(t)
	ctx := t.Context()

	// Idle: 29 minutes between requests keep it alive, 30 end it.
	sess, err := s.Login(ctx, "anna", "Anna ihr Passwort", "")
	require.NoError(t, err)
	for range 3 {
		c.advance(29 * time.Minute)
		_, err = s.Lookup(ctx, sess.Token)
		require.NoError(t, err)
	}
	c.advance(30 * time.Minute)
	_, err = s.Lookup(ctx, sess.Token)
	require.ErrorIs(t, err, ErrNoSession)
	c.advance(-30 * time.Minute)
	_, err = s.Lookup(ctx, sess.Token)
	require.ErrorIs(t, err, ErrNoSession, "an idle session is deleted, not only refused")

	// Absolute: active all day, still ends after 12 hours.
	sess, err = s.Login(ctx, "anna", "Anna ihr Passwort", "")
	require.NoError(t, err)
	for range 12*60/20 - 1 {
		c.advance(20 * time.Minute)
		_, err = s.Lookup(ctx, sess.Token)
		require.NoError(t, err)
	}
	c.advance(20 * time.Minute)
	_, err = s.Lookup(ctx, sess.Token)
	require.ErrorIs(t, err, ErrNoSession)
}

func TestSessionOfDisabledUser(t *testing.T) {
	s, st, _ := sessionFixture(t)
	ctx := t.Context()
	sess, err := s.Login(ctx, "anna", "Anna ihr Passwort", "")
	require.NoError(t, err)
	// Disabled while the session row still exists (the store deletes the
	// rows when it disables, but a user disabled by a newer version of the
	// code, or a row restored from a backup, must not get in either).
	s.store = disabledView{st}
	_, err = s.Lookup(ctx, sess.Token)
	require.ErrorIs(t, err, ErrNoSession)
	_, err = st.SessionByTokenHash(ctx, sess.TokenHash, time.Time{})
	require.ErrorIs(t, err, store.ErrNotFound, "the session is deleted")

	u, err := st.User(ctx, "anna")
	require.NoError(t, err)
	u.Disabled = true
	_, err = st.PutUser(ctx, u)
	require.NoError(t, err)
	_, err = s.Open(ctx, u)
	require.ErrorIs(t, err, ErrInvalidCredentials)
}

func TestLoginRehashes(t *testing.T) {
	s, st, _ := sessionFixture(t)
	ctx := t.Context()
	stronger := DefaultArgon2Params
	stronger.Time = 3
	s2, err := NewSessions(st, SessionConfig{}, WithArgon2Params(stronger))
	require.NoError(t, err)
	_, err = s2.Login(ctx, "anna", "Anna ihr Passwort", "")
	require.NoError(t, err)
	u, err := st.User(ctx, "anna")
	require.NoError(t, err)
	require.Contains(t, u.PasswordHash, ",t=3,")
	_, err = s.Login(ctx, "anna", "Anna ihr Passwort", "")
	require.NoError(t, err, "the new hash verifies")
}

// disabledView shows every user as disabled.
type disabledView struct{ store.Store }

func (d disabledView) User(ctx context.Context, login string) (store.User, error) {
	u, err := d.Store.User(ctx, login)
	u.Disabled = true
	return u, err
}
