package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// workMatrix are the routeMatrix rows of the workRoutes.
const workMatrix = `
POST /api/tasks/{id}/claim           --        +-     +-        --       --         --
POST /api/tasks/{id}/done            --        +-     +-        --       --         --
POST /api/tasks/{id}/forward         --        +-     +-        --       --         --
POST /api/tasks/{id}/follow-up       --        +-     +-        --       --         --
POST /api/documents/{id}/filings     --        +-     +-        --       ++         --
POST /api/triage/{id}/decide         -         -      -         -        +          -
POST /api/invoices/{id}/certify      --        +-     +-        --       --         --
POST /api/invoices/{id}/order        --        --     +-        --       --         --
POST /api/invoices/{id}/reject       --        +-     +-        --       --         --
`

// workCalls are the matrix requests of the workRoutes. The "other unit"
// document to file is one of its own, so that filing it into unit 63's
// file does not move objects other rows use into 63.
func (w *world) workCalls(t *testing.T) map[string][]call {
	other := w.extraDocument(t, "anderes.pdf", "20")
	triage, err := w.st.TriageItems(context.Background(), false, 1, 0)
	require.NoError(t, err)
	require.Len(t, triage, 1)
	task := func(act, body string) []call {
		return []call{{url: "/api/tasks/" + w.task63.ID + "/" + act, body: body}, {url: "/api/tasks/" + w.task20.ID + "/" + act, body: body}}
	}
	invoice := func(act, body string) []call {
		return []call{{url: "/api/invoices/" + itoa(w.inv63.ID) + "/" + act, body: body}, {url: "/api/invoices/" + itoa(w.inv20.ID) + "/" + act, body: body}}
	}
	fileBody := `{"file":"` + w.file63.Number + `"}`
	return map[string][]call{
		"POST /api/tasks/{id}/claim":       task("claim", ""),
		"POST /api/tasks/{id}/done":        task("done", `{"comment":"erledigt"}`),
		"POST /api/tasks/{id}/forward":     task("forward", `{"unit":"20"}`),
		"POST /api/tasks/{id}/follow-up":   task("follow-up", `{"on":"2026-12-01"}`),
		"POST /api/documents/{id}/filings": {{url: "/api/documents/" + w.doc63.SHA256 + "/filings", body: fileBody}, {url: "/api/documents/" + other.SHA256 + "/filings", body: fileBody}},
		"POST /api/triage/{id}/decide":     {{url: "/api/triage/" + itoa(triage[0].ID) + "/decide", body: `{"assign":"63"}`}},
		"POST /api/invoices/{id}/certify":  invoice("certify", `{"stage":"factual"}`),
		"POST /api/invoices/{id}/order":    invoice("order", `{"stage":"payment_order"}`),
		"POST /api/invoices/{id}/reject":   invoice("reject", `{"stage":"factual","reason":"Leistung nicht erbracht"}`),
	}
}

// extraDocument registers one more document, routed to unit.
func (w *world) extraDocument(t *testing.T, name, unit string) records.RegisterEntry {
	t.Helper()
	ctx := context.Background()
	sum := name + "-" + unit
	e, _, err := w.st.Register(ctx, records.NewEntry{SHA256: sha(sum), Size: 10, MediaType: "application/pdf",
		OriginalName: name, Source: records.SourceMailroom, ReceivedAt: time.Now(), WorkflowID: "inbound-" + name})
	require.NoError(t, err)
	require.NoError(t, w.st.PutDocumentMeta(ctx, records.DocumentMeta{DocumentSHA256: e.SHA256, Type: "letter", Unit: unit}))
	return e
}

func (w *world) post(t *testing.T, role, path, ifMatch, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.srv.URL+path, bytes.NewBufferString(body))
	require.NoError(t, err)
	req.Header.Set("X-Test-Role", role)
	req.Header.Set("Content-Type", "application/json")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out := new(bytes.Buffer)
	_, err = out.ReadFrom(resp.Body)
	require.NoError(t, err)
	return resp, out.Bytes()
}

// TestTaskActs: each act reaches the task's workflow as its update with
// the login as the user; the version guards against lost updates; bad
// input and refusals come back in German.
func TestTaskActs(t *testing.T) {
	w := newWorld(t)
	path := "/api/tasks/" + w.task63.ID
	resp, _ := w.get(t, "clerk", path)
	etag := resp.Header.Get("ETag")
	require.Equal(t, `"1"`, etag)

	resp, body := w.post(t, "clerk", path+"/claim", "", "")
	require.Equal(t, http.StatusPreconditionRequired, resp.StatusCode, "%s", body)
	resp, body = w.post(t, "clerk", path+"/claim", `"0"`, "")
	require.Equal(t, http.StatusPreconditionFailed, resp.StatusCode, "%s", body)
	require.Contains(t, string(body), "inzwischen geändert")

	for _, c := range []struct {
		act, body, update string
		want              any
	}{
		{"claim", "", workflows.UpdateTaskClaim, workflows.ClaimTask{User: "clerk"}},
		{"done", `{"comment":"Antwort geschrieben"}`, workflows.UpdateTaskDone, workflows.FinishTask{User: "clerk", Comment: "Antwort geschrieben"}},
		{"forward", `{"unit":" 20 ","to":"clerk20","comment":"zuständig"}`, workflows.UpdateTaskForward,
			workflows.ForwardTask{User: "clerk", Unit: "20", To: "clerk20", Comment: "zuständig"}},
		{"follow-up", `{"on":"2026-12-01"}`, workflows.UpdateTaskFollowUp,
			workflows.FollowUpTask{User: "clerk", On: time.Date(2026, 12, 1, 8, 0, 0, 0, records.RegisterLocation)}},
	} {
		resp, body := w.post(t, "clerk", path+"/"+c.act, etag, c.body)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", c.act, body)
		calls := w.cmds.Calls()
		require.Equal(t, "update "+w.task63.ID+" "+c.update, calls[len(calls)-1])
		got := w.cmds.args[len(w.cmds.args)-1]
		if fu, ok := got.(workflows.FollowUpTask); ok {
			require.True(t, fu.On.Equal(c.want.(workflows.FollowUpTask).On), "follow-up at %v", fu.On)
			continue
		}
		require.Equal(t, c.want, got, c.act)
	}

	for _, c := range []struct{ act, body, code string }{
		{"forward", `{}`, "unit_required"},
		{"follow-up", `{"on":"1.12.2026"}`, "bad_date"},
		{"follow-up", `{}`, "date_required"},
		{"done", `{"kommentar":"x"}`, "bad_body"},
		{"done", `nicht json`, "bad_body"},
	} {
		resp, body := w.post(t, "clerk", path+"/"+c.act, etag, c.body)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s %s: %s", c.act, c.body, body)
		require.Contains(t, string(body), `"code":"`+c.code+`"`)
	}

	w.cmds.refuse = "Die Aufgabe bearbeitet bereits clerk20."
	resp, body = w.post(t, "clerk", path+"/claim", etag, "")
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.JSONEq(t, `{"error":{"code":"refused","message":"Die Aufgabe bearbeitet bereits clerk20."}}`, string(body))
	w.cmds.refuse, w.cmds.closed = "", true
	resp, body = w.post(t, "clerk", path+"/done", etag, "")
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, string(body), `"code":"closed"`)

	resp, _ = w.post(t, "clerk", "/api/tasks/gibt-es-nicht/claim", etag, "")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// TestFileDocumentByHand: into an existing file, into a new file opened
// under a plan code, refused for a closed file and for another unit's
// file; each act audited on the document and the file.
func TestFileDocumentByHand(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	doc := w.extraDocument(t, "nachtrag.pdf", "63")
	path := "/api/documents/" + doc.SHA256 + "/filings"

	resp, body := w.post(t, "clerk", path, "", `{}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
	require.Contains(t, string(body), "file_required")
	_, body = w.post(t, "clerk", path, "", `{"plan":"63"}`)
	require.Contains(t, string(body), "title_required")
	resp, body = w.post(t, "clerk", path, "", `{"file":"63-999/2026"}`)
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "%s", body)
	resp, body = w.post(t, "clerk", path, "", `{"file":"`+w.file20.Number+`"}`)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "another unit's file: %s", body)
	_, body = w.post(t, "clerk", path, "", `{"file":"`+w.file63.Number+`","process":7}`)
	require.Contains(t, string(body), "unknown_process")

	resp, body = w.post(t, "clerk", path, "", `{"file":"`+w.file63.Number+`","process":1}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	f := decode[Filed](t, body)
	require.True(t, f.Created)
	require.Equal(t, w.file63.Number, f.File.Number)
	require.NotZero(t, f.Filing.ProcessID)
	resp, body = w.post(t, "clerk", path, "", `{"file":"`+w.file63.Number+`"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "filed there already: %s", body)
	require.False(t, decode[Filed](t, body).Created)

	resp, body = w.post(t, "clerk", path, "", `{"plan":"63","title":"Nachträge Gartenhaus"}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	opened := decode[Filed](t, body).File
	require.Equal(t, "63", opened.Unit)
	require.Equal(t, "clerk", opened.CreatedBy)

	_, err := w.st.CloseFile(ctx, opened.Number, time.Now(), "clerk")
	require.NoError(t, err)
	other := w.extraDocument(t, "spaet.pdf", "63")
	resp, body = w.post(t, "clerk", "/api/documents/"+other.SHA256+"/filings", "", `{"file":"`+opened.Number+`"}`)
	require.Equal(t, http.StatusConflict, resp.StatusCode, "%s", body)
	require.Contains(t, string(body), "zdA")

	evs, err := w.st.Events(ctx, "document", doc.SHA256)
	require.NoError(t, err)
	var filed []string
	for _, ev := range evs {
		if ev.Action == "document.filed" {
			require.Equal(t, "clerk", ev.Actor)
			filed = append(filed, string(ev.Details))
		}
	}
	require.Len(t, filed, 2, "one event per filing, none for the repeat")
	require.Contains(t, filed[0], `"via":"api"`)
	fileEvs, err := w.st.Events(ctx, "file", opened.Number)
	require.NoError(t, err)
	var actions []string
	for _, ev := range fileEvs {
		actions = append(actions, ev.Action)
	}
	require.Contains(t, actions, "file.opened")
	require.Contains(t, actions, "document.filed")
}

// TestTriageDecision: the registrar's decision goes to the document's
// workflow with the actions asked for; a decided item is not decided
// again.
func TestTriageDecision(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	items, err := w.st.TriageItems(ctx, false, 10, 0)
	require.NoError(t, err)
	it := items[0]
	path := "/api/triage/" + itoa(it.ID) + "/decide"
	version := TriageETag(it)

	resp, body := w.post(t, "registrar", path, version, `{"comment":"?"}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
	require.Contains(t, string(body), "action_required")
	resp, body = w.post(t, "registrar", path, version, `{"open":"63","title":"Gartenhaus Nachbar","assign":"63"}`)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, "%s", body)
	require.Equal(t, workflows.TriageDecision{User: "registrar", Actions: []workflows.RouteAction{
		{Kind: workflows.RouteOpenFile, PlanCode: "63", Title: "Gartenhaus Nachbar"},
		{Kind: workflows.RouteAssign, Unit: "63"},
	}}, w.cmds.args[len(w.cmds.args)-1])
	require.Equal(t, "update "+it.WorkflowID+" "+workflows.UpdateTriageDecide, w.cmds.Calls()[len(w.cmds.Calls())-1])

	_, err = w.st.DecideTriage(ctx, it.WorkflowID, []byte(`{}`), "registrar", time.Now())
	require.NoError(t, err)
	resp, body = w.post(t, "registrar", path, "*", `{"assign":"63"}`)
	require.Equal(t, http.StatusConflict, resp.StatusCode, "%s", body)
	require.Contains(t, string(body), "bereits entschieden")
	resp, _ = w.post(t, "registrar", path, version, `{"assign":"63"}`)
	require.Equal(t, http.StatusPreconditionFailed, resp.StatusCode, "the open version is stale once decided")
}

// TestInvoiceDecisions: certify, order and reject reach the approval
// workflow with the stage; the invoice's ETag guards against deciding on
// a stale view; the workflow's refusal comes back in its words.
func TestInvoiceDecisions(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_, err := w.st.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: w.inv63.ID, Stage: "factual", Assignees: []string{"clerk"}, Since: time.Now()})
	require.NoError(t, err)
	path := "/api/invoices/" + itoa(w.inv63.ID)
	resp, _ := w.get(t, "clerk", path)
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)

	resp, body := w.post(t, "clerk", path+"/certify", "", `{}`)
	require.Equal(t, http.StatusPreconditionRequired, resp.StatusCode, "%s", body)
	resp, body = w.post(t, "clerk", path+"/certify", etag, `{"comment":"Leistung erbracht"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	wf := workflows.InvoiceApprovalID(w.inv63.ID)
	require.Equal(t, "update "+wf+" "+workflows.UpdateApprove, w.cmds.Calls()[len(w.cmds.Calls())-1])
	require.Equal(t, workflows.ApproveRequest{User: "clerk", Stage: approval.StageFactual, Comment: "Leistung erbracht"}, w.cmds.args[len(w.cmds.args)-1],
		"the stage the invoice waits for when none is named")

	resp, body = w.post(t, "clerk", path+"/certify", etag, `{"stage":"payment_order"}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "certify cannot order: %s", body)
	require.Contains(t, string(body), "order_route")
	_, body = w.post(t, "approver", path+"/order", etag, `{"stage":"factual"}`)
	require.Contains(t, string(body), "not_order")
	resp, body = w.post(t, "clerk", path+"/order", etag, `{"stage":"payment_order"}`)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "a clerk orders no payment: %s", body)
	require.Contains(t, string(body), "Rechnung")
	_, body = w.post(t, "clerk", path+"/reject", etag, `{"stage":"factual"}`)
	require.Contains(t, string(body), "reason_required")
	resp, body = w.post(t, "clerk", path+"/reject", etag, `{"stage":"factual","reason":"Menge falsch","to_sender":true}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.Equal(t, workflows.RejectRequest{User: "clerk", Stage: approval.StageFactual, Reason: "Menge falsch", ToSender: true}, w.cmds.args[len(w.cmds.args)-1])

	w.cmds.refuse = "Sie haben bereits die sachliche Richtigkeit bestätigt."
	resp, body = w.post(t, "approver", path+"/order", etag, `{"stage":"payment_order"}`)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, string(body), "Sie haben bereits die sachliche Richtigkeit bestätigt.")
	w.cmds.refuse = ""

	_, _, err = w.st.AddApproval(ctx, records.Approval{InvoiceID: w.inv63.ID, Seq: 1, Stage: "factual", User: "clerk", Approve: true, At: time.Now(), WorkflowID: wf})
	require.NoError(t, err)
	resp, body = w.post(t, "approver", path+"/order", etag, `{"stage":"payment_order"}`)
	require.Equal(t, http.StatusPreconditionFailed, resp.StatusCode, "decided on a stale view: %s", body)
}

// TestWritesWithoutCommands: a server without NATS and Temporal answers
// writes with 503, not with a crash.
func TestWritesWithoutCommands(t *testing.T) {
	w := newWorld(t)
	o := NewOps(Deps{Store: w.st})
	_, err := o.ActOnTask(context.Background(), principals["clerk"], w.task63.ID, "*", TaskClaim, TaskAction{})
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, http.StatusServiceUnavailable, e.Status)
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestAuditExport: an auditor's export comes as the file asked for and is
// logged as an export before it leaves; a bad format is refused.
func TestAuditExport(t *testing.T) {
	w := newWorld(t)
	resp, body := w.get(t, "auditor", "/api/audit/export?kind=document&format=csv&id="+w.doc63.SHA256)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.Contains(t, resp.Header.Get("Content-Type"), "text/csv")
	require.Contains(t, resp.Header.Get("Content-Disposition"), "pruefprotokoll.csv")
	evs, err := w.st.Events(context.Background(), "document", w.doc63.SHA256)
	require.NoError(t, err)
	var exported int
	for _, ev := range evs {
		if ev.Action == "audit.exported" && ev.Actor == "auditor" {
			exported++
		}
	}
	require.Equal(t, 1, exported)
	resp, body = w.get(t, "auditor", "/api/audit/export?kind=document&format=docx&id="+w.doc63.SHA256)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, string(body), "bad_format")
}
