package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
	"github.com/aktenfluss/aktenfluss/workflows"
)

type workFixture struct {
	*authFixture
	cmds                   *pageCommands
	taskOwn, taskOther     records.Task
	invOwn, invOther       records.Invoice
	triage                 records.TriageItem
	docOwnNumber, fileOwn  string
	invOwnPath, invOthPath string
}

// newWorkFixture: anna is a clerk of 20.1, bernd an approver of 63; a
// task and an invoice in each unit, a triage item, an open file of 20.1.
func newWorkFixture(t *testing.T) workFixture {
	t.Helper()
	cmds := &pageCommands{}
	format, err := records.NewFileNumberFormat("")
	require.NoError(t, err)
	f := newAuthServer(t, func(s *Server, _ string) {
		cmds.st = s.Register.(store.Store)
		s.Ops = api.NewOps(api.Deps{Store: cmds.st, Blobs: s.Blobs, Commands: cmds, Numbers: format})
	})
	ctx := t.Context()
	st := f.st
	require.NoError(t, st.ReplaceOrganisation(ctx, records.Organisation{Units: []records.Unit{
		{Code: "20.1", Name: "Rechnungseingang", Lead: "anna", Members: []string{"anna"}},
		{Code: "63", Name: "Bauordnung", Lead: "bernd", Members: []string{"bernd"}},
	}}))
	for login, role := range map[string]auth.Role{"paul": auth.RoleMailroom, "bernd": auth.RoleApprover,
		"rita": auth.RoleRegistrar, "pia": auth.RoleAuditor, "adam": auth.RoleAdmin} {
		h, err := auth.HashPassword(matrixPassword, auth.DefaultArgon2Params)
		require.NoError(t, err)
		_, err = st.PutUser(ctx, store.User{Login: login, Name: "Person " + login, PasswordHash: h, Roles: []string{string(role)}})
		require.NoError(t, err)
	}
	h, err := auth.HashPassword(matrixPassword, auth.DefaultArgon2Params)
	require.NoError(t, err)
	require.NoError(t, st.SetPassword(ctx, "anna", h))
	plan, err := records.NewFilePlan([]records.PlanNode{
		{Code: "20", Title: "Finanzverwaltung", RetentionYears: 10, Unit: "20.1"},
		{Code: "63", Title: "Bauordnung", RetentionYears: 30, Unit: "63"},
	})
	require.NoError(t, err)
	require.NoError(t, st.ReplaceFilePlan(ctx, plan))
	file, _, err := st.CreateFile(ctx, records.NewFile{PlanCode: "20", Title: "Rechnungen 2026", CreatedBy: "rita"}, format)
	require.NoError(t, err)

	w := workFixture{authFixture: f, cmds: cmds, fileOwn: file.Number}
	doc := func(name, unit string) records.RegisterEntry {
		ref, err := f.blobs.Put(ctx, strings.NewReader("%PDF-1.7 "+name), "")
		require.NoError(t, err)
		e, _, err := st.Register(ctx, records.NewEntry{SHA256: ref.SHA256, Size: ref.Size, MediaType: "application/pdf",
			OriginalName: name + ".pdf", Source: records.SourceMailroom, ReceivedAt: time.Now(), WorkflowID: "inbound-" + ref.SHA256})
		require.NoError(t, err)
		require.NoError(t, st.PutDocumentMeta(ctx, records.DocumentMeta{DocumentSHA256: ref.SHA256, Type: "letter", Unit: unit,
			Sender: "Erika Mustermann", Subject: "Betreff " + name}))
		return e
	}
	task := func(id, unit string, e records.RegisterEntry) records.Task {
		tk := records.Task{ID: id, DocumentSHA256: e.SHA256, Title: "Brief " + id, Kind: "document", Unit: unit,
			Status: records.TaskOpen, Version: 1, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		_, err := st.PutTask(ctx, tk)
		require.NoError(t, err)
		return tk
	}
	own, other := doc("eigen", "20.1"), doc("fremd", "63")
	w.docOwnNumber = own.Number.String()
	w.taskOwn, w.taskOther = task("clerk-task-own", "20.1", own), task("clerk-task-other", "63", other)
	invoice := func(e records.RegisterEntry, number string) records.Invoice {
		inv, _, err := st.AddInvoice(ctx, records.Invoice{DocumentSHA256: e.SHA256, WorkflowID: "invoice-" + number,
			Syntax: records.SyntaxPaper, Number: number, IssueDate: "2026-11-01", Currency: "EUR", SellerName: "Gerüst GmbH",
			NetTotal: "100.00", GrossTotal: "119.00", Payable: "119.00", Status: records.InvoiceAccepted, DuplicateKey: "k-" + number})
		require.NoError(t, err)
		_, err = st.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: inv.ID, Stage: "factual", Assignees: []string{"anna"}, Since: time.Now()})
		require.NoError(t, err)
		return inv
	}
	w.invOwn, w.invOther = invoice(doc("rechnung-eigen", "20.1"), "R-1"), invoice(doc("rechnung-fremd", "63"), "R-2")
	w.invOwnPath, w.invOthPath = "/invoices/"+itoa64(w.invOwn.ID), "/invoices/"+itoa64(w.invOther.ID)
	w.triage, _, err = st.AddTriage(ctx, records.TriageItem{DocumentSHA256: doc("unklar", "").SHA256, WorkflowID: "inbound-unklar",
		Reason: "keine Regel passt", CreatedAt: time.Now()})
	require.NoError(t, err)
	return w
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// regexpFind returns the first group of pattern's first match in s.
func regexpFind(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	require.NotNil(t, m, "no match for %s", pattern)
	return m[1]
}

// TestWorkPageAccess is the authorisation matrix of the work pages: each
// role × each page, of the person's own unit and of another.
func TestWorkPageAccess(t *testing.T) {
	w := newWorkFixture(t)
	pages := []struct{ name, path string }{
		{"inbox", "/inbox"},
		{"unit inbox", "/inbox?scope=unit"},
		{"task own", "/tasks/" + w.taskOwn.ID},
		{"task other", "/tasks/" + w.taskOther.ID},
		{"invoices", "/invoices"},
		{"invoice own", w.invOwnPath},
		{"invoice other", w.invOthPath},
		{"triage", "/triage"},
	}
	// anna: clerk of 20.1 (own = 20.1); bernd: approver of 63, so for him
	// "own" is 20.1's and therefore another unit's.
	want := map[string][]int{
		"paul":  {403, 403, 403, 403, 403, 403, 403, 403},
		"anna":  {200, 200, 200, 403, 200, 200, 403, 403},
		"bernd": {200, 200, 403, 200, 200, 403, 200, 403},
		"rita":  {403, 403, 403, 403, 403, 403, 403, 200},
		"pia":   {200, 200, 200, 200, 200, 200, 200, 200},
		"adam":  {403, 403, 403, 403, 403, 403, 403, 403},
	}
	for login, statuses := range want {
		c := browser(t)
		require.Equal(t, http.StatusSeeOther, w.login(t, c, login, matrixPassword, "/").StatusCode, login)
		for i, p := range pages {
			t.Run(login+"/"+p.name, func(t *testing.T) {
				resp := do(t, c, http.MethodGet, w.srv.URL+p.path, nil, nil)
				require.Equal(t, statuses[i], resp.StatusCode, resp.body)
			})
		}
	}

	// The forms: allowed for the own unit, refused for another.
	csrf := func(c *http.Client, path string) string {
		page := do(t, c, http.MethodGet, w.srv.URL+path, nil, nil)
		m := csrfInput.FindStringSubmatch(page.body)
		require.NotNil(t, m, page.body)
		return m[1]
	}
	c := browser(t)
	w.login(t, c, "anna", matrixPassword, "/")
	token := csrf(c, "/inbox")
	for _, p := range []struct {
		path   string
		status int
	}{
		{"/tasks/" + w.taskOwn.ID + "/claim", 303},
		{"/tasks/" + w.taskOther.ID + "/claim", 403},
		{"/tasks/" + w.taskOther.ID + "/file", 403},
		{w.invOwnPath + "/certify", 303},
		{w.invOthPath + "/certify", 403},
		{w.invOwnPath + "/order", 303}, // refused on the page, see TestWorkForms
		{"/triage/" + itoa64(w.triage.ID), 403},
	} {
		resp := do(t, c, http.MethodPost, w.srv.URL+p.path, url.Values{"csrf": {token}, "version": {"*"}}, nil)
		require.Equal(t, p.status, resp.StatusCode, "%s: %s", p.path, resp.body)
	}
	resp := do(t, c, http.MethodPost, w.srv.URL+"/tasks/"+w.taskOwn.ID+"/claim", url.Values{"version": {"*"}}, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "without the CSRF token")
}

// TestWorkForms: each form sends the API's operation with the signed-in
// login and the version it showed, and the next page tells the outcome.
func TestWorkForms(t *testing.T) {
	w := newWorkFixture(t)
	c := browser(t)
	w.login(t, c, "anna", matrixPassword, "/")
	page := do(t, c, http.MethodGet, w.srv.URL+"/inbox?scope=unit", nil, nil)
	require.Contains(t, page.body, `href="/tasks/`+w.taskOwn.ID+`"`)
	require.NotContains(t, page.body, w.taskOther.ID, "another unit's task")
	page = do(t, c, http.MethodGet, w.srv.URL+"/tasks/"+w.taskOwn.ID, nil, nil)
	require.Contains(t, page.body, `class="viewer" src="/documents/`+w.docOwnNumber+`/original"`, "the PDF beside the data")
	require.Contains(t, page.body, "Erika Mustermann")
	require.Contains(t, page.body, `<option value="`+w.fileOwn+`">`, "the unit's open files are offered")
	token := csrfInput.FindStringSubmatch(page.body)[1]
	version := `"1"`

	post := func(path string, form url.Values) string {
		t.Helper()
		form.Set("csrf", token)
		resp := do(t, c, http.MethodPost, w.srv.URL+path, form, nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.body)
		next := do(t, c, http.MethodGet, w.srv.URL+resp.Header.Get("Location"), nil, nil)
		require.Equal(t, http.StatusOK, next.StatusCode, next.body)
		again := do(t, c, http.MethodGet, w.srv.URL+resp.Header.Get("Location"), nil, nil)
		require.NotContains(t, again.body, `class="flash`, "a message is shown once")
		return next.body
	}
	body := post("/tasks/"+w.taskOwn.ID+"/claim", url.Values{"version": {version}})
	require.Contains(t, body, "Sie haben die Aufgabe übernommen.")
	require.Equal(t, w.taskOwn.ID+" "+workflows.UpdateTaskClaim, w.cmds.updates[0])
	require.Equal(t, workflows.ClaimTask{User: "anna"}, w.cmds.args[0])

	body = post("/tasks/"+w.taskOwn.ID+"/claim", url.Values{"version": {`"7"`}})
	require.Contains(t, body, "inzwischen geändert", "a stale form is refused")
	require.Len(t, w.cmds.updates, 1)

	body = post("/tasks/"+w.taskOwn.ID+"/follow-up", url.Values{"version": {version}, "on": {"2026-12-24"}, "comment": {"nach Rückruf"}})
	require.Contains(t, body, "Wiedervorlage")
	fu := w.cmds.args[1].(workflows.FollowUpTask)
	require.Equal(t, "2026-12-24 08:00", fu.On.In(records.RegisterLocation).Format("2006-01-02 15:04"))

	body = post("/tasks/"+w.taskOwn.ID+"/file", url.Values{"how": {"existing"}, "file": {w.fileOwn}})
	require.Contains(t, body, "Das Dokument liegt jetzt in der Akte "+w.fileOwn+".")
	require.Contains(t, body, "Abgelegt in")

	body = post("/tasks/"+w.taskOwn.ID+"/done", url.Values{"version": {version}, "comment": {"beantwortet"}})
	require.Contains(t, body, "<h1>Aufgaben</h1>", "done goes back to the inbox")
	require.Contains(t, body, "Die Aufgabe ist erledigt.")

	list := do(t, c, http.MethodGet, w.srv.URL+"/invoices", nil, nil)
	require.Contains(t, list.body, `href="`+w.invOwnPath+`"`)
	require.NotContains(t, list.body, `href="`+w.invOthPath+`"`, "another unit's invoice")
	require.Contains(t, list.body, "<strong>Ihre Entscheidung</strong>")

	// The invoice: certify the stage it waits for; ordering is refused
	// for a clerk with the reason; a refusal by the workflow is shown in
	// its words.
	page = do(t, c, http.MethodGet, w.srv.URL+w.invOwnPath, nil, nil)
	require.Contains(t, page.body, "Die Rechnung wartet auf: <strong>sachlich richtig</strong>")
	etag := html.UnescapeString(regexpFind(t, page.body, `action="`+w.invOwnPath+`/certify">\s*<input type="hidden" name="csrf" value="[^"]+"><input type="hidden" name="version" value="([^"]+)"`))
	body = post(w.invOwnPath+"/certify", url.Values{"version": {etag}, "stage": {"factual"}, "comment": {"geprüft"}})
	require.Contains(t, body, "Ihre Bestätigung ist eingetragen.")
	require.Equal(t, workflows.InvoiceApprovalID(w.invOwn.ID)+" approve", w.cmds.updates[len(w.cmds.updates)-1])
	body = post(w.invOwnPath+"/order", url.Values{"version": {etag}, "stage": {"payment_order"}})
	require.Contains(t, body, "Nicht ausgeführt:")
	require.Contains(t, body, "Keine Berechtigung")
	w.cmds.refuse = "Sie haben bereits die sachliche Richtigkeit bestätigt."
	body = post(w.invOwnPath+"/certify", url.Values{"version": {etag}, "stage": {"factual"}})
	require.Contains(t, body, "Sie haben bereits die sachliche Richtigkeit bestätigt.")
	body = post(w.invOwnPath+"/reject", url.Values{"version": {etag}, "stage": {"factual"}})
	require.Contains(t, body, "Eine Ablehnung braucht eine Begründung.")
}
