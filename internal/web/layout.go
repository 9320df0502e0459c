package web

import (
	"net/http"

	"github.com/aktenfluss/aktenfluss/internal/auth"
)

// layoutView is what the layout (templates/layout.html) shows around every
// page: the title, the navigation, and who is signed in.
type layoutView struct {
	Title string
	Nav   []navLink
	// User is nil when the server runs without login or nobody is signed
	// in (the login page).
	User *userView
	// CSRF is the session's token for the logout form.
	CSRF string
	// MayAudit: the person may read audit timelines, so pages link to them.
	MayAudit bool
}

type navLink struct {
	Href, Label string
	Current     bool
}

type userView struct {
	Login, Name, Roles string
}

// navEntries are the pages of the main navigation with the action each
// needs; a signed-in person sees only those their roles allow.
var navEntries = []struct {
	href, label string
	action      auth.Action // "": shown to everyone
}{
	{"/inbox", "Aufgaben", auth.ActTaskRead},
	{"/invoices", "Rechnungen", auth.ActInvoiceRead},
	{"/upload", "Einlieferung", auth.ActDocumentUpload},
	{"/", "Posteingangsbuch", auth.ActRegisterRead},
	{"/triage", "Zuordnung klären", auth.ActTriageDecide},
	{"/quarantine", "Quarantäne", auth.ActQuarantineRead},
	{"/fileplan", "Aktenplan", auth.ActFileRead},
	{"/files", "Akten", auth.ActFileRead},
	{"/search", "Suche", auth.ActSearch},
	{"/audit", "Prüfprotokoll", auth.ActAuditRead},
	{"/admin", "Verwaltung", auth.ActAdminUsers},
	{"/metrics", "Metriken", ""},
}

// layout builds the frame of a page for the request.
func (s *Server) layout(r *http.Request, title string) layoutView {
	v := layoutView{Title: title}
	who, signedIn := PrincipalFrom(r.Context())
	for _, e := range navEntries {
		if signedIn && e.action != "" && !auth.Decide(who, e.action, auth.Resource{}).Allowed {
			continue
		}
		v.Nav = append(v.Nav, navLink{Href: e.href, Label: e.label, Current: r.URL.Path == e.href})
	}
	v.MayAudit = s.AuditTimeline != nil && s.may(r, auth.ActAuditRead)
	if signedIn {
		sess, _ := sessionFrom(r.Context())
		v.User = &userView{Login: who.Login, Name: sess.User.Name, Roles: auth.RoleLabels(who.Roles)}
		v.CSRF = sess.CSRFToken
	}
	return v
}
