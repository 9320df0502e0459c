package testoidc

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const callback = "http://127.0.0.1:9/auth/callback"

// flow runs the authorization request and returns the redirect it answers.
func authorize(t *testing.T, p *Provider, q url.Values) *url.URL {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(p.Issuer() + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d", resp.StatusCode)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func exchange(t *testing.T, p *Provider, form url.Values, user, secret string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.Issuer()+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(user, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestCodeFlow(t *testing.T) {
	p, err := Start(Client{ID: "aktenfluss", Secret: "geheim", RedirectURIs: []string{callback}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	resp, err := http.Get(p.Issuer() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var disc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&disc); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if disc["issuer"] != p.Issuer() || disc["token_endpoint"] != p.Issuer()+"/token" {
		t.Fatalf("discovery %v", disc)
	}

	verifier := "ein-langer-zufaelliger-pkce-verifier-0123456789"
	q := url.Values{"client_id": {"aktenfluss"}, "redirect_uri": {callback}, "response_type": {"code"},
		"scope": {"openid profile email"}, "state": {"s1"}, "nonce": {"n1"},
		"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}

	if back := authorize(t, p, q); back.Query().Get("error") != "access_denied" || back.Query().Get("state") != "s1" {
		t.Fatalf("nobody logged in: %v", back)
	}
	p.LoginAs(User{Subject: "u-17", Name: "Anna Schneider", Email: "a.schneider@musterstadt.de", PreferredUsername: "a.schneider", Groups: []string{"approver"}})
	back := authorize(t, p, q)
	code := back.Query().Get("code")
	if code == "" || back.Query().Get("state") != "s1" || !strings.HasPrefix(back.String(), callback) {
		t.Fatalf("redirect %v", back)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {callback}, "code_verifier": {verifier}}
	if status, body := exchange(t, p, form, "aktenfluss", "falsch"); status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Fatalf("wrong secret: %d %v", status, body)
	}
	// The failed attempt used the code up: a new login is needed.
	p.LoginAs(User{Subject: "u-17", Name: "Anna Schneider", Email: "a.schneider@musterstadt.de", PreferredUsername: "a.schneider"})
	form.Set("code", authorize(t, p, q).Query().Get("code"))
	status, body := exchange(t, p, form, "aktenfluss", "geheim")
	if status != http.StatusOK {
		t.Fatalf("token: %d %v", status, body)
	}
	claims, err := VerifyIDToken(body["id_token"].(string), p.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if claims["iss"] != p.Issuer() || claims["aud"] != "aktenfluss" || claims["sub"] != "u-17" || claims["nonce"] != "n1" || claims["preferred_username"] != "a.schneider" {
		t.Fatalf("claims %v", claims)
	}
	if status, body := exchange(t, p, form, "aktenfluss", "geheim"); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("code reused: %d %v", status, body)
	}

	req, _ := http.NewRequest(http.MethodGet, p.Issuer()+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+body["access_token"].(string))
	ui, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	if err := json.NewDecoder(ui.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	ui.Body.Close()
	if info["email"] != "a.schneider@musterstadt.de" {
		t.Fatalf("userinfo %v", info)
	}

	// PKCE: the wrong verifier is refused.
	p.LoginAs(User{Subject: "u-17"})
	form.Set("code", authorize(t, p, q).Query().Get("code"))
	form.Set("code_verifier", "ein-anderer-verifier-0123456789-0123456789")
	if status, body := exchange(t, p, form, "aktenfluss", "geheim"); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("pkce: %d %v", status, body)
	}

	// An unregistered redirect URI gets no redirect at all.
	q.Set("redirect_uri", "https://evil.example/cb")
	r2, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(p.Issuer() + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusBadRequest {
		t.Fatalf("foreign redirect: %d", r2.StatusCode)
	}
	if _, err := VerifyIDToken("a.b.c", p.PublicKey()); err == nil {
		t.Fatal("garbage verified")
	}
}
