package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

const matrixPassword = "ein Passwort für die Matrix"

// TestPageAccess is the authorisation matrix of the pages: each role ×
// each page, a document of the person's own unit, of another unit, filed
// in an own unit's file, and routed nowhere; allowed pages answer 200,
// denied ones 403 with Decide's reason on a German page.
func TestPageAccess(t *testing.T) {
	f := newAuthServer(t, nil)
	ctx := t.Context()
	st := f.st
	require.NoError(t, st.ReplaceOrganisation(ctx, records.Organisation{Units: []records.Unit{
		{Code: "20.1", Name: "Rechnungseingang", Lead: "anna", Members: []string{"anna"}},
		{Code: "63", Name: "Bauordnung", Lead: "bernd", Members: []string{"bernd"}},
	}}))
	for login, role := range map[string]auth.Role{"paul": auth.RoleMailroom, "bernd": auth.RoleApprover,
		"rita": auth.RoleRegistrar, "pia": auth.RoleAuditor, "adam": auth.RoleAdmin, "anna": auth.RoleClerk} {
		h, err := auth.HashPassword(matrixPassword, auth.DefaultArgon2Params)
		require.NoError(t, err)
		if login == "anna" { // the fixture's clerk
			require.NoError(t, st.SetPassword(ctx, login, h))
			continue
		}
		_, err = st.PutUser(ctx, store.User{Login: login, Name: "Person " + login, PasswordHash: h, Roles: []string{string(role)}})
		require.NoError(t, err)
	}

	doc := func(name, unit string) string {
		ref, err := f.blobs.Put(ctx, strings.NewReader("%PDF-1.7 "+name), "")
		require.NoError(t, err)
		e, _, err := st.Register(ctx, records.NewEntry{SHA256: ref.SHA256, Size: ref.Size, MediaType: "application/pdf",
			OriginalName: name + ".pdf", Source: records.SourceMailroom, ReceivedAt: time.Now(), WorkflowID: "inbound-" + ref.SHA256})
		require.NoError(t, err)
		if unit != "" {
			require.NoError(t, st.PutDocumentMeta(ctx, records.DocumentMeta{DocumentSHA256: ref.SHA256, Type: "letter", Unit: unit}))
		}
		return "/documents/" + e.Number.String()
	}
	own, other, unrouted := doc("eigen", "20.1"), doc("fremd", "63"), doc("offen", "")
	filed := doc("abgelegt", "")
	plan, err := records.NewFilePlan([]records.PlanNode{{Code: "20", Title: "Finanzverwaltung", RetentionYears: 10, Unit: "20.1"}})
	require.NoError(t, err)
	require.NoError(t, st.ReplaceFilePlan(ctx, plan))
	format, err := records.NewFileNumberFormat("")
	require.NoError(t, err)
	file, _, err := st.CreateFile(ctx, records.NewFile{PlanCode: "20", Title: "Rechnungen 2026", CreatedBy: "rita"}, format)
	require.NoError(t, err)
	e, err := st.EntryByNumber(ctx, mustNumber(t, strings.TrimPrefix(filed, "/documents/")))
	require.NoError(t, err)
	_, _, err = st.FileDocument(ctx, records.Filing{DocumentSHA256: e.SHA256, FileID: file.ID, FiledBy: "rita", FiledAt: time.Now()})
	require.NoError(t, err)
	missing := "/documents/2026-999999"

	pages := []struct{ name, path string }{
		{"register", "/"},
		{"quarantine", "/quarantine"},
		{"document own", own},
		{"document other", other},
		{"document filed", filed},
		{"document unrouted", unrouted},
		{"download own", own + "/original"},
		{"download other", other + "/original"},
		{"document missing", missing},
	}
	// Expected status per login, in the order of pages. anna is a clerk of
	// 20.1, bernd an approver of 63; "own" and "filed" are 20.1's, "other"
	// is 63's. Who may not read the register is sent from the start page
	// to the first page they may see (303).
	want := map[string][]int{
		"paul":  {200, 200, 403, 403, 403, 403, 403, 403, 403},
		"anna":  {303, 403, 200, 403, 200, 403, 200, 403, 403},
		"bernd": {303, 403, 403, 200, 403, 403, 403, 200, 403},
		"rita":  {200, 403, 200, 200, 200, 200, 200, 200, 404},
		"pia":   {200, 200, 200, 200, 200, 200, 200, 200, 404},
		"adam":  {200, 403, 403, 403, 403, 403, 403, 403, 403},
	}
	for login, statuses := range want {
		require.Len(t, statuses, len(pages), login)
		c := browser(t)
		require.Equal(t, http.StatusSeeOther, f.login(t, c, login, matrixPassword, "/").StatusCode, login)
		for i, p := range pages {
			t.Run(login+"/"+p.name, func(t *testing.T) {
				resp := do(t, c, http.MethodGet, f.srv.URL+p.path, nil, nil)
				require.Equal(t, statuses[i], resp.StatusCode, resp.body)
				if resp.StatusCode == http.StatusSeeOther {
					require.Equal(t, "/inbox", resp.Header.Get("Location"))
				}
				if resp.StatusCode == http.StatusForbidden {
					require.Contains(t, resp.body, "<h1>Keine Berechtigung</h1>")
					require.Contains(t, resp.body, "Keine Berechtigung: ")
					require.Contains(t, resp.body, `action="/logout"`)
				}
			})
		}
	}

	// Every page names a valid action; the table above covers each.
	for _, p := range (&Server{}).pages() {
		require.True(t, p.action.Valid(), p.pattern)
	}

	// An auditor's listing reads are audited with the login; document
	// reads are logged for everyone by the pages themselves.
	evs, err := st.Events(ctx, "page", "/quarantine")
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, "pia", evs[0].Actor)
	require.Equal(t, string(auth.ActQuarantineRead), evs[0].Action)
}

// TestPageAccessJSON: a client that does not ask for HTML gets the reason
// as JSON.
func TestPageAccessJSON(t *testing.T) {
	f := newAuthServer(t, nil)
	c := browser(t)
	require.Equal(t, http.StatusSeeOther, f.login(t, c, "anna", annaPassword, "/").StatusCode)
	resp := do(t, c, http.MethodGet, f.srv.URL+"/quarantine", nil, map[string]string{"Accept": "application/json"})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, resp.body, `"message":"Keine Berechtigung: Ihre Rollen (Sachbearbeitung) erlauben nicht: Quarantäne einsehen."`)
	require.Contains(t, resp.body, `"code":"forbidden"`)
}

// TestNoLoginServesEveryPage: without Sessions the access table is not
// consulted, as before login existed.
func TestNoLoginServesEveryPage(t *testing.T) {
	srv, _, _ := newServer(t)
	for _, p := range []string{"/", "/quarantine"} {
		status, body := get(t, srv.URL+p)
		require.Equal(t, http.StatusOK, status, p)
		require.NotContains(t, body, "Abmelden")
	}
}

func mustNumber(t *testing.T, s string) records.RegisterNumber {
	t.Helper()
	n, err := records.ParseRegisterNumber(s)
	require.NoError(t, err)
	return n
}
