package store

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func testUsers(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	at := berlin(2026, 4, 1, 9, 0)
	setClock(s, at)

	_, err := s.User(ctx, "anna")
	require.ErrorIs(t, err, ErrNotFound)
	users, err := s.Users(ctx)
	require.NoError(t, err)
	require.Empty(t, users)

	anna, err := s.PutUser(ctx, User{Login: "anna", Name: "Anna Schmidt", Email: "anna@example.org",
		PasswordHash: "$argon2id$x", Roles: []string{"clerk", "approver", "clerk"}})
	require.NoError(t, err)
	require.Equal(t, int64(1), anna.Version)
	require.Equal(t, []string{"approver", "clerk"}, anna.Roles, "sorted, no duplicates")
	require.Equal(t, "$argon2id$x", anna.PasswordHash)
	requireTime(t, at, anna.CreatedAt, "created at")
	requireTime(t, at, anna.UpdatedAt, "updated at")
	require.False(t, anna.Disabled)

	got, err := s.User(ctx, "anna")
	require.NoError(t, err)
	require.Equal(t, anna, got)

	_, err = s.PutUser(ctx, User{Login: "anna", Name: "Andere Anna"})
	require.ErrorIs(t, err, ErrConflict, "a taken login")

	// Update: profile fields change, roles and password stay.
	setClock(s, at.Add(time.Hour))
	upd := anna
	upd.Name, upd.Email, upd.Roles, upd.PasswordHash = "Anna Schmidt-Weber", "", []string{"admin"}, "ignored"
	upd.OIDCIssuer, upd.OIDCSubject = "https://idp.example.org", "sub-anna"
	anna2, err := s.PutUser(ctx, upd)
	require.NoError(t, err)
	require.Equal(t, int64(2), anna2.Version)
	require.Equal(t, "Anna Schmidt-Weber", anna2.Name)
	require.Empty(t, anna2.Email)
	require.Equal(t, []string{"approver", "clerk"}, anna2.Roles, "PutUser leaves roles alone")
	require.Equal(t, "$argon2id$x", anna2.PasswordHash, "PutUser leaves the password alone")
	requireTime(t, at, anna2.CreatedAt, "created at stays")
	requireTime(t, at.Add(time.Hour), anna2.UpdatedAt, "updated at")

	// The stale version loses.
	_, err = s.PutUser(ctx, upd)
	require.ErrorIs(t, err, ErrConflict, "a stale version")
	ghost := upd
	ghost.Login, ghost.OIDCIssuer, ghost.OIDCSubject = "nobody", "", ""
	_, err = s.PutUser(ctx, ghost)
	require.ErrorIs(t, err, ErrNotFound)

	// OIDC identity: found, unique.
	byOIDC, err := s.UserByOIDC(ctx, "https://idp.example.org", "sub-anna")
	require.NoError(t, err)
	require.Equal(t, "anna", byOIDC.Login)
	_, err = s.UserByOIDC(ctx, "https://idp.example.org", "sub-bernd")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.UserByOIDC(ctx, "", "")
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.PutUser(ctx, User{Login: "bernd", Name: "Bernd", OIDCIssuer: "https://idp.example.org", OIDCSubject: "sub-anna"})
	require.ErrorIs(t, err, ErrConflict, "an OIDC identity someone else holds")
	bernd, err := s.PutUser(ctx, User{Login: "bernd", Name: "Bernd Meyer", Roles: []string{"mailroom"}})
	require.NoError(t, err)
	require.Empty(t, bernd.PasswordHash)
	// Two users without OIDC identity do not collide on the NULL pair.
	_, err = s.PutUser(ctx, User{Login: "carla", Name: "Carla"})
	require.NoError(t, err)

	// Roles and password.
	require.NoError(t, s.SetRoles(ctx, "bernd", []string{"registrar", "mailroom"}))
	require.NoError(t, s.SetPassword(ctx, "bernd", "$argon2id$b"))
	bernd, err = s.User(ctx, "bernd")
	require.NoError(t, err)
	require.Equal(t, []string{"mailroom", "registrar"}, bernd.Roles)
	require.Equal(t, "$argon2id$b", bernd.PasswordHash)
	require.Equal(t, int64(3), bernd.Version, "each change bumps the version")
	require.NoError(t, s.SetRoles(ctx, "bernd", nil))
	require.NoError(t, s.SetPassword(ctx, "bernd", ""))
	bernd, err = s.User(ctx, "bernd")
	require.NoError(t, err)
	require.Equal(t, []string{}, bernd.Roles)
	require.Empty(t, bernd.PasswordHash)
	require.ErrorIs(t, s.SetRoles(ctx, "nobody", []string{"clerk"}), ErrNotFound)
	require.ErrorIs(t, s.SetPassword(ctx, "nobody", "x"), ErrNotFound)
	require.ErrorIs(t, s.SetRoles(ctx, "bernd", []string{""}), ErrInvalid)

	users, err = s.Users(ctx)
	require.NoError(t, err)
	require.Len(t, users, 3)
	require.Equal(t, []string{"anna", "bernd", "carla"}, []string{users[0].Login, users[1].Login, users[2].Login})
	require.Equal(t, []string{"approver", "clerk"}, users[0].Roles)
	require.Equal(t, []string{}, users[2].Roles)

	for _, bad := range []User{
		{Login: "", Name: "x"},
		{Login: "a b", Name: "x"},
		{Login: "dora", Name: " "},
		{Login: "dora", Name: "Dora", OIDCIssuer: "https://idp"},
	} {
		_, err := s.PutUser(ctx, bad)
		require.ErrorIs(t, err, ErrInvalid, "%+v", bad)
	}
}

func testUsersConcurrentUpdate(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	u, err := s.PutUser(ctx, User{Login: "anna", Name: "Anna"})
	require.NoError(t, err)
	// Eight writers from the same version: one wins, seven conflict.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			w := u
			w.Name = "Anna " + string(rune('A'+i))
			_, errs[i] = s.PutUser(ctx, w)
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			require.ErrorIs(t, err, ErrConflict)
		}
	}
	require.Equal(t, 1, won)
	got, err := s.User(ctx, "anna")
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Version)
}

func testSessions(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	at := berlin(2026, 4, 1, 9, 0).UTC()
	_, err := s.PutUser(ctx, User{Login: "anna", Name: "Anna"})
	require.NoError(t, err)
	_, err = s.PutUser(ctx, User{Login: "bernd", Name: "Bernd"})
	require.NoError(t, err)

	sess := Session{TokenHash: sum("token-1"), Login: "anna", CSRFToken: "csrf-1", CreatedAt: at, ExpiresAt: at.Add(12 * time.Hour)}
	require.NoError(t, s.CreateSession(ctx, sess))
	require.ErrorIs(t, s.CreateSession(ctx, sess), ErrConflict, "the same token hash twice")
	require.ErrorIs(t, s.CreateSession(ctx, Session{TokenHash: sum("t"), Login: "nobody", CSRFToken: "c", CreatedAt: at, ExpiresAt: at.Add(time.Hour)}), ErrNotFound)
	require.ErrorIs(t, s.CreateSession(ctx, Session{TokenHash: "plain-token", Login: "anna", CSRFToken: "c", CreatedAt: at, ExpiresAt: at.Add(time.Hour)}), ErrInvalid)

	// The first lookup sees the creation time as the last visit; the
	// second sees the first lookup.
	got, err := s.SessionByTokenHash(ctx, sum("token-1"), at.Add(10*time.Minute))
	require.NoError(t, err)
	require.Equal(t, "anna", got.Login)
	require.Equal(t, "csrf-1", got.CSRFToken)
	requireTime(t, at, got.CreatedAt, "created at")
	requireTime(t, at, got.LastSeenAt, "last seen: the previous visit")
	requireTime(t, at.Add(12*time.Hour), got.ExpiresAt, "expires at")
	got, err = s.SessionByTokenHash(ctx, sum("token-1"), at.Add(5*time.Minute))
	require.NoError(t, err)
	requireTime(t, at.Add(10*time.Minute), got.LastSeenAt, "last seen after the first lookup")
	got, err = s.SessionByTokenHash(ctx, sum("token-1"), at.Add(20*time.Minute))
	require.NoError(t, err)
	requireTime(t, at.Add(10*time.Minute), got.LastSeenAt, "an earlier visit does not move last seen back")
	_, err = s.SessionByTokenHash(ctx, sum("token-x"), at)
	require.ErrorIs(t, err, ErrNotFound)

	// Delete one; deleting it again is fine.
	require.NoError(t, s.DeleteSession(ctx, sum("token-1")))
	require.NoError(t, s.DeleteSession(ctx, sum("token-1")))
	_, err = s.SessionByTokenHash(ctx, sum("token-1"), at)
	require.ErrorIs(t, err, ErrNotFound)

	// All of a user's.
	for i, login := range []string{"anna", "anna", "bernd"} {
		require.NoError(t, s.CreateSession(ctx, Session{TokenHash: sum("s" + string(rune('0'+i))), Login: login,
			CSRFToken: "c", CreatedAt: at, ExpiresAt: at.Add(time.Hour)}))
	}
	n, err := s.DeleteSessionsOf(ctx, "anna")
	require.NoError(t, err)
	require.Equal(t, 2, n)
	_, err = s.SessionByTokenHash(ctx, sum("s2"), time.Time{})
	require.NoError(t, err, "bernd's session stays")

	// Disabling a user ends its sessions.
	bernd, err := s.User(ctx, "bernd")
	require.NoError(t, err)
	bernd.Disabled = true
	_, err = s.PutUser(ctx, bernd)
	require.NoError(t, err)
	_, err = s.SessionByTokenHash(ctx, sum("s2"), time.Time{})
	require.ErrorIs(t, err, ErrNotFound, "a disabled user's session is gone")
}

func testSessionsPurge(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	at := berlin(2026, 4, 1, 9, 0).UTC()
	_, err := s.PutUser(ctx, User{Login: "anna", Name: "Anna"})
	require.NoError(t, err)
	for _, c := range []struct {
		key             string
		seen, expiresIn time.Duration
	}{
		{"fresh", 50 * time.Minute, 12 * time.Hour},
		{"idle", 0, 12 * time.Hour},
		{"expired", 55 * time.Minute, 59 * time.Minute},
	} {
		require.NoError(t, s.CreateSession(ctx, Session{TokenHash: sum(c.key), Login: "anna", CSRFToken: "c",
			CreatedAt: at, LastSeenAt: at.Add(c.seen), ExpiresAt: at.Add(c.expiresIn)}))
	}
	now := at.Add(time.Hour)
	n, err := s.PurgeExpiredSessions(ctx, now, 0)
	require.NoError(t, err)
	require.Equal(t, 1, n, "without an idle limit only the expired one")
	n, err = s.PurgeExpiredSessions(ctx, now, 30*time.Minute)
	require.NoError(t, err)
	require.Equal(t, 1, n, "then the idle one")
	_, err = s.SessionByTokenHash(ctx, sum("fresh"), time.Time{})
	require.NoError(t, err)
	for _, k := range []string{"idle", "expired"} {
		_, err = s.SessionByTokenHash(ctx, sum(k), time.Time{})
		require.True(t, errors.Is(err, ErrNotFound), k)
	}
}
