package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
)

//go:embed templates/*.html
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"localtime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(records.RegisterLocation).Format("02.01.2006 15:04:05")
	},
	"statusDE": statusDE,
	"inc":      func(n int) int { return n + 1 },
	"fileHref": fileHref,
	"docType":  docTypeDE,
	"reasonDE": api.QuarantineReasonLabel,
	"dec":      func(n int) int { return n - 1 },
	"sourceDE": sourceDE,
	"kindDE":   kindDE,
}).ParseFS(templateFS, "templates/*.html"))

// Register is what the pages read from the records store.
type Register interface {
	Entries(ctx context.Context, f store.EntryFilter) ([]records.RegisterEntry, error)
	CountEntries(ctx context.Context, f store.EntryFilter) (int, error)
	EntryByNumber(ctx context.Context, n records.RegisterNumber) (records.RegisterEntry, error)
	Events(ctx context.Context, objectType, objectID string) ([]store.AuditEvent, error)
	Quarantined(ctx context.Context, f store.QuarantineFilter) ([]store.QuarantineItem, error)
	CountQuarantined(ctx context.Context, f store.QuarantineFilter) (int, error)
	Renditions(ctx context.Context, documentSHA256 string) ([]records.Rendition, error)
	InvoiceByDocument(ctx context.Context, documentSHA256 string) (records.Invoice, error)
	AppendEvent(ctx context.Context, ev store.AuditEvent) (bool, error)
	// DocumentMeta, FilingsOf and File give a document's units (see
	// documentUnits).
	DocumentMeta(ctx context.Context, documentSHA256 string) (records.DocumentMeta, error)
	FilingsOf(ctx context.Context, documentSHA256 string) ([]records.Filing, error)
	File(ctx context.Context, id int64) (records.File, error)
	// The file pages (files_pages.go) read the plan, files, processes,
	// filings and the full-text index.
	FilePlan(ctx context.Context) (records.FilePlan, error)
	Files(ctx context.Context, f store.FileFilter) ([]records.File, error)
	CountFiles(ctx context.Context, f store.FileFilter) (int, error)
	FileByNumber(ctx context.Context, number string) (records.File, error)
	Processes(ctx context.Context, fileID int64) ([]records.Process, error)
	Filings(ctx context.Context, fileID int64) ([]records.Filing, error)
	EntryBySHA256(ctx context.Context, sha256 string) (records.RegisterEntry, error)
	Search(ctx context.Context, q store.SearchQuery) (store.SearchResult, error)
}

// actorWeb is who reads through the web pages when the server runs
// without login (Server.Sessions nil, as in "aktenfluss dev"): the trail
// still gets every read, with the client address as personal data.
const actorWeb = "web:unangemeldet"

// Check is one readiness probe (records store, NATS, Temporal).
type Check struct {
	Name  string
	Check func(ctx context.Context) error
}

// Server serves the HTTP endpoints.
type Server struct {
	Register Register
	// Blobs serves originals and renditions; nil hides the download links.
	Blobs   blob.Store
	Checks  []Check
	Metrics *prometheus.Registry
	Log     *slog.Logger

	// Sessions turns login on (see login.go): every page but /login,
	// probes, metrics, /auth/oidc/* and static assets needs a session, and
	// every state-changing request its CSRF token. Nil serves all pages
	// without login, as before. Users must be set with it.
	Sessions *auth.Sessions
	Users    Users
	// OIDC, when set with Sessions, adds login through an OpenID Connect
	// provider at /auth/oidc/login.
	OIDC *OIDCConfig
	// SecureCookies marks cookies Secure even on plain-HTTP requests: set
	// it when TLS ends at a reverse proxy in front of the server. Requests
	// that arrive over TLS get Secure cookies anyway.
	SecureCookies bool
	// APIRoutes is the REST API (internal/web/api), served under /api with
	// the login's principal and the same audit of an auditor's reads as
	// the pages. It needs Sessions: without login there is nobody to ask.
	APIRoutes []api.Route
	// AuditTimeline builds an auditor's report of a file, document or
	// invoice for /audit/timeline and /audit/export; AuditVerify checks the
	// whole chain for /audit/verify. Nil: those pages answer 503.
	AuditTimeline func(ctx context.Context, kind, id, actor string) (audit.Report, error)
	AuditVerify   func(ctx context.Context) (audit.Result, error)
	// Ops are the API's operations the pages' forms carry out (upload,
	// retry, claim, file, decide, administer), so that a form and its API
	// call do the same. Nil: the forms answer 503.
	Ops *api.Ops
}

// Handler returns the routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.ready)
	if s.Metrics != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{Registry: s.Metrics}))
	}
	for _, p := range s.pages() {
		mux.Handle(p.pattern, s.guard(p))
	}
	if s.Sessions == nil {
		return securityHeaders(mux)
	}
	s.routeLogin(mux)
	if len(s.APIRoutes) > 0 {
		a := &api.API{
			Title: "aktenfluss", Version: "1", Routes: s.APIRoutes,
			Principal: func(r *http.Request) (auth.Principal, bool) { return PrincipalFrom(r.Context()) },
			AuditRead: func(r *http.Request, _ auth.Principal, rt api.Route) error { return s.logPageRead(r, rt.Action) },
			Log: func(r *http.Request, err error) {
				s.logger().Error("api", "method", r.Method, "path", r.URL.Path, "error", err)
			},
		}
		if err := a.Mount(mux); err != nil {
			// A route table that does not mount is a programming error the
			// api tests catch; the pages still serve.
			s.logger().Error("api not mounted", "error", err)
		}
	}
	return securityHeaders(s.requireLogin(mux))
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		// Pages show a document's PDF beside its data in a frame of the
		// same origin; no other site may frame them.
		h.Set("X-Frame-Options", "SAMEORIGIN")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	failed := false
	var body []byte
	for _, c := range s.Checks {
		if err := c.Check(ctx); err != nil {
			failed = true
			body = append(body, c.Name+": "+err.Error()+"\n"...)
			continue
		}
		body = append(body, c.Name+": ok\n"...)
	}
	if failed {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write(body)
}

const pageSize = 50

type registerView struct {
	Layout     layoutView
	Entries    []records.RegisterEntry
	Total      int
	Page       int
	Pages      int
	Filter     store.EntryFilter
	Quarantine int
	Query      string
}

func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.EntryFilter{Limit: pageSize}
	if v := q.Get("jahr"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil {
			http.Error(w, "Ungültiges Jahr", http.StatusBadRequest)
			return
		}
		f.Year = y
	}
	if v := q.Get("quelle"); v != "" {
		src, err := records.ParseSource(v)
		if err != nil {
			http.Error(w, "Unbekannte Quelle", http.StatusBadRequest)
			return
		}
		f.Source = src
	}
	if v := q.Get("status"); v != "" {
		f.Status = records.Status(v)
	}
	page, _ := strconv.Atoi(q.Get("seite"))
	if page < 1 {
		page = 1
	}
	f.Offset = (page - 1) * pageSize
	ctx := r.Context()
	entries, err := s.Register.Entries(ctx, f)
	if err != nil {
		s.fail(w, "register list", err)
		return
	}
	total, err := s.Register.CountEntries(ctx, f)
	if err != nil {
		s.fail(w, "register count", err)
		return
	}
	quarantined, err := s.Register.CountQuarantined(ctx, store.QuarantineFilter{})
	if err != nil {
		s.fail(w, "quarantine count", err)
		return
	}
	view := registerView{Layout: s.layout(r, "Posteingangsbuch"), Entries: entries, Total: total, Page: page, Pages: (total + pageSize - 1) / pageSize,
		Filter: f, Quarantine: quarantined, Query: r.URL.RawQuery}
	s.render(w, "register.html", view)
}

type documentView struct {
	Layout     layoutView
	Entry      records.RegisterEntry
	Events     []store.AuditEvent
	Renditions []records.Rendition
	Downloads  bool
	Invoice    *records.Invoice // the invoice record of an e-invoice
}

func (s *Server) documentPage(w http.ResponseWriter, r *http.Request) {
	e, ok := s.entry(w, r)
	if !ok {
		return
	}
	events, err := s.Register.Events(r.Context(), "document", e.SHA256)
	if err != nil {
		s.fail(w, "audit events", err)
		return
	}
	rends, err := s.Register.Renditions(r.Context(), e.SHA256)
	if err != nil {
		s.fail(w, "renditions", err)
		return
	}
	if err := s.logObjectRead(r, audit.ActionDocumentRead, "document", e.SHA256, nil, nil); err != nil {
		s.fail(w, "audit read", err)
		return
	}
	view := documentView{Layout: s.layout(r, "Eingang "+e.Number.String()), Entry: e, Events: events, Renditions: rends, Downloads: s.Blobs != nil}
	if inv, err := s.Register.InvoiceByDocument(r.Context(), e.SHA256); err == nil {
		view.Invoice = &inv
	} else if !errors.Is(err, store.ErrNotFound) {
		s.fail(w, "invoice record", err)
		return
	}
	s.render(w, "document.html", view)
}

// entry finds the register entry named in the path, or answers the
// request with the reason it cannot.
func (s *Server) entry(w http.ResponseWriter, r *http.Request) (records.RegisterEntry, bool) {
	n, err := records.ParseRegisterNumber(r.PathValue("number"))
	if err != nil {
		http.Error(w, "Ungültige Eingangsnummer", http.StatusBadRequest)
		return records.RegisterEntry{}, false
	}
	e, err := s.Register.EntryByNumber(r.Context(), n)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "Kein Eintrag mit dieser Eingangsnummer", http.StatusNotFound)
		return records.RegisterEntry{}, false
	}
	if err != nil {
		s.fail(w, "register entry", err)
		return records.RegisterEntry{}, false
	}
	return e, true
}

// download serves the original ("original") or a rendition ("archival-pdf",
// "text") of a document. The bytes are verified against their digest on the
// way out, so a damaged blob fails instead of being delivered.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	if s.Blobs == nil {
		http.NotFound(w, r)
		return
	}
	e, ok := s.entry(w, r)
	if !ok {
		return
	}
	kind := r.PathValue("kind")
	digest, mediaType, name := e.SHA256, e.MediaType, e.OriginalName
	if kind != "original" {
		rends, err := s.Register.Renditions(r.Context(), e.SHA256)
		if err != nil {
			s.fail(w, "renditions", err)
			return
		}
		digest = ""
		for _, rd := range rends {
			if string(rd.Kind) == kind {
				digest, mediaType = rd.BlobSHA256, rd.MediaType
				name = api.RenditionName(e, rd.Kind)
			}
		}
		if digest == "" {
			http.Error(w, "Diese Fassung gibt es (noch) nicht", http.StatusNotFound)
			return
		}
	}
	rc, err := s.Blobs.Open(r.Context(), digest)
	if err != nil {
		s.fail(w, "open blob", err)
		return
	}
	defer func() { _ = rc.Close() }()
	if err := s.logObjectRead(r, audit.ActionDocumentDownloaded, "document", e.SHA256, map[string]any{"rendition": kind, "sha256": digest}, nil); err != nil {
		s.fail(w, "audit download", err)
		return
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name}))
	w.Header().Set("ETag", `"`+digest+`"`)
	if _, err := io.Copy(w, rc); err != nil {
		// Headers are out; all that is left is to log and cut the response.
		s.logger().Error("download interrupted", "sha256", digest, "error", err)
	}
}

func (s *Server) quarantinePage(w http.ResponseWriter, r *http.Request) {
	items, err := s.Register.Quarantined(r.Context(), store.QuarantineFilter{All: r.URL.Query().Get("alle") != ""})
	if err != nil {
		s.fail(w, "quarantine list", err)
		return
	}
	s.render(w, "quarantine.html", quarantineView{Layout: s.layout(r, "Quarantäne"), Items: items,
		MayRetry: s.Ops != nil && s.may(r, auth.ActQuarantineRetry)})
}

type quarantineView struct {
	Layout layoutView
	Items  []store.QuarantineItem
	// MayRetry: the person may put an item back into the intake, so the
	// page offers the retry button.
	MayRetry bool
}

func (s *Server) render(w http.ResponseWriter, name string, data any) {
	s.renderStatus(w, http.StatusOK, name, data)
}

func (s *Server) renderStatus(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := templates.ExecuteTemplate(w, name, data); err != nil {
		s.logger().Error("render page", "template", name, "error", err)
	}
}

func (s *Server) fail(w http.ResponseWriter, what string, err error) {
	s.logger().Error("web request failed", "what", what, "error", err)
	http.Error(w, "Interner Fehler – bitte später erneut versuchen.", http.StatusInternalServerError)
}

func (s *Server) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// statusDE is the register status in German, as the API's upload status
// says it.
func statusDE(s records.Status) string { return api.StatusLabel(s) }

func sourceDE(s records.Source) string {
	switch s {
	case records.SourceMailroom:
		return "Poststelle (Scan)"
	case records.SourceEmail:
		return "E-Mail"
	case records.SourceEInvoice:
		return "E-Rechnung"
	case records.SourceUpload:
		return "Hochgeladen"
	}
	return string(s)
}

func kindDE(k records.Kind) string {
	switch k {
	case records.KindScanImage:
		return "Scan (Bild)"
	case records.KindPDFScan:
		return "PDF ohne Textebene"
	case records.KindPDFText:
		return "PDF mit Text"
	case records.KindXMLUBL:
		return "E-Rechnung (UBL)"
	case records.KindXMLCII:
		return "E-Rechnung (CII)"
	case records.KindXMLOther:
		return "XML (keine E-Rechnung)"
	case records.KindPDFEInvoice:
		return "Hybride E-Rechnung (ZUGFeRD/Factur-X)"
	case records.KindUnknown:
		return "–"
	}
	return string(k)
}
