package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/audit/auditpdf"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// The auditor's pages: choose a case, see its history with the state of
// the chain, verify the chain, export the history. Access is in the page
// table (access.go); an auditor's views are logged there, an export is
// logged here as audit.exported before its bytes leave.

type auditKind struct{ Kind, Label, Hint string }

// auditKinds are the cases a history can be asked for, in the form's order.
var auditKinds = []auditKind{
	{"file", "Akte", "Aktenzeichen, z. B. 63.01.02-0001/2026"},
	{"document", "Dokument", "Eingangsnummer (2026-000123) oder SHA-256"},
	{"invoice", "Rechnung", "Nummer der Rechnung im System (eine Zahl)"},
}

func auditKindLabel(kind string) string {
	for _, k := range auditKinds {
		if k.Kind == kind {
			return k.Label
		}
	}
	return kind
}

// chainView is a verification result in sentences, as the PDF export
// words it.
type chainView struct {
	OK       bool
	Headline string
	Lines    []string
	Checked  time.Time
}

func newChainView(v audit.Result) *chainView {
	c := &chainView{OK: v.OK, Checked: v.CheckedAt}
	if v.OK {
		c.Headline = "Kette unverändert: " + countDE(v.Events, "Ereignis", "Ereignisse")
		if cp := v.LastCheckpoint; cp != nil {
			c.Headline += ", letzter signierter Checkpoint Ereignis " + strconv.FormatInt(cp.Seq, 10) +
				" vom " + cp.Time.In(records.RegisterLocation).Format("02.01.2006 15:04:05") + " (Schlüssel " + cp.KeyID + ")"
		} else {
			c.Headline += ", kein signierter Checkpoint"
		}
		c.Headline += "."
	} else {
		c.Headline = "KETTE BESCHÄDIGT"
		if p := v.Problem; p != nil {
			c.Headline += " – erstes fehlerhaftes Ereignis " + strconv.FormatInt(p.Seq, 10) + ": " + p.Message
		}
		c.Lines = append(c.Lines, "Bis dahin geprüft: "+countDE(v.Events, "Ereignis", "Ereignisse")+".")
	}
	for _, w := range v.Warnings {
		c.Lines = append(c.Lines, "Hinweis: "+w)
	}
	if v.Erased > 0 {
		c.Lines = append(c.Lines, "Bei "+countDE(v.Erased, "Ereignis", "Ereignissen")+" wurden personenbezogene Daten gelöscht.")
	}
	return c
}

func countDE(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}

type auditIndexView struct {
	Layout    layoutView
	Kinds     []auditKind
	Kind, ID  string
	MayVerify bool
	// Chain is the verification just run (/audit/verify); nil on /audit.
	Chain *chainView
}

func (s *Server) auditIndexPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, "audit.html", s.auditIndex(r, "Prüfprotokoll"))
}

func (s *Server) auditIndex(r *http.Request, title string) auditIndexView {
	return auditIndexView{Layout: s.layout(r, title), Kinds: auditKinds, Kind: "document",
		MayVerify: s.AuditVerify != nil && s.may(r, auth.ActAuditVerify)}
}

func (s *Server) auditVerifyPage(w http.ResponseWriter, r *http.Request) {
	if s.AuditVerify == nil {
		http.Error(w, "Die Prüfung der Protokollkette ist in dieser Installation nicht verfügbar.", http.StatusServiceUnavailable)
		return
	}
	res, err := s.AuditVerify(r.Context())
	if err != nil {
		s.fail(w, "audit verify", err)
		return
	}
	v := s.auditIndex(r, "Prüfung der Protokollkette")
	v.Chain = newChainView(res)
	s.render(w, "audit.html", v)
}

// may reports whether the person signed in may do a; without login every
// page is served, so everything is allowed.
func (s *Server) may(r *http.Request, a auth.Action) bool {
	if s.Sessions == nil {
		return true
	}
	who, ok := PrincipalFrom(r.Context())
	return ok && auth.Decide(who, a, auth.Resource{}).Allowed
}

// auditCase reads kind and id from the query and builds the report, or
// answers the request with the reason it cannot.
func (s *Server) auditCase(w http.ResponseWriter, r *http.Request) (audit.Report, bool) {
	if s.AuditTimeline == nil {
		http.Error(w, "Der Verlauf ist in dieser Installation nicht verfügbar.", http.StatusServiceUnavailable)
		return audit.Report{}, false
	}
	q := r.URL.Query()
	kind, id := q.Get("kind"), strings.TrimSpace(q.Get("id"))
	v := s.auditIndex(r, "Prüfprotokoll")
	v.Kind, v.ID = kind, id
	refuse := func(status int, msg string) (audit.Report, bool) {
		s.renderStatus(w, status, "audit_error.html", auditErrorView{auditIndexView: v, Message: msg})
		return audit.Report{}, false
	}
	switch kind {
	case "file", "document", "invoice":
	default:
		return refuse(http.StatusBadRequest, "Bitte wählen Sie Akte, Dokument oder Rechnung.")
	}
	if id == "" {
		return refuse(http.StatusBadRequest, "Bitte geben Sie an, welche "+auditKindLabel(kind)+" Sie prüfen möchten.")
	}
	if kind == "invoice" {
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			return refuse(http.StatusBadRequest, "Die Nummer einer Rechnung im System ist eine Zahl.")
		}
	}
	rep, err := s.AuditTimeline(r.Context(), kind, id, actor(r.Context()))
	if errors.Is(err, store.ErrNotFound) {
		return refuse(http.StatusNotFound, auditKindLabel(kind)+" „"+id+"“ nicht gefunden ("+err.Error()+").")
	}
	if err != nil {
		s.fail(w, "audit timeline", err)
		return audit.Report{}, false
	}
	return rep, true
}

type auditErrorView struct {
	auditIndexView
	Message string
}

type auditTimelineView struct {
	Layout    layoutView
	Report    audit.Report
	Subject   string
	Chain     *chainView
	Objects   []auditObjectView
	Entries   []auditEntryView
	MayExport bool
	Kind, ID  string // as asked, for the export links
}

type auditObjectView struct{ Type, ID, Label string }

type auditEntryView struct {
	Time                     time.Time
	Source, Actor            string
	Summary, Action, Details string
	Object, ObjectTitle      string
	Personal                 string
	Erased                   bool
}

func (s *Server) auditTimelinePage(w http.ResponseWriter, r *http.Request) {
	rep, ok := s.auditCase(w, r)
	if !ok {
		return
	}
	v := auditTimelineView{Layout: s.layout(r, "Prüfprotokoll "+subjectDE(rep.Subject)), Report: rep, Subject: subjectDE(rep.Subject),
		Chain: newChainView(rep.Verification), MayExport: s.may(r, auth.ActAuditExport),
		Kind: r.URL.Query().Get("kind"), ID: strings.TrimSpace(r.URL.Query().Get("id"))}
	for _, o := range rep.Objects {
		v.Objects = append(v.Objects, auditObjectView{Type: objectTypeDE(o.Type), ID: o.ID, Label: o.Label})
	}
	for _, e := range rep.Entries {
		ev := auditEntryView{Time: e.Time, Actor: e.Actor, Summary: e.Summary, Action: e.Action,
			Details: compactJSON(e.Details), Erased: e.Erased, ObjectTitle: e.Object}
		ev.Object = objectLabelDE(e.Object)
		switch e.Source {
		case audit.SourceTrail:
			ev.Source = "Protokoll #" + strconv.FormatInt(e.Seq, 10)
		case audit.SourceWorkflow:
			ev.Source = "Workflow"
		default:
			ev.Source = e.Source
		}
		if !e.Erased {
			ev.Personal = compactJSON(e.Personal)
		}
		v.Entries = append(v.Entries, ev)
	}
	s.render(w, "audit_timeline.html", v)
}

func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	f, ok := auditpdf.Formats[format]
	if !ok {
		http.Error(w, "Format json, csv oder pdf", http.StatusBadRequest)
		return
	}
	rep, ok := s.auditCase(w, r)
	if !ok {
		return
	}
	body, err := auditpdf.Export(rep, format)
	if err != nil {
		s.fail(w, "audit export "+format, err)
		return
	}
	// The export is a read of the whole case: it is logged before the
	// history leaves the system, as the command line does.
	if err := s.logObjectRead(r, audit.ActionTrailExported, rep.Subject.Kind, rep.Subject.ID,
		map[string]any{"format": format, "entries": len(rep.Entries), "chain_ok": rep.Verification.OK}, nil); err != nil {
		s.fail(w, "audit export logged", err)
		return
	}
	id := rep.Subject.ID
	if id == "" {
		id = r.URL.Query().Get("id")
	}
	name := "pruefprotokoll-" + safeFileName(rep.Subject.Kind) + "-" + safeFileName(id) + "." + f.Ext
	h := w.Header()
	h.Set("Content-Type", f.MediaType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	if _, err := w.Write(body); err != nil {
		s.logger().Error("audit export interrupted", "kind", rep.Subject.Kind, "error", err)
	}
}

// safeFileName keeps letters, digits, '.', '_' and '-' of s and turns
// everything else (the '/' of an Aktenzeichen, spaces) into '-'.
func safeFileName(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
			b.WriteRune(c)
		case c == '.' && b.Len() > 0:
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-.")
	if len(out) > 80 {
		out = out[:80]
	}
	if out == "" {
		return "unbenannt"
	}
	return out
}

// subjectDE names the case: "Akte 63.01.02-0001/2026 – Titel".
func subjectDE(sub audit.Subject) string {
	line := auditKindLabel(sub.Kind) + " " + sub.ID
	if sub.Title != "" {
		line += " – " + sub.Title
	}
	return line
}

var objectTypesDE = map[string]string{
	"file": "Akte", "document": "Dokument", "invoice": "Rechnung", "task": "Aufgabe",
	"scan": "Scan", "mail": "E-Mail", "page": "Seite", "search": "Suche", "config": "Konfiguration",
}

func objectTypeDE(t string) string {
	if n, ok := objectTypesDE[t]; ok {
		return n
	}
	return t
}

// objectLabelDE is an entry's "type id" with the type in German and a
// sha256 id shortened (the full one is in the cell's title).
func objectLabelDE(o string) string {
	typ, id, ok := strings.Cut(o, " ")
	if !ok {
		return o
	}
	if len(id) == 64 && strings.Trim(id, "0123456789abcdef") == "" {
		id = id[:12] + "…"
	}
	return objectTypeDE(typ) + " " + id
}

func compactJSON(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "{}" {
		return ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}
