// Package testoidc is an OpenID Connect provider for tests: discovery,
// JWKS, the authorization-code flow with PKCE, the token endpoint and
// userinfo, with RS256-signed ID tokens. It runs inside the test process
// (httptest), so login through OIDC is tested against a real protocol
// exchange without a network or an external identity provider.
//
// It is deliberately strict where a client could be sloppy: redirect URIs
// must match the registered ones exactly, codes are single-use and expire,
// PKCE (S256) is checked when the client sent a challenge, and the client
// must authenticate at the token endpoint.
package testoidc

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// User is who the provider logs in.
type User struct {
	Subject           string
	Name              string
	Email             string
	PreferredUsername string
	Groups            []string
}

// Client is a registered relying party.
type Client struct {
	ID           string
	Secret       string
	RedirectURIs []string
}

// Provider is a running test identity provider.
type Provider struct {
	srv     *httptest.Server
	key     *rsa.PrivateKey
	kid     string
	TTL     time.Duration // ID-token lifetime, default 5 minutes
	Now     func() time.Time
	mu      sync.Mutex
	clients map[string]Client
	next    *User            // who the next authorization request logs in
	codes   map[string]grant // authorization codes, single use
	access  map[string]User  // access tokens for userinfo
}

type grant struct {
	client, redirect, nonce, challenge string
	user                               User
	expires                            time.Time
}

// Start runs a provider; Close stops it.
func Start(clients ...Client) (*Provider, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	p := &Provider{key: key, kid: "test-1", TTL: 5 * time.Minute, Now: time.Now, clients: map[string]Client{}, codes: map[string]grant{}, access: map[string]User{}}
	for _, c := range clients {
		p.clients[c.ID] = c
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.userinfo)
	p.srv = httptest.NewServer(mux)
	return p, nil
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.srv.URL }

// Close stops the provider.
func (p *Provider) Close() { p.srv.Close() }

// AddClient registers a relying party (e.g. once its callback URL is known).
func (p *Provider) AddClient(c Client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clients[c.ID] = c
}

// LoginAs makes the next authorization request log in u, as if u had
// entered the password at the provider. Without it, /authorize answers
// access_denied.
func (p *Provider) LoginAs(u User) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next = &u
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.Issuer(),
		"authorization_endpoint":                p.Issuer() + "/authorize",
		"token_endpoint":                        p.Issuer() + "/token",
		"userinfo_endpoint":                     p.Issuer() + "/userinfo",
		"jwks_uri":                              p.Issuer() + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "groups"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
		"grant_types_supported":                 []string{"authorization_code"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	pub := p.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": p.kid,
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	c, ok := p.clients[q.Get("client_id")]
	p.mu.Unlock()
	redirect := q.Get("redirect_uri")
	if !ok || !slices.Contains(c.RedirectURIs, redirect) {
		// Never redirect to an unregistered URI.
		http.Error(w, "unknown client or redirect_uri", http.StatusBadRequest)
		return
	}
	back, err := url.Parse(redirect)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	params := back.Query()
	params.Set("state", q.Get("state"))
	fail := func(code string) {
		params.Set("error", code)
		back.RawQuery = params.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	}
	if q.Get("response_type") != "code" {
		fail("unsupported_response_type")
		return
	}
	if !slices.Contains(strings.Fields(q.Get("scope")), "openid") {
		fail("invalid_scope")
		return
	}
	if m := q.Get("code_challenge_method"); q.Get("code_challenge") != "" && m != "S256" {
		fail("invalid_request")
		return
	}
	p.mu.Lock()
	u := p.next
	p.next = nil
	code := randomString()
	if u != nil {
		p.codes[code] = grant{client: c.ID, redirect: redirect, nonce: q.Get("nonce"), challenge: q.Get("code_challenge"),
			user: *u, expires: p.Now().Add(time.Minute)}
	}
	p.mu.Unlock()
	if u == nil {
		fail("access_denied")
		return
	}
	params.Set("code", code)
	back.RawQuery = params.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	} else {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	p.mu.Lock()
	c, ok := p.clients[id]
	code := r.PostForm.Get("code")
	g, found := p.codes[code]
	delete(p.codes, code) // single use, whatever happens next
	p.mu.Unlock()
	switch {
	case !ok || c.Secret != secret:
		tokenError(w, http.StatusUnauthorized, "invalid_client")
		return
	case r.PostForm.Get("grant_type") != "authorization_code":
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	case !found || g.client != id || g.redirect != r.PostForm.Get("redirect_uri") || p.Now().After(g.expires):
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	case g.challenge != "" && s256(r.PostForm.Get("code_verifier")) != g.challenge:
		tokenError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	idToken, err := p.sign(g, id)
	if err != nil {
		tokenError(w, http.StatusInternalServerError, "server_error")
		return
	}
	access := randomString()
	p.mu.Lock()
	p.access[access] = g.user
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "Bearer", "expires_in": int(p.TTL.Seconds()), "id_token": idToken,
	})
}

func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p.mu.Lock()
	u, found := p.access[tok]
	p.mu.Unlock()
	if !ok || !found {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	writeJSON(w, http.StatusOK, claims(u))
}

func claims(u User) map[string]any {
	c := map[string]any{"sub": u.Subject}
	if u.Name != "" {
		c["name"] = u.Name
	}
	if u.Email != "" {
		c["email"] = u.Email
		c["email_verified"] = true
	}
	if u.PreferredUsername != "" {
		c["preferred_username"] = u.PreferredUsername
	}
	if len(u.Groups) > 0 {
		c["groups"] = u.Groups
	}
	return c
}

// sign makes the RS256 ID token for a grant.
func (p *Provider) sign(g grant, audience string) (string, error) {
	now := p.Now()
	c := claims(g.user)
	c["iss"], c["aud"], c["iat"], c["exp"] = p.Issuer(), audience, now.Unix(), now.Add(p.TTL).Unix()
	if g.nonce != "" {
		c["nonce"] = g.nonce
	}
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": p.kid})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	signing := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signing + "." + b64(sig), nil
}

// PublicKey is the key ID tokens are signed with.
func (p *Provider) PublicKey() *rsa.PublicKey { return &p.key.PublicKey }

// ErrBadToken is returned by VerifyIDToken.
var ErrBadToken = errors.New("id token invalid")

// VerifyIDToken checks an ID token's RS256 signature with key and returns
// its claims; tests use it to check what the provider issued.
func VerifyIDToken(token string, key *rsa.PublicKey) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, ErrBadToken
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, ErrBadToken
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig) != nil {
		return nil, ErrBadToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, ErrBadToken
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, ErrBadToken
	}
	return c, nil
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return b64(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func tokenError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}
