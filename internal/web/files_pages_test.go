package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// filesFixture is a server with login over the real SQLite store, a plan
// with positions of units 63 and 20, a file in each, documents filed in
// them and indexed: one in 63's file whose title and text hold markup.
type filesFixture struct {
	*authFixture
	file63, file20 records.File
	doc63, doc20   records.RegisterEntry
}

func newFilesFixture(t *testing.T) filesFixture {
	t.Helper()
	f := newAuthServer(t, nil)
	ctx := t.Context()
	st := f.st
	require.NoError(t, st.ReplaceOrganisation(ctx, records.Organisation{Units: []records.Unit{
		{Code: "20", Name: "Finanzen", Lead: "fritz", Members: []string{"fritz"}},
		{Code: "63", Name: "Bauordnung", Lead: "bernd", Members: []string{"bernd", "clara"}},
	}}))
	for login, role := range map[string]auth.Role{"clara": auth.RoleClerk, "fritz": auth.RoleClerk,
		"rita": auth.RoleRegistrar, "pia": auth.RoleAuditor, "paul": auth.RoleMailroom} {
		h, err := auth.HashPassword(matrixPassword, auth.DefaultArgon2Params)
		require.NoError(t, err)
		_, err = st.PutUser(ctx, store.User{Login: login, Name: "Person " + login, PasswordHash: h, Roles: []string{string(role)}})
		require.NoError(t, err)
	}
	plan, err := records.NewFilePlan([]records.PlanNode{
		{Code: "20", Title: "Finanzverwaltung", RetentionYears: 10, Unit: "20"},
		{Code: "20.10", Title: "Haushalt"},
		{Code: "63", Title: "Bauordnung", RetentionYears: 30, Unit: "63"},
		{Code: "63.10", Title: "Baugenehmigungen"},
	})
	require.NoError(t, err)
	require.NoError(t, st.ReplaceFilePlan(ctx, plan))
	format, err := records.NewFileNumberFormat("")
	require.NoError(t, err)
	file63, _, err := st.CreateFile(ctx, records.NewFile{PlanCode: "63.10", Title: "Neubau Lindenstraße 5", CreatedBy: "rita"}, format)
	require.NoError(t, err)
	file20, _, err := st.CreateFile(ctx, records.NewFile{PlanCode: "20.10", Title: "Haushalt 2026", CreatedBy: "rita"}, format)
	require.NoError(t, err)
	require.Contains(t, file63.Number, "/", "the default format puts the year after a slash")
	proc, err := st.CreateProcess(ctx, file63.ID, "Bauantrag", "clara", time.Now())
	require.NoError(t, err)

	doc := func(name, title, body string, file records.File, process int64) records.RegisterEntry {
		ref, err := f.blobs.Put(ctx, strings.NewReader("%PDF-1.7 "+name), "")
		require.NoError(t, err)
		e, _, err := st.Register(ctx, records.NewEntry{SHA256: ref.SHA256, Size: ref.Size, MediaType: "application/pdf",
			OriginalName: name + ".pdf", Source: records.SourceMailroom, ReceivedAt: time.Now(), WorkflowID: "inbound-" + ref.SHA256})
		require.NoError(t, err)
		_, _, err = st.FileDocument(ctx, records.Filing{DocumentSHA256: ref.SHA256, FileID: file.ID, ProcessID: process,
			Title: title, FiledBy: "clara", FiledAt: time.Now()})
		require.NoError(t, err)
		require.NoError(t, st.IndexDocument(ctx, records.SearchDoc{DocumentSHA256: ref.SHA256, Title: title, Type: "letter",
			Unit: file.Unit, FileNumber: file.Number, Sender: "Müller", Date: "2026-03-01", Body: body}))
		return e
	}
	doc63 := doc("bauantrag", `Bauantrag <script>alert(1)</script>`,
		"Antrag auf Baugenehmigung <b>Lindenstraße</b> mit Statik", file63, proc.ID)
	doc20 := doc("haushalt", "Haushaltsplan", "Antrag auf Mittel für die Baugenehmigung", file20, 0)
	return filesFixture{authFixture: f, file63: file63, file20: file20, doc63: doc63, doc20: doc20}
}

// signIn returns a client logged in as login.
func (f filesFixture) signIn(t *testing.T, login string) *http.Client {
	t.Helper()
	c := browser(t)
	require.Equal(t, http.StatusSeeOther, f.login(t, c, login, matrixPassword, "/").StatusCode)
	return c
}

func TestFilePagesAccess(t *testing.T) {
	f := newFilesFixture(t)
	href63, href20 := fileHref(f.file63.Number), fileHref(f.file20.Number)
	require.Contains(t, href63, "%2F")
	tests := []struct {
		login            string
		sees63, sees20   bool
		file63, file20   int
		fileplan, search int
	}{
		{"clara", true, false, http.StatusOK, http.StatusForbidden, http.StatusOK, http.StatusOK},
		{"fritz", false, true, http.StatusForbidden, http.StatusOK, http.StatusOK, http.StatusOK},
		{"rita", true, true, http.StatusOK, http.StatusOK, http.StatusOK, http.StatusOK},
		{"pia", true, true, http.StatusOK, http.StatusOK, http.StatusOK, http.StatusOK},
		{"paul", false, false, http.StatusForbidden, http.StatusForbidden, http.StatusForbidden, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.login, func(t *testing.T) {
			c := f.signIn(t, tt.login)
			list := do(t, c, http.MethodGet, f.srv.URL+"/files", nil, nil)
			if tt.fileplan == http.StatusForbidden {
				require.Equal(t, http.StatusForbidden, list.StatusCode)
			} else {
				require.Equal(t, http.StatusOK, list.StatusCode, list.body)
				require.Equal(t, tt.sees63, strings.Contains(list.body, `href="`+href63+`"`), list.body)
				require.Equal(t, tt.sees20, strings.Contains(list.body, `href="`+href20+`"`), list.body)
				require.Equal(t, tt.sees63, strings.Contains(list.body, "Neubau Lindenstraße 5"))
				require.Contains(t, list.body, `<a href="/files"`, "navigation entry Akten")
			}
			require.Equal(t, tt.file63, do(t, c, http.MethodGet, f.srv.URL+href63, nil, nil).StatusCode)
			require.Equal(t, tt.file20, do(t, c, http.MethodGet, f.srv.URL+href20, nil, nil).StatusCode)
			require.Equal(t, tt.fileplan, do(t, c, http.MethodGet, f.srv.URL+"/fileplan", nil, nil).StatusCode)
			require.Equal(t, tt.search, do(t, c, http.MethodGet, f.srv.URL+"/search?q=Antrag", nil, nil).StatusCode)
		})
	}
	t.Run("missing file", func(t *testing.T) {
		// Whether a file exists is told only to those who read all files.
		missing := f.srv.URL + fileHref("63.10-9999/2026")
		require.Equal(t, http.StatusForbidden, do(t, f.signIn(t, "clara"), http.MethodGet, missing, nil, nil).StatusCode)
		require.Equal(t, http.StatusNotFound, do(t, f.signIn(t, "rita"), http.MethodGet, missing, nil, nil).StatusCode)
	})
	t.Run("filters", func(t *testing.T) {
		c := f.signIn(t, "rita")
		byPlan := do(t, c, http.MethodGet, f.srv.URL+"/files?plan=20", nil, nil)
		require.Contains(t, byPlan.body, href20)
		require.NotContains(t, byPlan.body, href63)
		closed := do(t, c, http.MethodGet, f.srv.URL+"/files?status=closed", nil, nil)
		require.Contains(t, closed.body, "Keine Akten gefunden.")
		require.Equal(t, http.StatusBadRequest, do(t, c, http.MethodGet, f.srv.URL+"/files?status=kaputt", nil, nil).StatusCode)
	})
}

func TestFilePlanPage(t *testing.T) {
	f := newFilesFixture(t)
	page := do(t, f.signIn(t, "clara"), http.MethodGet, f.srv.URL+"/fileplan", nil, nil)
	require.Equal(t, http.StatusOK, page.StatusCode, page.body)
	for _, want := range []string{
		`<a href="/files?plan=63.10">`, "Baugenehmigungen",
		"federführend: 63 · Aufbewahrung: 30 Jahre", // inherited from 63
		`<a href="/fileplan" aria-current="page">Aktenplan</a>`,
	} {
		require.Contains(t, page.body, want)
	}
}

func TestFilePageShowsProcessesAndDocuments(t *testing.T) {
	f := newFilesFixture(t)
	c := f.signIn(t, "clara")
	u := f.srv.URL + "/files/" + url.PathEscape(f.file63.Number)
	page := do(t, c, http.MethodGet, u, nil, nil)
	require.Equal(t, http.StatusOK, page.StatusCode, page.body)
	for _, want := range []string{
		"<h1>Akte " + f.file63.Number + "</h1>",
		"Neubau Lindenstraße 5", "Baugenehmigungen", "Bauantrag",
		`<a href="/documents/` + f.doc63.Number.String() + `">` + f.doc63.Number.String() + `</a>`,
		"Bauantrag &lt;script&gt;alert(1)&lt;/script&gt;",
		"1 – Bauantrag", // the process column
	} {
		require.Contains(t, page.body, want)
	}
	require.NotContains(t, page.body, "<script>")
	// The linked document opens for the clerk: filed in 63's file.
	require.Equal(t, http.StatusOK, do(t, c, http.MethodGet, f.srv.URL+"/documents/"+f.doc63.Number.String(), nil, nil).StatusCode)

	evs, err := f.st.Events(t.Context(), "file", f.file63.Number)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, audit.ActionFileRead, evs[0].Action)
	require.Equal(t, "clara", evs[0].Actor)
}

func TestSearchPage(t *testing.T) {
	f := newFilesFixture(t)
	t.Run("clerk sees own unit, markup escaped", func(t *testing.T) {
		c := f.signIn(t, "clara")
		page := do(t, c, http.MethodGet, f.srv.URL+"/search?q=Baugenehmigung", nil, nil)
		require.Equal(t, http.StatusOK, page.StatusCode, page.body)
		require.Contains(t, page.body, "1 Treffer")
		require.Contains(t, page.body, "Bauantrag &lt;script&gt;alert(1)&lt;/script&gt;")
		require.Contains(t, page.body, `href="/documents/`+f.doc63.Number.String()+`"`)
		require.Contains(t, page.body, `href="`+fileHref(f.file63.Number)+`"`)
		require.Contains(t, page.body, "<mark>Baugenehmigung</mark>")
		require.Contains(t, page.body, "&lt;b&gt;")
		require.NotContains(t, page.body, "<script>")
		require.NotContains(t, page.body, "<b>")
		require.NotContains(t, page.body, "Haushaltsplan", "20's document is not the clerk of 63's")
	})
	t.Run("registrar sees all", func(t *testing.T) {
		page := do(t, f.signIn(t, "rita"), http.MethodGet, f.srv.URL+"/search?q=Baugenehmigung", nil, nil)
		require.Contains(t, page.body, "2 Treffer")
		require.Contains(t, page.body, "Haushaltsplan")
	})
	t.Run("empty form searches nothing", func(t *testing.T) {
		page := do(t, f.signIn(t, "fritz"), http.MethodGet, f.srv.URL+"/search", nil, nil)
		require.Equal(t, http.StatusOK, page.StatusCode)
		require.NotContains(t, page.body, "Treffer</h2>")
	})
	t.Run("bad date", func(t *testing.T) {
		page := do(t, f.signIn(t, "fritz"), http.MethodGet, f.srv.URL+"/search?q=x&from=gestern", nil, nil)
		require.Equal(t, http.StatusBadRequest, page.StatusCode)
		require.Contains(t, page.body, "role=\"alert\"")
	})
	t.Run("audited with the words as personal data", func(t *testing.T) {
		evs, err := f.st.Events(t.Context(), "search", "clara")
		require.NoError(t, err)
		require.Len(t, evs, 1)
		require.Equal(t, audit.ActionSearch, evs[0].Action)
		require.Equal(t, "clara", evs[0].Actor)
		require.NotContains(t, string(evs[0].Details), "Baugenehmigung")
		require.Contains(t, string(evs[0].Personal), "Baugenehmigung")
	})
	t.Run("an auditor's search is logged once", func(t *testing.T) {
		do(t, f.signIn(t, "pia"), http.MethodGet, f.srv.URL+"/search?q=Statik", nil, nil)
		evs, err := f.st.Events(t.Context(), "search", "pia")
		require.NoError(t, err)
		require.Len(t, evs, 1)
		pageEvs, err := f.st.Events(t.Context(), "page", "/search")
		require.NoError(t, err)
		require.Empty(t, pageEvs, "the words must not land in a page read's details")
	})
}

func TestSplitSnippet(t *testing.T) {
	tests := []struct {
		in   string
		want []snippetPart
	}{
		{"", nil},
		{"kein Treffer", []snippetPart{{"kein Treffer", false}}},
		{"ein [Wort] hier", []snippetPart{{"ein ", false}, {"Wort", true}, {" hier", false}}},
		{"[a][b]", []snippetPart{{"a", true}, {"b", true}}},
		{"offen [ohne Ende", []snippetPart{{"offen ", false}, {"ohne Ende", true}}},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, splitSnippet(tt.in), tt.in)
	}
	require.Equal(t, "mehr als 10.000 Treffer", hitCount(store.SearchResult{Total: store.MaxSearchTotal, Capped: true}))
	require.Equal(t, "1.234 Treffer", hitCount(store.SearchResult{Total: 1234}))
}
