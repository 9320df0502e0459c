package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/invoicepdf"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/sniff"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// InvoiceRegistry is the part of the records store the e-invoice
// activities use.
type InvoiceRegistry interface {
	AddInvoice(ctx context.Context, inv records.Invoice) (records.Invoice, bool, error)
	Invoice(ctx context.Context, id int64) (records.Invoice, error)
	InvoiceByDocument(ctx context.Context, documentSHA256 string) (records.Invoice, error)
	SetInvoiceStatus(ctx context.Context, id int64, status records.InvoiceStatus) error
	AddRendition(ctx context.Context, r records.Rendition) (records.Rendition, bool, error)
	SetStatus(ctx context.Context, sha256 string, status records.Status) error
	AppendEvent(ctx context.Context, ev store.AuditEvent) (bool, error)
}

// Outbound publishes a message for a channel outside aktenfluss (mail or
// Peppol gateway) exactly once per msgID.
type Outbound interface {
	Publish(ctx context.Context, subject string, data []byte, msgID string) error
}

// EInvoices holds the e-invoice activities of InboundDocument.
type EInvoices struct {
	Blobs    blob.Store
	Registry InvoiceRegistry
	Outbound Outbound
	// AttachmentLimit bounds one attachment embedded in the XML, decoded;
	// zero means DefaultAttachmentLimit.
	AttachmentLimit int64
	// TempDir is where a hybrid PDF is spooled; empty means the default.
	TempDir string
	// Now is the clock for reports and audit events; nil means time.Now.
	Now func() time.Time
}

// DefaultAttachmentLimit is the largest attachment (decoded) stored from
// an invoice XML. The XRechnung guidance keeps a whole invoice below
// 20 MB, so one attachment beyond that is not a sensible delivery.
const DefaultAttachmentLimit = 20 << 20

// SubjectInvoiceReturned is where notices of rejected e-invoices go; an
// outbound connector (mail, Peppol) takes them to the sender.
const SubjectInvoiceReturned = intake.OutboundSubjectPrefix + "einvoice.returned"

const actorEInvoice = "system:einvoice"

func (a *EInvoices) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// CheckEInvoice validates an e-invoice and files the XML, the validation
// report, the readable rendition and the invoice record; the register entry
// becomes accepted or rejected. Idempotent: a retry after the record was
// stored answers from the record. An XML that cannot be read as an invoice
// (unsafe, malformed, no UBL or CII, ZUGFeRD 1.0) fails without retry,
// which puts the document into the quarantine with the reason.
func (a *EInvoices) CheckEInvoice(ctx context.Context, in workflows.CheckEInvoiceInput) (workflows.CheckEInvoiceOutput, error) {
	doc := in.Original.SHA256
	// A retry after the record was stored only finishes the steps after it
	// (status, audit); the record and its blobs stay as first made.
	if rec, err := a.Registry.InvoiceByDocument(ctx, doc); err == nil {
		var rep einvoice.Report
		if err := readBlobJSON(ctx, a.Blobs, rec.ReportSHA256, &rep); err != nil {
			return workflows.CheckEInvoiceOutput{}, err
		}
		return a.settle(ctx, in.WorkflowID, rec, rep, nil)
	} else if !errors.Is(err, store.ErrNotFound) {
		return workflows.CheckEInvoiceOutput{}, err
	}

	xmlBytes, xmlName, err := a.invoiceXML(ctx, in)
	if err != nil {
		return workflows.CheckEInvoiceOutput{}, err
	}
	inv, err := einvoice.Parse(bytes.NewReader(xmlBytes))
	if err != nil {
		msg := parseFailure(err)
		return workflows.CheckEInvoiceOutput{}, temporal.NewNonRetryableApplicationError(msg, workflows.ErrTypeUnreadable, err)
	}
	xmlRef, err := a.Blobs.Put(ctx, bytes.NewReader(xmlBytes), "")
	if err != nil {
		return workflows.CheckEInvoiceOutput{}, fmt.Errorf("store invoice xml: %w", err)
	}
	xmlRef.MediaType = "application/xml"

	findings := einvoice.Validate(inv)
	attachments, attFindings, err := a.checkAttachments(ctx, inv)
	if err != nil {
		return workflows.CheckEInvoiceOutput{}, err
	}
	findings = append(findings, attFindings...)
	accepted := einvoice.Accepted(findings)
	nErr, nWarn := einvoice.Counts(findings)
	report := einvoice.Report{
		DocumentSHA256: doc, XMLSHA256: xmlRef.SHA256, XMLName: xmlName, Syntax: inv.Syntax,
		Scenario: einvoice.Scenario(inv), Accepted: accepted, Summary: einvoice.Inspect(inv),
		Findings: findings, Attachments: attachments, ReceivedAt: in.ReceivedAt.UTC(), Rules: len(einvoice.RuleIDs()),
	}
	if report.Findings == nil {
		report.Findings = []einvoice.Finding{}
	}
	// The report carries the receipt time, not the wall clock, so a retry
	// produces the same bytes and the same blob as the first attempt.
	raw, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return workflows.CheckEInvoiceOutput{}, fmt.Errorf("encode report: %w", err)
	}
	reportRef, err := a.Blobs.Put(ctx, bytes.NewReader(raw), "")
	if err != nil {
		return workflows.CheckEInvoiceOutput{}, fmt.Errorf("store report: %w", err)
	}
	reportRef.MediaType = "application/json"

	// The rendition is for people; an invoice the renderer cannot lay out is
	// still filed with XML and report, and the failure is in the trail.
	var viewRef blob.Ref
	view, renderErr := invoicepdf.Render(inv, xmlBytes, invoicepdf.Options{Created: in.ReceivedAt})
	if renderErr == nil {
		viewRef, err = a.Blobs.Put(ctx, bytes.NewReader(view), "")
		if err != nil {
			return workflows.CheckEInvoiceOutput{}, fmt.Errorf("store rendition: %w", err)
		}
		viewRef.MediaType = "application/pdf"
	}

	renditions := []records.Rendition{
		{DocumentSHA256: doc, Kind: records.RenditionInvoiceXML, BlobSHA256: xmlRef.SHA256, Size: xmlRef.Size, MediaType: xmlRef.MediaType},
		{DocumentSHA256: doc, Kind: records.RenditionInvoiceReport, BlobSHA256: reportRef.SHA256, Size: reportRef.Size, MediaType: reportRef.MediaType},
	}
	if viewRef.SHA256 != "" {
		renditions = append(renditions, records.Rendition{DocumentSHA256: doc, Kind: records.RenditionInvoiceView,
			BlobSHA256: viewRef.SHA256, Size: viewRef.Size, MediaType: viewRef.MediaType})
	}
	for _, r := range renditions {
		if _, _, err := a.Registry.AddRendition(ctx, r); err != nil {
			return workflows.CheckEInvoiceOutput{}, err
		}
	}

	rec := invoiceRecord(inv, report, in.WorkflowID, nErr, nWarn)
	rec.ReportSHA256, rec.ViewSHA256 = reportRef.SHA256, viewRef.SHA256
	stored, _, err := a.Registry.AddInvoice(ctx, rec)
	if err != nil {
		return workflows.CheckEInvoiceOutput{}, err
	}
	return a.settle(ctx, in.WorkflowID, stored, report, renderErr)
}

// settle sets the register status from the verdict and writes the audit
// events (keyed, so a retry adds none).
func (a *EInvoices) settle(ctx context.Context, workflowID string, rec records.Invoice, rep einvoice.Report, renderErr error) (workflows.CheckEInvoiceOutput, error) {
	status := records.StatusAccepted
	if !rec.Accepted {
		status = records.StatusRejected
	}
	if err := a.Registry.SetStatus(ctx, rec.DocumentSHA256, status); err != nil {
		return workflows.CheckEInvoiceOutput{}, err
	}
	fired := make([]string, 0, len(rep.Findings))
	for _, f := range rep.Findings {
		fired = append(fired, string(f.Severity)+":"+f.Rule)
	}
	details := map[string]any{
		"invoice_id": rec.ID, "number": rec.Number, "scenario": rec.Scenario, "accepted": rec.Accepted,
		"errors": rec.Errors, "warnings": rec.Warnings, "findings": fired,
		"xml_sha256": rec.XMLSHA256, "report_sha256": rec.ReportSHA256, "view_sha256": rec.ViewSHA256,
	}
	if renderErr != nil {
		details["rendition_error"] = renderErr.Error()
	}
	if err := a.event(ctx, workflowID, "einvoice.validated", rec.DocumentSHA256, details); err != nil {
		return workflows.CheckEInvoiceOutput{}, err
	}
	if rec.DuplicateOf != nil {
		if err := a.event(ctx, workflowID, "einvoice.duplicate-suspected", rec.DocumentSHA256, map[string]any{
			"invoice_id": rec.ID, "duplicate_of": *rec.DuplicateOf, "key": rec.DuplicateKey,
		}); err != nil {
			return workflows.CheckEInvoiceOutput{}, err
		}
	}
	return checkOutput(rec), nil
}

// invoiceXML returns the invoice XML of the document: the original itself,
// or the XML a hybrid PDF carries.
func (a *EInvoices) invoiceXML(ctx context.Context, in workflows.CheckEInvoiceInput) ([]byte, string, error) {
	sha := in.Original.SHA256
	if in.Kind != records.KindPDFEInvoice {
		if in.Original.Size > einvoice.MaxSize {
			err := fmt.Errorf("invoice xml of %d bytes: %w", in.Original.Size, einvoice.ErrTooLarge)
			return nil, "", temporal.NewNonRetryableApplicationError(parseFailure(err), workflows.ErrTypeUnreadable, err)
		}
		rc, err := a.Blobs.Open(ctx, sha)
		if err != nil {
			return nil, "", fmt.Errorf("open original %s: %w", sha, err)
		}
		defer func() { _ = rc.Close() }()
		b, err := io.ReadAll(io.LimitReader(rc, einvoice.MaxSize+1))
		if errors.Is(err, blob.ErrDigestMismatch) {
			return nil, "", temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeDigestMismatch, err)
		}
		if err != nil {
			return nil, "", fmt.Errorf("read original %s: %w", sha, err)
		}
		return b, "", nil
	}
	f, err := spoolBlob(ctx, a.Blobs, sha, a.TempDir)
	if err != nil {
		return nil, "", err
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}()
	name, b, err := sniff.EmbeddedInvoice(f, in.Original.Size)
	if err != nil {
		// Detection found the XML a moment ago; not finding it now is a
		// broken or hostile PDF, and no retry changes the bytes.
		msg := "E-Rechnung im PDF nicht lesbar / invoice in PDF unreadable: " + err.Error()
		return nil, "", temporal.NewNonRetryableApplicationError(msg, workflows.ErrTypeUnreadable, err)
	}
	return b, name, nil
}

// parseFailure explains in German and English why an XML is no readable
// invoice; the text is what the mailroom sees in the quarantine.
func parseFailure(err error) string {
	var de string
	switch {
	case errors.Is(err, einvoice.ErrLegacyZUGFeRD):
		de = "ZUGFeRD 1.0 (veraltetes Format, keine XRechnung/EN 16931) – bitte manuell bearbeiten oder beim Absender eine aktuelle E-Rechnung anfordern"
	case errors.Is(err, einvoice.ErrUnsafeXML):
		de = "unsicheres XML (DTD oder Entity-Deklaration) abgewiesen"
	case errors.Is(err, einvoice.ErrTooLarge):
		de = "XML zu groß"
	case errors.Is(err, einvoice.ErrTooDeep):
		de = "XML zu tief verschachtelt"
	case errors.Is(err, einvoice.ErrTooManyElements):
		de = "XML mit zu vielen Elementen"
	case errors.Is(err, einvoice.ErrUnsupportedEncoding):
		de = "Zeichenkodierung nicht unterstützt (UTF-8 erwartet)"
	case errors.Is(err, einvoice.ErrBadDecimal):
		de = "ungültiger Betrag oder ungültige Menge"
	case errors.Is(err, einvoice.ErrMalformedXML):
		de = "XML nicht wohlgeformt"
	case errors.Is(err, einvoice.ErrUnknownSyntax):
		de = "weder UBL- noch CII-Rechnung"
	default:
		de = "E-Rechnung nicht lesbar"
	}
	return de + " / " + err.Error()
}

// checkAttachments checks each document embedded in the XML like an
// upload — not empty, within the size limit, content of the declared type
// — and stores those that pass as blobs. Problems are warnings: the
// invoice itself stays valid, but the approver must know an attachment
// was held back.
func (a *EInvoices) checkAttachments(ctx context.Context, inv *einvoice.Invoice) ([]einvoice.AttachmentCheck, []einvoice.Finding, error) {
	limit := a.AttachmentLimit
	if limit <= 0 {
		limit = DefaultAttachmentLimit
	}
	checks := []einvoice.AttachmentCheck{}
	var findings []einvoice.Finding
	for i, att := range inv.Attachments {
		c := einvoice.AttachmentCheck{ID: att.ID, Filename: att.Filename, DeclaredType: att.MimeCode, Size: att.Size, ExternalURI: att.URI}
		loc := fmt.Sprintf("BG-24[%d]/BT-125", i+1)
		problem := func(en, de string) {
			c.Problem, c.ProblemGerman = en, de
			findings = append(findings, einvoice.Finding{Rule: "AKF-ATTACHMENT", Severity: einvoice.SeverityWarning,
				Message: fmt.Sprintf("Attachment %q not stored: %s", att.ID, en), Location: loc})
		}
		switch {
		case !att.HasContent():
			// A reference to an external document (BT-124) only.
		case att.TooLarge || att.Size > limit:
			problem(fmt.Sprintf("%d bytes exceed the limit of %d", att.Size, limit),
				fmt.Sprintf("%d Bytes überschreiten die Grenze von %d", att.Size, limit))
		default:
			data, err := att.Content()
			if err != nil {
				problem("content is not valid base64", "Inhalt ist kein gültiges Base64")
				break
			}
			if len(data) == 0 {
				problem("empty", "leer")
				break
			}
			c.DetectedType = detectAttachmentType(data, att.Filename)
			if !typeMatches(att.MimeCode, c.DetectedType) {
				problem(fmt.Sprintf("declared %s but content is %s", att.MimeCode, orUnknown(c.DetectedType)),
					fmt.Sprintf("angegeben %s, Inhalt ist %s", att.MimeCode, orUnknown(c.DetectedType)))
				break
			}
			ref, err := a.Blobs.Put(ctx, bytes.NewReader(data), "")
			if err != nil {
				return nil, nil, fmt.Errorf("store attachment %q: %w", att.ID, err)
			}
			c.SHA256, c.Size = ref.SHA256, ref.Size
		}
		checks = append(checks, c)
	}
	return checks, findings, nil
}

// detectAttachmentType recognises the attachment types EN 16931 allows
// (BR-CL-24) from their content: PDF, PNG, JPEG via the intake detection,
// the spreadsheet formats by their ZIP container, CSV as UTF-8 text.
func detectAttachmentType(data []byte, name string) string {
	if mt, err := intake.DetectMediaType(data[:min(len(data), intake.HeadSize)], name); err == nil {
		return mt
	}
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "application/zip"
	case utf8.Valid(data) && !bytes.ContainsRune(data, 0):
		return "text/plain"
	}
	return ""
}

func typeMatches(declared, detected string) bool {
	switch declared {
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.oasis.opendocument.spreadsheet":
		return detected == "application/zip"
	case "text/csv":
		return detected == "text/plain"
	case "":
		return detected != ""
	}
	return declared == detected
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// invoiceRecord maps the model to the invoice record.
func invoiceRecord(inv *einvoice.Invoice, rep einvoice.Report, workflowID string, nErr, nWarn int) records.Invoice {
	s := rep.Summary
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	rec := records.Invoice{
		DocumentSHA256: rep.DocumentSHA256, XMLSHA256: rep.XMLSHA256, WorkflowID: workflowID,
		Syntax: string(inv.Syntax), Scenario: rep.Scenario, CustomizationID: inv.CustomizationID,
		Number: inv.Number, IssueDate: inv.IssueDate, TypeCode: inv.TypeCode, Currency: inv.CurrencyCode,
		SellerName: inv.Seller.Name, SellerVATID: inv.Seller.VATID, BuyerName: inv.Buyer.Name,
		BuyerReference: inv.BuyerReference, OrderReference: inv.OrderReference,
		NetTotal: str(s.TaxExclusiveTotal), TaxTotal: str(s.TaxTotal), GrossTotal: str(s.TaxInclusiveTotal), Payable: str(s.PayableAmount),
		DueDate: inv.DueDate, PaymentTerms: inv.PaymentTerms, IBANs: s.IBANs,
		Accepted: rep.Accepted, Errors: nErr, Warnings: nWarn, Status: records.InvoiceAccepted,
	}
	if !rep.Accepted {
		rec.Status = records.InvoiceRejected
	}
	rec.DuplicateKey = records.InvoiceDuplicateKey(rec.SellerVATID, rec.SellerName, rec.Number, rec.IssueDate, rec.Payable)
	return rec
}

func checkOutput(r records.Invoice) workflows.CheckEInvoiceOutput {
	out := workflows.CheckEInvoiceOutput{
		InvoiceID: r.ID, Number: r.Number, Scenario: r.Scenario, Accepted: r.Accepted, Status: r.Status,
		Errors: r.Errors, Warnings: r.Warnings, DuplicateOf: r.DuplicateOf,
		XML:    blob.Ref{SHA256: r.XMLSHA256, MediaType: "application/xml"},
		Report: blob.Ref{SHA256: r.ReportSHA256, MediaType: "application/json"},
	}
	if r.ViewSHA256 != "" {
		out.View = blob.Ref{SHA256: r.ViewSHA256, MediaType: "application/pdf"}
	}
	return out
}

// ReturnNotice is the message a rejected invoice leaves with: enough for an
// outbound connector to address the sender and attach the report.
type ReturnNotice struct {
	InvoiceID      int64                `json:"invoice_id"`
	DocumentSHA256 string               `json:"document_sha256"`
	Number         string               `json:"number"`
	IssueDate      string               `json:"issue_date"`
	SellerName     string               `json:"seller_name"`
	SellerEndpoint *einvoice.Identifier `json:"seller_endpoint,omitempty"` // BT-34, e.g. a Peppol id or e-mail
	SellerEmail    string               `json:"seller_email,omitempty"`    // BT-43
	BuyerReference string               `json:"buyer_reference,omitempty"`
	ReportSHA256   string               `json:"report_sha256"`
	Reason         string               `json:"reason"`
	ReasonGerman   string               `json:"reason_de"`
	Errors         []einvoice.Finding   `json:"errors"`
}

// ReturnInvoiceToSender hands a rejected invoice with its report to the
// outbound channel and marks it returned. The notice carries the invoice id
// as message id, so a retry does not notify the sender twice.
func (a *EInvoices) ReturnInvoiceToSender(ctx context.Context, in workflows.ReturnInvoiceInput) error {
	rec, err := a.Registry.Invoice(ctx, in.InvoiceID)
	if err != nil {
		return err
	}
	if rec.Status == records.InvoiceReturned {
		return nil
	}
	var rep einvoice.Report
	if err := readBlobJSON(ctx, a.Blobs, rec.ReportSHA256, &rep); err != nil {
		return err
	}
	var xmlInv *einvoice.Invoice
	if b, err := readBlob(ctx, a.Blobs, rec.XMLSHA256); err == nil {
		xmlInv, _ = einvoice.Parse(bytes.NewReader(b))
	}
	notice := ReturnNotice{
		InvoiceID: rec.ID, DocumentSHA256: rec.DocumentSHA256, Number: rec.Number, IssueDate: rec.IssueDate,
		SellerName: rec.SellerName, BuyerReference: rec.BuyerReference, ReportSHA256: rec.ReportSHA256,
		Reason:       fmt.Sprintf("The e-invoice failed %d business rule(s) of scenario %s and cannot be processed.", rec.Errors, rec.Scenario),
		ReasonGerman: fmt.Sprintf("Die E-Rechnung verletzt %d Geschäftsregel(n) (Szenario %s) und kann nicht bearbeitet werden. Bitte senden Sie eine berichtigte Rechnung.", rec.Errors, rec.Scenario),
		Errors:       []einvoice.Finding{},
	}
	for _, f := range rep.Findings {
		if f.Severity == einvoice.SeverityError || f.Severity == einvoice.SeverityFatal {
			notice.Errors = append(notice.Errors, f)
		}
	}
	if xmlInv != nil {
		notice.SellerEndpoint = xmlInv.Seller.ElectronicAddress
		if c := xmlInv.Seller.Contact; c != nil {
			notice.SellerEmail = c.Email
		}
	}
	raw, err := json.Marshal(notice)
	if err != nil {
		return fmt.Errorf("encode return notice: %w", err)
	}
	if err := a.Outbound.Publish(ctx, SubjectInvoiceReturned, raw, fmt.Sprintf("einvoice-returned-%d", rec.ID)); err != nil {
		return fmt.Errorf("publish return notice of invoice %d: %w", rec.ID, err)
	}
	if err := a.Registry.SetInvoiceStatus(ctx, rec.ID, records.InvoiceReturned); err != nil {
		return err
	}
	return a.event(ctx, in.WorkflowID, "einvoice.returned", rec.DocumentSHA256, map[string]any{
		"invoice_id": rec.ID, "subject": SubjectInvoiceReturned, "errors": len(notice.Errors),
	})
}

func (a *EInvoices) event(ctx context.Context, workflowID, action, sha string, details map[string]any) error {
	return appendEvent(ctx, a.Registry, a.now(), actorEInvoice, workflowID, action, sha, details)
}
