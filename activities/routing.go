package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/convert"
	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/extract"
	"github.com/aktenfluss/aktenfluss/internal/ocr"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/routing"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// RoutingStore is the part of the records store extraction and routing use.
type RoutingStore interface {
	EntryBySHA256(ctx context.Context, sha256 string) (records.RegisterEntry, error)
	Renditions(ctx context.Context, documentSHA256 string) ([]records.Rendition, error)
	Invoice(ctx context.Context, id int64) (records.Invoice, error)
	InvoiceByDocument(ctx context.Context, documentSHA256 string) (records.Invoice, error)
	AddInvoice(ctx context.Context, inv records.Invoice) (records.Invoice, bool, error)
	FilePlan(ctx context.Context) (records.FilePlan, error)
	Organisation(ctx context.Context) (records.Organisation, error)
	FileByNumber(ctx context.Context, number string) (records.File, error)
	CreateFile(ctx context.Context, nf records.NewFile, f records.FileNumberFormat) (records.File, bool, error)
	FileDocument(ctx context.Context, fl records.Filing) (records.Filing, bool, error)
	PutDocumentMeta(ctx context.Context, m records.DocumentMeta) error
	DocumentMeta(ctx context.Context, documentSHA256 string) (records.DocumentMeta, error)
	AddTriage(ctx context.Context, t records.TriageItem) (records.TriageItem, bool, error)
	DecideTriage(ctx context.Context, workflowID string, decision []byte, by string, at time.Time) (records.TriageItem, error)
	IndexDocument(ctx context.Context, d records.SearchDoc) error
	AppendEvent(ctx context.Context, ev store.AuditEvent) (bool, error)
}

// Routing holds the activities that read a document's fields, route it and
// file it.
type Routing struct {
	Store RoutingStore
	Blobs blob.Store
	Rules *routing.Rules
	// Source, when set, gives the rules in force instead of Rules (the
	// versions administrators save; see StoredRules).
	Source  RuleSource
	Numbers records.FileNumberFormat
	// TaskPolicy is the deadlines of the tasks routing starts.
	TaskPolicy workflows.TaskPolicy
	Now        func() time.Time
}

func (a *Routing) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Extract reads the document's fields from its OCR pages (with word
// positions), its text rendition or its e-invoice, checks quoted file
// numbers against the existing files, stores the result with the document
// and puts the document into the search index (visible to registrars until
// it is routed). Running it twice stores the same result.
func (a *Routing) Extract(ctx context.Context, in workflows.ExtractInput) (workflows.ExtractOutput, error) {
	src, err := a.source(ctx, in.Document, in.OCRPages, in.Text, in.InvoiceID)
	if err != nil {
		return workflows.ExtractOutput{}, err
	}
	res := extract.Extract(src.input)
	number, _ := extract.MatchFile(res.References, func(n string) bool {
		_, err := a.Store.FileByNumber(ctx, n)
		return err == nil
	})
	raw, err := json.Marshal(res)
	if err != nil {
		return workflows.ExtractOutput{}, fmt.Errorf("extract: %w", err)
	}
	meta, err := a.Store.DocumentMeta(ctx, in.Document)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return workflows.ExtractOutput{}, err
	}
	meta.DocumentSHA256 = in.Document
	meta.Type = string(res.Type)
	meta.Sender = res.Sender.Name
	meta.LetterDate = res.LetterDate
	meta.Subject = res.Subject
	meta.FileNumber = number
	meta.Amount = res.Amount
	meta.LeitwegID = res.LeitwegID
	meta.Extracted = raw
	if err := a.Store.PutDocumentMeta(ctx, meta); err != nil {
		return workflows.ExtractOutput{}, fmt.Errorf("store extraction: %w", err)
	}
	if err := a.index(ctx, in.Document, meta, src.text); err != nil {
		return workflows.ExtractOutput{}, err
	}
	if err := a.event(ctx, in.WorkflowID, "document.extracted", "system:extract", in.Document, map[string]any{
		"type": res.Type, "type_confidence": res.TypeConfidence, "file_number": number,
	}); err != nil {
		return workflows.ExtractOutput{}, err
	}
	return workflows.ExtractOutput{Type: string(res.Type), TypeConfidence: res.TypeConfidence, FileNumber: number, LeitwegID: res.LeitwegID}, nil
}

// Route applies the routing rules to the stored extraction result.
func (a *Routing) Route(ctx context.Context, in workflows.RouteInput) (workflows.RouteDecision, error) {
	meta, err := a.Store.DocumentMeta(ctx, in.Document)
	if err != nil {
		return workflows.RouteDecision{}, fmt.Errorf("route: extraction result: %w", err)
	}
	var res extract.Result
	if err := json.Unmarshal(meta.Extracted, &res); err != nil {
		return workflows.RouteDecision{}, fmt.Errorf("route: extraction result: %w", err)
	}
	src, err := a.source(ctx, in.Document, nil, nil, 0)
	if err != nil {
		return workflows.RouteDecision{}, err
	}
	doc := routing.Document{
		Type: string(res.Type), TypeConfidence: res.TypeConfidence, Sender: res.Sender.Name,
		Subject: res.Subject, Text: src.text, LeitwegID: res.LeitwegID, EInvoice: in.EInvoice,
	}
	if meta.FileNumber != "" {
		f, err := a.Store.FileByNumber(ctx, meta.FileNumber)
		switch {
		case err == nil:
			doc.FileNumber, doc.FileOpen, doc.FileUnit = f.Number, f.Status == records.FileOpen, f.Unit
		case !errors.Is(err, store.ErrNotFound):
			return workflows.RouteDecision{}, err
		}
	}
	rules, err := a.rules(ctx)
	if err != nil {
		return workflows.RouteDecision{}, fmt.Errorf("route: %w", err)
	}
	return toWorkflowDecision(rules.Route(doc)), nil
}

func toWorkflowDecision(d routing.Decision) workflows.RouteDecision {
	out := workflows.RouteDecision{Rule: d.Rule, Reason: d.Reason, Triage: d.Triage}
	for _, a := range d.Actions {
		out.Actions = append(out.Actions, workflows.RouteAction{
			Kind: string(a.Kind), PlanCode: a.PlanCode, Title: a.Title, Unit: a.Unit, FileNumber: a.FileNumber,
		})
	}
	return out
}

// AddTriage puts the document into the triage queue with routing's
// suggestion, and returns the units and plan codes a decision may name.
func (a *Routing) AddTriage(ctx context.Context, in workflows.AddTriageInput) (workflows.AddTriageOutput, error) {
	sugg, err := json.Marshal(in.Suggestion)
	if err != nil {
		return workflows.AddTriageOutput{}, err
	}
	item, _, err := a.Store.AddTriage(ctx, records.TriageItem{
		DocumentSHA256: in.Document, WorkflowID: in.WorkflowID, Reason: in.Suggestion.Reason,
		Suggestion: sugg, CreatedAt: a.now(),
	})
	if err != nil {
		return workflows.AddTriageOutput{}, fmt.Errorf("triage: %w", err)
	}
	plan, err := a.Store.FilePlan(ctx)
	if err != nil {
		return workflows.AddTriageOutput{}, err
	}
	org, err := a.Store.Organisation(ctx)
	if err != nil {
		return workflows.AddTriageOutput{}, err
	}
	out := workflows.AddTriageOutput{ItemID: item.ID}
	for _, n := range plan.Nodes {
		out.PlanCodes = append(out.PlanCodes, n.Code)
	}
	for _, u := range org.Units {
		out.Units = append(out.Units, u.Code)
	}
	if err := a.event(ctx, in.WorkflowID, "document.triage", "system:routing", in.Document, map[string]any{
		"reason": in.Suggestion.Reason, "triage_id": item.ID,
	}); err != nil {
		return workflows.AddTriageOutput{}, err
	}
	return out, nil
}

func badDecision(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), workflows.ErrTypeBadDecision, nil)
}

// ApplyRouting carries out a decision: it opens the file (idempotent on the
// workflow) or finds the named one, files the document, records the
// decision with the document, closes the triage item, re-indexes the
// document for its unit and says which tasks to start. With CheckOnly it
// only checks that the decision can be carried out.
func (a *Routing) ApplyRouting(ctx context.Context, in workflows.ApplyRoutingInput) (workflows.ApplyRoutingOutput, error) {
	plan, err := a.Store.FilePlan(ctx)
	if err != nil {
		return workflows.ApplyRoutingOutput{}, err
	}
	org, err := a.Store.Organisation(ctx)
	if err != nil {
		return workflows.ApplyRoutingOutput{}, err
	}
	var file *records.File
	for _, act := range in.Decision.Actions {
		switch act.Kind {
		case workflows.RouteFile:
			f, err := a.Store.FileByNumber(ctx, act.FileNumber)
			if errors.Is(err, store.ErrNotFound) {
				return workflows.ApplyRoutingOutput{}, badDecision("Die Akte %s gibt es nicht.", act.FileNumber)
			}
			if err != nil {
				return workflows.ApplyRoutingOutput{}, err
			}
			if f.Status != records.FileOpen {
				return workflows.ApplyRoutingOutput{}, badDecision("Die Akte %s ist geschlossen (zdA) und nimmt keine Dokumente mehr auf.", f.Number)
			}
			file = &f
		case workflows.RouteOpenFile:
			if _, ok := plan.Node(act.PlanCode); !ok {
				return workflows.ApplyRoutingOutput{}, badDecision("Das Aktenplan-Kennzeichen %s gibt es nicht.", act.PlanCode)
			}
		case workflows.RouteAssign, workflows.RouteApprove:
			if _, ok := org.Unit(act.Unit); !ok {
				return workflows.ApplyRoutingOutput{}, badDecision("Die Organisationseinheit %s gibt es nicht.", act.Unit)
			}
		case workflows.RouteTriage:
		default:
			return workflows.ApplyRoutingOutput{}, badDecision("Unbekannte Aktion %q.", act.Kind)
		}
	}
	if in.CheckOnly {
		return workflows.ApplyRoutingOutput{}, nil
	}

	meta, err := a.Store.DocumentMeta(ctx, in.Document)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return workflows.ApplyRoutingOutput{}, err
	}
	meta.DocumentSHA256 = in.Document
	title := meta.Subject
	if title == "" {
		if e, err := a.Store.EntryBySHA256(ctx, in.Document); err == nil {
			title = e.OriginalName
		}
	}
	out := workflows.ApplyRoutingOutput{Title: title, Policy: a.TaskPolicy}
	for _, act := range in.Decision.Actions {
		if act.Kind != workflows.RouteOpenFile {
			continue
		}
		f, created, err := a.Store.CreateFile(ctx, records.NewFile{
			PlanCode: act.PlanCode, Title: fileTitle(act.Title, meta, title), Unit: act.Unit,
			CreatedAt: in.At, CreatedBy: in.By, Key: in.WorkflowID + "/open-file",
		}, a.Numbers)
		if err != nil {
			return workflows.ApplyRoutingOutput{}, fmt.Errorf("open file under %s: %w", act.PlanCode, err)
		}
		if created {
			if err := a.event(ctx, in.WorkflowID, "file.opened", in.By, "", map[string]any{"file_number": f.Number, "plan_code": f.PlanCode, "unit": f.Unit}); err != nil {
				return workflows.ApplyRoutingOutput{}, err
			}
		}
		file = &f
	}
	if file != nil {
		_, _, err := a.Store.FileDocument(ctx, records.Filing{
			DocumentSHA256: in.Document, FileID: file.ID, Title: title,
			FiledAt: in.At, FiledBy: in.By, Reason: in.Decision.Reason,
		})
		if errors.Is(err, records.ErrFileClosed) {
			return workflows.ApplyRoutingOutput{}, badDecision("Die Akte %s ist geschlossen (zdA) und nimmt keine Dokumente mehr auf.", file.Number)
		}
		if err != nil {
			return workflows.ApplyRoutingOutput{}, fmt.Errorf("file into %s: %w", file.Number, err)
		}
		out.FileNumber, out.Unit = file.Number, file.Unit
	}
	for _, act := range in.Decision.Actions {
		kind := ""
		switch act.Kind {
		case workflows.RouteAssign:
			kind = workflows.TaskKindDocument
		case workflows.RouteApprove:
			kind = workflows.TaskKindInvoiceApproval
			id, err := a.paperInvoice(ctx, in.WorkflowID, in.Document, meta)
			if err != nil {
				return workflows.ApplyRoutingOutput{}, err
			}
			out.InvoiceID = id
		default:
			continue
		}
		spec := workflows.TaskSpec{Unit: act.Unit, Kind: kind}
		if !slices.Contains(out.Tasks, spec) {
			out.Tasks = append(out.Tasks, spec)
		}
		if out.Unit == "" || kind == workflows.TaskKindDocument {
			out.Unit = act.Unit
		}
	}

	decision, err := json.Marshal(in.Decision)
	if err != nil {
		return workflows.ApplyRoutingOutput{}, err
	}
	at := in.At
	meta.RoutingRule, meta.RoutingReason, meta.Routing = in.Decision.Rule, in.Decision.Reason, decision
	meta.RoutedBy, meta.RoutedAt, meta.Unit = in.By, &at, out.Unit
	if out.FileNumber != "" {
		meta.FileNumber = out.FileNumber
	}
	if err := a.Store.PutDocumentMeta(ctx, meta); err != nil {
		return workflows.ApplyRoutingOutput{}, fmt.Errorf("record routing: %w", err)
	}
	if in.Decision.Triage {
		if _, err := a.Store.DecideTriage(ctx, in.WorkflowID, decision, in.By, in.At); err != nil && !errors.Is(err, store.ErrNotFound) {
			return workflows.ApplyRoutingOutput{}, fmt.Errorf("close triage item: %w", err)
		}
	}
	src, err := a.source(ctx, in.Document, nil, nil, 0)
	if err != nil {
		return workflows.ApplyRoutingOutput{}, err
	}
	if err := a.index(ctx, in.Document, meta, src.text); err != nil {
		return workflows.ApplyRoutingOutput{}, err
	}
	if err := a.event(ctx, in.WorkflowID, "document.routed", in.By, in.Document, map[string]any{
		"rule": in.Decision.Rule, "reason": in.Decision.Reason, "file_number": out.FileNumber, "unit": out.Unit, "triage": in.Decision.Triage,
	}); err != nil {
		return workflows.ApplyRoutingOutput{}, err
	}
	return out, nil
}

// paperInvoice returns the invoice record of a document routed to
// approval: the e-invoice's, or for a paper invoice one made from what
// extraction read (number, date, creditor, IBAN, amount, due date).
// Accepted says whether the data an approval needs is there (creditor and
// amount); the approval's formal check sends an incomplete one to
// correction. Idempotent: the record is per document.
func (a *Routing) paperInvoice(ctx context.Context, workflowID, doc string, meta records.DocumentMeta) (int64, error) {
	if inv, err := a.Store.InvoiceByDocument(ctx, doc); err == nil {
		return inv.ID, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, err
	}
	var res extract.Result
	if len(meta.Extracted) > 0 {
		if err := json.Unmarshal(meta.Extracted, &res); err != nil {
			return 0, fmt.Errorf("paper invoice: extraction result: %w", err)
		}
	}
	currency := res.Currency
	if currency == "" {
		currency = "EUR"
	}
	missing := 0
	for _, v := range []string{res.Sender.Name, res.Amount, res.InvoiceNumber} {
		if v == "" {
			missing++
		}
	}
	inv, _, err := a.Store.AddInvoice(ctx, records.Invoice{
		DocumentSHA256: doc, WorkflowID: workflowID, Syntax: records.SyntaxPaper, Scenario: "paper",
		Number: res.InvoiceNumber, IssueDate: res.LetterDate, TypeCode: "380", Currency: currency,
		SellerName: res.Sender.Name, BuyerReference: res.LeitwegID, GrossTotal: res.Amount, Payable: res.Amount,
		DueDate: res.DueDate, IBANs: res.IBANs,
		Accepted: res.Sender.Name != "" && res.Amount != "", Errors: missing, Status: records.InvoiceAccepted,
		DuplicateKey: records.InvoiceDuplicateKey("", res.Sender.Name, res.InvoiceNumber, res.LetterDate, res.Amount),
	})
	if err != nil {
		return 0, fmt.Errorf("paper invoice record: %w", err)
	}
	return inv.ID, nil
}

// fileTitle fills a rule's title template ({sender}, {subject}, {type}).
func fileTitle(tmpl string, meta records.DocumentMeta, fallback string) string {
	if tmpl == "" {
		return fallback
	}
	t := strings.NewReplacer("{sender}", meta.Sender, "{subject}", meta.Subject, "{type}", meta.Type).Replace(tmpl)
	if t = strings.TrimSpace(t); t == "" {
		return fallback
	}
	return t
}

// docSource is what extraction and routing read: the extract input and
// the plain text.
type docSource struct {
	input extract.Input
	text  string
}

// source loads the document's text: the given OCR pages (for word
// positions), else the text rendition, and the e-invoice when there is one.
func (a *Routing) source(ctx context.Context, doc string, pages []blob.Ref, text *blob.Ref, invoiceID int64) (docSource, error) {
	var src docSource
	for _, ref := range pages {
		var pr convert.PageResult
		if err := readBlobJSON(ctx, a.Blobs, ref.SHA256, &pr); err != nil {
			return src, fmt.Errorf("ocr result: %w", err)
		}
		src.input.Pages = append(src.input.Pages, ocr.Page{
			Width: pr.Width, Height: pr.Height, Orientation: pr.Orientation, Skew: pr.Skew,
			Words: pr.Words, Text: pr.Text, MeanConfidence: pr.MeanConfidence,
		})
	}
	if text == nil {
		rs, err := a.Store.Renditions(ctx, doc)
		if err != nil {
			return src, err
		}
		for _, r := range rs {
			if r.Kind == records.RenditionText {
				text = &blob.Ref{SHA256: r.BlobSHA256}
			}
		}
	}
	if text != nil {
		b, err := readBlob(ctx, a.Blobs, text.SHA256)
		if err != nil {
			return src, fmt.Errorf("text rendition: %w", err)
		}
		src.text = string(b)
		if len(src.input.Pages) == 0 {
			src.input.Text = src.text
		}
	}
	var inv records.Invoice
	var err error
	if invoiceID != 0 {
		inv, err = a.Store.Invoice(ctx, invoiceID)
	} else {
		inv, err = a.Store.InvoiceByDocument(ctx, doc)
		if errors.Is(err, store.ErrNotFound) {
			return src, nil
		}
	}
	if err != nil {
		return src, fmt.Errorf("invoice record: %w", err)
	}
	if inv.XMLSHA256 == "" {
		return src, nil // a paper invoice's record: its text is the document's
	}
	b, err := readBlob(ctx, a.Blobs, inv.XMLSHA256)
	if err != nil {
		return src, fmt.Errorf("invoice xml: %w", err)
	}
	parsed, err := einvoice.Parse(bytes.NewReader(b))
	if err != nil {
		// It was parsed when it arrived; failing now is a fault, not input.
		return src, fmt.Errorf("invoice xml: %w", err)
	}
	src.input.Invoice = parsed
	src.text = strings.TrimSpace(src.text + "\n" + invoiceText(parsed))
	return src, nil
}

// invoiceText is what search finds an e-invoice by: its references,
// parties, notes and line items.
func invoiceText(inv *einvoice.Invoice) string {
	parts := []string{"Rechnung", inv.Number, inv.BuyerReference, inv.OrderReference, inv.ContractReference,
		inv.ProjectReference, inv.Seller.Name, inv.Buyer.Name, inv.PaymentTerms}
	for _, n := range inv.Notes {
		parts = append(parts, n.Text)
	}
	for _, l := range inv.Lines {
		parts = append(parts, l.ItemName, l.ItemDescription, l.Note)
	}
	var b strings.Builder
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString(p)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// index (re)writes the document's search entry.
func (a *Routing) index(ctx context.Context, doc string, meta records.DocumentMeta, text string) error {
	e, err := a.Store.EntryBySHA256(ctx, doc)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	title := meta.Subject
	if title == "" {
		title = e.OriginalName
	}
	date := meta.LetterDate
	if date == "" {
		date = e.ReceivedAt.In(records.RegisterLocation).Format(time.DateOnly)
	}
	err = a.Store.IndexDocument(ctx, records.SearchDoc{
		DocumentSHA256: doc, Title: title, Type: meta.Type, Unit: meta.Unit, FileNumber: meta.FileNumber,
		Sender: meta.Sender, Date: date, Body: text,
	})
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// event appends an audit event keyed by workflow and action, so a retried
// activity logs a step once. A file event has no document.
func (a *Routing) event(ctx context.Context, workflowID, action, actor, doc string, details map[string]any) error {
	raw, err := json.Marshal(details)
	if err != nil {
		return err
	}
	ev := store.AuditEvent{
		Key: workflowID + "/" + action, Time: a.now(), Actor: actor, Action: action,
		ObjectType: "document", ObjectID: doc, Details: raw,
	}
	if doc == "" {
		ev.ObjectType, ev.ObjectID = "file", fmt.Sprint(details["file_number"])
	}
	if _, err := a.Store.AppendEvent(ctx, ev); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
