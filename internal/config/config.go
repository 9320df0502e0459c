package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// Config is the whole configuration. Field comments name the environment
// variable that overrides each setting.
type Config struct {
	// DataDir is where `aktenfluss dev` keeps everything (AKTENFLUSS_DATA_DIR).
	DataDir  string         `yaml:"data_dir"`
	HTTP     HTTPConfig     `yaml:"http"`
	NATS     NATSConfig     `yaml:"nats"`
	Temporal TemporalConfig `yaml:"temporal"`
	Database DatabaseConfig `yaml:"database"`
	Blob     BlobConfig     `yaml:"blob"`
	Intake   IntakeConfig   `yaml:"intake"`
	OCR      OCRConfig      `yaml:"ocr"`
	Records  RecordsConfig  `yaml:"records"`
	Audit    AuditConfig    `yaml:"audit"`
	OIDC     OIDCConfig     `yaml:"oidc"`
	Log      LogConfig      `yaml:"log"`
}

// OIDCConfig adds login through an OpenID Connect provider (Keycloak, an
// Active Directory federation, a Landesportal) beside the local accounts.
// Issuer, client id and redirect URL are set together or not at all.
type OIDCConfig struct {
	Issuer   string `yaml:"issuer"`    // OIDC_ISSUER: the provider's issuer URL
	ClientID string `yaml:"client_id"` // OIDC_CLIENT_ID
	// ClientSecret authenticates aktenfluss at the token endpoint
	// (OIDC_CLIENT_SECRET); empty for a public client (PKCE only). Keep it
	// in the environment or a secret store rather than in the file.
	ClientSecret string `yaml:"client_secret"`
	// RedirectURL is this server's callback as the provider knows it,
	// absolute, ending in /auth/oidc/callback (OIDC_REDIRECT_URL).
	RedirectURL string `yaml:"redirect_url"`
	// AutoCreate creates an account at the first login of an unknown
	// subject (OIDC_AUTO_CREATE), with DefaultRoles; otherwise an
	// administrator links the subject first (aktenfluss users add).
	AutoCreate bool `yaml:"auto_create"`
	// DefaultRoles are the roles of auto-created accounts
	// (OIDC_DEFAULT_ROLES, comma-separated), e.g. clerk.
	DefaultRoles []string `yaml:"default_roles"`
}

// Enabled reports whether OIDC login is configured.
func (o OIDCConfig) Enabled() bool { return o.Issuer != "" }

// AuditConfig is where the audit trail's checkpoints are signed and kept.
// The signing key and the checkpoint file belong outside the database (and
// in production on another host or volume than the database): a forger
// with the database alone can then neither sign nor rewrite a checkpoint.
type AuditConfig struct {
	// SigningKey is the Ed25519 private key (PKCS#8 PEM, as written by
	// `openssl genpkey -algorithm ed25519`) that signs checkpoints
	// (AKTENFLUSS_AUDIT_SIGNING_KEY). dev: DATA_DIR/audit/signing-key.pem,
	// created on first start. Required for the worker role in production.
	SigningKey string `yaml:"signing_key"`
	// PublicKeys are further public keys (PEM files) whose checkpoints
	// verification accepts, e.g. a key used before a rotation
	// (AKTENFLUSS_AUDIT_PUBLIC_KEYS, comma-separated paths).
	PublicKeys []string `yaml:"public_keys"`
	// CheckpointFile receives every checkpoint as a JSON line
	// (AKTENFLUSS_AUDIT_CHECKPOINT_FILE). dev: DATA_DIR/audit/checkpoints.jsonl.
	// Checkpoints also go to the NATS subject audit.checkpoints (stream AUDIT).
	CheckpointFile string `yaml:"checkpoint_file"`
	// CheckpointEvery is how often the worker signs the end of the chain
	// when it has grown (AKTENFLUSS_AUDIT_CHECKPOINT_EVERY), default 1m.
	// Events after the last checkpoint are protected by the chain and the
	// head row, not yet by a signature.
	CheckpointEvery time.Duration `yaml:"checkpoint_every"`
}

// RecordsConfig shapes the E-Akte: file numbers, routing and task deadlines.
type RecordsConfig struct {
	// FileNumberLayout is the Aktenzeichen layout (AKTENFLUSS_FILE_NUMBER_LAYOUT),
	// default "{code}-{seq:4}/{year}", e.g. 60.10.02-0017/2026.
	FileNumberLayout string `yaml:"file_number_layout"`
	// RoutingRules is the path of the routing rules YAML
	// (AKTENFLUSS_ROUTING_RULES); empty means the built-in example rules.
	RoutingRules string `yaml:"routing_rules"`
	// TaskRemindAfter and TaskEscalateAfter are the clerk-task deadlines
	// (AKTENFLUSS_TASK_REMIND_AFTER, AKTENFLUSS_TASK_ESCALATE_AFTER), from
	// assignment or claim; default 72h and 120h.
	TaskRemindAfter   time.Duration `yaml:"task_remind_after"`
	TaskEscalateAfter time.Duration `yaml:"task_escalate_after"`
	// ApprovalConfig is the path of the invoice-approval rules (the
	// Dienstanweisung: stages, approval matrix, thresholds, deadlines;
	// AKTENFLUSS_APPROVAL_CONFIG); empty means the built-in example.
	ApprovalConfig string `yaml:"approval_config"`
	// BookingExportDir receives bookings.csv and bookings.jsonl for the
	// finance system (AKTENFLUSS_BOOKING_EXPORT_DIR); empty: only the
	// NATS subject finance.bookings.<unit>. dev uses DATA_DIR/exports.
	BookingExportDir string `yaml:"booking_export_dir"`
}

// OCRConfig tunes the OCR worker.
type OCRConfig struct {
	Languages string `yaml:"languages"` // AKTENFLUSS_OCR_LANGUAGES, default deu
	Jobs      int    `yaml:"jobs"`      // AKTENFLUSS_OCR_JOBS: pages recognised at once, default the number of CPUs
}

// HTTPConfig configures the web server.
type HTTPConfig struct {
	Addr string `yaml:"addr"` // AKTENFLUSS_HTTP_ADDR, default 127.0.0.1:8080
	// Login requires a session for every page but login, probes and
	// metrics (AKTENFLUSS_HTTP_LOGIN), default true. Off serves every page
	// to anyone who reaches the address — only for a closed test setup.
	Login bool `yaml:"login"`
	// SecureCookies marks cookies Secure on plain-HTTP requests too
	// (AKTENFLUSS_HTTP_SECURE_COOKIES): set it when TLS ends at a reverse
	// proxy in front of the server.
	SecureCookies bool `yaml:"secure_cookies"`
	// SessionIdle ends a session unused for this long
	// (AKTENFLUSS_HTTP_SESSION_IDLE), default 30m; SessionLifetime ends it
	// this long after login (AKTENFLUSS_HTTP_SESSION_LIFETIME), default 12h.
	SessionIdle     time.Duration `yaml:"session_idle"`
	SessionLifetime time.Duration `yaml:"session_lifetime"`
}

// NATSConfig points at the NATS cluster carrying intake.
type NATSConfig struct {
	URL      string `yaml:"url"`      // NATS_URL
	Creds    string `yaml:"creds"`    // NATS_CREDS: path to a .creds file
	Replicas int    `yaml:"replicas"` // AKTENFLUSS_NATS_REPLICAS: stream and bucket replicas, default 1 (use 3 in a cluster)
}

// TemporalConfig points at the Temporal frontend.
type TemporalConfig struct {
	Address   string    `yaml:"address"`   // TEMPORAL_ADDRESS
	Namespace string    `yaml:"namespace"` // TEMPORAL_NAMESPACE, default "default"
	TLS       TLSConfig `yaml:"tls"`
}

// TLSConfig is client TLS for Temporal (mTLS when cert and key are set).
type TLSConfig struct {
	Enabled    bool   `yaml:"enabled"`     // TEMPORAL_TLS
	CertFile   string `yaml:"cert_file"`   // TEMPORAL_TLS_CERT
	KeyFile    string `yaml:"key_file"`    // TEMPORAL_TLS_KEY
	CAFile     string `yaml:"ca_file"`     // TEMPORAL_TLS_CA
	ServerName string `yaml:"server_name"` // TEMPORAL_TLS_SERVER_NAME
}

// DatabaseConfig selects the records store.
type DatabaseConfig struct {
	URL string `yaml:"url"` // DATABASE_URL: postgres://… or sqlite:PATH
}

// BlobConfig locates the content-addressed blob store.
type BlobConfig struct {
	Dir string `yaml:"dir"` // AKTENFLUSS_BLOB_DIR
}

// IntakeConfig tunes the intake consumer.
type IntakeConfig struct {
	MaxBytes    int64         `yaml:"max_bytes"`   // AKTENFLUSS_INTAKE_MAX_BYTES, default 200 MiB
	MaxDeliver  int           `yaml:"max_deliver"` // AKTENFLUSS_INTAKE_MAX_DELIVER, default 10
	AckWait     time.Duration `yaml:"ack_wait"`    // AKTENFLUSS_INTAKE_ACK_WAIT, default 30s
	Concurrency int           `yaml:"concurrency"` // AKTENFLUSS_INTAKE_CONCURRENCY, default 8
}

// LogConfig sets the log level.
type LogConfig struct {
	Level string `yaml:"level"` // AKTENFLUSS_LOG_LEVEL: debug, info, warn, error; default info
}

// SettingError names the setting that is wrong.
type SettingError struct {
	Key, Env, Problem string
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("config: %s (%s): %s", e.Key, e.Env, e.Problem)
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		HTTP:     HTTPConfig{Addr: "127.0.0.1:8080", Login: true, SessionIdle: 30 * time.Minute, SessionLifetime: 12 * time.Hour},
		NATS:     NATSConfig{Replicas: 1},
		Temporal: TemporalConfig{Namespace: "default"},
		Intake:   IntakeConfig{MaxBytes: 200 << 20, MaxDeliver: 10, AckWait: 30 * time.Second, Concurrency: 8},
		OCR:      OCRConfig{Languages: "deu", Jobs: runtime.NumCPU()},
		Records:  RecordsConfig{FileNumberLayout: "{code}-{seq:4}/{year}", TaskRemindAfter: 72 * time.Hour, TaskEscalateAfter: 120 * time.Hour},
		Audit:    AuditConfig{CheckpointEvery: time.Minute},
		Log:      LogConfig{Level: "info"},
	}
}

// Load reads the file at path (if non-empty) over the defaults, then the
// environment given by getenv over that. It does not validate; call one of
// the Validate methods for the role being started.
func Load(path string, getenv func(string) string) (Config, error) {
	c := Defaults()
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: read %s: %w", path, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)                                             // a misspelt key is an error, not a silent default
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) { // io.EOF: empty file
			return c, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	return c, c.applyEnv(getenv)
}

type envSetting struct {
	env, key string
	set      func(string) error
}

func (c *Config) settings() []envSetting {
	str := func(p *string) func(string) error { return func(v string) error { *p = v; return nil } }
	num := func(p *int) func(string) error {
		return func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return errors.New("must be a whole number")
			}
			*p = n
			return nil
		}
	}
	dur := func(p *time.Duration) func(string) error {
		return func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return errors.New("must be a duration such as 72h")
			}
			*p = d
			return nil
		}
	}
	boolean := func(p *bool) func(string) error {
		return func(v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("must be true or false")
			}
			*p = b
			return nil
		}
	}
	list := func(p *[]string) func(string) error {
		return func(v string) error {
			*p = nil
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part != "" {
					*p = append(*p, part)
				}
			}
			return nil
		}
	}
	return []envSetting{
		{"AKTENFLUSS_DATA_DIR", "data_dir", str(&c.DataDir)},
		{"AKTENFLUSS_HTTP_ADDR", "http.addr", str(&c.HTTP.Addr)},
		{"NATS_URL", "nats.url", str(&c.NATS.URL)},
		{"NATS_CREDS", "nats.creds", str(&c.NATS.Creds)},
		{"AKTENFLUSS_NATS_REPLICAS", "nats.replicas", num(&c.NATS.Replicas)},
		{"TEMPORAL_ADDRESS", "temporal.address", str(&c.Temporal.Address)},
		{"TEMPORAL_NAMESPACE", "temporal.namespace", str(&c.Temporal.Namespace)},
		{"AKTENFLUSS_HTTP_LOGIN", "http.login", boolean(&c.HTTP.Login)},
		{"AKTENFLUSS_HTTP_SECURE_COOKIES", "http.secure_cookies", boolean(&c.HTTP.SecureCookies)},
		{"AKTENFLUSS_HTTP_SESSION_IDLE", "http.session_idle", dur(&c.HTTP.SessionIdle)},
		{"AKTENFLUSS_HTTP_SESSION_LIFETIME", "http.session_lifetime", dur(&c.HTTP.SessionLifetime)},
		{"TEMPORAL_TLS", "temporal.tls.enabled", boolean(&c.Temporal.TLS.Enabled)},
		{"TEMPORAL_TLS_CERT", "temporal.tls.cert_file", str(&c.Temporal.TLS.CertFile)},
		{"TEMPORAL_TLS_KEY", "temporal.tls.key_file", str(&c.Temporal.TLS.KeyFile)},
		{"TEMPORAL_TLS_CA", "temporal.tls.ca_file", str(&c.Temporal.TLS.CAFile)},
		{"TEMPORAL_TLS_SERVER_NAME", "temporal.tls.server_name", str(&c.Temporal.TLS.ServerName)},
		{"DATABASE_URL", "database.url", str(&c.Database.URL)},
		{"AKTENFLUSS_BLOB_DIR", "blob.dir", str(&c.Blob.Dir)},
		{"AKTENFLUSS_INTAKE_MAX_BYTES", "intake.max_bytes", func(v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return errors.New("must be a whole number of bytes")
			}
			c.Intake.MaxBytes = n
			return nil
		}},
		{"AKTENFLUSS_INTAKE_MAX_DELIVER", "intake.max_deliver", num(&c.Intake.MaxDeliver)},
		{"AKTENFLUSS_INTAKE_ACK_WAIT", "intake.ack_wait", func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return errors.New("must be a duration such as 30s")
			}
			c.Intake.AckWait = d
			return nil
		}},
		{"AKTENFLUSS_INTAKE_CONCURRENCY", "intake.concurrency", num(&c.Intake.Concurrency)},
		{"AKTENFLUSS_OCR_LANGUAGES", "ocr.languages", str(&c.OCR.Languages)},
		{"AKTENFLUSS_OCR_JOBS", "ocr.jobs", num(&c.OCR.Jobs)},
		{"AKTENFLUSS_FILE_NUMBER_LAYOUT", "records.file_number_layout", str(&c.Records.FileNumberLayout)},
		{"AKTENFLUSS_ROUTING_RULES", "records.routing_rules", str(&c.Records.RoutingRules)},
		{"AKTENFLUSS_TASK_REMIND_AFTER", "records.task_remind_after", dur(&c.Records.TaskRemindAfter)},
		{"AKTENFLUSS_TASK_ESCALATE_AFTER", "records.task_escalate_after", dur(&c.Records.TaskEscalateAfter)},
		{"AKTENFLUSS_APPROVAL_CONFIG", "records.approval_config", str(&c.Records.ApprovalConfig)},
		{"AKTENFLUSS_BOOKING_EXPORT_DIR", "records.booking_export_dir", str(&c.Records.BookingExportDir)},
		{"AKTENFLUSS_AUDIT_SIGNING_KEY", "audit.signing_key", str(&c.Audit.SigningKey)},
		{"AKTENFLUSS_AUDIT_PUBLIC_KEYS", "audit.public_keys", list(&c.Audit.PublicKeys)},
		{"AKTENFLUSS_AUDIT_CHECKPOINT_FILE", "audit.checkpoint_file", str(&c.Audit.CheckpointFile)},
		{"AKTENFLUSS_AUDIT_CHECKPOINT_EVERY", "audit.checkpoint_every", dur(&c.Audit.CheckpointEvery)},
		{"OIDC_ISSUER", "oidc.issuer", str(&c.OIDC.Issuer)},
		{"OIDC_CLIENT_ID", "oidc.client_id", str(&c.OIDC.ClientID)},
		{"OIDC_CLIENT_SECRET", "oidc.client_secret", str(&c.OIDC.ClientSecret)},
		{"OIDC_REDIRECT_URL", "oidc.redirect_url", str(&c.OIDC.RedirectURL)},
		{"OIDC_AUTO_CREATE", "oidc.auto_create", boolean(&c.OIDC.AutoCreate)},
		{"OIDC_DEFAULT_ROLES", "oidc.default_roles", list(&c.OIDC.DefaultRoles)},
		{"AKTENFLUSS_LOG_LEVEL", "log.level", str(&c.Log.Level)},
	}
}

func (c *Config) applyEnv(getenv func(string) string) error {
	if getenv == nil {
		return nil
	}
	for _, s := range c.settings() {
		v := strings.TrimSpace(getenv(s.env))
		if v == "" {
			continue
		}
		if err := s.set(v); err != nil {
			return &SettingError{Key: s.key, Env: s.env, Problem: err.Error()}
		}
	}
	return nil
}

func (c *Config) envOf(key string) string {
	for _, s := range c.settings() {
		if s.key == key {
			return s.env
		}
	}
	return "-"
}

func (c *Config) bad(key, problem string) error {
	return &SettingError{Key: key, Env: c.envOf(key), Problem: problem}
}

// Role is a part of aktenfluss that can run on its own.
type Role string

const (
	RoleServe   Role = "serve"   // HTTP server (web UI, API, health, metrics)
	RoleWorker  Role = "worker"  // Temporal workers
	RoleConsume Role = "consume" // intake consumer
	RoleOCR     Role = "ocr"     // OCR worker on the ocr task queue (Tesseract; scale apart)
)

// ParseRoles reads a comma-separated list such as "serve,worker".
func ParseRoles(s string) ([]Role, error) {
	var roles []Role
	for _, part := range strings.Split(s, ",") {
		switch r := Role(strings.TrimSpace(part)); r {
		case RoleServe, RoleWorker, RoleConsume, RoleOCR:
			roles = append(roles, r)
		default:
			return nil, fmt.Errorf("unknown role %q (expected serve, worker, consume, ocr)", part)
		}
	}
	return roles, nil
}

// ValidateProduction checks what the given roles need from external services.
func (c *Config) ValidateProduction(roles []Role) error {
	var errs []error
	need := func(key, value string) {
		if value == "" {
			errs = append(errs, c.bad(key, "must be set"))
		}
	}
	// Every role reads or writes the records store; the consumer starts
	// workflows and the worker runs them.
	need("database.url", c.Database.URL)
	for _, r := range roles {
		if r == RoleConsume || r == RoleWorker {
			need("nats.url", c.NATS.URL)
			need("temporal.address", c.Temporal.Address)
		}
		if r == RoleWorker || r == RoleOCR {
			need("temporal.address", c.Temporal.Address)
			need("blob.dir", c.Blob.Dir)
		}
		if r == RoleWorker {
			need("audit.signing_key", c.Audit.SigningKey)
		}
	}
	errs = append(errs, c.validateCommon()...)
	return errors.Join(dedupe(errs)...)
}

// ValidateDev checks the settings `aktenfluss dev` uses; external addresses
// are ignored because dev starts its own.
func (c *Config) ValidateDev() error {
	var errs []error
	if c.DataDir == "" {
		errs = append(errs, c.bad("data_dir", "must be set"))
	}
	errs = append(errs, c.validateCommon()...)
	return errors.Join(errs...)
}

func (c *Config) validateCommon() []error {
	var errs []error
	if c.HTTP.Addr != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
			errs = append(errs, c.bad("http.addr", "must be HOST:PORT, e.g. 127.0.0.1:8080"))
		}
	}
	if c.NATS.URL != "" {
		for _, u := range strings.Split(c.NATS.URL, ",") {
			p, err := url.Parse(strings.TrimSpace(u))
			if err != nil || (p.Scheme != "nats" && p.Scheme != "tls" && p.Scheme != "ws" && p.Scheme != "wss") || p.Host == "" {
				errs = append(errs, c.bad("nats.url", fmt.Sprintf("%q is not a nats://, tls://, ws:// or wss:// URL", u)))
			}
		}
	}
	if c.NATS.Creds != "" {
		if _, err := os.Stat(c.NATS.Creds); err != nil {
			errs = append(errs, c.bad("nats.creds", "cannot read the credentials file: "+err.Error()))
		}
	}
	if c.NATS.Replicas != 1 && c.NATS.Replicas != 3 && c.NATS.Replicas != 5 {
		errs = append(errs, c.bad("nats.replicas", "must be 1, 3 or 5"))
	}
	if c.Temporal.Address != "" {
		if _, _, err := net.SplitHostPort(c.Temporal.Address); err != nil {
			errs = append(errs, c.bad("temporal.address", "must be HOST:PORT, e.g. temporal:7233"))
		}
	}
	if c.Temporal.Namespace == "" {
		errs = append(errs, c.bad("temporal.namespace", "must not be empty"))
	}
	t := c.Temporal.TLS
	if (t.CertFile == "") != (t.KeyFile == "") {
		errs = append(errs, c.bad("temporal.tls.cert_file", "cert_file and key_file must be set together"))
	}
	for _, f := range []struct{ key, path string }{
		{"temporal.tls.cert_file", t.CertFile}, {"temporal.tls.key_file", t.KeyFile}, {"temporal.tls.ca_file", t.CAFile},
	} {
		if f.path != "" {
			if _, err := os.Stat(f.path); err != nil {
				errs = append(errs, c.bad(f.key, "cannot read: "+err.Error()))
			}
		}
	}
	if u := c.Database.URL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") && !strings.HasPrefix(u, "sqlite:") {
		errs = append(errs, c.bad("database.url", "must start with postgres://, postgresql:// or sqlite:"))
	}
	if c.Blob.Dir != "" && !filepath.IsAbs(c.Blob.Dir) {
		errs = append(errs, c.bad("blob.dir", "must be an absolute path"))
	}
	if c.Intake.MaxBytes <= 0 {
		errs = append(errs, c.bad("intake.max_bytes", "must be positive"))
	}
	if c.Intake.MaxDeliver < 2 {
		errs = append(errs, c.bad("intake.max_deliver", "must be at least 2"))
	}
	if c.Intake.AckWait < time.Second {
		errs = append(errs, c.bad("intake.ack_wait", "must be at least 1s"))
	}
	if c.Intake.Concurrency < 1 || c.Intake.Concurrency > 256 {
		errs = append(errs, c.bad("intake.concurrency", "must be between 1 and 256"))
	}
	if c.OCR.Jobs < 1 || c.OCR.Jobs > 64 {
		errs = append(errs, c.bad("ocr.jobs", "must be between 1 and 64"))
	}
	if !validLanguages(c.OCR.Languages) {
		errs = append(errs, c.bad("ocr.languages", "must be Tesseract language codes joined by +, e.g. deu+eng"))
	}
	if _, err := records.NewFileNumberFormat(c.Records.FileNumberLayout); err != nil {
		errs = append(errs, c.bad("records.file_number_layout", err.Error()))
	}
	if c.Records.TaskRemindAfter <= 0 || c.Records.TaskEscalateAfter <= c.Records.TaskRemindAfter {
		errs = append(errs, c.bad("records.task_escalate_after", "reminder and escalation must be positive, the escalation after the reminder"))
	}
	if c.HTTP.SessionIdle < time.Minute {
		errs = append(errs, c.bad("http.session_idle", "must be at least 1m"))
	}
	if c.HTTP.SessionLifetime < c.HTTP.SessionIdle {
		errs = append(errs, c.bad("http.session_lifetime", "must not be shorter than http.session_idle"))
	}
	errs = append(errs, c.validateOIDC()...)
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, c.bad("log.level", "must be debug, info, warn or error"))
	}
	return errs
}

// validateOIDC checks that the provider is named completely or not at
// all; a half configuration would otherwise fail only at the first login.
func (c *Config) validateOIDC() []error {
	o := c.OIDC
	set := 0
	for _, v := range []string{o.Issuer, o.ClientID, o.RedirectURL} {
		if v != "" {
			set++
		}
	}
	if set == 0 {
		if o.ClientSecret != "" || o.AutoCreate || len(o.DefaultRoles) > 0 {
			return []error{c.bad("oidc.issuer", "must be set when other oidc settings are")}
		}
		return nil
	}
	var errs []error
	if set < 3 {
		for _, f := range []struct{ key, v string }{{"oidc.issuer", o.Issuer}, {"oidc.client_id", o.ClientID}, {"oidc.redirect_url", o.RedirectURL}} {
			if f.v == "" {
				errs = append(errs, c.bad(f.key, "issuer, client_id and redirect_url must be set together"))
			}
		}
	}
	if o.Issuer != "" {
		if u, err := url.Parse(o.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, c.bad("oidc.issuer", "must be an absolute https:// URL"))
		}
	}
	if o.RedirectURL != "" {
		if u, err := url.Parse(o.RedirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, c.bad("oidc.redirect_url", "must be an absolute URL, e.g. https://akten.example.de/auth/oidc/callback"))
		}
	}
	for _, r := range o.DefaultRoles {
		if _, err := auth.ParseRole(r); err != nil {
			errs = append(errs, c.bad("oidc.default_roles", err.Error()))
		}
	}
	if o.AutoCreate && len(o.DefaultRoles) == 0 {
		errs = append(errs, c.bad("oidc.default_roles", "must name at least one role when oidc.auto_create is on"))
	}
	return errs
}

func validLanguages(s string) bool {
	if s == "" {
		return false
	}
	for _, l := range strings.Split(s, "+") {
		if len(l) < 3 || len(l) > 20 {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
				return false
			}
		}
	}
	return true
}

func dedupe(errs []error) []error {
	seen := map[string]bool{}
	var out []error
	for _, e := range errs {
		if !seen[e.Error()] {
			seen[e.Error()] = true
			out = append(out, e)
		}
	}
	return out
}
