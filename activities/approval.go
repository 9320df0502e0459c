package activities

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// ApprovalStore is the part of the records store the approval uses.
type ApprovalStore interface {
	Invoice(ctx context.Context, id int64) (records.Invoice, error)
	SetInvoiceStatus(ctx context.Context, id int64, status records.InvoiceStatus) error
	Organisation(ctx context.Context) (records.Organisation, error)
	AddApproval(ctx context.Context, a records.Approval) (records.Approval, bool, error)
	Approvals(ctx context.Context, invoiceID int64) ([]records.Approval, error)
	SetInvoiceStage(ctx context.Context, st records.InvoiceStage) (bool, error)
	PutBooking(ctx context.Context, b records.Booking) (records.Booking, bool, error)
	MarkBookingPublished(ctx context.Context, invoiceID int64, at time.Time) error
	MarkBookingExported(ctx context.Context, invoiceID int64, at time.Time) error
	AppendEvent(ctx context.Context, ev store.AuditEvent) (bool, error)
}

// Approval holds the activities of InvoiceApproval.
type Approval struct {
	Store  ApprovalStore
	Config *approval.Config
	// Blobs holds the invoice XML, where the booking reads the cost
	// centre (BT-19, BT-133); nil skips it.
	Blobs blob.Store
	// Outbound carries bookings (finance.bookings.<unit>) and notices
	// (outbound.*); a publish with the same message id within the stream's
	// duplicate window is stored once.
	Outbound Outbound
	// ExportDir receives bookings.csv and bookings.jsonl, appended once
	// per booking, for finance systems that import files.
	ExportDir string
	Now       func() time.Time
}

// Subjects of the approval's messages.
const (
	SubjectBookingPrefix  = "finance.bookings."
	SubjectApprovalNotice = "outbound.invoice.notice"
	SubjectInvoiceRefused = "outbound.einvoice.returned"
)

func (a *Approval) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// LoadApproval returns the Dienstanweisung, the case, the payment terms,
// the formal-check facts and the organisation (only the organisation when
// OrgOnly).
func (a *Approval) LoadApproval(ctx context.Context, in workflows.LoadApprovalInput) (workflows.ApprovalContext, error) {
	org, err := a.Store.Organisation(ctx)
	if err != nil {
		return workflows.ApprovalContext{}, err
	}
	if in.OrgOnly {
		return workflows.ApprovalContext{Org: org}, nil
	}
	inv, err := a.Store.Invoice(ctx, in.InvoiceID)
	if err != nil {
		return workflows.ApprovalContext{}, fmt.Errorf("invoice %d: %w", in.InvoiceID, err)
	}
	unit := in.Unit
	if unit == "" {
		unit = approval.ReceivingUnit(inv.BuyerReference, org, a.Config.DefaultUnit)
	}
	terms, err := approval.PaymentTerms(inv.IssueDate, inv.DueDate, inv.PaymentTerms, inv.Payable)
	if err != nil {
		return workflows.ApprovalContext{}, fmt.Errorf("invoice %d payment terms: %w", in.InvoiceID, err)
	}
	return workflows.ApprovalContext{
		Config: *a.Config,
		Case: approval.Case{InvoiceID: inv.ID, Amount: inv.Payable, Currency: inv.Currency, Unit: unit,
			// An accepted e-invoice passed the EN 16931 calculation
			// rules (BR-CO-*, all of level fatal).
			CalculationOK: inv.Accepted && inv.XMLSHA256 != ""},
		Terms:       terms,
		Accepted:    inv.Accepted,
		DuplicateOf: inv.DuplicateOf,
		Number:      inv.Number,
		Org:         org,
	}, nil
}

// EnterStage records which stage waits and for whom (the approvers'
// inboxes read it).
func (a *Approval) EnterStage(ctx context.Context, in workflows.EnterStageInput) error {
	_, err := a.Store.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: in.InvoiceID, Stage: string(in.Stage), Assignees: in.Assignees, Since: in.At,
		Terms: records.InvoiceTerms{DueDate: in.Terms.Due, DiscountDate: in.Terms.DiscountDate, DiscountAmount: in.Terms.DiscountAmount}})
	if err != nil {
		return err
	}
	return a.Store.SetInvoiceStatus(ctx, in.InvoiceID, in.Status)
}

// RecordDecision stores a decision once (idempotent on invoice and Seq)
// and writes its audit event on the invoice and on its document.
func (a *Approval) RecordDecision(ctx context.Context, in workflows.RecordDecisionInput) error {
	d := in.Decision
	_, _, err := a.Store.AddApproval(ctx, records.Approval{
		InvoiceID: in.InvoiceID, Seq: in.Seq, Stage: string(d.Stage), User: d.User, OnBehalfOf: d.OnBehalfOf,
		Approve: d.Approve, Comment: d.Comment, At: d.At, WorkflowID: in.WorkflowID,
	})
	if err != nil {
		return fmt.Errorf("record decision %d of invoice %d: %w", in.Seq, in.InvoiceID, err)
	}
	verdict := "approved"
	if !d.Approve {
		verdict = "rejected"
	}
	details := map[string]any{"stage": d.Stage, "user": d.User, "on_behalf_of": d.OnBehalfOf, "approve": d.Approve, "seq": in.Seq}
	if d.Comment != "" {
		// A comment is free text that may name citizens: it is kept
		// beside the chain, so it can be erased without breaking it.
		details[personalKey] = map[string]any{"comment": d.Comment}
	}
	return a.events(ctx, fmt.Sprintf("approval-%d/decision-%d", in.InvoiceID, in.Seq), d.At, d.User, "invoice."+string(d.Stage)+"."+verdict, in.InvoiceID, in.DocumentSHA256, details)
}

// personalKey marks, in the details given to events, what is personal
// data: free text (comments, reasons) that may name citizens.
const personalKey = "\x00personal"

// events appends one event on the invoice and one on its document. A
// details entry under personalKey becomes the events' personal data.
func (a *Approval) events(ctx context.Context, key string, at time.Time, actor, action string, invoiceID int64, doc string, details map[string]any) error {
	var personal json.RawMessage
	if p, ok := details[personalKey]; ok {
		delete(details, personalKey)
		var err error
		if personal, err = json.Marshal(p); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return err
	}
	for _, obj := range [][2]string{{"invoice", strconv.FormatInt(invoiceID, 10)}, {"document", doc}} {
		if obj[1] == "" {
			continue
		}
		if _, err := a.Store.AppendEvent(ctx, store.AuditEvent{Key: key + "/" + obj[0], Time: at, Actor: actor, Action: action,
			ObjectType: obj[0], ObjectID: obj[1], Details: raw, Personal: personal}); err != nil {
			return fmt.Errorf("audit %s: %w", action, err)
		}
	}
	return nil
}

// ApprovalNotice is a reminder or escalation on outbound.invoice.notice.
type ApprovalNotice struct {
	InvoiceID int64     `json:"invoice_id"`
	Notice    string    `json:"notice"`
	To        []string  `json:"to"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
}

// NotifyApproval records a reminder or escalation and hands it to the
// outbound channel, once per notice.
func (a *Approval) NotifyApproval(ctx context.Context, in workflows.NotifyApprovalInput) error {
	key := fmt.Sprintf("approval-%d/notice-%d", in.InvoiceID, in.Seq)
	if err := a.events(ctx, key, in.At, workflows.ActorApproval, "invoice.notice."+in.Notice, in.InvoiceID, "",
		map[string]any{"to": in.To, "reason": in.Reason}); err != nil {
		return err
	}
	if a.Outbound == nil {
		return nil
	}
	raw, err := json.Marshal(in2notice(in))
	if err != nil {
		return err
	}
	return a.Outbound.Publish(ctx, SubjectApprovalNotice, raw, key)
}

func in2notice(in workflows.NotifyApprovalInput) ApprovalNotice {
	return ApprovalNotice{InvoiceID: in.InvoiceID, Notice: in.Notice, To: in.To, Reason: in.Reason, At: in.At}
}

// BookingApproval is one approval in the exported booking.
type BookingApproval struct {
	Stage      string    `json:"stage"`
	User       string    `json:"user"`
	OnBehalfOf string    `json:"on_behalf_of,omitempty"`
	At         time.Time `json:"at"`
}

// ExportBooking makes the booking record of an approved invoice, publishes
// it on finance.bookings.<unit> (message id = the invoice id) and appends
// it to the export files; every step is remembered in the bookings table,
// so a retry never sends or writes a booking twice.
func (a *Approval) ExportBooking(ctx context.Context, in workflows.ExportBookingInput) error {
	inv, err := a.Store.Invoice(ctx, in.InvoiceID)
	if err != nil {
		return err
	}
	b := records.Booking{
		InvoiceID: inv.ID, Unit: in.Unit, Creditor: inv.SellerName, CreditorVATID: inv.SellerVATID,
		Amount: inv.Payable, Currency: inv.Currency, DueDate: in.Terms.Due, DiscountDate: in.Terms.DiscountDate,
		DiscountAmount: in.Terms.DiscountAmount, InvoiceNumber: inv.Number, InvoiceDate: inv.IssueDate,
		CreatedAt: in.At,
	}
	if len(inv.IBANs) > 0 {
		b.IBAN = inv.IBANs[0]
	}
	cc, err := a.costCentre(ctx, inv)
	if err != nil {
		return err
	}
	b.CostCentre = cc
	for i, d := range in.Decisions {
		b.Approvals = append(b.Approvals, records.Approval{InvoiceID: inv.ID, Seq: i + 1, Stage: string(d.Stage), User: d.User,
			OnBehalfOf: d.OnBehalfOf, Approve: d.Approve, Comment: d.Comment, At: d.At})
	}
	// The stages are done: approved, then booked once finance has it.
	if inv.Status != records.InvoiceBooked {
		if err := a.Store.SetInvoiceStatus(ctx, inv.ID, records.InvoiceApproved); err != nil {
			return err
		}
	}
	stored, _, err := a.Store.PutBooking(ctx, b)
	if err != nil {
		return fmt.Errorf("booking of invoice %d: %w", inv.ID, err)
	}
	raw, err := json.Marshal(stored)
	if err != nil {
		return err
	}
	if stored.PublishedAt == nil {
		subject := SubjectBookingPrefix + subjectToken(stored.Unit)
		if err := a.Outbound.Publish(ctx, subject, raw, strconv.FormatInt(inv.ID, 10)); err != nil {
			return fmt.Errorf("publish booking of invoice %d: %w", inv.ID, err)
		}
		if err := a.Store.MarkBookingPublished(ctx, inv.ID, a.now()); err != nil {
			return err
		}
	}
	if stored.ExportedAt == nil && a.ExportDir != "" {
		if err := appendBooking(a.ExportDir, stored, raw); err != nil {
			return fmt.Errorf("export booking of invoice %d: %w", inv.ID, err)
		}
		if err := a.Store.MarkBookingExported(ctx, inv.ID, a.now()); err != nil {
			return err
		}
	}
	if _, err := a.Store.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: inv.ID, Since: in.At}); err != nil {
		return err
	}
	if err := a.Store.SetInvoiceStatus(ctx, inv.ID, records.InvoiceBooked); err != nil {
		return err
	}
	return a.events(ctx, fmt.Sprintf("approval-%d/booked", inv.ID), in.At, workflows.ActorApproval, "invoice.booked", inv.ID, inv.DocumentSHA256,
		map[string]any{"unit": stored.Unit, "amount": stored.Amount, "currency": stored.Currency})
}

// costCentre is the buyer's accounting reference of the invoice (BT-19),
// else the distinct line accounting references (BT-133) joined by "; ";
// "" when the invoice names none (or is a paper invoice).
func (a *Approval) costCentre(ctx context.Context, inv records.Invoice) (string, error) {
	if a.Blobs == nil || inv.XMLSHA256 == "" {
		return "", nil
	}
	raw, err := readBlob(ctx, a.Blobs, inv.XMLSHA256)
	if err != nil {
		return "", fmt.Errorf("invoice %d xml: %w", inv.ID, err)
	}
	x, err := einvoice.Parse(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("invoice %d xml: %w", inv.ID, err)
	}
	if ref := strings.TrimSpace(x.BuyerAccountingRef); ref != "" {
		return ref, nil
	}
	var refs []string
	for _, l := range x.Lines {
		if r := strings.TrimSpace(l.AccountingRef); r != "" && !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	return strings.Join(refs, "; "), nil
}

// subjectToken makes a unit code usable as one subject token ("20.1" →
// "20_1": a dot would split it).
func subjectToken(s string) string {
	if s == "" {
		return "unassigned"
	}
	return strings.NewReplacer(".", "_", " ", "_", "*", "_", ">", "_").Replace(s)
}

var bookingCSVHeader = []string{"invoice_id", "unit", "creditor", "creditor_vat_id", "iban", "amount", "currency",
	"due_date", "discount_date", "discount_amount", "invoice_number", "invoice_date", "cost_centre", "approvals"}

// appendBooking appends the booking to bookings.jsonl and bookings.csv,
// unless a line for the invoice is already there (a crash after the write
// and before MarkBookingExported).
func appendBooking(dir string, b records.Booking, raw []byte) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	id := strconv.FormatInt(b.InvoiceID, 10)
	jsonPath := filepath.Join(dir, "bookings.jsonl")
	has, err := hasLine(jsonPath, func(line []byte) bool {
		var v struct {
			InvoiceID int64 `json:"invoice_id"`
		}
		return json.Unmarshal(line, &v) == nil && v.InvoiceID == b.InvoiceID
	})
	if err != nil {
		return err
	}
	if !has {
		if err := appendFile(jsonPath, append(bytes.TrimSpace(raw), '\n')); err != nil {
			return err
		}
	}
	csvPath := filepath.Join(dir, "bookings.csv")
	has, err = hasLine(csvPath, func(line []byte) bool { return bytes.HasPrefix(line, []byte(id+",")) })
	if err != nil {
		return err
	}
	if has {
		return nil
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if _, err := os.Stat(csvPath); errors.Is(err, os.ErrNotExist) {
		if err := w.Write(bookingCSVHeader); err != nil {
			return err
		}
	}
	var approvals []string
	for _, ap := range b.Approvals {
		who := ap.User
		if ap.OnBehalfOf != "" {
			who += " i.V. " + ap.OnBehalfOf
		}
		approvals = append(approvals, ap.Stage+":"+who+"@"+ap.At.UTC().Format(time.RFC3339))
	}
	if err := w.Write([]string{id, b.Unit, b.Creditor, b.CreditorVATID, b.IBAN, b.Amount, b.Currency, b.DueDate,
		b.DiscountDate, b.DiscountAmount, b.InvoiceNumber, b.InvoiceDate, b.CostCentre, strings.Join(approvals, " | ")}); err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return appendFile(csvPath, buf.Bytes())
}

func hasLine(path string, match func([]byte) bool) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		if match(sc.Bytes()) {
			return true, nil
		}
	}
	return false, sc.Err()
}

func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// RefusalNotice tells the sender that an invoice was rejected in approval.
type RefusalNotice struct {
	InvoiceID      int64  `json:"invoice_id"`
	DocumentSHA256 string `json:"document_sha256"`
	Number         string `json:"number"`
	IssueDate      string `json:"issue_date"`
	SellerName     string `json:"seller_name"`
	BuyerReference string `json:"buyer_reference"`
	ReasonGerman   string `json:"reason_de"`
}

// CloseApproval records a rejection or cancellation: the invoice status,
// the audit event and, for a rejection back to the sender, the notice.
func (a *Approval) CloseApproval(ctx context.Context, in workflows.CloseApprovalInput) error {
	inv, err := a.Store.Invoice(ctx, in.InvoiceID)
	if err != nil {
		return err
	}
	if in.ToSender && a.Outbound != nil {
		raw, err := json.Marshal(RefusalNotice{InvoiceID: inv.ID, DocumentSHA256: inv.DocumentSHA256, Number: inv.Number,
			IssueDate: inv.IssueDate, SellerName: inv.SellerName, BuyerReference: inv.BuyerReference, ReasonGerman: in.Reason})
		if err != nil {
			return err
		}
		if err := a.Outbound.Publish(ctx, SubjectInvoiceRefused, raw, fmt.Sprintf("einvoice-refused-%d", inv.ID)); err != nil {
			return err
		}
	}
	status := in.Status
	if inv.Status == records.InvoiceAccepted && status == records.InvoiceRejectedInApproval {
		// Refused by the formal check before any stage was entered.
		if err := a.Store.SetInvoiceStatus(ctx, inv.ID, records.InvoiceInApproval); err != nil {
			return err
		}
	}
	if _, err := a.Store.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: inv.ID, Since: in.At}); err != nil {
		return err
	}
	if err := a.Store.SetInvoiceStatus(ctx, inv.ID, status); err != nil {
		return err
	}
	return a.events(ctx, fmt.Sprintf("approval-%d/closed", inv.ID), in.At, in.By, "invoice."+string(status), inv.ID, in.DocumentSHA256,
		map[string]any{"to_sender": in.ToSender, "unit": in.Unit, personalKey: map[string]any{"reason": in.Reason}})
}
