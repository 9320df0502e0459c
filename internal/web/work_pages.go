package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// The clerk's and the approver's pages: the inbox (mine and my unit's),
// a task with its document beside the extracted data and the acts on it
// (claim, file into a case, follow-up, forward, done), the invoices with
// their approval, and the registrar's triage. Every form posts to a page
// of the same table as the API's routes check (access.go) and carries out
// the API's operation (api.Ops), then redirects back with a message.

func (s *Server) workPages() []page {
	return []page{
		{"GET /inbox", auth.ActTaskRead, nil, s.inboxPage},
		{"GET /tasks/{id}", auth.ActTaskRead, s.taskUnits, s.taskPage},
		{"POST /tasks/{id}/file", auth.ActFileWrite, s.taskDocumentUnits, s.taskFile},
		{"POST /tasks/{id}/{act}", auth.ActTaskAct, s.taskUnits, s.taskAct},
		{"GET /invoices", auth.ActInvoiceRead, nil, s.invoicesPage},
		{"GET /invoices/{id}", auth.ActInvoiceRead, s.invoiceUnits, s.invoicePage},
		// The order form is open to whoever may certify: api.Ops checks the
		// Anordnung itself and the page explains a refusal.
		{"POST /invoices/{id}/certify", auth.ActInvoiceCertify, s.invoiceUnits,
			s.invoiceDecide(workflows.UpdateApprove, false, "Ihre Bestätigung ist eingetragen.")},
		{"POST /invoices/{id}/order", auth.ActInvoiceCertify, s.invoiceUnits,
			s.invoiceDecide(workflows.UpdateApprove, true, "Die Zahlung ist angeordnet.")},
		{"POST /invoices/{id}/reject", auth.ActInvoiceCertify, s.invoiceUnits,
			s.invoiceDecide(workflows.UpdateReject, false, "Die Rechnung ist abgelehnt.")},
		{"GET /triage", auth.ActTriageRead, nil, s.triagePage},
		{"POST /triage/{id}", auth.ActTriageDecide, nil, s.triageDecide},
	}
}

// ---- flash messages -------------------------------------------------------------

// flash is the message a form's redirect carries to the page it shows
// next: what was done, or why it was refused.
type flash struct {
	Error bool   `json:"e,omitempty"`
	Text  string `json:"t"`
}

const flashCookie = "aktenfluss_flash"

func (s *Server) setFlash(w http.ResponseWriter, r *http.Request, f flash) {
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

// takeFlash reads the message and clears it, so a reload does not show it
// again.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	var f flash
	if err != nil || json.Unmarshal(b, &f) != nil || f.Text == "" {
		return nil
	}
	return &f
}

// done redirects to to with the outcome of a form: the text on success,
// the API error's message (a refusal, a stale version, bad input) on
// failure; other errors are internal.
func (s *Server) done(w http.ResponseWriter, r *http.Request, to string, err error, text string) {
	var e *api.Error
	switch {
	case err == nil:
		s.setFlash(w, r, flash{Text: text})
	case errors.As(err, &e):
		s.setFlash(w, r, flash{Error: true, Text: e.Message})
	default:
		s.fail(w, r.Method+" "+r.URL.Path, err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// ops returns the operations, or answers 503 when the server has none.
func (s *Server) ops(w http.ResponseWriter) (*api.Ops, bool) {
	if s.Ops == nil {
		http.Error(w, "Diese Aktion ist in dieser Installation nicht verfügbar.", http.StatusServiceUnavailable)
		return nil, false
	}
	return s.Ops, true
}

// ---- inbox -------------------------------------------------------------------------

type inboxView struct {
	Layout layoutView
	Flash  *flash
	Scope  string // "mine" or "unit"
	Tasks  []taskRow
	Page   int
	More   bool     // there is a next page
	Units  []string // the units whose inbox is shown
}

type taskRow struct {
	records.Task
	StatusDE string
}

// docTypeDE names extraction's document types (records.DocumentMeta.Type).
func docTypeDE(t string) string {
	switch t {
	case "invoice":
		return "Rechnung"
	case "letter":
		return "Brief"
	case "reminder":
		return "Mahnung"
	case "notice":
		return "Bescheid"
	case "other", "":
		return "sonstiges"
	}
	return t
}

var taskStatusDE = map[records.TaskStatus]string{
	records.TaskOpen: "offen", records.TaskClaimed: "in Bearbeitung", records.TaskFollowUp: "auf Wiedervorlage",
	records.TaskDone: "erledigt", records.TaskForwarded: "weitergeleitet",
}

// inboxPage is "my inbox" (tasks I work on, my follow-ups) or "my unit's
// inbox" (open tasks of my units), newest first, 50 a page.
func (s *Server) inboxPage(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	who, _ := PrincipalFrom(r.Context())
	q := r.URL.Query()
	v := inboxView{Layout: s.layout(r, "Aufgaben"), Flash: s.takeFlash(w, r), Scope: "mine"}
	// One more than a page tells whether there is a next one without
	// counting a long inbox.
	f := store.TaskFilter{Limit: pageSize + 1}
	if q.Get("scope") == "unit" {
		v.Scope = "unit"
		f.Status = []records.TaskStatus{records.TaskOpen}
		all, units := who.Reach(auth.ActTaskRead)
		if !all {
			if len(units) == 0 {
				s.render(w, "inbox.html", v)
				return
			}
			f.Units = units
		}
		v.Units = units
	} else {
		f.Assignee = who.Login
		f.Status = []records.TaskStatus{records.TaskClaimed, records.TaskFollowUp}
	}
	v.Page = pageNumber(q.Get("seite"))
	f.Offset = (v.Page - 1) * pageSize
	ctx := r.Context()
	tasks, err := ops.Store().Tasks(ctx, f)
	if err != nil {
		s.fail(w, "tasks", err)
		return
	}
	if len(tasks) > pageSize {
		tasks, v.More = tasks[:pageSize], true
	}
	for _, t := range tasks {
		v.Tasks = append(v.Tasks, taskRow{Task: t, StatusDE: taskStatusDE[t.Status]})
	}
	s.render(w, "inbox.html", v)
}

func pageNumber(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// ---- one task ---------------------------------------------------------------------

type taskView struct {
	Layout   layoutView
	Flash    *flash
	Task     taskRow
	Entry    records.RegisterEntry
	Meta     *records.DocumentMeta
	Viewer   string // URL of the PDF shown beside the data; "" when none
	Filings  []placedRow
	MayAct   bool // claim, follow-up, forward, done
	MayFile  bool
	Mine     bool // the signed-in person works on it
	Closed   bool // done or forwarded
	Version  string
	Units    []records.Unit // forward targets
	Plan     []records.PlanNode
	Files    []records.File // open files of the task's unit, to file into
	Today    string
	Invoice  *records.Invoice
	Location string
}

type placedRow struct {
	records.Filing
	FileNumber string
}

func (s *Server) findTask(r *http.Request) (records.Task, error) {
	if s.Ops == nil {
		return records.Task{}, store.ErrNotFound
	}
	return s.Ops.Store().Task(r.Context(), r.PathValue("id"))
}

// taskUnits is the unit of the task named in the path.
func (s *Server) taskUnits(r *http.Request) ([]string, error) {
	t, err := s.findTask(r)
	if errors.Is(err, store.ErrNotFound) {
		return []string{unrouted}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.OrNoUnit(t.Unit), nil
}

// taskDocumentUnits are the units of the task's document: filing it is
// an act on the document.
func (s *Server) taskDocumentUnits(r *http.Request) ([]string, error) {
	t, err := s.findTask(r)
	if errors.Is(err, store.ErrNotFound) {
		return []string{unrouted}, nil
	}
	if err != nil {
		return nil, err
	}
	units, err := api.DocumentUnits(r.Context(), s.Register, t.DocumentSHA256)
	if err != nil {
		return nil, err
	}
	return append(units, t.Unit), nil
}

func (s *Server) taskPage(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	ctx := r.Context()
	t, err := s.findTask(r)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "Diese Aufgabe gibt es nicht.", http.StatusNotFound)
		return
	}
	if err != nil {
		s.fail(w, "task", err)
		return
	}
	who, _ := PrincipalFrom(ctx)
	v := taskView{Layout: s.layout(r, "Aufgabe: "+t.Title), Flash: s.takeFlash(w, r),
		Task: taskRow{Task: t, StatusDE: taskStatusDE[t.Status]}, Version: api.ETag(strconv.FormatInt(t.Version, 10)),
		Today: time.Now().In(records.RegisterLocation).Format(time.DateOnly)}
	v.Closed = t.Status == records.TaskDone || t.Status == records.TaskForwarded
	v.Mine = t.Assignee == who.Login
	v.MayAct = !v.Closed && s.mayOn(r, auth.ActTaskAct, t.Unit)
	if v.Entry, err = s.Register.EntryBySHA256(ctx, t.DocumentSHA256); err != nil {
		s.fail(w, "task document", err)
		return
	}
	v.MayFile = s.mayOn(r, auth.ActFileWrite, t.Unit)
	if err := s.documentSide(ctx, &v); err != nil {
		s.fail(w, "task document", err)
		return
	}
	if v.MayAct || v.MayFile {
		if err := s.taskChoices(ctx, ops, t, &v); err != nil {
			s.fail(w, "task choices", err)
			return
		}
	}
	if err := s.logObjectRead(r, audit.ActionDocumentRead, "document", t.DocumentSHA256, map[string]any{"task": t.ID}, nil); err != nil {
		s.fail(w, "audit read", err)
		return
	}
	s.render(w, "task.html", v)
}

// documentSide fills what the page shows of the task's document: the
// extracted data, where it is filed, the PDF to show beside it.
func (s *Server) documentSide(ctx context.Context, v *taskView) error {
	sha := v.Entry.SHA256
	if m, err := s.Register.DocumentMeta(ctx, sha); err == nil {
		v.Meta = &m
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	filings, err := s.Register.FilingsOf(ctx, sha)
	if err != nil {
		return err
	}
	for _, fl := range filings {
		f, err := s.Register.File(ctx, fl.FileID)
		if err != nil {
			return err
		}
		v.Filings = append(v.Filings, placedRow{Filing: fl, FileNumber: f.Number})
	}
	if inv, err := s.Register.InvoiceByDocument(ctx, sha); err == nil {
		v.Invoice = &inv
	}
	v.Viewer = s.viewerURL(ctx, v.Entry)
	return nil
}

// viewerURL is the PDF a page shows beside a document's data: the
// archival PDF/A, the e-invoice's readable view, or a PDF original.
func (s *Server) viewerURL(ctx context.Context, e records.RegisterEntry) string {
	if s.Blobs == nil {
		return ""
	}
	rends, err := s.Register.Renditions(ctx, e.SHA256)
	if err != nil {
		return ""
	}
	for _, k := range []records.RenditionKind{records.RenditionInvoiceView, records.RenditionArchivalPDF} {
		for _, rd := range rends {
			if rd.Kind == k {
				return "/documents/" + e.Number.String() + "/" + string(k)
			}
		}
	}
	if e.MediaType == "application/pdf" {
		return "/documents/" + e.Number.String() + "/original"
	}
	return ""
}

// taskChoices are the targets the forms offer: units to forward to, the
// open files of the task's unit and the plan to open a new file under.
func (s *Server) taskChoices(ctx context.Context, ops *api.Ops, t records.Task, v *taskView) error {
	org, err := ops.Store().Organisation(ctx)
	if err != nil {
		return err
	}
	v.Units = org.Units
	files, err := ops.Store().Files(ctx, store.FileFilter{Unit: t.Unit, Status: records.FileOpen, Limit: store.MaxLimit})
	if err != nil {
		return err
	}
	v.Files = files
	plan, err := ops.Store().FilePlan(ctx)
	if err != nil {
		return err
	}
	for _, n := range plan.Nodes {
		if e, ok := plan.Effective(n.Code); ok && e.Unit == t.Unit {
			v.Plan = append(v.Plan, n)
		}
	}
	return nil
}

// mayOn reports whether the signed-in person may do a on a thing of unit.
func (s *Server) mayOn(r *http.Request, a auth.Action, unit string) bool {
	if s.Sessions == nil {
		return true
	}
	who, ok := PrincipalFrom(r.Context())
	return ok && auth.Decide(who, a, auth.Resource{Units: api.OrNoUnit(unit)}).Allowed
}

var taskActDone = map[string]string{
	api.TaskClaim:    "Sie haben die Aufgabe übernommen.",
	api.TaskDone:     "Die Aufgabe ist erledigt.",
	api.TaskForward:  "Die Aufgabe wurde weitergeleitet.",
	api.TaskFollowUp: "Die Aufgabe liegt auf Wiedervorlage.",
}

func (s *Server) taskAct(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	act := r.PathValue("act")
	text, known := taskActDone[act]
	if !known {
		http.NotFound(w, r)
		return
	}
	who, _ := PrincipalFrom(r.Context())
	id := r.PathValue("id")
	in := api.TaskAction{Comment: r.FormValue("comment"), Unit: r.FormValue("unit"), To: r.FormValue("to"), On: r.FormValue("on")}
	_, err := ops.ActOnTask(r.Context(), who, id, r.FormValue("version"), act, in)
	to := "/tasks/" + url.PathEscape(id)
	if err == nil && (act == api.TaskDone || act == api.TaskForward) {
		to = "/inbox"
	}
	s.done(w, r, to, err, text)
}

func (s *Server) taskFile(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	ctx := r.Context()
	t, err := s.findTask(r)
	if err != nil {
		s.fail(w, "task", err)
		return
	}
	e, err := s.Register.EntryBySHA256(ctx, t.DocumentSHA256)
	if err != nil {
		s.fail(w, "task document", err)
		return
	}
	who, _ := PrincipalFrom(ctx)
	in := api.FileRequest{File: r.FormValue("file"), Via: "web"}
	if r.FormValue("how") == "new" {
		in = api.FileRequest{Plan: r.FormValue("plan"), Title: r.FormValue("title"), Via: "web"}
	}
	filed, err := ops.FileDocument(ctx, who, e, in)
	text := "Das Dokument liegt jetzt in der Akte " + filed.File.Number + "."
	if err == nil && !filed.Created {
		text = "Das Dokument lag bereits in der Akte " + filed.File.Number + "."
	}
	s.done(w, r, "/tasks/"+url.PathEscape(t.ID), err, text)
}

// ---- invoices ----------------------------------------------------------------------

type invoicesView struct {
	Layout   layoutView
	Flash    *flash
	Invoices []invoiceRow
	Status   string
}

type invoiceRow struct {
	records.Invoice
	Waiting string // the stage it waits for, German
	ForMe   bool   // the signed-in person is among the stage's assignees
}

var stageDE = map[string]string{
	string(approval.StageFormal): "formale Prüfung", string(approval.StageFactual): "sachlich richtig",
	string(approval.StageArithmetic): "rechnerisch richtig", string(approval.StagePaymentOrder): "Anordnung",
}

// invoicesShown is how many of the newest invoices the list shows.
const invoicesShown = 200

// invoicesPage lists the invoices the person may read; those waiting for
// the person's decision first.
func (s *Server) invoicesPage(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	ctx := r.Context()
	who, _ := PrincipalFrom(ctx)
	v := invoicesView{Layout: s.layout(r, "Rechnungen"), Flash: s.takeFlash(w, r), Status: r.URL.Query().Get("status")}
	// The store narrows to the invoices of the person's units, as the
	// API's listing does; the newest 200 are shown.
	f := store.InvoiceFilter{Status: records.InvoiceStatus(v.Status), Limit: invoicesShown}
	if all, units := who.Reach(auth.ActInvoiceRead); !all && s.Sessions != nil {
		if len(units) == 0 {
			s.render(w, "invoices.html", v)
			return
		}
		f.Units = units
	}
	invoices, err := ops.Store().Invoices(ctx, f)
	if err != nil {
		s.fail(w, "invoices", err)
		return
	}
	for _, inv := range invoices {
		row := invoiceRow{Invoice: inv}
		if st, err := ops.Store().InvoiceStage(ctx, inv.ID); err == nil && st.Stage != "" {
			row.Waiting = stageDE[st.Stage]
			row.ForMe = slices.Contains(st.Assignees, who.Login)
		}
		v.Invoices = append(v.Invoices, row)
	}
	slices.SortStableFunc(v.Invoices, func(a, b invoiceRow) int {
		switch {
		case a.ForMe && !b.ForMe:
			return -1
		case b.ForMe && !a.ForMe:
			return 1
		}
		return 0
	})
	s.render(w, "invoices.html", v)
}

func (s *Server) findInvoice(r *http.Request) (records.Invoice, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || s.Ops == nil {
		return records.Invoice{}, store.ErrNotFound
	}
	return s.Ops.Store().Invoice(r.Context(), id)
}

func (s *Server) invoiceUnits(r *http.Request) ([]string, error) {
	inv, err := s.findInvoice(r)
	if errors.Is(err, store.ErrNotFound) {
		return []string{unrouted}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.DocumentUnits(r.Context(), s.Register, inv.DocumentSHA256)
}

type invoiceView struct {
	Layout    layoutView
	Flash     *flash
	Detail    api.InvoiceDetail
	Entry     records.RegisterEntry
	Meta      *records.DocumentMeta
	Viewer    string
	Version   string
	StageDE   string
	Decisions []decisionRow
	Findings  []einvoice.Finding
	Report    bool // a validation report exists
	MayCert   bool // may certify or reject this stage (policy)
	MayOrder  bool // may order the payment (policy), and the stage is the Anordnung
	ForMe     bool // the signed-in person is among the stage's assignees
	Order     bool // the stage is the Anordnung
	Assignees string
}

type decisionRow struct {
	records.Approval
	StageDE string
}

func (s *Server) invoicePage(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	ctx := r.Context()
	inv, err := s.findInvoice(r)
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "Diese Rechnung gibt es nicht.", http.StatusNotFound)
		return
	}
	if err != nil {
		s.fail(w, "invoice", err)
		return
	}
	d, err := ops.InvoiceDetail(ctx, inv)
	if err != nil {
		s.fail(w, "invoice detail", err)
		return
	}
	who, _ := PrincipalFrom(ctx)
	v := invoiceView{Layout: s.layout(r, "Rechnung "+inv.Number), Flash: s.takeFlash(w, r), Detail: d, Version: api.InvoiceETag(d)}
	if v.Entry, err = s.Register.EntryBySHA256(ctx, inv.DocumentSHA256); err != nil {
		s.fail(w, "invoice document", err)
		return
	}
	if m, err := s.Register.DocumentMeta(ctx, inv.DocumentSHA256); err == nil {
		v.Meta = &m
	}
	v.Viewer = s.viewerURL(ctx, v.Entry)
	for _, a := range d.Approvals {
		v.Decisions = append(v.Decisions, decisionRow{Approval: a, StageDE: stageDE[a.Stage]})
	}
	if d.Stage != nil && d.Stage.Stage != "" {
		v.StageDE = stageDE[d.Stage.Stage]
		v.Order = d.Stage.Stage == string(approval.StagePaymentOrder)
		v.ForMe = slices.Contains(d.Stage.Assignees, who.Login)
		v.Assignees = strings.Join(d.Stage.Assignees, ", ")
		res := auth.Resource{Units: d.Units}
		v.MayCert = s.Sessions == nil || auth.Decide(who, auth.ActInvoiceCertify, res).Allowed
		v.MayOrder = v.Order && (s.Sessions == nil || auth.Decide(who, auth.ActInvoiceDecide, res).Allowed)
	}
	v.Findings, v.Report = s.findings(ctx, inv.DocumentSHA256)
	if err := s.logObjectRead(r, audit.ActionInvoiceRead, "invoice", strconv.FormatInt(inv.ID, 10),
		map[string]any{"document": inv.DocumentSHA256}, nil); err != nil {
		s.fail(w, "audit read", err)
		return
	}
	s.render(w, "invoice.html", v)
}

// findings are the validation findings of an e-invoice from its report
// rendition; false when it has none (a paper invoice).
func (s *Server) findings(ctx context.Context, sha string) ([]einvoice.Finding, bool) {
	if s.Blobs == nil {
		return nil, false
	}
	rends, err := s.Register.Renditions(ctx, sha)
	if err != nil {
		return nil, false
	}
	for _, rd := range rends {
		if rd.Kind != records.RenditionInvoiceReport {
			continue
		}
		rc, err := s.Blobs.Open(ctx, rd.BlobSHA256)
		if err != nil {
			s.logger().Error("validation report", "document", sha, "error", err)
			return nil, false
		}
		defer func() { _ = rc.Close() }()
		var rep einvoice.Report
		if err := json.NewDecoder(rc).Decode(&rep); err != nil {
			s.logger().Error("validation report", "document", sha, "error", err)
			return nil, false
		}
		return rep.Findings, true
	}
	return nil, false
}

// invoiceDecide carries out an invoice form: update is the approval
// workflow's update, order says the form orders the payment, text is
// what the next page says when it was done.
func (s *Server) invoiceDecide(update string, order bool, text string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ops, ok := s.ops(w)
		if !ok {
			return
		}
		ctx := r.Context()
		inv, err := s.findInvoice(r)
		if err != nil {
			s.fail(w, "invoice", err)
			return
		}
		who, _ := PrincipalFrom(ctx)
		in := api.InvoiceDecision{Stage: approval.StageKind(r.FormValue("stage")), Comment: r.FormValue("comment"),
			Reason: r.FormValue("reason"), ToSender: r.FormValue("to_sender") == "1"}
		_, err = ops.DecideInvoice(ctx, who, inv, r.FormValue("version"), update, order, in)
		s.done(w, r, "/invoices/"+strconv.FormatInt(inv.ID, 10), err, text)
	}
}

// ---- triage ------------------------------------------------------------------------

type triageView struct {
	Layout    layoutView
	Flash     *flash
	Items     []triageRow
	MayDecide bool
	Units     []records.Unit
	Plan      []records.PlanNode
}

type triageRow struct {
	records.TriageItem
	Entry   records.RegisterEntry
	Meta    *records.DocumentMeta
	Version string
}

func (s *Server) triagePage(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	ctx := r.Context()
	v := triageView{Layout: s.layout(r, "Zuordnung klären"), Flash: s.takeFlash(w, r), MayDecide: s.may(r, auth.ActTriageDecide)}
	items, err := ops.Store().TriageItems(ctx, false, pageSize, 0)
	if err != nil {
		s.fail(w, "triage", err)
		return
	}
	for _, it := range items {
		row := triageRow{TriageItem: it, Version: api.TriageETag(it)}
		if row.Entry, err = s.Register.EntryBySHA256(ctx, it.DocumentSHA256); err != nil {
			s.fail(w, "triage document", err)
			return
		}
		if m, err := s.Register.DocumentMeta(ctx, it.DocumentSHA256); err == nil {
			row.Meta = &m
		}
		v.Items = append(v.Items, row)
	}
	if v.MayDecide {
		org, err := ops.Store().Organisation(ctx)
		if err != nil {
			s.fail(w, "organisation", err)
			return
		}
		v.Units = org.Units
		plan, err := ops.Store().FilePlan(ctx)
		if err != nil {
			s.fail(w, "file plan", err)
			return
		}
		v.Plan = plan.Nodes
	}
	s.render(w, "triage.html", v)
}

func (s *Server) triageDecide(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	who, _ := PrincipalFrom(r.Context())
	in := api.TriageRequest{File: r.FormValue("file"), Open: r.FormValue("open"), Title: r.FormValue("title"),
		Assign: r.FormValue("assign"), Approve: r.FormValue("approve"), Comment: r.FormValue("comment")}
	err = ops.DecideTriage(r.Context(), who, id, r.FormValue("version"), in)
	s.done(w, r, "/triage", err, "Entschieden; das Dokument geht seinen Weg.")
}
