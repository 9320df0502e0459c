package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/testoidc"
)

// providerHook stands between the server and the provider's token
// endpoint, the way an attacker on the path or a misconfigured second
// client would: it may authenticate as another client, and may rewrite
// the ID token in the answer.
type providerHook struct {
	mu             sync.Mutex
	client, secret string
	idToken        func(string) string
}

func (h *providerHook) RoundTrip(req *http.Request) (*http.Response, error) {
	h.mu.Lock()
	client, secret, rewrite := h.client, h.secret, h.idToken
	h.mu.Unlock()
	isToken := strings.HasSuffix(req.URL.Path, "/token")
	if isToken && client != "" {
		req = req.Clone(req.Context())
		req.SetBasicAuth(client, secret)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !isToken || rewrite == nil {
		return resp, err
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	if tok, ok := body["id_token"].(string); ok {
		body["id_token"] = rewrite(tok)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
	return resp, nil
}

type oidcFixture struct {
	*authFixture
	idp  *testoidc.Provider
	hook *providerHook
}

var olga = testoidc.User{Subject: "o-4711", Name: "Olga Meier", PreferredUsername: "olga", Email: "olga@example.org"}

// newOIDCServer runs a provider with the clients "aktenfluss" and
// "anderer" (another application of the authority) and the server with
// OIDC login; olga is known to the store by her subject.
func newOIDCServer(t *testing.T, configure func(*OIDCConfig)) *oidcFixture {
	t.Helper()
	idp, err := testoidc.Start()
	require.NoError(t, err)
	t.Cleanup(idp.Close)
	hook := &providerHook{}
	f := newAuthServer(t, func(s *Server, base string) {
		cb := base + "/auth/oidc/callback"
		idp.AddClient(testoidc.Client{ID: "aktenfluss", Secret: "geheim:&%", RedirectURIs: []string{cb}})
		idp.AddClient(testoidc.Client{ID: "anderer", Secret: "anders", RedirectURIs: []string{cb}})
		s.OIDC = &OIDCConfig{Issuer: idp.Issuer(), ClientID: "aktenfluss", ClientSecret: "geheim:&%", RedirectURL: cb,
			HTTPClient: &http.Client{Transport: hook, Timeout: 10 * time.Second}}
		if configure != nil {
			configure(s.OIDC)
		}
	})
	_, err = f.st.PutUser(t.Context(), store.User{Login: "olga", Name: "Olga Meier", OIDCIssuer: idp.Issuer(),
		OIDCSubject: olga.Subject, Roles: []string{"clerk"}})
	require.NoError(t, err)
	return &oidcFixture{authFixture: f, idp: idp, hook: hook}
}

// flow runs the browser's part of the code flow: start at the server, go
// to the provider, come back to the callback. The hooks may change the
// authorization request and the callback as an attacker would.
func (f *oidcFixture) flow(t *testing.T, c *http.Client, next string, authz, callback func(url.Values)) response {
	t.Helper()
	start := do(t, c, http.MethodGet, f.srv.URL+"/auth/oidc/login?next="+url.QueryEscape(next), nil, nil)
	require.Equal(t, http.StatusFound, start.StatusCode, start.body)
	to, err := url.Parse(start.Header.Get("Location"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(to.String(), f.idp.Issuer()+"/authorize?"), to.String())
	q := to.Query()
	for _, p := range []string{"state", "nonce", "code_challenge"} {
		require.NotEmpty(t, q.Get(p), p)
	}
	require.Equal(t, "S256", q.Get("code_challenge_method"))
	require.Equal(t, "code", q.Get("response_type"))
	require.Contains(t, strings.Fields(q.Get("scope")), "openid")
	if authz != nil {
		authz(q)
		to.RawQuery = q.Encode()
	}
	back := do(t, c, http.MethodGet, to.String(), nil, nil)
	require.Equal(t, http.StatusFound, back.StatusCode, back.body)
	cb, err := url.Parse(back.Header.Get("Location"))
	require.NoError(t, err)
	if callback != nil {
		cq := cb.Query()
		callback(cq)
		cb.RawQuery = cq.Encode()
	}
	return do(t, c, http.MethodGet, cb.String(), nil, nil)
}

func TestOIDCLogin(t *testing.T) {
	f := newOIDCServer(t, nil)
	c := browser(t)
	// The login page offers the provider.
	require.Contains(t, do(t, c, http.MethodGet, f.srv.URL+"/login", nil, nil).body, "/auth/oidc/login")

	f.idp.LoginAs(olga)
	resp := f.flow(t, c, "/quarantine", nil, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.body)
	require.Equal(t, "/quarantine", resp.Header.Get("Location"))
	ck := cookieNamed(resp.Response, sessionCookie)
	require.NotNil(t, ck)
	require.True(t, ck.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, ck.SameSite)
	flow := cookieNamed(resp.Response, oidcFlowCookie)
	require.NotNil(t, flow)
	require.Negative(t, flow.MaxAge, "the flow cookie is used once")

	page := do(t, c, http.MethodGet, f.srv.URL+"/quarantine", nil, nil)
	require.Equal(t, http.StatusForbidden, page.StatusCode, page.body) // signed in, but a clerk
	require.Contains(t, page.body, "(olga)")
	sess, err := f.sessions.Lookup(t.Context(), f.sessionToken(t, c))
	require.NoError(t, err)
	require.Equal(t, "olga", sess.User.Login)

	// The callback replayed (same code, state gone) opens nothing more.
	again := do(t, browser(t), http.MethodGet, f.srv.URL+"/auth/oidc/callback?state=x&code=y", nil, nil)
	require.Equal(t, http.StatusBadRequest, again.StatusCode)
	require.Contains(t, again.body, msgOIDCExpired)
}

// TestOIDCRefusals: each broken step ends on the login page with a German
// refusal and without a session.
func TestOIDCRefusals(t *testing.T) {
	tamperPayload := func(tok string) string {
		parts := strings.Split(tok, ".")
		raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
		raw = bytes.Replace(raw, []byte(`"sub":"o-4711"`), []byte(`"sub":"o-0815"`), 1)
		parts[1] = base64.RawURLEncoding.EncodeToString(raw)
		return strings.Join(parts, ".")
	}
	algNone := func(tok string) string {
		parts := strings.Split(tok, ".")
		parts[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"test-1"}`))
		parts[2] = ""
		return strings.Join(parts, ".")
	}
	unknownKid := func(tok string) string {
		parts := strings.Split(tok, ".")
		parts[0] = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT","kid":"fremd"}`))
		return strings.Join(parts, ".")
	}
	cases := []struct {
		name     string
		user     *testoidc.User
		setup    func(f *oidcFixture)
		authz    func(url.Values)
		callback func(url.Values)
		status   int
		msg      string
	}{
		{name: "wrong-state", user: &olga, callback: func(q url.Values) { q.Set("state", "erraten") },
			status: http.StatusBadRequest, msg: msgOIDCExpired},
		{name: "wrong-nonce", user: &olga, authz: func(q url.Values) { q.Set("nonce", "fremde-nonce") },
			status: http.StatusForbidden, msg: msgOIDCFailed},
		{name: "tampered-id-token", user: &olga, setup: func(f *oidcFixture) { f.hook.idToken = tamperPayload },
			status: http.StatusForbidden, msg: msgOIDCFailed},
		{name: "alg-none", user: &olga, setup: func(f *oidcFixture) { f.hook.idToken = algNone },
			status: http.StatusForbidden, msg: msgOIDCFailed},
		{name: "unknown-kid", user: &olga, setup: func(f *oidcFixture) { f.hook.idToken = unknownKid },
			status: http.StatusForbidden, msg: msgOIDCFailed},
		// A token the provider issued to another client of the authority.
		{name: "wrong-audience", user: &olga, authz: func(q url.Values) { q.Set("client_id", "anderer") },
			setup:  func(f *oidcFixture) { f.hook.client, f.hook.secret = "anderer", "anders" },
			status: http.StatusForbidden, msg: msgOIDCFailed},
		{name: "expired-id-token", user: &olga, setup: func(f *oidcFixture) { f.idp.TTL = -2 * clockLeeway },
			status: http.StatusForbidden, msg: msgOIDCFailed},
		// A code stolen from the callback is useless without the verifier.
		{name: "code-from-another-flow", user: &olga, authz: func(q url.Values) { q.Set("code_challenge", strings.Repeat("A", 43)) },
			status: http.StatusForbidden, msg: msgOIDCFailed},
		{name: "unknown-subject", user: &testoidc.User{Subject: "o-0815", PreferredUsername: "anna", Name: "Fremd"},
			status: http.StatusForbidden, msg: msgOIDCUnknown},
		{name: "provider-denied", status: http.StatusForbidden, msg: msgOIDCDenied},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newOIDCServer(t, nil)
			if tc.setup != nil {
				tc.setup(f)
			}
			if tc.user != nil {
				f.idp.LoginAs(*tc.user)
			}
			c := browser(t)
			resp := f.flow(t, c, "/", tc.authz, tc.callback)
			require.Equal(t, tc.status, resp.StatusCode, resp.body)
			require.Contains(t, resp.body, tc.msg)
			require.Contains(t, resp.body, `role="alert"`)
			require.Nil(t, cookieNamed(resp.Response, sessionCookie))
			require.Empty(t, f.sessionToken(t, c))
		})
	}
}

func TestOIDCCallbackWithoutFlow(t *testing.T) {
	f := newOIDCServer(t, nil)
	resp := do(t, browser(t), http.MethodGet, f.srv.URL+"/auth/oidc/callback?state=a&code=b", nil, nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, resp.body, msgOIDCExpired)
}

func TestOIDCAutoCreate(t *testing.T) {
	f := newOIDCServer(t, func(c *OIDCConfig) {
		c.AutoCreate = true
		c.DefaultRoles = []auth.Role{auth.RoleClerk}
	})
	t.Run("new-identity", func(t *testing.T) {
		f.idp.LoginAs(testoidc.User{Subject: "n-1", PreferredUsername: "Neu.Person", Name: "Neue Person"})
		c := browser(t)
		resp := f.flow(t, c, "/", nil, nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.body)
		u, err := f.st.UserByOIDC(t.Context(), f.idp.Issuer(), "n-1")
		require.NoError(t, err)
		require.Equal(t, "neu.person", u.Login)
		require.Equal(t, []string{"clerk"}, u.Roles)
	})
	t.Run("login-taken-by-a-local-account", func(t *testing.T) {
		f.idp.LoginAs(testoidc.User{Subject: "n-2", PreferredUsername: "anna", Name: "Nicht Anna"})
		resp := f.flow(t, browser(t), "/", nil, nil)
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		require.Contains(t, resp.body, msgOIDCUnknown)
		u, err := f.st.User(t.Context(), "anna")
		require.NoError(t, err)
		require.Empty(t, u.OIDCSubject, "anna is not taken over")
	})
}
