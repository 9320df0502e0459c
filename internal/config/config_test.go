package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadFileThenEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aktenfluss.yaml")
	file := "nats:\n  url: nats://file:4222\ntemporal:\n  address: temporal:7233\nintake:\n  ack_wait: 45s\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, env(map[string]string{"NATS_URL": "nats://env:4222", "DATABASE_URL": "postgres://db/aktenfluss"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.NATS.URL != "nats://env:4222" {
		t.Errorf("environment must win over the file: nats.url = %q", c.NATS.URL)
	}
	if c.Temporal.Address != "temporal:7233" || c.Intake.AckWait != 45*time.Second {
		t.Errorf("file values lost: %+v", c)
	}
	if c.Intake.MaxDeliver != 10 || c.HTTP.Addr != "127.0.0.1:8080" {
		t.Errorf("defaults lost: %+v", c)
	}
}

func TestLoadRejectsUnknownKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aktenfluss.yaml")
	if err := os.WriteFile(path, []byte("natz:\n  url: nats://x:4222\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "natz") {
		t.Fatalf("misspelt key accepted: %v", err)
	}
}

func TestEmptyFileIsFine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, nil); err != nil {
		t.Fatal(err)
	}
}

func TestErrorsNameTheSetting(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		roles   []Role
		want    []string
		notWant []string
	}{
		{"missing everything for consume", nil, []Role{RoleConsume},
			[]string{"database.url (DATABASE_URL): must be set", "temporal.address (TEMPORAL_ADDRESS): must be set", "nats.url (NATS_URL): must be set"}, nil},
		{"bad nats url", map[string]string{"NATS_URL": "http://x", "DATABASE_URL": "sqlite:/x.db", "TEMPORAL_ADDRESS": "t:7233"}, []Role{RoleConsume},
			[]string{"nats.url (NATS_URL)"}, nil},
		{"worker needs blob dir and signing key", map[string]string{"NATS_URL": "nats://n:4222", "DATABASE_URL": "postgres://db/x", "TEMPORAL_ADDRESS": "t:7233"}, []Role{RoleWorker},
			[]string{"blob.dir (AKTENFLUSS_BLOB_DIR): must be set", "audit.signing_key (AKTENFLUSS_AUDIT_SIGNING_KEY): must be set"}, nil},
		{"serve needs only the database", nil, []Role{RoleServe}, []string{"database.url (DATABASE_URL): must be set"}, []string{"temporal.address", "nats.url"}},
		{"bad database scheme", map[string]string{"DATABASE_URL": "mysql://db", "TEMPORAL_ADDRESS": "t:7233"}, []Role{RoleServe},
			[]string{"database.url (DATABASE_URL)"}, nil},
		{"ocr worker", map[string]string{"DATABASE_URL": "sqlite:/x.db", "AKTENFLUSS_OCR_LANGUAGES": "deu;rm -rf", "AKTENFLUSS_OCR_JOBS": "0"}, []Role{RoleOCR},
			[]string{"temporal.address (TEMPORAL_ADDRESS)", "blob.dir (AKTENFLUSS_BLOB_DIR)", "ocr.languages (AKTENFLUSS_OCR_LANGUAGES)", "ocr.jobs (AKTENFLUSS_OCR_JOBS)"}, []string{"nats.url"}},
		{"replicas", map[string]string{"DATABASE_URL": "sqlite:/x.db", "TEMPORAL_ADDRESS": "t:7233", "AKTENFLUSS_NATS_REPLICAS": "2"}, []Role{RoleServe},
			[]string{"nats.replicas (AKTENFLUSS_NATS_REPLICAS)"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load("", env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			err = c.ValidateProduction(tc.roles)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error %q asks for %q, which this role does not need", err, w)
				}
			}
		})
	}
}

func TestBadEnvironmentValueNamesTheVariable(t *testing.T) {
	_, err := Load("", env(map[string]string{"AKTENFLUSS_INTAKE_ACK_WAIT": "soon"}))
	var se *SettingError
	if !errors.As(err, &se) || se.Env != "AKTENFLUSS_INTAKE_ACK_WAIT" || se.Key != "intake.ack_wait" {
		t.Fatalf("err = %v", err)
	}
}

func TestValidProductionConfig(t *testing.T) {
	c, err := Load("", env(map[string]string{
		"NATS_URL": "nats://a:4222,nats://b:4222", "DATABASE_URL": "postgres://db/x",
		"TEMPORAL_ADDRESS": "temporal:7233", "AKTENFLUSS_BLOB_DIR": "/var/lib/aktenfluss/blobs",
		"AKTENFLUSS_AUDIT_SIGNING_KEY": "/etc/aktenfluss/audit/signing-key.pem", "AKTENFLUSS_AUDIT_PUBLIC_KEYS": "/a.pem, /b.pem",
	}))
	if len(c.Audit.PublicKeys) != 2 || c.Audit.PublicKeys[1] != "/b.pem" {
		t.Fatalf("public keys = %q", c.Audit.PublicKeys)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ValidateProduction([]Role{RoleServe, RoleWorker, RoleConsume}); err != nil {
		t.Fatal(err)
	}
}

func TestParseRoles(t *testing.T) {
	r, err := ParseRoles("serve, worker,consume,ocr")
	if err != nil || len(r) != 4 {
		t.Fatalf("ParseRoles = %v, %v", r, err)
	}
	if _, err := ParseRoles("serve,cook"); err == nil {
		t.Fatal("unknown role accepted")
	}
}

func TestLoginAndOIDCSettings(t *testing.T) {
	d := Defaults()
	if !d.HTTP.Login || d.HTTP.SecureCookies || d.HTTP.SessionIdle != 30*time.Minute || d.HTTP.SessionLifetime != 12*time.Hour || d.OIDC.Enabled() {
		t.Fatalf("defaults: %+v %+v", d.HTTP, d.OIDC)
	}
	c, err := Load("", env(map[string]string{
		"AKTENFLUSS_HTTP_LOGIN": "false", "AKTENFLUSS_HTTP_SECURE_COOKIES": "true",
		"AKTENFLUSS_HTTP_SESSION_IDLE": "15m", "AKTENFLUSS_HTTP_SESSION_LIFETIME": "8h",
		"OIDC_ISSUER": "https://sso.example.de/realms/stadt", "OIDC_CLIENT_ID": "aktenfluss", "OIDC_CLIENT_SECRET": "geheim",
		"OIDC_REDIRECT_URL": "https://akten.example.de/auth/oidc/callback", "OIDC_AUTO_CREATE": "true", "OIDC_DEFAULT_ROLES": "clerk, mailroom",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Login || !c.HTTP.SecureCookies || c.HTTP.SessionIdle != 15*time.Minute || c.HTTP.SessionLifetime != 8*time.Hour {
		t.Errorf("http: %+v", c.HTTP)
	}
	o := c.OIDC
	if !o.Enabled() || o.ClientSecret != "geheim" || !o.AutoCreate || len(o.DefaultRoles) != 2 || o.DefaultRoles[1] != "mailroom" {
		t.Errorf("oidc: %+v", o)
	}
	if err := c.ValidateDev(); err == nil || !strings.Contains(err.Error(), "data_dir") || strings.Contains(err.Error(), "oidc") {
		t.Errorf("a complete OIDC setting refused: %v", err)
	}

	path := filepath.Join(t.TempDir(), "aktenfluss.yaml")
	file := "http:\n  login: false\n  session_idle: 10m\noidc:\n  issuer: https://sso.example.de\n  client_id: akten\n  redirect_url: https://akten.example.de/auth/oidc/callback\n  default_roles: [clerk]\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Login || c.HTTP.SessionIdle != 10*time.Minute || c.OIDC.ClientID != "akten" || c.OIDC.DefaultRoles[0] != "clerk" {
		t.Errorf("from the file: %+v %+v", c.HTTP, c.OIDC)
	}
}

func TestLoginAndOIDCValidation(t *testing.T) {
	full := map[string]string{"AKTENFLUSS_DATA_DIR": "/tmp/x", "OIDC_ISSUER": "https://sso.example.de", "OIDC_CLIENT_ID": "akten",
		"OIDC_REDIRECT_URL": "https://akten.example.de/auth/oidc/callback"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name string
		env  map[string]string
		want []string // empty: valid
	}{
		{"complete", full, nil},
		{"none", map[string]string{"AKTENFLUSS_DATA_DIR": "/tmp/x"}, nil},
		{"issuer only", map[string]string{"AKTENFLUSS_DATA_DIR": "/tmp/x", "OIDC_ISSUER": "https://sso.example.de"},
			[]string{"oidc.client_id (OIDC_CLIENT_ID)", "oidc.redirect_url (OIDC_REDIRECT_URL)"}},
		{"no client id", with("OIDC_CLIENT_ID", ""), []string{"oidc.client_id (OIDC_CLIENT_ID): issuer, client_id and redirect_url must be set together"}},
		{"secret without issuer", map[string]string{"AKTENFLUSS_DATA_DIR": "/tmp/x", "OIDC_CLIENT_SECRET": "s"}, []string{"oidc.issuer (OIDC_ISSUER)"}},
		{"relative redirect", with("OIDC_REDIRECT_URL", "/auth/oidc/callback"), []string{"oidc.redirect_url (OIDC_REDIRECT_URL): must be an absolute URL"}},
		{"issuer not a URL", with("OIDC_ISSUER", "sso.example.de"), []string{"oidc.issuer (OIDC_ISSUER)"}},
		{"unknown default role", with("OIDC_DEFAULT_ROLES", "clerk,cook"), []string{"oidc.default_roles (OIDC_DEFAULT_ROLES)"}},
		{"auto-create without roles", with("OIDC_AUTO_CREATE", "true"), []string{"oidc.default_roles (OIDC_DEFAULT_ROLES): must name at least one role"}},
		{"short idle", with("AKTENFLUSS_HTTP_SESSION_IDLE", "10s"), []string{"http.session_idle (AKTENFLUSS_HTTP_SESSION_IDLE)"}},
		{"lifetime under idle", with("AKTENFLUSS_HTTP_SESSION_LIFETIME", "10m"), []string{"http.session_lifetime (AKTENFLUSS_HTTP_SESSION_LIFETIME)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load("", env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			err = c.ValidateDev()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := Load("", env(map[string]string{"AKTENFLUSS_HTTP_LOGIN": "ja"})); err == nil || !strings.Contains(err.Error(), "http.login (AKTENFLUSS_HTTP_LOGIN)") {
		t.Errorf("bad boolean: %v", err)
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	c, err := Load(filepath.Join("..", "..", "deploy", "aktenfluss.example.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.OIDC.Enabled() || !c.HTTP.SecureCookies {
		t.Fatalf("example lost its login settings: %+v %+v", c.HTTP, c.OIDC)
	}
	// Only the login settings: the example's files exist on a server only.
	for _, err := range c.validateCommon() {
		if strings.Contains(err.Error(), "http.") || strings.Contains(err.Error(), "oidc.") {
			t.Error(err)
		}
	}
}
