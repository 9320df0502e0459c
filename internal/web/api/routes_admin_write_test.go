package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/activities"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/routing"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// adminWriteMatrix are the routeMatrix rows of the adminWriteRoutes: the same
// columns, no header.
const adminWriteMatrix = `
POST /api/absences                   -         -      -         -        -          +
DELETE /api/absences/{id}            -         -      -         -        -          +
POST /api/users                      -         -      -         -        -          +
GET /api/users/{login}               -         -      -         -        -          +
PUT /api/users/{login}               -         -      -         -        -          +
PUT /api/users/{login}/password      -         -      -         -        -          +
PUT /api/units                       -         -      -         -        -          +
PUT /api/units/{code}                -         -      -         -        -          +
DELETE /api/units/{code}             -         -      -         -        -          +
PUT /api/deputies/{user}             -         -      -         -        -          +
PUT /api/fileplan                    -         -      -         -        -          +
GET /api/routing-rules               -         -      -         -        -          +
PUT /api/routing-rules               -         -      -         -        -          +
`

// adminWriteCalls are the matrix requests of the adminWriteRoutes. The
// routes run in table order, so the absence removed is one made here (the
// organisation is replaced only after), and the unit deleted is the one
// the row before creates.
func (w *world) adminWriteCalls(t *testing.T) map[string][]call {
	a, err := w.st.AddAbsence(context.Background(), records.Absence{User: "approver", From: "2026-08-01", Until: "2026-08-14"})
	require.NoError(t, err)
	rules, err := json.Marshal(RoutingRulesChange{Content: string(routing.Example())})
	require.NoError(t, err)
	one := func(url, body string) []call { return []call{{url: url, body: body}} }
	return map[string][]call{
		"POST /api/absences":              one("/api/absences", `{"user":"clerk","from":"2026-12-24","until":"2026-12-31","reason":"Urlaub"}`),
		"DELETE /api/absences/{id}":       one("/api/absences/"+itoa(a.ID), ""),
		"POST /api/users":                 one("/api/users", `{"login":"neu","name":"Neue Person","roles":["clerk"],"password":"ein langes Passwort"}`),
		"GET /api/users/{login}":          one("/api/users/clerk", ""),
		"PUT /api/users/{login}":          one("/api/users/clerk", `{"name":"Person clerk","email":"clerk@example.org","roles":["clerk"],"disabled":false}`),
		"PUT /api/users/{login}/password": one("/api/users/mailroom/password", `{"password":"noch ein langes Passwort"}`),
		"PUT /api/units": one("/api/units", `{"units":[{"code":"20","name":"Kämmerei","lead":"lead20","members":["clerk20"]},`+
			`{"code":"63","name":"Bauordnungsamt","lead":"lead63","members":["clerk","approver"]}]}`),
		"PUT /api/units/{code}":    one("/api/units/99", `{"name":"Testamt","lead":"admin","members":["clerk"]}`),
		"DELETE /api/units/{code}": one("/api/units/99", ""),
		"PUT /api/deputies/{user}": one("/api/deputies/clerk", `{"deputies":["approver"]}`),
		"PUT /api/fileplan": one("/api/fileplan", `{"nodes":[{"code":"20","title":"Finanzverwaltung","retention_years":10,"unit":"20"},`+
			`{"code":"63","title":"Bauordnung","retention_years":30,"unit":"63"},{"code":"63.01","title":"Bauanträge"}]}`),
		"GET /api/routing-rules": one("/api/routing-rules", ""),
		"PUT /api/routing-rules": one("/api/routing-rules", string(rules)),
	}
}

// send is a request of the admin with the If-Match given ("" for none).
func (w *world) send(t *testing.T, method, path, ifMatch string, body any) (*http.Response, []byte) {
	t.Helper()
	var in io.Reader
	if body != nil {
		b, ok := body.(string)
		if !ok {
			raw, err := json.Marshal(body)
			require.NoError(t, err)
			b = string(raw)
		}
		in = strings.NewReader(b)
	}
	req, err := http.NewRequest(method, w.srv.URL+path, in)
	require.NoError(t, err)
	req.Header.Set("X-Test-Role", "admin")
	req.Header.Set("Content-Type", "application/json")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, out
}

// requireError checks status, code and that the message says what.
func requireError(t *testing.T, resp *http.Response, body []byte, status int, code, says string) {
	t.Helper()
	require.Equal(t, status, resp.StatusCode, "%s", body)
	e := decode[errorBody](t, body)
	require.Equal(t, code, e.Error.Code, "%s", body)
	require.Contains(t, e.Error.Message, says)
}

// lastEvent is the newest audit event of an object with that action.
func (w *world) lastEvent(t *testing.T, objectType, objectID, action string) store.AuditEvent {
	t.Helper()
	evs, err := w.st.Events(context.Background(), objectType, objectID)
	require.NoError(t, err)
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Action == action {
			return evs[i]
		}
	}
	t.Fatalf("no %s event of %s %s in %d events", action, objectType, objectID, len(evs))
	return store.AuditEvent{}
}

func TestAdminUsers(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()

	for _, c := range []struct {
		body        NewUser
		status      int
		code, field string
		says        string
	}{
		{NewUser{Login: "Anna Müller", Name: "Anna", Roles: []string{"clerk"}}, 400, "invalid", "login", "Login: "},
		{NewUser{Login: "anna", Roles: []string{"clerk"}}, 400, "invalid", "name", "Name: "},
		{NewUser{Login: "anna", Name: "Anna", Roles: []string{"chef"}}, 400, "invalid", "roles", "unbekannte Rolle"},
		{NewUser{Login: "anna", Name: "Anna"}, 400, "invalid", "roles", "mindestens eine Rolle"},
		{NewUser{Login: "anna", Name: "Anna", Email: "keine", Roles: []string{"clerk"}}, 400, "invalid", "email", "E-Mail: "},
		{NewUser{Login: "anna", Name: "Anna", Roles: []string{"clerk"}, Password: "kurz"}, 400, "invalid", "password", "mindestens 12 Zeichen"},
		{NewUser{Login: "clerk", Name: "Noch einer", Roles: []string{"clerk"}}, 409, "exists", "login", "gibt es schon"},
	} {
		resp, body := w.send(t, "POST", "/api/users", "", c.body)
		requireError(t, resp, body, c.status, c.code, c.says)
	}
	_, err := w.st.User(ctx, "anna")
	require.ErrorIs(t, err, store.ErrNotFound, "nothing refused was stored")

	resp, body := w.send(t, "POST", "/api/users", "", NewUser{Login: "anna", Name: "Anna Müller", Email: "anna@example.org",
		Roles: []string{"approver", "clerk"}, Password: "korrekt Pferd Batterie"})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	created := decode[User](t, body)
	require.Equal(t, []string{"approver", "clerk"}, created.Roles)
	require.True(t, created.HasPassword)
	require.NotContains(t, string(body), "argon2")
	stored, err := w.st.User(ctx, "anna")
	require.NoError(t, err)
	ok, err := auth.VerifyPassword(stored.PasswordHash, "korrekt Pferd Batterie")
	require.NoError(t, err)
	require.True(t, ok)
	ev := w.lastEvent(t, "user", "anna", ActionUserCreated)
	require.Equal(t, "admin", ev.Actor)
	require.JSONEq(t, `{"roles_before":[],"roles_after":["approver","clerk"],"password_set":true}`, string(ev.Details))

	// Lost updates: If-Match with the version.
	resp, body = w.get(t, "admin", "/api/users/anna")
	etag := resp.Header.Get("ETag")
	require.Equal(t, UserETag(created.Version), etag, "%s", body)
	change := UserChange{Name: "Anna Müller", Email: "anna@example.org", Roles: []string{"clerk"}}
	resp, body = w.send(t, "PUT", "/api/users/anna", "", change)
	requireError(t, resp, body, http.StatusPreconditionRequired, "if_match_required", "If-Match")
	resp, body = w.send(t, "PUT", "/api/users/anna", UserETag(created.Version+7), change)
	requireError(t, resp, body, http.StatusPreconditionFailed, "changed", "inzwischen geändert")
	resp, body = w.send(t, "PUT", "/api/users/anna", etag, change)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.Equal(t, []string{"clerk"}, decode[User](t, body).Roles)
	ev = w.lastEvent(t, "user", "anna", ActionUserRolesChanged)
	require.Equal(t, "admin", ev.Actor)
	require.JSONEq(t, `{"roles_before":["approver","clerk"],"roles_after":["clerk"]}`, string(ev.Details))
	resp, body = w.send(t, "PUT", "/api/users/anna", etag, change)
	requireError(t, resp, body, http.StatusPreconditionFailed, "changed", "bitte neu laden")

	// Disable: the trail says so, the sessions end.
	require.NoError(t, w.st.CreateSession(ctx, store.Session{TokenHash: strings.Repeat("ab", 32), Login: "anna", CSRFToken: "x",
		CreatedAt: created.CreatedAt, LastSeenAt: created.CreatedAt, ExpiresAt: created.CreatedAt.Add(1e12)}))
	_, body = w.get(t, "admin", "/api/users/anna")
	cur := decode[User](t, body)
	change.Disabled = true
	resp, body = w.send(t, "PUT", "/api/users/anna", UserETag(cur.Version), change)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.True(t, decode[User](t, body).Disabled)
	w.lastEvent(t, "user", "anna", ActionUserDisabled)
	n, err := w.st.DeleteSessionsOf(ctx, "anna")
	require.NoError(t, err)
	require.Zero(t, n, "disabling ended the sessions")

	// An administrator keeps the own administration.
	_, body = w.get(t, "admin", "/api/users/admin")
	me := decode[User](t, body)
	resp, body = w.send(t, "PUT", "/api/users/admin", "*", UserChange{Name: me.Name, Roles: []string{"clerk"}})
	requireError(t, resp, body, http.StatusBadRequest, "invalid", "nicht selbst entziehen")
	resp, body = w.send(t, "PUT", "/api/users/admin", "*", UserChange{Name: me.Name, Roles: []string{"admin"}, Disabled: true})
	requireError(t, resp, body, http.StatusBadRequest, "invalid", "nicht sperren")

	// Password.
	resp, body = w.send(t, "PUT", "/api/users/anna/password", "", PasswordChange{Password: "zu kurz"})
	requireError(t, resp, body, http.StatusBadRequest, "invalid", "Passwort: ")
	resp, body = w.send(t, "PUT", "/api/users/niemand/password", "", PasswordChange{Password: "lang genug für alles"})
	requireError(t, resp, body, http.StatusNotFound, "not_found", "niemand")
	resp, body = w.send(t, "PUT", "/api/users/anna/password", "", PasswordChange{Password: "lang genug für alles"})
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	stored, err = w.st.User(ctx, "anna")
	require.NoError(t, err)
	ok, err = auth.VerifyPassword(stored.PasswordHash, "lang genug für alles")
	require.NoError(t, err)
	require.True(t, ok)
	ev = w.lastEvent(t, "user", "anna", ActionUserPasswordSet)
	require.Equal(t, "admin", ev.Actor)
	require.NotContains(t, string(ev.Details)+string(ev.Personal), "lang genug")

	// Unknown fields are refused, not dropped.
	resp, body = w.send(t, "PUT", "/api/users/anna", "*", `{"name":"Anna","roles":["clerk"],"rolle":"admin"}`)
	requireError(t, resp, body, http.StatusBadRequest, "bad_body", "rolle")
}

func TestAdminOrganisation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	orgTag := func() string {
		resp, body := w.get(t, "admin", "/api/units")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		return resp.Header.Get("ETag")
	}
	tag := orgTag()
	unit := records.Unit{Name: "Ordnungsamt", Lead: "approver", Members: []string{"clerk", "clerk", ""}, Parent: "63", Mailbox: "04011000-12345-32"}
	resp, body := w.send(t, "PUT", "/api/units/32", "", unit)
	requireError(t, resp, body, http.StatusPreconditionRequired, "if_match_required", "If-Match")
	resp, body = w.send(t, "PUT", "/api/units/32", `"veraltet"`, unit)
	requireError(t, resp, body, http.StatusPreconditionFailed, "changed", "inzwischen geändert")
	for _, c := range []struct {
		u    records.Unit
		says string
	}{
		{records.Unit{Lead: "approver"}, "Bezeichnung: "},
		{records.Unit{Name: "Ordnungsamt"}, "Leitung: "},
		{records.Unit{Name: "Ordnungsamt", Lead: "niemand"}, "Leitung: Benutzer niemand gibt es nicht"},
		{records.Unit{Name: "Ordnungsamt", Lead: "approver", Members: []string{"wer"}}, "Mitglieder: Benutzer wer"},
		{records.Unit{Name: "Ordnungsamt", Lead: "approver", Parent: "77"}, "Übergeordnete Einheit: "},
	} {
		resp, body = w.send(t, "PUT", "/api/units/32", tag, c.u)
		requireError(t, resp, body, http.StatusBadRequest, "invalid", c.says)
	}
	resp, body = w.send(t, "PUT", "/api/units/32", tag, unit)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	org := decode[records.Organisation](t, body)
	u, ok := org.Unit("32")
	require.True(t, ok)
	require.Equal(t, []string{"clerk"}, u.Members)
	require.Equal(t, "04011000-12345-32", u.Mailbox)
	require.Equal(t, orgTag(), resp.Header.Get("ETag"))
	ev := w.lastEvent(t, "organisation", "units", ActionOrganisationImported)
	require.Equal(t, "admin", ev.Actor)
	require.Contains(t, string(ev.Details), `"32":{"added":true`)
	resp, body = w.send(t, "PUT", "/api/units/32", tag, unit)
	requireError(t, resp, body, http.StatusPreconditionFailed, "changed", "neu laden")

	// Deputies, in order.
	resp, body = w.send(t, "PUT", "/api/deputies/clerk", "*", Deputies{Deputies: []string{"clerk"}})
	requireError(t, resp, body, http.StatusBadRequest, "invalid", "nicht selbst vertreten")
	resp, body = w.send(t, "PUT", "/api/deputies/clerk", orgTag(), Deputies{Deputies: []string{"approver", "registrar"}})
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	org = decode[records.Organisation](t, body)
	require.Equal(t, []records.Deputy{{User: "clerk", Deputy: "approver", Rank: 1}, {User: "clerk", Deputy: "registrar", Rank: 2}}, org.Deputies)
	ev = w.lastEvent(t, "organisation", "units", ActionOrganisationImported)
	require.Contains(t, string(ev.Details), `"clerk":{"from":[],"to":["approver","registrar"]}`)

	// Absences: the reason is personal data.
	resp, body = w.send(t, "POST", "/api/absences", "", records.Absence{User: "clerk", From: "2026-12-31", Until: "2026-12-24"})
	requireError(t, resp, body, http.StatusBadRequest, "invalid", "Bis: ")
	resp, body = w.send(t, "POST", "/api/absences", "", records.Absence{User: "clerk", From: "24.12.2026", Until: "2026-12-31"})
	requireError(t, resp, body, http.StatusBadRequest, "invalid", "Von: ")
	resp, body = w.send(t, "POST", "/api/absences", "", records.Absence{User: "clerk", From: "2026-12-24", Until: "2026-12-31", Reason: "Krankheit"})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	a := decode[records.Absence](t, body)
	ev = w.lastEvent(t, "user", "clerk", ActionAbsenceAdded)
	require.NotContains(t, string(ev.Details), "Krankheit")
	require.Contains(t, string(ev.Personal), "Krankheit")
	resp, body = w.send(t, "DELETE", "/api/absences/"+itoa(a.ID), "", nil)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "%s", body)
	w.lastEvent(t, "user", "clerk", ActionAbsenceRemoved)
	resp, body = w.send(t, "DELETE", "/api/absences/"+itoa(a.ID), "", nil)
	requireError(t, resp, body, http.StatusNotFound, "not_found", "gibt es nicht")

	// A unit in use stays.
	resp, body = w.send(t, "DELETE", "/api/units/63", "*", nil)
	requireError(t, resp, body, http.StatusConflict, "in_use", "Aktenplan")
	resp, body = w.send(t, "DELETE", "/api/units/32", orgTag(), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	org, err := w.st.Organisation(ctx)
	require.NoError(t, err)
	_, ok = org.Unit("32")
	require.False(t, ok)

	// The whole organisation at once, checked as the import is.
	resp, body = w.send(t, "PUT", "/api/units", "*", records.Organisation{Units: []records.Unit{{Code: "1", Name: "A", Lead: "x", Parent: "2"}}})
	requireError(t, resp, body, http.StatusBadRequest, "invalid", "parent 2 is not defined")
}

func TestAdminFilePlan(t *testing.T) {
	w := newWorld(t)
	resp, body := w.get(t, "admin", "/api/fileplan")
	tag := resp.Header.Get("ETag")
	plan := decode[records.FilePlan](t, body)
	plan.Nodes = append(plan.Nodes, records.PlanNode{Code: "63.01", Title: "Bauanträge"})

	resp, body = w.send(t, "PUT", "/api/fileplan", "", plan)
	requireError(t, resp, body, http.StatusPreconditionRequired, "if_match_required", "If-Match")
	resp, body = w.send(t, "PUT", "/api/fileplan", tag, records.FilePlan{Nodes: []records.PlanNode{{Code: "6x", Title: "Falsch"}}})
	requireError(t, resp, body, http.StatusBadRequest, "invalid", "Aktenplan: ")
	resp, body = w.send(t, "PUT", "/api/fileplan", tag, records.FilePlan{Nodes: []records.PlanNode{{Code: "20", Title: "Finanzen", RetentionYears: 10, Unit: "20"}}})
	requireError(t, resp, body, http.StatusBadRequest, "invalid", "63")
	resp, body = w.send(t, "PUT", "/api/fileplan", tag, plan)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.Len(t, decode[records.FilePlan](t, body).Nodes, 3)
	ev := w.lastEvent(t, "fileplan", "plan", ActionFilePlanImported)
	require.Equal(t, "admin", ev.Actor)
	var details map[string]any
	require.NoError(t, json.Unmarshal(ev.Details, &details))
	require.Equal(t, []any{"63.01"}, details["added"])
	require.Equal(t, "api", details["source"])
	resp, body = w.send(t, "PUT", "/api/fileplan", tag, plan)
	requireError(t, resp, body, http.StatusPreconditionFailed, "changed", "neu laden")
}

func TestAdminRoutingRules(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	resp, body := w.get(t, "admin", "/api/routing-rules")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	first := decode[RoutingRules](t, body)
	require.Equal(t, "file", first.Source)
	require.Zero(t, first.Version)
	require.Equal(t, RoutingRulesETag(0), resp.Header.Get("ETag"))

	const rules = "rules:\n  - name: Gartenhütten\n    when:\n      text: ['gartenhütte']\n    then:\n      - kind: assign\n        unit: \"63\"\n"
	resp, body = w.send(t, "PUT", "/api/routing-rules", "", RoutingRulesChange{Content: rules})
	requireError(t, resp, body, http.StatusPreconditionRequired, "if_match_required", "If-Match")
	resp, body = w.send(t, "PUT", "/api/routing-rules", RoutingRulesETag(0), RoutingRulesChange{Content: "rules:\n  - name: x\n    then: [{kind: fly}]\n"})
	requireError(t, resp, body, http.StatusBadRequest, "invalid", "Meldung der Prüfung: invalid routing rules")
	resp, body = w.send(t, "PUT", "/api/routing-rules", RoutingRulesETag(0), RoutingRulesChange{Content: strings.ReplaceAll(rules, "\n", "\r\n")})
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	saved := decode[RoutingRules](t, body)
	require.Equal(t, int64(1), saved.Version)
	require.Equal(t, "store", saved.Source)
	require.Equal(t, "admin", saved.CreatedBy)
	require.Equal(t, rules, saved.Content, "line ends as the parser reads them")
	require.Equal(t, RoutingRulesETag(1), resp.Header.Get("ETag"))
	resp, body = w.send(t, "PUT", "/api/routing-rules", RoutingRulesETag(0), RoutingRulesChange{Content: rules})
	requireError(t, resp, body, http.StatusPreconditionFailed, "changed", "neu laden")

	ev := w.lastEvent(t, "config", "routing_rules", ActionRoutingRulesChanged)
	require.Equal(t, "admin", ev.Actor)
	var details map[string]any
	require.NoError(t, json.Unmarshal(ev.Details, &details))
	require.Equal(t, first.SHA256, details["sha256_before"])
	require.Equal(t, store.ContentSHA256(rules), details["sha256_after"])

	// The worker's source of the rules picks the version up.
	rr, ok := store.RoutingRulesOf(w.st)
	require.True(t, ok)
	fileRules, err := routing.Parse(routing.Example())
	require.NoError(t, err)
	src := &activities.StoredRules{Store: rr, File: fileRules}
	cur, err := src.Current(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"Gartenhütten"}, cur.Names())
}
