package web

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
)

// adminFixture is a server with login and the API's operations over the
// real SQLite store: the administrator adam, the clerk anna (of the
// auth fixture), the auditor pia and the registrar rita; units 20.1 and
// 63 and a file plan with a file under 63.
type adminFixture struct {
	*authFixture
}

func newAdminFixture(t *testing.T) adminFixture {
	t.Helper()
	f := newAuthServer(t, func(s *Server, _ string) {
		s.Ops = api.NewOps(api.Deps{Store: s.Register.(store.Store), Blobs: s.Blobs})
	})
	ctx := t.Context()
	for login, role := range map[string]auth.Role{"adam": auth.RoleAdmin, "pia": auth.RoleAuditor, "rita": auth.RoleRegistrar, "bernd": auth.RoleApprover} {
		h, err := auth.HashPassword(matrixPassword, auth.DefaultArgon2Params)
		require.NoError(t, err)
		_, err = f.st.PutUser(ctx, store.User{Login: login, Name: "Person " + login, PasswordHash: h, Roles: []string{string(role)}})
		require.NoError(t, err)
	}
	h, err := auth.HashPassword(matrixPassword, auth.DefaultArgon2Params)
	require.NoError(t, err)
	require.NoError(t, f.st.SetPassword(ctx, "anna", h))
	require.NoError(t, f.st.ReplaceOrganisation(ctx, records.Organisation{Units: []records.Unit{
		{Code: "20.1", Name: "Rechnungseingang", Lead: "anna", Members: []string{"anna"}},
		{Code: "63", Name: "Bauordnung", Lead: "bernd", Members: []string{"bernd"}},
	}}))
	plan, err := records.NewFilePlan([]records.PlanNode{{Code: "63", Title: "Bauordnung", RetentionYears: 30, Unit: "63"}})
	require.NoError(t, err)
	require.NoError(t, f.st.ReplaceFilePlan(ctx, plan))
	format, err := records.NewFileNumberFormat("")
	require.NoError(t, err)
	_, _, err = f.st.CreateFile(ctx, records.NewFile{PlanCode: "63", Title: "Gartenhaus", CreatedBy: "rita"}, format)
	require.NoError(t, err)
	return adminFixture{f}
}

func (f adminFixture) signIn(t *testing.T, login string) *http.Client {
	t.Helper()
	c := browser(t)
	require.Equal(t, http.StatusSeeOther, f.login(t, c, login, matrixPassword, "/admin").StatusCode)
	return c
}

// page gets a page and returns it with the session's CSRF token.
func (f adminFixture) page(t *testing.T, c *http.Client, path string) (response, string) {
	t.Helper()
	resp := do(t, c, http.MethodGet, f.srv.URL+path, nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", path, resp.body)
	m := csrfInput.FindStringSubmatch(resp.body)
	require.NotNil(t, m, "%s: no form", path)
	return resp, m[1]
}

// hidden is the value of the first hidden input name on the page.
func hidden(t *testing.T, body, name string) string {
	t.Helper()
	i := strings.Index(body, `name="`+name+`" value="`)
	require.GreaterOrEqual(t, i, 0, "no %s field", name)
	rest := body[i+len(`name="`+name+`" value="`):]
	return html.UnescapeString(rest[:strings.IndexByte(rest, '"')])
}

// post sends a form with the CSRF token and expects the redirect of a
// change done; it returns the page redirected to, with its message.
func (f adminFixture) post(t *testing.T, c *http.Client, path string, form url.Values) response {
	t.Helper()
	resp := do(t, c, http.MethodPost, f.srv.URL+path, form, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s: %s", path, resp.body)
	next := do(t, c, http.MethodGet, f.srv.URL+resp.Header.Get("Location"), nil, nil)
	require.Equal(t, http.StatusOK, next.StatusCode, next.body)
	require.Contains(t, next.body, "<strong>Erledigt:</strong>")
	return next
}

// refused sends a form that must be refused with status, the message
// shown beside the field (aria-describedby) when field is not "".
func (f adminFixture) refused(t *testing.T, c *http.Client, path string, form url.Values, status int, field, says string) response {
	t.Helper()
	resp := do(t, c, http.MethodPost, f.srv.URL+path, form, nil)
	require.Equal(t, status, resp.StatusCode, "%s: %s", path, resp.body)
	require.Contains(t, resp.body, "<strong>Nicht ausgeführt:</strong>")
	require.Contains(t, resp.body, html.EscapeString(says))
	if field != "" {
		require.Contains(t, resp.body, `id="`+field+`-fehler" class="failed">`)
		require.Regexp(t, `aria-describedby="[^"]*\b`+regexp.QuoteMeta(field)+`-fehler"`, resp.body, "the message is tied to the field")
		if field != "roles" { // a group of checkboxes: the fieldset is described
			require.Contains(t, resp.body, `aria-invalid="true"`)
		}
	}
	return resp
}

func (f adminFixture) lastEvent(t *testing.T, objectType, objectID, action string) store.AuditEvent {
	t.Helper()
	evs, err := f.st.Events(t.Context(), objectType, objectID)
	require.NoError(t, err)
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Action == action {
			return evs[i]
		}
	}
	t.Fatalf("no %s event of %s %s", action, objectType, objectID)
	return store.AuditEvent{}
}

var adminPaths = []string{"/admin", "/admin/users", "/admin/users/anna", "/admin/units", "/admin/units/63", "/admin/fileplan", "/admin/routing"}

// TestAdminPagesAccess: only the administrator sees the pages or changes
// anything through their forms; the others get the refusal page.
func TestAdminPagesAccess(t *testing.T) {
	f := newAdminFixture(t)
	for _, login := range []string{"adam", "anna", "bernd", "pia", "rita"} {
		c := f.signIn(t, login)
		for _, p := range adminPaths {
			resp := do(t, c, http.MethodGet, f.srv.URL+p, nil, nil)
			if login == "adam" {
				require.Equal(t, http.StatusOK, resp.StatusCode, "%s %s: %s", login, p, resp.body)
				continue
			}
			require.Equal(t, http.StatusForbidden, resp.StatusCode, "%s %s", login, p)
			require.Contains(t, resp.body, "<h1>Keine Berechtigung</h1>")
		}
		if login == "adam" {
			continue
		}
		// A form sent anyway, with a valid token, is refused as well.
		_, tok := f.page(t, c, "/fileplan")
		resp := do(t, c, http.MethodPost, f.srv.URL+"/admin/users", url.Values{"csrf": {tok}, "login": {"eve"}, "name": {"Eve"},
			"roles": {"admin"}, "password": {"ein langes Passwort"}}, nil)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, login)
		_, err := f.st.User(t.Context(), "eve")
		require.ErrorIs(t, err, store.ErrNotFound)
	}
	// The navigation leads administrators there, nobody else.
	resp, _ := f.page(t, f.signIn(t, "adam"), "/admin")
	require.Contains(t, resp.body, `href="/admin"`)
	resp, _ = f.page(t, f.signIn(t, "rita"), "/fileplan")
	require.NotContains(t, resp.body, `href="/admin"`)
}

// TestAdminFormsNeedCSRF: without the session's token a form changes
// nothing.
func TestAdminFormsNeedCSRF(t *testing.T) {
	f := newAdminFixture(t)
	c := f.signIn(t, "adam")
	for path, form := range map[string]url.Values{
		"/admin/users":           {"login": {"eve"}, "name": {"Eve"}, "roles": {"admin"}, "password": {"ein langes Passwort"}},
		"/admin/users/anna":      {"name": {"Anna"}, "roles": {"admin"}, "version": {"*"}},
		"/admin/absences":        {"user": {"anna"}, "from": {"2026-12-24"}, "until": {"2026-12-31"}},
		"/admin/routing":         {"content": {"rules: []"}, "version": {"*"}},
		"/admin/units/63/delete": {"version": {"*"}},
	} {
		for _, tok := range []string{"", "falsch"} {
			if tok != "" {
				form.Set("csrf", tok)
			}
			resp := do(t, c, http.MethodPost, f.srv.URL+path, form, nil)
			require.Equal(t, http.StatusForbidden, resp.StatusCode, path)
			require.Contains(t, resp.body, "CSRF-Token")
		}
	}
	_, err := f.st.User(t.Context(), "eve")
	require.ErrorIs(t, err, store.ErrNotFound)
	anna, err := f.st.User(t.Context(), "anna")
	require.NoError(t, err)
	require.Equal(t, []string{"clerk"}, anna.Roles)
	org, err := f.st.Organisation(t.Context())
	require.NoError(t, err)
	require.Empty(t, org.Absences)
	require.Len(t, org.Units, 2)
}

func TestAdminUserForms(t *testing.T) {
	f := newAdminFixture(t)
	ctx := t.Context()
	c := f.signIn(t, "adam")
	_, tok := f.page(t, c, "/admin/users")

	form := url.Values{"csrf": {tok}, "login": {"eva"}, "name": {"Eva Weber"}, "email": {"eva@example.org"},
		"roles": {"clerk", "approver"}, "password": {"zu kurz"}}
	resp := f.refused(t, c, "/admin/users", form, http.StatusBadRequest, "password", "mindestens 12 Zeichen")
	require.Contains(t, resp.body, `value="eva"`, "what was entered is kept")
	require.NotContains(t, resp.body, "zu kurz", "the password is never sent back")
	form.Set("login", "Eva W")
	form.Set("password", "ein langes Passwort")
	f.refused(t, c, "/admin/users", form, http.StatusBadRequest, "login", "Login: ")
	form.Set("login", "anna")
	f.refused(t, c, "/admin/users", form, http.StatusConflict, "login", "gibt es schon")
	form.Set("login", "eva")
	form.Del("roles")
	f.refused(t, c, "/admin/users", form, http.StatusBadRequest, "roles", "mindestens eine Rolle")
	form["roles"] = []string{"clerk", "approver"}
	next := f.post(t, c, "/admin/users", form)
	require.Contains(t, next.body, "Das Benutzerkonto eva (Eva Weber) wurde angelegt.")
	require.Contains(t, next.body, `href="/admin/users/eva"`)
	eva, err := f.st.User(ctx, "eva")
	require.NoError(t, err)
	require.Equal(t, []string{"approver", "clerk"}, eva.Roles)
	require.Equal(t, "adam", f.lastEvent(t, "user", "eva", api.ActionUserCreated).Actor)

	// Edit: a version changed meanwhile is refused, the entries stay.
	page, tok := f.page(t, c, "/admin/users/eva")
	version := hidden(t, page.body, "version")
	require.Equal(t, api.UserETag(eva.Version), version)
	_, err = f.st.PutUser(ctx, store.User{Login: "eva", Name: "Eva W.", Email: eva.Email, Version: eva.Version})
	require.NoError(t, err)
	edit := url.Values{"csrf": {tok}, "version": {version}, "name": {"Eva Weber-Schulz"}, "email": {"eva@example.org"}, "roles": {"clerk"}}
	resp = f.refused(t, c, "/admin/users/eva", edit, http.StatusPreconditionFailed, "", "inzwischen geändert")
	require.Contains(t, resp.body, `value="Eva Weber-Schulz"`)
	edit.Set("version", hidden(t, resp.body, "version"))
	next = f.post(t, c, "/admin/users/eva", edit)
	require.Contains(t, next.body, "Das Benutzerkonto eva wurde gespeichert.")
	eva, err = f.st.User(ctx, "eva")
	require.NoError(t, err)
	require.Equal(t, []string{"clerk"}, eva.Roles)
	require.Equal(t, "Eva Weber-Schulz", eva.Name)
	ev := f.lastEvent(t, "user", "eva", api.ActionUserRolesChanged)
	require.Equal(t, "adam", ev.Actor)

	// Disable, with a checkbox; the status is said in words.
	page, _ = f.page(t, c, "/admin/users/eva")
	edit.Set("version", hidden(t, page.body, "version"))
	edit.Set("disabled", "ja")
	next = f.post(t, c, "/admin/users/eva", edit)
	require.Contains(t, next.body, "Es ist gesperrt")
	require.Contains(t, next.body, "<dd>gesperrt</dd>")
	f.lastEvent(t, "user", "eva", api.ActionUserDisabled)

	// The administrator keeps the own administration.
	page, _ = f.page(t, c, "/admin/users/adam")
	f.refused(t, c, "/admin/users/adam", url.Values{"csrf": {tok}, "version": {hidden(t, page.body, "version")}, "name": {"Person adam"},
		"roles": {"clerk"}}, http.StatusBadRequest, "roles", "nicht selbst entziehen")

	// Password: both entries must match, then the sessions end.
	f.refused(t, c, "/admin/users/eva/password", url.Values{"csrf": {tok}, "password": {"ein neues Passwort"}, "password2": {"ein anderes"}},
		http.StatusBadRequest, "password2", "stimmen nicht überein")
	f.refused(t, c, "/admin/users/eva/password", url.Values{"csrf": {tok}, "password": {"kurz"}, "password2": {"kurz"}},
		http.StatusBadRequest, "password", "mindestens 12 Zeichen")
	next = f.post(t, c, "/admin/users/eva/password", url.Values{"csrf": {tok}, "password": {"ein neues Passwort"}, "password2": {"ein neues Passwort"}})
	require.Contains(t, next.body, "Das Passwort von eva wurde gesetzt")
	eva, err = f.st.User(ctx, "eva")
	require.NoError(t, err)
	ok, err := auth.VerifyPassword(eva.PasswordHash, "ein neues Passwort")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "adam", f.lastEvent(t, "user", "eva", api.ActionUserPasswordSet).Actor)
}

func TestAdminUnitForms(t *testing.T) {
	f := newAdminFixture(t)
	ctx := t.Context()
	c := f.signIn(t, "adam")
	page, tok := f.page(t, c, "/admin/units")
	version := hidden(t, page.body, "version")

	unit := url.Values{"csrf": {tok}, "version": {version}, "code": {"32"}, "name": {"Ordnungsamt"}, "lead": {"niemand"},
		"members": {"anna, rita"}, "parent": {"63"}, "leitweg_id": {"04011000-12345-32"}}
	resp := f.refused(t, c, "/admin/units", unit, http.StatusBadRequest, "u-lead", "Leitung: Benutzer niemand gibt es nicht.")
	require.Contains(t, resp.body, `value="Ordnungsamt"`)
	unit.Set("lead", "bernd")
	unit.Set("code", "63")
	f.refused(t, c, "/admin/units", unit, http.StatusConflict, "u-code", "gibt es schon")
	unit.Set("code", "32")
	next := f.post(t, c, "/admin/units", unit)
	require.Contains(t, next.body, "Die Einheit 32 wurde angelegt.")
	org, err := f.st.Organisation(ctx)
	require.NoError(t, err)
	u, ok := org.Unit("32")
	require.True(t, ok)
	require.Equal(t, records.Unit{Code: "32", Name: "Ordnungsamt", Lead: "bernd", Members: []string{"anna", "rita"}, Parent: "63", Mailbox: "04011000-12345-32"}, u)
	require.Equal(t, "adam", f.lastEvent(t, "organisation", "units", api.ActionOrganisationImported).Actor)

	// The page's version is now stale: a second form with it is refused.
	f.refused(t, c, "/admin/deputies", url.Values{"csrf": {tok}, "version": {version}, "user": {"anna"}, "deputies": {"rita"}},
		http.StatusPreconditionFailed, "", "inzwischen geändert")

	// Edit the unit on its page.
	page, _ = f.page(t, c, "/admin/units/32")
	next = f.post(t, c, "/admin/units/32", url.Values{"csrf": {tok}, "version": {hidden(t, page.body, "version")}, "name": {"Ordnungsamt"},
		"lead": {"bernd"}, "members": {"rita"}, "parent": {""}})
	require.Contains(t, next.body, "Die Einheit 32 wurde gespeichert.")
	org, err = f.st.Organisation(ctx)
	require.NoError(t, err)
	u, _ = org.Unit("32")
	require.Equal(t, []string{"rita"}, u.Members)
	require.Empty(t, u.Parent)

	// Deputies.
	page, _ = f.page(t, c, "/admin/units")
	f.refused(t, c, "/admin/deputies", url.Values{"csrf": {tok}, "version": {hidden(t, page.body, "version")}, "user": {"anna"}, "deputies": {"anna"}},
		http.StatusBadRequest, "d-deputies", "nicht selbst vertreten")
	next = f.post(t, c, "/admin/deputies", url.Values{"csrf": {tok}, "version": {hidden(t, page.body, "version")}, "user": {"anna"}, "deputies": {"rita, bernd"}})
	require.Contains(t, next.body, "Die Vertretung von anna wurde gespeichert.")
	require.Contains(t, next.body, "<th scope=\"row\">anna</th><td>rita, bernd</td>")

	// Absences: add, refuse a bad one, remove.
	f.refused(t, c, "/admin/absences", url.Values{"csrf": {tok}, "user": {"anna"}, "from": {"2026-12-31"}, "until": {"2026-12-24"}},
		http.StatusBadRequest, "a-until", "Bis: Das Ende")
	next = f.post(t, c, "/admin/absences", url.Values{"csrf": {tok}, "user": {"anna"}, "from": {"2026-12-24"}, "until": {"2026-12-31"}, "reason": {"Urlaub"}})
	require.Contains(t, next.body, "Die Abwesenheit von anna vom 24.12.2026 bis 31.12.2026 wurde eingetragen.")
	org, err = f.st.Organisation(ctx)
	require.NoError(t, err)
	require.Len(t, org.Absences, 1)
	ev := f.lastEvent(t, "user", "anna", api.ActionAbsenceAdded)
	require.Equal(t, "adam", ev.Actor)
	require.Contains(t, string(ev.Personal), "Urlaub")
	require.Contains(t, next.body, `action="/admin/absences/`+strconv.FormatInt(org.Absences[0].ID, 10)+`/delete"`)
	next = f.post(t, c, "/admin/absences/"+strconv.FormatInt(org.Absences[0].ID, 10)+"/delete", url.Values{"csrf": {tok}})
	require.Contains(t, next.body, "Die Abwesenheit wurde aufgehoben.")
	require.Contains(t, next.body, "Keine Abwesenheiten eingetragen.")
	f.lastEvent(t, "user", "anna", api.ActionAbsenceRemoved)

	// A unit with files stays; one without goes.
	page, _ = f.page(t, c, "/admin/units/63")
	f.refused(t, c, "/admin/units/63/delete", url.Values{"csrf": {tok}, "version": {hidden(t, page.body, "version")}},
		http.StatusConflict, "", "im Aktenplan")
	page, _ = f.page(t, c, "/admin/units/32")
	next = f.post(t, c, "/admin/units/32/delete", url.Values{"csrf": {tok}, "version": {hidden(t, page.body, "version")}})
	require.Contains(t, next.body, "Die Einheit 32 wurde gelöscht.")
}

func TestAdminFilePlanAndRoutingForms(t *testing.T) {
	f := newAdminFixture(t)
	ctx := t.Context()
	c := f.signIn(t, "adam")

	page, tok := f.page(t, c, "/admin/fileplan")
	require.Contains(t, html.UnescapeString(page.body), "plan:\n  - code: \"63\"", "the plan as YAML in the text area")
	version := hidden(t, page.body, "version")
	resp := f.refused(t, c, "/admin/fileplan", url.Values{"csrf": {tok}, "version": {version}, "plan": {"nodes: [{code: 6x}]"}},
		http.StatusBadRequest, "plan", "Aktenplan: ")
	require.Contains(t, resp.body, "6x", "the text entered stays")
	f.refused(t, c, "/admin/fileplan", url.Values{"csrf": {tok}, "version": {version},
		"plan": {"plan:\n- code: \"20\"\n  title: Finanzen\n  retention_years: 10\n  unit: \"20.1\"\n"}},
		http.StatusBadRequest, "plan", "63")
	plan := "plan:\n- code: \"63\"\n  title: Bauordnung\n  retention_years: 30\n  unit: \"63\"\n  children:\n    - code: \"63.01\"\n      title: Bauanträge\n"
	next := f.post(t, c, "/admin/fileplan", url.Values{"csrf": {tok}, "version": {version}, "plan": {plan}})
	require.Contains(t, next.body, "Der Aktenplan wurde gespeichert: 2 Positionen.")
	require.Contains(t, next.body, "<th scope=\"row\">63.01</th><td>Bauanträge</td><td>30 Jahre</td><td>63</td>")
	ev := f.lastEvent(t, "fileplan", "plan", api.ActionFilePlanImported)
	require.Equal(t, "adam", ev.Actor)
	var details map[string]any
	require.NoError(t, json.Unmarshal(ev.Details, &details))
	require.Equal(t, "web", details["source"])
	require.Equal(t, []any{"63.01"}, details["added"])
	f.refused(t, c, "/admin/fileplan", url.Values{"csrf": {tok}, "version": {version}, "plan": {plan}}, http.StatusPreconditionFailed, "", "inzwischen geändert")

	page, _ = f.page(t, c, "/admin/routing")
	require.Contains(t, page.body, "Bisher wurde hier keine Version gespeichert")
	version = hidden(t, page.body, "version")
	resp = f.refused(t, c, "/admin/routing", url.Values{"csrf": {tok}, "version": {version}, "content": {"rules:\n  - name: x\n    then: [{kind: fly}]\n"}},
		http.StatusBadRequest, "content", "Meldung der Prüfung: invalid routing rules")
	require.Contains(t, resp.body, "kind: fly")
	rules := "rules:\n  - name: Bauanträge\n    when:\n      text: ['bauantrag']\n    then:\n      - kind: assign\n        unit: \"63\"\n"
	next = f.post(t, c, "/admin/routing", url.Values{"csrf": {tok}, "version": {version}, "content": {rules}})
	require.Contains(t, next.body, "als Version 1 gespeichert")
	require.Contains(t, next.body, "Es gilt Version 1, gespeichert von adam")
	rr, ok := store.RoutingRulesOf(f.st)
	require.True(t, ok)
	stored, err := rr.RoutingRules(ctx)
	require.NoError(t, err)
	require.Equal(t, rules, stored.Content)
	require.Equal(t, "adam", f.lastEvent(t, "config", "routing_rules", api.ActionRoutingRulesChanged).Actor)
	f.refused(t, c, "/admin/routing", url.Values{"csrf": {tok}, "version": {version}, "content": {rules}}, http.StatusPreconditionFailed, "", "inzwischen geändert")
}
