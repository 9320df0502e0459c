package app

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// TestDevLoginWithDemoAccounts: the dev stack serves with login by
// default — pages send a browser to /login, probes stay open — and a
// demo account seeded into it can sign in through the form.
func TestDevLoginWithDemoAccounts(t *testing.T) {
	dir := t.TempDir()
	s := startDev(t, dir, RunOptions{})
	base := s.info.HTTP

	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(c *http.Client, path string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "text/html")
		resp, err := c.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}
	resp, _ := get(c, "/")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/login?next=%2F", resp.Header.Get("Location"))
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/login"} {
		resp, body := get(c, p)
		require.Equal(t, http.StatusOK, resp.StatusCode, p+": "+body)
	}

	accounts, err := SeedDemoAccountsFor(t.Context(), s.info)
	require.NoError(t, err)
	require.Len(t, accounts, len(demoPeople))
	fi, err := os.Stat(filepath.Join(dir, DemoAccountsFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	var post DemoAccount
	for _, a := range accounts {
		if a.Login == "r.poststelle" {
			post = a
		}
	}
	require.NotEmpty(t, post.Password)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c.Jar = jar
	_, page := get(c, "/login?next=%2F")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	require.NotNil(t, m, page)
	form := url.Values{"login": {post.Login}, "password": {post.Password}, "csrf": {m[1]}, "next": {"/"}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = c.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/", resp.Header.Get("Location"))
	resp, page = get(c, "/")
	require.Equal(t, http.StatusOK, resp.StatusCode, page)
	require.Contains(t, page, "Angemeldet: Rosa Post (r.poststelle) · Poststelle")
	resp, page = get(c, "/documents/2026-000001")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the Poststelle reads no documents")
	require.Contains(t, page, "Keine Berechtigung")

	// The REST API answers the same person under the same rules.
	api := func(path string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/json")
		resp, err := c.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	status, body := api("/api/register")
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, `"items":`)
	status, body = api("/api/files")
	require.Equal(t, http.StatusForbidden, status, body)
	require.Contains(t, body, `"code":"forbidden"`)
	status, body = api("/api/openapi.json")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `"/api/audit/verify"`)
	anon := &http.Client{}
	req, err = http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/api/register", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/json")
	resp, err = anon.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

// TestDemoAccounts: one account per role, passwords generated at the
// first seed, kept in a 0600 file, the same on the next seed; a lost
// file gives the existing accounts new passwords.
func TestDemoAccounts(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "records.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })

	first, err := SeedDemoAccounts(ctx, st, dir)
	require.NoError(t, err)
	roles := map[auth.Role]bool{}
	passwords := map[string]bool{}
	org, err := DemoOrganisation()
	require.NoError(t, err)
	for _, a := range first {
		for _, r := range a.Roles {
			roles[r] = true
		}
		require.NoError(t, auth.CheckPassword(a.Password), a.Login)
		require.False(t, passwords[a.Password], "passwords repeat")
		passwords[a.Password] = true
		u, err := st.User(ctx, a.Login)
		require.NoError(t, err)
		ok, err := auth.VerifyPassword(u.PasswordHash, a.Password)
		require.NoError(t, err)
		require.True(t, ok, a.Login)
		if a.Roles[0] == auth.RoleClerk || a.Roles[0] == auth.RoleApprover {
			require.NotEmpty(t, auth.NewPrincipal(a.Login, a.Roles, org).Units, "%s belongs to no demo unit", a.Login)
		}
	}
	for _, r := range auth.AllRoles {
		require.True(t, roles[r], "no demo account for %s", r)
	}
	path := filepath.Join(dir, DemoAccountsFile)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	again, err := SeedDemoAccounts(ctx, st, dir)
	require.NoError(t, err)
	require.Equal(t, first, again)

	require.NoError(t, os.Remove(path))
	renewed, err := SeedDemoAccounts(ctx, st, dir)
	require.NoError(t, err)
	require.NotEqual(t, first[0].Password, renewed[0].Password)
	u, err := st.User(ctx, renewed[0].Login)
	require.NoError(t, err)
	ok, err := auth.VerifyPassword(u.PasswordHash, renewed[0].Password)
	require.NoError(t, err)
	require.True(t, ok)
}

// TestWebServerWiring: http.login builds sessions and OIDC from the
// configuration; off, the server has neither.
func TestWebServerWiring(t *testing.T) {
	ctx := t.Context()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "records.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	cfg := config.Defaults()
	cfg.HTTP.SecureCookies = true
	cfg.OIDC = config.OIDCConfig{Issuer: "https://sso.example.de", ClientID: "akten", RedirectURL: "https://akten.example.de/auth/oidc/callback",
		AutoCreate: true, DefaultRoles: []string{"clerk"}}
	d := &Deps{Cfg: cfg, Store: st, Log: discardLogger()}
	ws, err := d.webServer(nil)
	require.NoError(t, err)
	require.NotNil(t, ws.Sessions)
	require.NotNil(t, ws.Users)
	require.NotNil(t, ws.AuditTimeline)
	require.NotNil(t, ws.AuditVerify)
	require.NotEmpty(t, ws.APIRoutes)
	require.True(t, ws.SecureCookies)
	require.NotNil(t, ws.OIDC)
	require.Equal(t, []auth.Role{auth.RoleClerk}, ws.OIDC.DefaultRoles)
	require.Equal(t, auth.SessionConfig{IdleTimeout: cfg.HTTP.SessionIdle, Lifetime: cfg.HTTP.SessionLifetime}, ws.Sessions.Config())

	d.Cfg.HTTP.Login = false
	ws, err = d.webServer(nil)
	require.NoError(t, err)
	require.Nil(t, ws.Sessions)
	require.Nil(t, ws.OIDC)
}
