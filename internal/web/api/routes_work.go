package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// The human steps of the workflows: a clerk's task (claim, finish,
// forward, follow up), filing a document into a case, a registrar's
// triage decision and an invoice's approval. Each goes to its running
// workflow as a Temporal update, so the workflow's validator has the last
// word (four eyes, assignee, stage) and its refusal comes back as 409 in
// its own words. Every write names the version it changes (If-Match).

// TaskAction is the body of POST /api/tasks/{id}/{claim,done,forward,follow-up}.
type TaskAction struct {
	Comment string `json:"comment,omitempty"`
	// Unit and To: forward to this unit, to the person To directly when set.
	Unit string `json:"unit,omitempty"`
	To   string `json:"to,omitempty"`
	// On: follow-up date, JJJJ-MM-TT (08:00 German time) or RFC 3339.
	On string `json:"on,omitempty"`
}

// Task acts.
const (
	TaskClaim    = "claim"
	TaskDone     = "done"
	TaskForward  = "forward"
	TaskFollowUp = "follow-up"
)

// FileRequest is the body of POST /api/documents/{id}/filings: into the
// existing file File, or into a new file opened under Plan with Title.
type FileRequest struct {
	File    string `json:"file,omitempty"`    // Aktenzeichen
	Plan    string `json:"plan,omitempty"`    // Aktenplankennzeichen of a new file
	Title   string `json:"title,omitempty"`   // title of the new file
	Process int    `json:"process,omitempty"` // Vorgang number in the file; 0: none
	// Via is where the request came from ("api", "web"), for the trail.
	Via string `json:"-"`
}

// Filed answers a filing.
type Filed struct {
	Filing  records.Filing `json:"filing"`
	File    records.File   `json:"file"`
	Created bool           `json:"created"` // false: it was filed there already
}

// TriageRequest is the body of POST /api/triage/{id}/decide: what to do
// with a document routing was not sure about; at least one of them.
type TriageRequest struct {
	File    string `json:"file,omitempty"`    // file into this existing file
	Open    string `json:"open,omitempty"`    // open a new file under this plan code
	Title   string `json:"title,omitempty"`   // title of the new file
	Assign  string `json:"assign,omitempty"`  // a task in this unit's inbox
	Approve string `json:"approve,omitempty"` // the invoice approval by this unit
	Comment string `json:"comment,omitempty"`
}

// InvoiceDecision is the body of the invoice decisions: the stage decided
// (certify: factual or arithmetic; order: payment_order; reject: any)
// and a comment, or for a rejection the reason.
type InvoiceDecision struct {
	Stage    approval.StageKind `json:"stage"`
	Comment  string             `json:"comment,omitempty"`
	Reason   string             `json:"reason,omitempty"`
	ToSender bool               `json:"to_sender,omitempty"`
}

func (h *handlers) workRoutes() []Route {
	var out []Route
	for _, act := range []struct{ path, summary string }{
		{TaskClaim, "Eine Aufgabe übernehmen"},
		{TaskDone, "Eine Aufgabe abschließen"},
		{TaskForward, "Eine Aufgabe an eine andere Organisationseinheit oder Person weiterleiten"},
		{TaskFollowUp, "Eine Aufgabe auf Wiedervorlage legen"},
	} {
		out = append(out, Route{Method: "POST", Path: "/api/tasks/{id}/" + act.path, Action: auth.ActTaskAct, Tag: "Aufgaben",
			Summary: act.summary + " (If-Match: Version der Aufgabe)", Units: h.taskUnitsOf, Body: TaskAction{},
			Response: workflows.TaskState{}, Handle: h.taskAct(act.path)})
	}
	return append(out,
		Route{Method: "POST", Path: "/api/documents/{id}/filings", Action: auth.ActFileWrite, Tag: "Akten",
			Summary: "Ein Dokument zur Akte nehmen (bestehende Akte oder neue unter einem Aktenplankennzeichen)",
			Units:   h.documentUnitsOf, Body: FileRequest{}, Response: Filed{}, Handle: h.fileDocument},
		Route{Method: "POST", Path: "/api/triage/{id}/decide", Action: auth.ActTriageDecide, Tag: "Klärung",
			Summary: "Einen Klärungsfall entscheiden (If-Match: Version des Falls)", Body: TriageRequest{}, Handle: h.decideTriage},
		Route{Method: "POST", Path: "/api/invoices/{id}/certify", Action: auth.ActInvoiceCertify, Tag: "Rechnungen",
			Summary: "Sachliche oder rechnerische Richtigkeit bestätigen (If-Match: ETag der Rechnung)",
			Units:   h.invoiceUnitsOf, Body: InvoiceDecision{}, Response: workflows.ApprovalState{}, Handle: h.invoiceDecide(workflows.UpdateApprove, false)},
		Route{Method: "POST", Path: "/api/invoices/{id}/order", Action: auth.ActInvoiceDecide, Tag: "Rechnungen",
			Summary: "Die Zahlung anordnen (If-Match: ETag der Rechnung)",
			Units:   h.invoiceUnitsOf, Body: InvoiceDecision{}, Response: workflows.ApprovalState{}, Handle: h.invoiceDecide(workflows.UpdateApprove, true)},
		Route{Method: "POST", Path: "/api/invoices/{id}/reject", Action: auth.ActInvoiceCertify, Tag: "Rechnungen",
			Summary: "Eine Rechnung in der Freigabe ablehnen, mit Begründung (If-Match: ETag der Rechnung)",
			Units:   h.invoiceUnitsOf, Body: InvoiceDecision{}, Response: workflows.ApprovalState{}, Handle: h.invoiceDecide(workflows.UpdateReject, false)},
	)
}

func (h *handlers) taskAct(act string) func(http.ResponseWriter, *http.Request, auth.Principal) error {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
		var in TaskAction
		if err := decodeBody(r, &in); err != nil {
			return err
		}
		st, err := h.ops.ActOnTask(r.Context(), p, r.PathValue("id"), r.Header.Get("If-Match"), act, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, st)
		return nil
	}
}

// ActOnTask claims, finishes, forwards or follows up the task id for p.
// ifMatch names the task version the person saw (ETag of GET
// /api/tasks/{id}); the workflow decides whether p may.
func (o *Ops) ActOnTask(ctx context.Context, p auth.Principal, id, ifMatch, act string, in TaskAction) (workflows.TaskState, error) {
	var st workflows.TaskState
	if o.d.Commands == nil {
		return st, noCommands()
	}
	t, err := o.d.Store.Task(ctx, id)
	if err != nil {
		return st, notFound(err, "Diese Aufgabe gibt es nicht.")
	}
	if err := RequireIfMatch(ifMatch, ETag(strconv.FormatInt(t.Version, 10))); err != nil {
		return st, err
	}
	var name string
	var arg any
	switch act {
	case TaskClaim:
		name, arg = workflows.UpdateTaskClaim, workflows.ClaimTask{User: p.Login}
	case TaskDone:
		name, arg = workflows.UpdateTaskDone, workflows.FinishTask{User: p.Login, Comment: in.Comment}
	case TaskForward:
		if strings.TrimSpace(in.Unit) == "" {
			return st, Errorf(http.StatusBadRequest, "unit_required", "Bitte die Organisationseinheit angeben, an die weitergeleitet wird.")
		}
		name, arg = workflows.UpdateTaskForward, workflows.ForwardTask{User: p.Login, Unit: strings.TrimSpace(in.Unit), To: strings.TrimSpace(in.To), Comment: in.Comment}
	case TaskFollowUp:
		on, err := ParseFollowUp(in.On)
		if err != nil {
			return st, err
		}
		name, arg = workflows.UpdateTaskFollowUp, workflows.FollowUpTask{User: p.Login, On: on, Comment: in.Comment}
	default:
		return st, Errorf(http.StatusNotFound, "not_found", "Unbekannte Aktion %q.", act)
	}
	return st, o.d.Commands.Update(ctx, t.ID, name, arg, &st)
}

// ParseFollowUp reads a follow-up date: a day (the task comes back at
// 08:00 German time) or an exact RFC 3339 time.
func ParseFollowUp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, Errorf(http.StatusBadRequest, "date_required", "Bitte das Datum der Wiedervorlage angeben.")
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, records.RegisterLocation)
	if err != nil {
		return time.Time{}, Errorf(http.StatusBadRequest, "bad_date", "Das Datum %q ist ungültig; bitte JJJJ-MM-TT angeben.", s)
	}
	return d.Add(8 * time.Hour), nil
}

func (h *handlers) fileDocument(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in FileRequest
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	e, err := h.findEntry(r)
	if err != nil {
		return err
	}
	in.Via = "api"
	out, err := h.ops.FileDocument(r.Context(), p, e, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if out.Created {
		status = http.StatusCreated
	}
	writeJSON(w, status, out)
	return nil
}

// FileDocument files the registered document e into a case for p: an
// existing file p may write to, or a new one opened under a plan code.
// Both acts are audited as the command line audits them (file.opened,
// document.filed on the document and the file in one transaction).
func (o *Ops) FileDocument(ctx context.Context, p auth.Principal, e records.RegisterEntry, in FileRequest) (Filed, error) {
	var out Filed
	in.File, in.Plan, in.Title = strings.TrimSpace(in.File), strings.TrimSpace(in.Plan), strings.TrimSpace(in.Title)
	switch {
	case in.File == "" && in.Plan == "":
		return out, Errorf(http.StatusBadRequest, "file_required", "Bitte eine Akte (Aktenzeichen) oder ein Aktenplankennzeichen für eine neue Akte angeben.")
	case in.File != "" && in.Plan != "":
		return out, Errorf(http.StatusBadRequest, "file_or_plan", "Bitte entweder eine bestehende Akte oder ein Aktenplankennzeichen angeben, nicht beides.")
	case in.Plan != "" && in.Title == "":
		return out, Errorf(http.StatusBadRequest, "title_required", "Eine neue Akte braucht einen Titel.")
	}
	var f records.File
	var err error
	if in.File != "" {
		if f, err = o.d.Store.FileByNumber(ctx, in.File); err != nil {
			return out, notFound(err, "Eine Akte %s gibt es nicht.", in.File)
		}
	} else {
		plan, err := o.d.Store.FilePlan(ctx)
		if err != nil {
			return out, err
		}
		node, ok := plan.Effective(in.Plan)
		if !ok {
			return out, Errorf(http.StatusBadRequest, "unknown_plan", "Das Aktenplankennzeichen %s gibt es nicht.", in.Plan)
		}
		f.Unit = node.Unit
	}
	if d := auth.Decide(p, auth.ActFileWrite, auth.Resource{Units: OrNoUnit(f.Unit)}); !d.Allowed {
		return out, Errorf(http.StatusForbidden, "forbidden", "%s", d.Reason)
	}
	if in.File == "" {
		created := false
		if f, created, err = o.d.Store.CreateFile(ctx, records.NewFile{PlanCode: in.Plan, Title: in.Title, CreatedBy: p.Login, CreatedAt: time.Now()}, o.d.Numbers); err != nil {
			return out, badInput(err)
		}
		if created {
			if err := o.record(ctx, p.Login, audit.ActionFileOpened, [][2]string{{"file", f.Number}},
				map[string]any{"file_number": f.Number, "plan_code": f.PlanCode, "unit": f.Unit, "via": in.Via}, map[string]any{"title": f.Title}); err != nil {
				return out, err
			}
		}
	}
	if f.Status == records.FileClosed {
		return out, Errorf(http.StatusConflict, "file_closed", "Die Akte %s ist geschlossen (zdA); bitte eine offene Akte wählen.", f.Number)
	}
	fl := records.Filing{DocumentSHA256: e.SHA256, FileID: f.ID, Title: e.OriginalName, FiledAt: time.Now(), FiledBy: p.Login, Reason: "von Hand abgelegt"}
	if in.Process != 0 {
		procs, err := o.d.Store.Processes(ctx, f.ID)
		if err != nil {
			return out, err
		}
		for _, pr := range procs {
			if pr.Seq == in.Process {
				fl.ProcessID = pr.ID
			}
		}
		if fl.ProcessID == 0 {
			return out, Errorf(http.StatusBadRequest, "unknown_process", "Die Akte %s hat keinen Vorgang %d.", f.Number, in.Process)
		}
	}
	stored, created, err := o.d.Store.FileDocument(ctx, fl)
	if err != nil {
		return out, badInput(err)
	}
	out = Filed{Filing: stored, File: f, Created: created}
	if !created {
		return out, nil
	}
	return out, o.record(ctx, p.Login, audit.ActionDocumentFiled, [][2]string{{"document", e.SHA256}, {"file", f.Number}},
		map[string]any{"document": e.SHA256, "file_number": f.Number, "unit": f.Unit, "process": in.Process, "version": stored.Version, "via": in.Via},
		map[string]any{"title": stored.Title})
}

// record appends one act on one or more objects in one transaction, as
// one entry of the auditor's report.
func (o *Ops) record(ctx context.Context, actor, action string, objects [][2]string, details, personal any) error {
	at := time.Now()
	evs := make([]store.AuditEvent, 0, len(objects))
	for _, obj := range objects {
		ev, err := audit.NewEvent(at, actor, action, obj[0], obj[1], details, personal)
		if err != nil {
			return err
		}
		evs = append(evs, ev)
	}
	_, err := o.d.Store.AppendEvents(ctx, evs)
	return err
}

func (h *handlers) decideTriage(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in TriageRequest
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return Errorf(http.StatusBadRequest, "bad_id", "Ein Klärungsfall wird mit seiner Nummer benannt.")
	}
	if err := h.ops.DecideTriage(r.Context(), p, id, r.Header.Get("If-Match"), in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// TriageETag is the version of a triage item: it changes once, when it
// is decided.
func TriageETag(it records.TriageItem) string { return ETag(string(it.Status)) }

// DecideTriage sends p's decision about triage item id to the document's
// workflow, which checks units, plan codes and files.
func (o *Ops) DecideTriage(ctx context.Context, p auth.Principal, id int64, ifMatch string, in TriageRequest) error {
	if o.d.Commands == nil {
		return noCommands()
	}
	it, err := o.d.Store.TriageItem(ctx, id)
	if err != nil {
		return notFound(err, "Diesen Klärungsfall gibt es nicht.")
	}
	if err := RequireIfMatch(ifMatch, TriageETag(it)); err != nil {
		return err
	}
	if it.Status != records.TriageOpen {
		return Errorf(http.StatusConflict, "decided", "Über diesen Fall hat %s bereits entschieden.", it.DecidedBy)
	}
	d := workflows.TriageDecision{User: p.Login, Comment: in.Comment}
	if v := strings.TrimSpace(in.File); v != "" {
		d.Actions = append(d.Actions, workflows.RouteAction{Kind: workflows.RouteFile, FileNumber: v})
	}
	if v := strings.TrimSpace(in.Open); v != "" {
		d.Actions = append(d.Actions, workflows.RouteAction{Kind: workflows.RouteOpenFile, PlanCode: v, Title: strings.TrimSpace(in.Title)})
	}
	if v := strings.TrimSpace(in.Assign); v != "" {
		d.Actions = append(d.Actions, workflows.RouteAction{Kind: workflows.RouteAssign, Unit: v})
	}
	if v := strings.TrimSpace(in.Approve); v != "" {
		d.Actions = append(d.Actions, workflows.RouteAction{Kind: workflows.RouteApprove, Unit: v})
	}
	if len(d.Actions) == 0 {
		return Errorf(http.StatusBadRequest, "action_required", "Bitte angeben, was mit dem Dokument geschehen soll: Akte, neue Akte, Aufgabe an eine Einheit oder Rechnungsfreigabe.")
	}
	return o.d.Commands.Update(ctx, it.WorkflowID, workflows.UpdateTriageDecide, d, nil)
}

func (h *handlers) invoiceDecide(update string, order bool) func(http.ResponseWriter, *http.Request, auth.Principal) error {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
		var in InvoiceDecision
		if err := decodeBody(r, &in); err != nil {
			return err
		}
		inv, err := h.findInvoice(r)
		if err != nil {
			return err
		}
		st, err := h.ops.DecideInvoice(r.Context(), p, inv, r.Header.Get("If-Match"), update, order, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, st)
		return nil
	}
}

// DecideInvoice sends p's decision on the stage in.Stage of inv to its
// approval workflow: an approval (update approve) or a rejection (update
// reject). order says the request came as a payment order, which only an
// Anordnung route may send (invoice.decide); a certification route
// cannot be used to order a payment. The workflow checks the four-eyes
// principle, the authority matrix and the stage.
func (o *Ops) DecideInvoice(ctx context.Context, p auth.Principal, inv records.Invoice, ifMatch, update string, order bool, in InvoiceDecision) (workflows.ApprovalState, error) {
	var st workflows.ApprovalState
	if o.d.Commands == nil {
		return st, noCommands()
	}
	detail, err := o.InvoiceDetail(ctx, inv)
	if err != nil {
		return st, err
	}
	if err := RequireIfMatch(ifMatch, contentETag(detail)); err != nil {
		return st, err
	}
	if in.Stage == "" && detail.Stage != nil {
		in.Stage = approval.StageKind(detail.Stage.Stage)
	}
	switch {
	case in.Stage == "":
		return st, Errorf(http.StatusConflict, "no_stage", "Diese Rechnung wartet auf keine Entscheidung.")
	case order && in.Stage != approval.StagePaymentOrder:
		return st, Errorf(http.StatusBadRequest, "not_order", "Angeordnet wird nur in der Stufe Anordnung.")
	case !order && update == workflows.UpdateApprove && in.Stage == approval.StagePaymentOrder:
		return st, Errorf(http.StatusBadRequest, "order_route", "Die Anordnung wird über „Zahlung anordnen“ erteilt.")
	}
	// The API's order route checks invoice.decide before it gets here;
	// the page's form reaches here with invoice.certify, so that a clerk
	// who tries to order is told why not on the invoice's own page.
	if order {
		if d := auth.Decide(p, auth.ActInvoiceDecide, auth.Resource{Units: detail.Units}); !d.Allowed {
			return st, Errorf(http.StatusForbidden, "forbidden", "%s", d.Reason)
		}
	}
	wf := workflows.InvoiceApprovalID(inv.ID)
	if update == workflows.UpdateReject {
		if strings.TrimSpace(in.Reason) == "" {
			return st, Errorf(http.StatusBadRequest, "reason_required", "Eine Ablehnung braucht eine Begründung.")
		}
		return st, o.d.Commands.Update(ctx, wf, workflows.UpdateReject,
			workflows.RejectRequest{User: p.Login, Stage: in.Stage, Reason: strings.TrimSpace(in.Reason), ToSender: in.ToSender}, &st)
	}
	return st, o.d.Commands.Update(ctx, wf, workflows.UpdateApprove,
		workflows.ApproveRequest{User: p.Login, Stage: in.Stage, Comment: in.Comment}, &st)
}

// InvoiceDetail is an invoice with its stage, decisions and units, as GET
// /api/invoices/{id} shows it; its content ETag is the version a decision
// names.
func (o *Ops) InvoiceDetail(ctx context.Context, inv records.Invoice) (InvoiceDetail, error) {
	d := InvoiceDetail{Invoice: inv}
	if st, err := o.d.Store.InvoiceStage(ctx, inv.ID); err == nil {
		d.Stage = &st
	} else if !errors.Is(err, store.ErrNotFound) {
		return d, err
	}
	var err error
	if d.Approvals, err = o.d.Store.Approvals(ctx, inv.ID); err != nil {
		return d, err
	}
	if d.Approvals == nil {
		d.Approvals = []records.Approval{}
	}
	d.Units, err = DocumentUnits(ctx, o.d.Store, inv.DocumentSHA256)
	return d, err
}

// InvoiceETag is the version of an invoice detail.
func InvoiceETag(d InvoiceDetail) string { return contentETag(d) }
