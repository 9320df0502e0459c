package web

import (
	"errors"
	"net/http"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
)

// page is one page or download with what it takes to see it. The table in
// pages is the only place the pages' access is written down; guard checks
// it through auth.Decide, the same policy the API uses.
type page struct {
	pattern string
	action  auth.Action
	// units returns the units of what the request shows, for own-unit
	// grants; nil: the page is bound to no unit (a listing).
	units func(r *http.Request) ([]string, error)
	serve http.HandlerFunc
}

func (s *Server) pages() []page {
	out := s.readPages()
	out = append(out, s.workPages()...)
	out = append(out, s.mailroomPages()...)
	out = append(out, s.adminPages()...)
	return out
}

// readPages are the register, documents, files, search and audit pages.
func (s *Server) readPages() []page {
	return []page{
		{"GET /{$}", auth.ActRegisterRead, nil, s.registerPage},
		{"GET /documents/{number}", auth.ActDocumentRead, s.documentUnits, s.documentPage},
		{"GET /documents/{number}/{kind}", auth.ActDocumentDownload, s.documentUnits, s.download},
		{"GET /quarantine", auth.ActQuarantineRead, nil, s.quarantinePage},
		{"GET /fileplan", auth.ActFileRead, nil, s.filePlanPage},
		{"GET /files", auth.ActFileRead, nil, s.filesPage},
		{"GET /files/{number}", auth.ActFileRead, s.fileUnits, s.filePage},
		{"GET /search", auth.ActSearch, nil, s.searchPage},
		{"GET /audit", auth.ActAuditRead, nil, s.auditIndexPage},
		{"GET /audit/timeline", auth.ActAuditRead, nil, s.auditTimelinePage},
		{"GET /audit/verify", auth.ActAuditVerify, nil, s.auditVerifyPage},
		{"GET /audit/export", auth.ActAuditExport, nil, s.auditExport},
	}
}

// unrouted is the unit of a document neither routed nor filed, or one
// that does not exist (auth.NoUnit).
const unrouted = auth.NoUnit

// documentUnits are the units of the document named in the path, found as
// the API finds them (api.DocumentUnits).
func (s *Server) documentUnits(r *http.Request) ([]string, error) {
	n, err := records.ParseRegisterNumber(r.PathValue("number"))
	if err != nil {
		return []string{unrouted}, nil
	}
	ctx := r.Context()
	e, err := s.Register.EntryByNumber(ctx, n)
	if errors.Is(err, store.ErrNotFound) {
		return []string{unrouted}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.DocumentUnits(ctx, s.Register, e.SHA256)
}

// guard serves p when the person logged in may do p.action on what the
// request shows; without login (Sessions nil) it serves p as before.
func (s *Server) guard(p page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Sessions == nil {
			p.serve(w, r)
			return
		}
		who, ok := PrincipalFrom(r.Context())
		if !ok { // requireLogin lets no one without a session through
			s.refuseAnonymous(w, r)
			return
		}
		var units []string
		if p.units != nil {
			var err error
			if units, err = p.units(r); err != nil {
				s.fail(w, "units of "+p.pattern, err)
				return
			}
		}
		if d := auth.Decide(who, p.action, auth.Resource{Units: units}); !d.Allowed {
			// The start page is the register; whoever may not read it
			// starts at the first page of the navigation they may see
			// (a clerk's or approver's inbox).
			if p.pattern == "GET /{$}" {
				if to := landing(who); to != "" {
					http.Redirect(w, r, to, http.StatusSeeOther)
					return
				}
			}
			s.forbidden(w, r, d.Reason)
			return
		}
		// An auditor's reads are audited. Documents, a file, the search and
		// an export log every person's act themselves; listings are logged
		// here.
		if auth.AuditedRead(who, p.action) && !p.auditsItself() {
			if err := s.logPageRead(r, p.action); err != nil {
				s.fail(w, "audit read", err)
				return
			}
		}
		p.serve(w, r)
	})
}

// landing is the first page of the main navigation p may see, other than
// the register and the metrics; "" when there is none.
func landing(p auth.Principal) string {
	for _, e := range navEntries {
		if e.action != "" && e.href != "/" && auth.Decide(p, e.action, auth.Resource{}).Allowed {
			return e.href
		}
	}
	return ""
}

// auditsItself reports whether p's handler writes every person's read to
// the audit trail itself (logObjectRead), so that guard does not
// log an auditor's read twice — nor a search's words outside the
// personal data.
func (p page) auditsItself() bool {
	switch p.action {
	case auth.ActDocumentRead, auth.ActDocumentDownload, auth.ActSearch, auth.ActAuditExport:
		return true
	case auth.ActFileRead:
		return p.units != nil // one file, not a listing
	}
	return false
}

// logPageRead appends an auditor's view of a listing to the audit trail,
// with the query (filters) as it was asked.
func (s *Server) logPageRead(r *http.Request, a auth.Action) error {
	details := map[string]any{"path": r.URL.Path}
	if r.URL.RawQuery != "" {
		details["query"] = r.URL.RawQuery
	}
	return s.logObjectRead(r, string(a), "page", r.URL.Path, details, nil)
}

type forbiddenView struct {
	Layout layoutView
	Reason string
}

// forbidden answers 403 with Decide's reason: a page for browsers, JSON
// for other clients.
func (s *Server) forbidden(w http.ResponseWriter, r *http.Request, reason string) {
	if !wantsHTML(r) {
		writeJSONError(w, http.StatusForbidden, reason)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderStatus(w, http.StatusForbidden, "forbidden.html", forbiddenView{Layout: s.layout(r, "Keine Berechtigung"), Reason: reason})
}
