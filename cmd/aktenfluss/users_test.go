package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// usersCLI runs a users subcommand with stdin.
func usersCLI(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := cmdUsers(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

// TestUsersCommands manages accounts on a SQLite file through the CLI and
// checks that a login works with what was set, and that each change is
// in the audit trail with roles before and after and no password.
func TestUsersCommands(t *testing.T) {
	for _, k := range []string{"NATS_URL", "TEMPORAL_ADDRESS", "AKTENFLUSS_BLOB_DIR"} {
		t.Setenv(k, "")
	}
	db := filepath.Join(t.TempDir(), "records.db")
	t.Setenv("DATABASE_URL", "sqlite:"+db)

	const pw = "ein sehr langes Passwort"
	out, err := usersCLI(t, pw+"\n", "add", "a.schmidt", "--name", "Anna Schmidt", "--role", "clerk,approver",
		"--email", "a.schmidt@example.org", "--password-stdin", "--as", "admin1")
	require.NoError(t, err, out)
	require.Contains(t, out, "Benutzer a.schmidt angelegt: Sachbearbeitung, Anordnungsbefugnis")
	out = mustCLI(t, "users", "add", "p.pruef", "--name", "Paul Prüfer", "--role", "auditor", "--as", "admin1")
	require.Contains(t, out, "Noch kein Passwort")

	// Refusals before anything is written.
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"add", "a.schmidt", "--name", "Doppelt", "--role", "clerk"}, "gibt es schon"},
		{"", []string{"add", "x.y", "--name", "X", "--role", "chef"}, `unbekannte Rolle "chef"`},
		{"", []string{"add", "x.y", "--name", "X"}, "mindestens eine Rolle"},
		{"", []string{"add", "x.y", "--role", "clerk"}, "--name fehlt"},
		{"", []string{"add", "X Y", "--name", "X", "--role", "clerk"}, "erlaubt sind"},
		{"kurz\n", []string{"add", "x.y", "--name", "X", "--role", "clerk", "--password-stdin"}, "mindestens 12 Zeichen"},
		{"\n", []string{"passwd", "a.schmidt", "--password-stdin"}, "nicht leer"},
		{"", []string{"passwd", "a.schmidt"}, "--password-stdin"},
		{pw, []string{"passwd", "niemand", "--password-stdin"}, "gibt es nicht"},
		{"", []string{"roles", "niemand", "--role", "clerk"}, "gibt es nicht"},
		{"", []string{"disable", "niemand"}, "gibt es nicht"},
		{"", []string{"frobnicate", "x"}, "unknown subcommand"},
	} {
		out, err := usersCLI(t, c.stdin, c.args...)
		require.Error(t, err, "%v: %s", c.args, out)
		require.Contains(t, err.Error(), c.want, "%v", c.args)
	}

	st, err := store.Open(t.Context(), "sqlite:"+db)
	require.NoError(t, err)
	defer st.Close()
	sessions, err := auth.NewSessions(st, auth.SessionConfig{})
	require.NoError(t, err)
	first, err := sessions.Login(t.Context(), "a.schmidt", pw, "")
	require.NoError(t, err, "the password given to users add logs in")

	// Roles, a new password, disable.
	out = mustCLI(t, "users", "roles", "a.schmidt", "--role", "clerk", "--as", "admin1")
	require.Contains(t, out, "Rollen von a.schmidt: Sachbearbeitung")
	const pw2 = "ein anderes langes Passwort"
	out, err = usersCLI(t, pw2+"\r\n", "passwd", "a.schmidt", "--password-stdin", "--as", "admin1")
	require.NoError(t, err, out)
	require.Contains(t, out, "1 Sitzung(en) beendet")
	_, err = sessions.Lookup(t.Context(), first.Token)
	require.ErrorIs(t, err, auth.ErrNoSession, "a new password ends the old sessions")
	_, err = sessions.Login(t.Context(), "a.schmidt", pw, "")
	require.ErrorIs(t, err, auth.ErrInvalidCredentials, "the old password no longer works")
	second, err := sessions.Login(t.Context(), "a.schmidt", pw2, "")
	require.NoError(t, err, "the new one does (the CRLF line end is not part of it)")

	out = mustCLI(t, "users", "disable", "a.schmidt", "--as", "admin1")
	require.Contains(t, out, "gesperrt")
	_, err = sessions.Lookup(t.Context(), second.Token)
	require.ErrorIs(t, err, auth.ErrNoSession)
	_, err = sessions.Login(t.Context(), "a.schmidt", pw2, "")
	require.ErrorIs(t, err, auth.ErrInvalidCredentials)
	require.Contains(t, mustCLI(t, "users", "disable", "a.schmidt"), "bereits gesperrt")

	// Listing.
	list := mustCLI(t, "users", "list")
	require.Regexp(t, `a\.schmidt\s+Anna Schmidt\s+clerk\s+Passwort\s+gesperrt`, list)
	require.Regexp(t, `p\.pruef\s+Paul Prüfer\s+auditor\s+–\s+aktiv`, list)
	var users []store.User
	require.NoError(t, json.Unmarshal([]byte(mustCLI(t, "users", "list", "--json")), &users))
	require.Len(t, users, 2)
	require.NotContains(t, mustCLI(t, "users", "list", "--json"), "argon2id", "no hash in the listing")

	// The trail: four changes of a.schmidt, one of p.pruef, by admin1.
	evs, err := st.Events(t.Context(), "user", "a.schmidt")
	require.NoError(t, err)
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
		require.Equal(t, "admin1", ev.Actor)
		require.NotContains(t, string(ev.Details), "Passwort")
		require.NotContains(t, string(ev.Details), "argon2")
		require.NotContains(t, string(ev.Details), "Anna", "the name is no detail")
	}
	require.Equal(t, []string{"user.created", "user.roles-changed", "user.password-set", "user.disabled"}, actions)
	detail := func(i int) map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal(evs[i].Details, &m))
		return m
	}
	require.Equal(t, []any{}, detail(0)["roles_before"])
	require.Equal(t, []any{"approver", "clerk"}, detail(0)["roles_after"])
	require.Equal(t, true, detail(0)["password_set"])
	require.Equal(t, []any{"approver", "clerk"}, detail(1)["roles_before"])
	require.Equal(t, []any{"clerk"}, detail(1)["roles_after"])
	require.EqualValues(t, 1, detail(2)["sessions_ended"])
	evs, err = st.Events(t.Context(), "user", "p.pruef")
	require.NoError(t, err)
	require.Len(t, evs, 1)
}
