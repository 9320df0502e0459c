package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// InboundDocument takes one document from intake to the register:
//
//  1. store the original in the content-addressed blob store;
//  2. register it in the Posteingangsbuch with its legal receipt date;
//  3. detect what it is (scan, text PDF, e-invoice XML, hybrid PDF).
//
// Later steps (OCR and PDF/A, e-invoice validation, extraction, routing,
// approvals) plug in after step 3 as further activities and child workflows,
// each behind workflow.GetVersion so that runs already in flight replay.
func InboundDocument(ctx workflow.Context, in InboundInput) (InboundResult, error) {
	logger := workflow.GetLogger(ctx)
	wfID := workflow.GetInfo(ctx).WorkflowExecution.ID
	status := InboundStatus{Step: "storing"}
	if err := workflow.SetQueryHandler(ctx, QueryInboundStatus, func() (InboundStatus, error) {
		return status, nil
	}); err != nil {
		return InboundResult{}, err
	}

	// The bookkeeping steps (copy the original, register, detect the kind)
	// are short and run as local activities in the workflow worker: no task
	// round trip through the server per step, so one workflow task carries
	// a document from intake to the register. That cuts the writes to
	// Temporal's persistence per document about fourfold, which is what
	// limits intake throughput on the embedded SQLite-backed server. Heavy,
	// separately scaled work (OCR) runs as regular activities on its own
	// task queue.
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: []string{ErrTypeUnreadable, ErrTypeDigestMismatch, ErrTypeMissingObject},
		},
	})

	var res InboundResult
	var original blob.Ref
	err := workflow.ExecuteLocalActivity(ctx, ActivityStoreOriginal, StoreOriginalInput{
		WorkflowID: wfID, Object: in.Object, SHA256: in.SHA256, Size: in.Size, MediaType: in.MediaType,
		Source: in.Source, ReceivedAt: in.ReceivedAt,
	}).Get(ctx, &original)
	if err != nil {
		// Without the bytes there is nothing to register. The intake
		// consumer checked the object before starting us, so this needs a
		// person: the document goes to quarantine with the reason, and the
		// run fails so that a requeue from quarantine may start it anew.
		logger.Error("store original failed", "sha256", in.SHA256, "error", err)
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.NonRetryable() {
			q := QuarantineInput{WorkflowID: wfID, Reason: appErr.Type(), Message: appErr.Message(), Document: in}
			if qErr := workflow.ExecuteLocalActivity(ctx, ActivityQuarantine, q).Get(ctx, nil); qErr != nil {
				return res, qErr
			}
		}
		return res, err
	}
	res.Original = original

	status.Step = "registering"
	var reg RegisterOutput
	err = workflow.ExecuteLocalActivity(ctx, ActivityRegister, RegisterInput{Entry: newEntry(in, wfID)}).Get(ctx, &reg)
	if err != nil {
		return res, err
	}
	res.RegisterNumber, res.EntryID = reg.RegisterNumber, reg.EntryID
	status.RegisterNumber = reg.RegisterNumber

	status.Step = "detecting"
	var kind DetectKindOutput
	err = workflow.ExecuteLocalActivity(ctx, ActivityDetectKind, DetectKindInput{WorkflowID: wfID, Original: original}).Get(ctx, &kind)
	if err != nil {
		return res, markFailed(ctx, in, wfID, "detect", err, &res, &status)
	}
	res.Kind, res.KindDetail = kind.Kind, kind.Detail
	status.Kind = kind.Kind

	if workflow.GetVersion(ctx, ChangeArchive, workflow.DefaultVersion, 1) == 1 {
		archive, err := makeArchive(ctx, in, wfID, original, kind, &status)
		if err != nil {
			return res, markFailed(ctx, in, wfID, "archive", err, &res, &status)
		}
		res.Archive = archive
	}
	if isEInvoice(kind.Kind) && workflow.GetVersion(ctx, ChangeEInvoice, workflow.DefaultVersion, 1) == 1 {
		if err := handleEInvoice(ctx, in, wfID, original, kind, &res, &status); err != nil {
			return res, markFailed(ctx, in, wfID, "einvoice", err, &res, &status)
		}
	}
	// A document that could be read goes on to a clerk; one that failed is
	// in the quarantine, and a rejected invoice went back to its sender.
	if res.Failed == "" && !res.Returned && workflow.GetVersion(ctx, ChangeRouting, workflow.DefaultVersion, 1) == 1 {
		if err := routeDocument(ctx, in, wfID, kind.Kind, &res, &status); err != nil {
			return res, markFailed(ctx, in, wfID, "routing", err, &res, &status)
		}
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return res, err
		}
	}
	status.Step = "done"
	return res, nil
}

func isEInvoice(k records.Kind) bool {
	return k == records.KindXMLUBL || k == records.KindXMLCII || k == records.KindPDFEInvoice
}

// handleEInvoice validates an e-invoice and files its XML (the legal
// original), the validation report, the readable rendition and the invoice
// record. A rejected invoice is handed back to its sender with its report;
// its record stays, so it never disappears. A hybrid PDF also gets an
// archival PDF/A copy of the sender's PDF, which itself is kept as
// delivered.
func handleEInvoice(ctx workflow.Context, in InboundInput, wfID string, original blob.Ref, kind DetectKindOutput, res *InboundResult, status *InboundStatus) error {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           TaskQueueInbound,
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: []string{ErrTypeUnreadable, ErrTypeDigestMismatch, ErrTypeMissingObject},
		},
	})
	status.Step = "einvoice"
	var check CheckEInvoiceOutput
	err := workflow.ExecuteActivity(actx, ActivityCheckEInvoice, CheckEInvoiceInput{
		WorkflowID: wfID, Original: original, Kind: kind.Kind, ReceivedAt: in.ReceivedAt,
	}).Get(ctx, &check)
	if err != nil {
		return err
	}
	res.Invoice = &check
	status.Invoice = &check
	if !check.Accepted {
		status.Step = "return-to-sender"
		err := workflow.ExecuteActivity(actx, ActivityReturnInvoice, ReturnInvoiceInput{WorkflowID: wfID, InvoiceID: check.InvoiceID}).Get(ctx, nil)
		if err != nil {
			return err
		}
		res.Returned = true
	}
	// The sender's PDF stays as delivered; the archival copy is made last,
	// so that a PDF the converter cannot handle does not hold up the
	// verdict or the return to the sender.
	if kind.Kind == records.KindPDFEInvoice && res.Archive == nil {
		status.Step = "pdfa"
		var archive ArchiveOutput
		err := workflow.ExecuteActivity(archiveContext(ctx), ActivityArchivePDF, ArchivePDFInput{
			WorkflowID: wfID, Original: original, Title: in.OriginalName, ReceivedAt: in.ReceivedAt, EInvoice: true,
		}).Get(ctx, &archive)
		if err != nil {
			return err
		}
		res.Archive = &archive
	}
	return nil
}

// markFailed handles a failed step: an error that no retry fixes (an
// unreadable document) is recorded — the document stays registered, marked
// failed and listed in the quarantine, so the mailroom sees it instead of
// losing it — and the run completes; any other error fails the run.
func markFailed(ctx workflow.Context, in InboundInput, wfID, step string, err error, res *InboundResult, status *InboundStatus) error {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() {
		return err
	}
	res.Failed = appErr.Message()
	status.Step = "failed"
	mark := MarkFailedInput{WorkflowID: wfID, SHA256: in.SHA256, Step: step, Reason: appErr.Message(), Document: &in}
	return workflow.ExecuteLocalActivity(ctx, ActivityMarkFailed, mark).Get(ctx, nil)
}

// makeArchive produces the archival PDF/A and the text of a document: page
// OCR in parallel on the ocr task queue for scans, a PDF/A check (and
// conversion when needed) for born-digital PDFs. Other kinds (e-invoices)
// get their renditions in later steps.
func makeArchive(ctx workflow.Context, in InboundInput, wfID string, original blob.Ref, kind DetectKindOutput, status *InboundStatus) (*ArchiveOutput, error) {
	actx := archiveContext(ctx)
	var out ArchiveOutput
	switch kind.Kind {
	case records.KindScanImage, records.KindPDFScan:
		pages := max(kind.Pages, 1)
		status.Step = "ocr"
		status.PagesTotal = pages
		futures := make([]workflow.Future, pages)
		for i := range pages {
			futures[i] = workflow.ExecuteActivity(actx, ActivityOCRPage, OCRPageInput{WorkflowID: wfID, Original: original, Page: i})
		}
		results := make([]blob.Ref, pages)
		for i, f := range futures {
			var page OCRPageOutput
			if err := f.Get(ctx, &page); err != nil {
				return nil, err
			}
			results[i] = page.Result
			status.PagesDone++
		}
		status.Step = "pdfa"
		err := workflow.ExecuteActivity(actx, ActivityBuildArchive, BuildArchiveInput{
			WorkflowID: wfID, Original: original, Pages: results, Title: in.OriginalName,
			ReceivedAt: in.ReceivedAt, ScanProtocol: in.ScanProtocol,
		}).Get(ctx, &out)
		if err != nil {
			return nil, err
		}
		out.OCRPages = results
	case records.KindPDFText:
		status.Step = "pdfa"
		err := workflow.ExecuteActivity(actx, ActivityArchivePDF, ArchivePDFInput{
			WorkflowID: wfID, Original: original, Title: in.OriginalName, ReceivedAt: in.ReceivedAt,
		}).Get(ctx, &out)
		if err != nil {
			return nil, err
		}
	default:
		return nil, nil
	}
	return &out, nil
}

// archiveContext carries the options of the activities on the ocr task
// queue.
func archiveContext(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           TaskQueueOCR,
		StartToCloseTimeout: 10 * time.Minute,
		// A page takes seconds; a worker that stops heartbeating for this
		// long is gone, and its page is retried on another.
		HeartbeatTimeout: 20 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: []string{ErrTypeUnreadable, ErrTypeDigestMismatch, ErrTypeEmptyTextLayer, ErrTypeNotPDFA},
		},
	})
}

func newEntry(in InboundInput, workflowID string) records.NewEntry {
	return records.NewEntry{
		SHA256:       in.SHA256,
		Size:         in.Size,
		MediaType:    in.MediaType,
		OriginalName: in.OriginalName,
		Source:       in.Source,
		ReceivedAt:   in.ReceivedAt,
		ScanProtocol: in.ScanProtocol,
		WorkflowID:   workflowID,
	}
}
