package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

const annaPassword = "Anna ihr Passwort"

// authFixture is a server with login over the real SQLite store, with the
// clerk anna (local password) in unit 20.1.
type authFixture struct {
	srv      *httptest.Server
	st       store.Store
	blobs    *blob.FS
	sessions *auth.Sessions
}

// newAuthServer starts the server with login; configure may set fields
// (OIDC, SecureCookies) once the server's URL is known.
func newAuthServer(t *testing.T, configure func(s *Server, url string)) *authFixture {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "records.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	h, err := auth.HashPassword(annaPassword, auth.DefaultArgon2Params)
	require.NoError(t, err)
	_, err = st.PutUser(ctx, store.User{Login: "anna", Name: "Anna Schmidt", PasswordHash: h, Roles: []string{"clerk"}})
	require.NoError(t, err)
	require.NoError(t, st.ReplaceOrganisation(ctx, records.Organisation{Units: []records.Unit{
		{Code: "20.1", Name: "Rechnungseingang", Lead: "anna", Members: []string{"anna"}}}}))
	sessions, err := auth.NewSessions(st, auth.SessionConfig{})
	require.NoError(t, err)
	blobs, err := blob.NewFS(t.TempDir())
	require.NoError(t, err)

	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	s := &Server{Register: st, Blobs: blobs, Sessions: sessions, Users: st}
	if configure != nil {
		configure(s, srv.URL)
	}
	handler = s.Handler()
	return &authFixture{srv: srv, st: st, blobs: blobs, sessions: sessions}
}

// browser is a client with a cookie jar that does not follow redirects,
// so that each answer can be checked.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type response struct {
	*http.Response
	body string
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values, header map[string]string) response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, u, body)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/html")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{resp, string(b)}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login fills in the login form as a browser would.
func (f *authFixture) login(t *testing.T, c *http.Client, login, password, next string) response {
	t.Helper()
	page := do(t, c, http.MethodGet, f.srv.URL+"/login?next="+url.QueryEscape(next), nil, nil)
	require.Equal(t, http.StatusOK, page.StatusCode, page.body)
	m := csrfInput.FindStringSubmatch(page.body)
	require.NotNil(t, m, "login form without csrf field")
	return do(t, c, http.MethodPost, f.srv.URL+"/login",
		url.Values{"login": {login}, "password": {password}, "csrf": {m[1]}, "next": {next}}, nil)
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// sessionToken is the session cookie the jar holds for the server.
func (f *authFixture) sessionToken(t *testing.T, c *http.Client) string {
	t.Helper()
	u, err := url.Parse(f.srv.URL)
	require.NoError(t, err)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			return ck.Value
		}
	}
	return ""
}

func TestLocalLogin(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "secure-cookies"}[secure], func(t *testing.T) {
			f := newAuthServer(t, func(s *Server, _ string) { s.SecureCookies = secure })
			c := browser(t)
			resp := f.login(t, c, "anna", annaPassword, "/quarantine")
			require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.body)
			require.Equal(t, "/quarantine", resp.Header.Get("Location"))
			ck := cookieNamed(resp.Response, sessionCookie)
			require.NotNil(t, ck)
			require.True(t, ck.HttpOnly)
			require.Equal(t, http.SameSiteLaxMode, ck.SameSite)
			require.Equal(t, "/", ck.Path)
			require.Equal(t, secure, ck.Secure)
			require.Positive(t, ck.MaxAge)
			require.LessOrEqual(t, time.Duration(ck.MaxAge)*time.Second, auth.DefaultSessionConfig.Lifetime)
			if secure {
				return // the jar keeps Secure cookies for https
			}
			// The session is recognised: a clerk is told why the
			// quarantine is closed to her, not sent back to the login.
			page := do(t, c, http.MethodGet, f.srv.URL+"/quarantine", nil, nil)
			require.Equal(t, http.StatusForbidden, page.StatusCode, page.body)
			require.Contains(t, page.body, "Angemeldet: Anna Schmidt (anna) · Sachbearbeitung")
		})
	}
}

func TestLoginPageIsAccessible(t *testing.T) {
	f := newAuthServer(t, nil)
	c := browser(t)
	page := do(t, c, http.MethodGet, f.srv.URL+"/login", nil, nil)
	require.Equal(t, http.StatusOK, page.StatusCode)
	for _, want := range []string{`lang="de"`, `<label for="login">Benutzername</label>`, `<label for="password">Passwort</label>`,
		`autocomplete="current-password"`, `<button type="submit">Anmelden</button>`} {
		require.Contains(t, page.body, want)
	}
	ck := cookieNamed(page.Response, loginCSRFCookie)
	require.NotNil(t, ck)
	require.True(t, ck.HttpOnly)

	refused := f.login(t, c, "anna", "falsch", "/")
	require.Contains(t, refused.body, `id="anmeldung-fehler"`)
	require.Contains(t, refused.body, `aria-describedby="anmeldung-fehler"`)
	require.Contains(t, refused.body, `aria-invalid="true"`)
}

func TestLoginRefused(t *testing.T) {
	f := newAuthServer(t, nil)
	for _, c := range []struct{ name, login, password string }{
		{"wrong-password", "anna", "falsch"},
		{"unknown-user", "niemand", annaPassword},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := f.login(t, browser(t), c.login, c.password, "/")
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
			require.Contains(t, resp.body, "Anmeldung fehlgeschlagen: Benutzername oder Passwort ist falsch.")
			require.Nil(t, cookieNamed(resp.Response, sessionCookie))
		})
	}
}

func TestLoginLockout(t *testing.T) {
	f := newAuthServer(t, nil)
	c := browser(t)
	for range auth.DefaultLimiterConfig.MaxPerLogin {
		resp := f.login(t, c, "anna", "falsch", "/")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
	resp := f.login(t, c, "anna", annaPassword, "/")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Contains(t, resp.body, "Zu viele Fehlversuche, bitte in 15 Minuten erneut versuchen.")
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	require.Nil(t, cookieNamed(resp.Response, sessionCookie))
}

func TestLoginFormNeedsItsToken(t *testing.T) {
	f := newAuthServer(t, nil)
	resp := do(t, browser(t), http.MethodPost, f.srv.URL+"/login",
		url.Values{"login": {"anna"}, "password": {annaPassword}, "csrf": {"erraten"}}, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, resp.body, msgLoginCSRF)
	require.Nil(t, cookieNamed(resp.Response, sessionCookie))
}

func TestLogout(t *testing.T) {
	f := newAuthServer(t, nil)
	c := browser(t)
	require.Equal(t, http.StatusSeeOther, f.login(t, c, "anna", annaPassword, "/").StatusCode)
	token := f.sessionToken(t, c)
	require.NotEmpty(t, token)

	resp := do(t, c, http.MethodPost, f.srv.URL+"/logout", url.Values{}, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, resp.body, "CSRF")
	sess, err := f.sessions.Lookup(t.Context(), token)
	require.NoError(t, err, "a refused logout leaves the session")

	resp = do(t, c, http.MethodPost, f.srv.URL+"/logout", url.Values{"csrf": {sess.CSRFToken}}, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.body)
	require.Equal(t, "/login", resp.Header.Get("Location"))
	ck := cookieNamed(resp.Response, sessionCookie)
	require.NotNil(t, ck)
	require.Negative(t, ck.MaxAge)
	require.Empty(t, ck.Value)
	_, err = f.sessions.Lookup(t.Context(), token)
	require.ErrorIs(t, err, auth.ErrNoSession)

	// The old token, replayed, opens nothing.
	old := browser(t)
	u, _ := url.Parse(f.srv.URL)
	old.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: token}})
	resp = do(t, old, http.MethodGet, f.srv.URL+"/", nil, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

// TestCSRF: a state-changing request of a session passes only with the
// session's token, as a form field or a header, and not cross-site.
func TestCSRF(t *testing.T) {
	f := newAuthServer(t, nil)
	c := browser(t)
	require.Equal(t, http.StatusSeeOther, f.login(t, c, "anna", annaPassword, "/").StatusCode)
	sess, err := f.sessions.Lookup(t.Context(), f.sessionToken(t, c))
	require.NoError(t, err)
	target := f.srv.URL + "/quarantine"
	cases := []struct {
		name   string
		method string
		form   url.Values
		header map[string]string
		status int
	}{
		{"post-without-token", http.MethodPost, url.Values{}, nil, http.StatusForbidden},
		{"post-wrong-token", http.MethodPost, url.Values{"csrf": {"falsch"}}, nil, http.StatusForbidden},
		{"delete-without-token", http.MethodDelete, nil, nil, http.StatusForbidden},
		{"put-wrong-header", http.MethodPut, nil, map[string]string{csrfHeader: "falsch"}, http.StatusForbidden},
		{"cross-site-with-token", http.MethodPost, url.Values{"csrf": {sess.CSRFToken}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		// Past the check, the router answers: no POST on that page.
		{"post-form-token", http.MethodPost, url.Values{"csrf": {sess.CSRFToken}}, nil, http.StatusMethodNotAllowed},
		{"patch-header-token", http.MethodPatch, nil, map[string]string{csrfHeader: sess.CSRFToken}, http.StatusMethodNotAllowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, c, tc.method, target, tc.form, tc.header)
			require.Equal(t, tc.status, resp.StatusCode, resp.body)
			if tc.status == http.StatusForbidden {
				require.Contains(t, resp.body, "Sicherheitsmerkmal")
			}
		})
	}
}

func TestAnonymousRequests(t *testing.T) {
	f := newAuthServer(t, nil)
	c := browser(t)
	t.Run("api-client-gets-401-json", func(t *testing.T) {
		resp := do(t, c, http.MethodGet, f.srv.URL+"/quarantine", nil, map[string]string{"Accept": "application/json"})
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json"))
		var body struct {
			Error struct{ Code, Message string }
		}
		require.NoError(t, json.Unmarshal([]byte(resp.body), &body))
		require.Equal(t, msgLoginRequired, body.Error.Message)
		require.Equal(t, "unauthenticated", body.Error.Code)
	})
	t.Run("browser-is-sent-to-login", func(t *testing.T) {
		resp := do(t, c, http.MethodGet, f.srv.URL+"/documents/2026-000001?x=1", nil, nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Equal(t, "/login?next="+url.QueryEscape("/documents/2026-000001?x=1"), resp.Header.Get("Location"))
	})
	t.Run("anonymous-post-is-not-let-through", func(t *testing.T) {
		resp := do(t, c, http.MethodPost, f.srv.URL+"/quarantine", url.Values{}, map[string]string{"Accept": "application/json"})
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	})
	for _, p := range []string{"/healthz", "/readyz", "/login"} {
		t.Run("public"+p, func(t *testing.T) {
			resp := do(t, c, http.MethodGet, f.srv.URL+p, nil, nil)
			require.Equal(t, http.StatusOK, resp.StatusCode)
		})
	}
	t.Run("open-redirect-ignored", func(t *testing.T) {
		for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"} {
			resp := f.login(t, browser(t), "anna", annaPassword, next)
			require.Equal(t, http.StatusSeeOther, resp.StatusCode, next)
			require.Equal(t, "/", resp.Header.Get("Location"), next)
		}
	})
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "/",
		"/":                     "/",
		"/documents/2026-1?a=b": "/documents/2026-1?a=b",
		"https://evil":          "/",
		"//evil":                "/",
		"/\\evil":               "/",
		"evil":                  "/",
		"/x\r\nLocation: y":     "/",
		"http:/evil":            "/",
	} {
		require.Equal(t, want, safeNext(in), in)
	}
}

// TestReadAuditedAsLogin: a document view of a logged-in person names
// their login in the audit trail.
func TestReadAuditedAsLogin(t *testing.T) {
	f := newAuthServer(t, nil)
	ctx := t.Context()
	ref, err := f.blobs.Put(ctx, strings.NewReader("%PDF-1.7 Antrag"), "")
	require.NoError(t, err)
	e, _, err := f.st.Register(ctx, records.NewEntry{SHA256: ref.SHA256, Size: ref.Size, MediaType: "application/pdf",
		OriginalName: "antrag.pdf", Source: records.SourceMailroom, ReceivedAt: time.Now(), WorkflowID: "inbound-" + ref.SHA256})
	require.NoError(t, err)
	require.NoError(t, f.st.PutDocumentMeta(ctx, records.DocumentMeta{DocumentSHA256: ref.SHA256, Type: "letter", Unit: "20.1"}))
	c := browser(t)
	require.Equal(t, http.StatusSeeOther, f.login(t, c, "anna", annaPassword, "/").StatusCode)
	for _, p := range []string{"", "/original"} {
		resp := do(t, c, http.MethodGet, f.srv.URL+"/documents/"+e.Number.String()+p, nil, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, resp.body)
	}
	evs, err := f.st.Events(ctx, "document", ref.SHA256)
	require.NoError(t, err)
	require.Len(t, evs, 2)
	for _, ev := range evs {
		require.Equal(t, "anna", ev.Actor, ev.Action)
	}
}
