package api

import (
	"mime"
	"net/http"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/audit/auditpdf"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// User is an account as administrators see it: never its password hash,
// only whether it has a password.
type User struct {
	Login       string    `json:"login"`
	Name        string    `json:"name"`
	Email       string    `json:"email,omitempty"`
	HasPassword bool      `json:"has_password"`
	OIDCIssuer  string    `json:"oidc_issuer,omitempty"`
	OIDCSubject string    `json:"oidc_subject,omitempty"`
	Roles       []string  `json:"roles"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

func (h *handlers) adminRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/audit/verify", Action: auth.ActAuditVerify, Tag: "Prüfung",
			Summary: "Die Hash-Kette des Prüfprotokolls verifizieren", Response: audit.Result{}, Handle: h.verify},
		{Method: "GET", Path: "/api/audit/timeline", Action: auth.ActAuditRead, Tag: "Prüfung",
			Summary: "Verlauf einer Akte, eines Dokuments oder einer Rechnung",
			Query: []Param{
				{Name: "kind", Required: true, Description: "file, document oder invoice"},
				{Name: "id", Required: true, Description: "Aktenzeichen, SHA-256 des Dokuments oder Rechnungsnummer im System"}},
			Response: audit.Report{}, Handle: h.timeline},
		{Method: "GET", Path: "/api/audit/export", Action: auth.ActAuditExport, Tag: "Prüfung",
			Summary: "Verlauf exportieren: JSON, CSV oder PDF/A mit eingebettetem JSON (wird protokolliert)",
			Query: []Param{
				{Name: "kind", Required: true, Description: "file, document oder invoice"},
				{Name: "id", Required: true, Description: "Aktenzeichen, SHA-256 des Dokuments oder Rechnungsnummer im System"},
				{Name: "format", Required: true, Description: "json, csv oder pdf"}},
			Handle: h.export},
		{Method: "GET", Path: "/api/units", Action: auth.ActAdminUnits, Tag: "Verwaltung",
			Summary: "Organisationseinheiten mit Vertretungen und Abwesenheiten", Response: records.Organisation{}, Handle: h.units},
		{Method: "GET", Path: "/api/fileplan", Action: auth.ActAdminFilePlan, Tag: "Verwaltung",
			Summary: "Aktenplan", Response: records.FilePlan{}, Handle: h.filePlan},
		{Method: "GET", Path: "/api/users", Action: auth.ActAdminUsers, Tag: "Verwaltung",
			Summary: "Benutzerkonten (ohne Passwort-Hashes)", Query: pageParams, Response: List[User]{}, Handle: h.users},
	}
}

func (h *handlers) verify(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	if h.d.Verify == nil {
		return unavailable("Die Prüfung der Protokollkette")
	}
	res, err := h.d.Verify(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (h *handlers) timeline(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	rep, err := h.report(r, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// export sends a case's history as a file, logged as an export before it
// leaves the system, as the pages and the command line log it.
func (h *handlers) export(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	format := r.URL.Query().Get("format")
	f, ok := auditpdf.Formats[format]
	if !ok {
		return Errorf(http.StatusBadRequest, "bad_format", "format muss json, csv oder pdf sein.")
	}
	rep, err := h.report(r, p)
	if err != nil {
		return err
	}
	body, err := auditpdf.Export(rep, format)
	if err != nil {
		return err
	}
	if err := h.logRead(r, p, audit.ActionTrailExported, rep.Subject.Kind, rep.Subject.ID,
		map[string]any{"format": format, "entries": len(rep.Entries), "chain_ok": rep.Verification.OK}, nil); err != nil {
		return err
	}
	hd := w.Header()
	hd.Set("Content-Type", f.MediaType)
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "pruefprotokoll." + f.Ext}))
	hd.Set("Cache-Control", "no-store")
	_, err = w.Write(body)
	if err != nil {
		h.log().Error("audit export interrupted", "error", err)
	}
	return nil
}

// report builds the history the request names (kind, id) for p.
func (h *handlers) report(r *http.Request, p auth.Principal) (audit.Report, error) {
	if h.d.Timeline == nil {
		return audit.Report{}, unavailable("Der Verlauf")
	}
	q := r.URL.Query()
	kind, id := q.Get("kind"), q.Get("id")
	switch kind {
	case "file", "document", "invoice":
	default:
		return audit.Report{}, Errorf(http.StatusBadRequest, "bad_kind", "kind muss file, document oder invoice sein.")
	}
	if id == "" {
		return audit.Report{}, Errorf(http.StatusBadRequest, "bad_id", "Bitte id angeben.")
	}
	rep, err := h.d.Timeline(r.Context(), kind, id, p.Login)
	return rep, notFound(err, "Dazu gibt es keinen Verlauf.")
}

func (h *handlers) units(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	org, err := h.d.Store.Organisation(r.Context())
	if err != nil {
		return err
	}
	if org.Units == nil {
		org.Units = []records.Unit{}
	}
	WriteJSON(w, r, org, contentETag(org))
	return nil
}

func (h *handlers) filePlan(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	plan, err := h.d.Store.FilePlan(r.Context())
	if err != nil {
		return err
	}
	if plan.Nodes == nil {
		plan.Nodes = []records.PlanNode{}
	}
	WriteJSON(w, r, plan, contentETag(plan))
	return nil
}

func (h *handlers) users(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	us, err := h.d.Store.Users(r.Context())
	if err != nil {
		return err
	}
	out := make([]User, len(us))
	for i, u := range us {
		out[i] = User{Login: u.Login, Name: u.Name, Email: u.Email, HasPassword: u.PasswordHash != "",
			OIDCIssuer: u.OIDCIssuer, OIDCSubject: u.OIDCSubject, Roles: u.Roles, Disabled: u.Disabled,
			CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Version: u.Version}
		if out[i].Roles == nil {
			out[i].Roles = []string{}
		}
	}
	l, err := pageList(r, out)
	if err != nil {
		return err
	}
	WriteList(w, r, l)
	return nil
}
