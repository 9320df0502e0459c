package web

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// OIDCConfig is the login through an OpenID Connect provider (the
// authority's identity management: Keycloak, ADFS, Entra ID). The
// server is a confidential client using the authorization-code flow with
// PKCE and client_secret_basic.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; discovery is read from
	// Issuer + "/.well-known/openid-configuration" and the ID tokens'
	// "iss" must equal it.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's /auth/oidc/callback as registered at
	// the provider.
	RedirectURL string
	// Scopes asked for; "openid" is always added. Default: openid profile email.
	Scopes []string
	// AutoCreate creates an unknown but authenticated person as a user
	// with DefaultRoles. Off by default: accounts and their roles are
	// given by the administration, and a login at the provider alone
	// grants nothing.
	AutoCreate   bool
	DefaultRoles []auth.Role
	// HTTPClient talks to the provider (proxies, an internal CA);
	// default: a client with a 10-second timeout.
	HTTPClient *http.Client
}

const (
	// oidcFlowCookie keeps state, nonce, PKCE verifier and the target
	// page between the redirect to the provider and the callback.
	oidcFlowCookie = "aktenfluss_oidc"
	oidcFlowMaxAge = 10 * time.Minute
	// clockLeeway tolerates clock differences with the provider.
	clockLeeway = time.Minute
	// maxProviderBody bounds what is read from the provider.
	maxProviderBody = 1 << 20
)

// German refusals of the OIDC login. They do not say which check failed:
// that goes to the log for the operator.
const (
	msgOIDCFailed  = "Die Anmeldung über den Identitätsanbieter ist fehlgeschlagen. Bitte versuchen Sie es erneut."
	msgOIDCExpired = "Der Anmeldevorgang ist abgelaufen oder wurde in einem anderen Fenster begonnen. Bitte versuchen Sie es erneut."
	msgOIDCUnknown = "Für Ihr Dienstkonto ist in aktenfluss kein Zugang eingerichtet. Bitte wenden Sie sich an die Administration."
	msgOIDCDenied  = "Die Anmeldung wurde beim Identitätsanbieter abgebrochen oder abgelehnt."
)

// errIDToken marks an ID token that failed verification.
var errIDToken = errors.New("id token rejected")

// oidcClient holds the configuration and what discovery found. Discovery
// happens at the first login, not at start, so that the server comes up
// while the provider is down.
type oidcClient struct {
	cfg  OIDCConfig
	http *http.Client
	now  func() time.Time

	mu       sync.Mutex
	meta     *oidcMetadata
	keys     map[string]*rsa.PublicKey
	keysRead time.Time
}

type oidcMetadata struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
}

func newOIDCClient(cfg OIDCConfig) *oidcClient {
	c := &oidcClient{cfg: cfg, http: cfg.HTTPClient, now: time.Now}
	if c.http == nil {
		c.http = &http.Client{Timeout: 10 * time.Second}
	}
	if len(c.cfg.Scopes) == 0 {
		c.cfg.Scopes = []string{"openid", "profile", "email"}
	}
	if !slices.Contains(c.cfg.Scopes, "openid") {
		c.cfg.Scopes = append([]string{"openid"}, c.cfg.Scopes...)
	}
	return c
}

// metadata returns the discovery document, read once.
func (c *oidcClient) metadata(ctx context.Context) (oidcMetadata, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.meta != nil {
		return *c.meta, nil
	}
	var m oidcMetadata
	if err := c.getJSON(ctx, strings.TrimSuffix(c.cfg.Issuer, "/")+"/.well-known/openid-configuration", &m); err != nil {
		return m, fmt.Errorf("oidc discovery: %w", err)
	}
	// OpenID Connect Discovery 1.0 §4.3: the issuer must be the one asked.
	if m.Issuer != c.cfg.Issuer {
		return m, fmt.Errorf("oidc discovery: issuer %q, want %q", m.Issuer, c.cfg.Issuer)
	}
	for _, u := range []string{m.AuthorizationEndpoint, m.TokenEndpoint, m.JWKSURI} {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return m, fmt.Errorf("oidc discovery: bad endpoint %q", u)
		}
	}
	c.meta = &m
	return m, nil
}

// key returns the provider's signing key with kid, reading the JWKS again
// when the kid is unknown (key rotation) but at most once a minute.
func (c *oidcClient) key(ctx context.Context, jwksURI, kid string) (*rsa.PublicKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.keys[kid]; ok {
		return k, nil
	}
	if c.keys != nil && c.now().Sub(c.keysRead) < time.Minute {
		return nil, fmt.Errorf("%w: unknown kid %q", errIDToken, kid)
	}
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Use string `json:"use"`
			Alg string `json:"alg"`
			Kid string `json:"kid"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := c.getJSON(ctx, jwksURI, &set); err != nil {
		return nil, fmt.Errorf("oidc jwks: %w", err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != "RS256") {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < 2048 || pub.E < 3 {
			continue
		}
		keys[k.Kid] = pub
	}
	c.keys, c.keysRead = keys, c.now()
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w: unknown kid %q", errIDToken, kid)
}

func (c *oidcClient) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, maxProviderBody)).Decode(v)
}

// exchange trades the code for tokens at the token endpoint and returns
// the ID token.
func (c *oidcClient) exchange(ctx context.Context, tokenEndpoint, code, verifier string) (string, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {c.cfg.RedirectURL}, "code_verifier": {verifier}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749 §2.3.1: id and secret are form-encoded before Basic.
	req.SetBasicAuth(url.QueryEscape(c.cfg.ClientID), url.QueryEscape(c.cfg.ClientSecret))
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("oidc token: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		IDToken string `json:"id_token"`
		Error   string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxProviderBody)).Decode(&body); err != nil {
		return "", fmt.Errorf("oidc token: status %d: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || body.IDToken == "" {
		return "", fmt.Errorf("oidc token: status %d, error %q", resp.StatusCode, body.Error)
	}
	return body.IDToken, nil
}

// idClaims are the ID-token claims aktenfluss reads.
type idClaims struct {
	Issuer            string          `json:"iss"`
	Subject           string          `json:"sub"`
	Audience          json.RawMessage `json:"aud"`
	AuthorizedParty   string          `json:"azp"`
	Expiry            json.Number     `json:"exp"`
	IssuedAt          json.Number     `json:"iat"`
	Nonce             string          `json:"nonce"`
	Name              string          `json:"name"`
	Email             string          `json:"email"`
	PreferredUsername string          `json:"preferred_username"`
}

// verify checks an ID token (OpenID Connect Core §3.1.3.7): an RS256
// signature by a key of the provider's JWKS named by kid, the issuer, this
// client as audience, expiry with a small leeway, and the nonce of this
// login.
func (c *oidcClient) verify(ctx context.Context, meta oidcMetadata, token, nonce string) (idClaims, error) {
	var cl idClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return cl, fmt.Errorf("%w: not a JWS", errIDToken)
	}
	rawHeader, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return cl, fmt.Errorf("%w: header: %w", errIDToken, err)
	}
	var header struct {
		Alg  string   `json:"alg"`
		Kid  string   `json:"kid"`
		Crit []string `json:"crit"`
	}
	if err := json.Unmarshal(rawHeader, &header); err != nil {
		return cl, fmt.Errorf("%w: header: %w", errIDToken, err)
	}
	// Only RS256: "none" and HMAC with the public key as secret are the
	// classic forgeries.
	if header.Alg != "RS256" || len(header.Crit) > 0 {
		return cl, fmt.Errorf("%w: alg %q", errIDToken, header.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return cl, fmt.Errorf("%w: signature: %w", errIDToken, err)
	}
	key, err := c.key(ctx, meta.JWKSURI, header.Kid)
	if err != nil {
		return cl, err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig); err != nil {
		return cl, fmt.Errorf("%w: signature: %w", errIDToken, err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return cl, fmt.Errorf("%w: payload: %w", errIDToken, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.UseNumber()
	if err := dec.Decode(&cl); err != nil {
		return cl, fmt.Errorf("%w: payload: %w", errIDToken, err)
	}
	if cl.Issuer != c.cfg.Issuer || cl.Issuer != meta.Issuer {
		return cl, fmt.Errorf("%w: issuer %q", errIDToken, cl.Issuer)
	}
	aud, err := audiences(cl.Audience)
	if err != nil || !slices.Contains(aud, c.cfg.ClientID) {
		return cl, fmt.Errorf("%w: audience %s", errIDToken, cl.Audience)
	}
	if len(aud) > 1 && cl.AuthorizedParty != c.cfg.ClientID {
		return cl, fmt.Errorf("%w: azp %q with several audiences", errIDToken, cl.AuthorizedParty)
	}
	exp, err := cl.Expiry.Int64()
	now := c.now()
	if err != nil || !now.Before(time.Unix(exp, 0).Add(clockLeeway)) {
		return cl, fmt.Errorf("%w: expired or no exp (%s)", errIDToken, cl.Expiry)
	}
	if iat, err := cl.IssuedAt.Int64(); err == nil && time.Unix(iat, 0).After(now.Add(clockLeeway)) {
		return cl, fmt.Errorf("%w: issued in the future", errIDToken)
	}
	if cl.Nonce == "" || subtle.ConstantTimeCompare([]byte(cl.Nonce), []byte(nonce)) != 1 {
		return cl, fmt.Errorf("%w: nonce does not match", errIDToken)
	}
	if cl.Subject == "" {
		return cl, fmt.Errorf("%w: no subject", errIDToken)
	}
	return cl, nil
}

// audiences reads "aud", a string or an array of strings.
func audiences(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	err := json.Unmarshal(raw, &many)
	return many, err
}

// oidcFlow is what the flow cookie keeps. Every value is random (or a
// checked local path) and the cookie is HttpOnly and short-lived; a
// signature would add nothing, since the server would sign whatever it
// hands out to anyone who starts a login.
type oidcFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"t"`
}

func (s *Server) oidcLogin(w http.ResponseWriter, r *http.Request, o *oidcClient) {
	meta, err := o.metadata(r.Context())
	if err != nil {
		s.logger().Error("oidc login", "error", err)
		s.oidcRefuse(w, r, http.StatusBadGateway, msgOIDCFailed)
		return
	}
	var f oidcFlow
	for _, p := range []*string{&f.State, &f.Nonce, &f.Verifier} {
		if *p, err = auth.NewSessionToken(); err != nil {
			s.fail(w, "oidc flow", err)
			return
		}
	}
	f.Next = safeNext(r.URL.Query().Get("next"))
	raw, err := json.Marshal(f)
	if err != nil {
		s.fail(w, "oidc flow", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcFlowCookie, Value: base64.RawURLEncoding.EncodeToString(raw),
		Path: "/auth/oidc/", MaxAge: int(oidcFlowMaxAge.Seconds()), HttpOnly: true, Secure: s.secure(r),
		// Lax, not Strict: the callback is a top-level navigation coming
		// from the provider's site.
		SameSite: http.SameSiteLaxMode})
	challenge := sha256.Sum256([]byte(f.Verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {o.cfg.ClientID},
		"redirect_uri":          {o.cfg.RedirectURL},
		"scope":                 {strings.Join(o.cfg.Scopes, " ")},
		"state":                 {f.State},
		"nonce":                 {f.Nonce},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(challenge[:])},
		"code_challenge_method": {"S256"},
	}
	target, err := url.Parse(meta.AuthorizationEndpoint)
	if err != nil {
		s.fail(w, "oidc authorization endpoint", err)
		return
	}
	if target.RawQuery != "" {
		target.RawQuery += "&" + q.Encode()
	} else {
		target.RawQuery = q.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target.String(), http.StatusFound)
}

func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request, o *oidcClient) {
	ctx := r.Context()
	// The flow is single use, whatever happens next.
	http.SetCookie(w, &http.Cookie{Name: oidcFlowCookie, Value: "", Path: "/auth/oidc/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	var f oidcFlow
	c, err := r.Cookie(oidcFlowCookie)
	if err == nil {
		var raw []byte
		if raw, err = base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			err = json.Unmarshal(raw, &f)
		}
	}
	q := r.URL.Query()
	if err != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		s.logger().Warn("oidc callback without a flow", "error", err)
		s.oidcRefuse(w, r, http.StatusBadRequest, msgOIDCExpired)
		return
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		s.logger().Warn("oidc callback: state does not match")
		s.oidcRefuse(w, r, http.StatusBadRequest, msgOIDCExpired)
		return
	}
	if e := q.Get("error"); e != "" {
		s.logger().Info("oidc provider refused", "error", e)
		s.oidcRefuse(w, r, http.StatusForbidden, msgOIDCDenied)
		return
	}
	meta, err := o.metadata(ctx)
	if err != nil {
		s.logger().Error("oidc callback", "error", err)
		s.oidcRefuse(w, r, http.StatusBadGateway, msgOIDCFailed)
		return
	}
	idToken, err := o.exchange(ctx, meta.TokenEndpoint, q.Get("code"), f.Verifier)
	if err != nil {
		s.logger().Warn("oidc callback", "error", err)
		s.oidcRefuse(w, r, http.StatusForbidden, msgOIDCFailed)
		return
	}
	cl, err := o.verify(ctx, meta, idToken, f.Nonce)
	if err != nil {
		s.logger().Warn("oidc callback", "error", err)
		s.oidcRefuse(w, r, http.StatusForbidden, msgOIDCFailed)
		return
	}
	if s.Users == nil {
		s.fail(w, "oidc user", errors.New("server has OIDC but no Users store"))
		return
	}
	u, err := s.Users.UserByOIDC(ctx, cl.Issuer, cl.Subject)
	if errors.Is(err, store.ErrNotFound) && o.cfg.AutoCreate {
		u, err = s.Users.PutUser(ctx, provisionedUser(cl, o.cfg.DefaultRoles))
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrInvalid) {
			// The login is taken by another account: an administrator
			// links the identity by hand.
			s.logger().Warn("oidc auto-provisioning refused", "subject_sha256", auth.HashToken(cl.Subject), "error", err)
			err = store.ErrNotFound
		} else if err == nil {
			s.logger().Info("oidc user provisioned", "login", u.Login)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		// Log a hash of the subject, not the subject or the name.
		s.logger().Info("oidc login of an unknown identity", "subject_sha256", auth.HashToken(cl.Subject))
		s.oidcRefuse(w, r, http.StatusForbidden, msgOIDCUnknown)
		return
	}
	if err != nil {
		s.fail(w, "oidc user", err)
		return
	}
	sess, err := s.Sessions.Open(ctx, u)
	if errors.Is(err, auth.ErrInvalidCredentials) {
		s.oidcRefuse(w, r, http.StatusForbidden, msgOIDCUnknown)
		return
	}
	if err != nil {
		s.fail(w, "oidc session", err)
		return
	}
	s.startSession(w, r, sess, f.Next)
}

// loginPattern is what an auto-provisioned login may look like; anything
// else falls back to a login derived from the subject.
var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{0,63}$`)

// provisionedUser is the account AutoCreate makes for a new identity.
func provisionedUser(cl idClaims, roles []auth.Role) store.User {
	login := strings.ToLower(cl.PreferredUsername)
	if !loginPattern.MatchString(login) {
		login = "oidc-" + auth.HashToken(cl.Issuer + "\x00" + cl.Subject)[:16]
	}
	name := cl.Name
	if strings.TrimSpace(name) == "" {
		name = login
	}
	return store.User{Login: login, Name: name, Email: cl.Email, OIDCIssuer: cl.Issuer, OIDCSubject: cl.Subject,
		Roles: auth.RoleStrings(roles)}
}

// oidcRefuse shows the login page with a refusal not tied to its fields.
func (s *Server) oidcRefuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.renderLogin(w, r, status, loginView{Next: "/", Notice: msg})
}
