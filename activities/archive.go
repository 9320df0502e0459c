package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/convert"
	"github.com/aktenfluss/aktenfluss/internal/invoicepdf"
	"github.com/aktenfluss/aktenfluss/internal/pageimage"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/sniff"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// ArchiveRegistry is the part of the records store the archive activities use.
type ArchiveRegistry interface {
	AddRendition(ctx context.Context, r records.Rendition) (records.Rendition, bool, error)
	SetScanProtocol(ctx context.Context, sha256 string, p *records.ScanProtocol) error
	SetStatus(ctx context.Context, sha256 string, status records.Status) error
	AppendEvent(ctx context.Context, ev store.AuditEvent) (bool, error)
}

// Archive holds the activities of the ocr task queue: page OCR and the
// assembly of the archival PDF/A with its text.
type Archive struct {
	Blobs    blob.Store
	Registry ArchiveRegistry
	OCR      convert.Recognizer
	Limits   pageimage.Limits
	// TempDir is where originals are spooled for random access.
	TempDir string
	// Now is the clock for audit events; nil means time.Now.
	Now func() time.Time
}

const actorArchive = "system:archive"

// OCRPage recognises one page and stores the result as a blob. A retry
// after a crash repeats only this page; pages already done are in the
// workflow's history.
func (a *Archive) OCRPage(ctx context.Context, in workflows.OCRPageInput) (workflows.OCRPageOutput, error) {
	stop := keepHeartbeating(ctx, in.Page)
	defer stop()
	pages, cleanup, err := a.pages(ctx, in.Original)
	if err != nil {
		return workflows.OCRPageOutput{}, err
	}
	defer cleanup()
	if in.Page < 0 || in.Page >= len(pages) {
		return workflows.OCRPageOutput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("page %d of %d does not exist", in.Page+1, len(pages)), workflows.ErrTypeUnreadable, nil)
	}
	res, err := convert.RecognizePage(ctx, a.OCR, pages[in.Page])
	if errors.Is(err, convert.ErrEmptyTextLayer) {
		return workflows.OCRPageOutput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("Seite %d: sichtbarer Text, aber leere Textebene (%v)", in.Page+1, err), workflows.ErrTypeEmptyTextLayer, err)
	}
	if err != nil {
		return workflows.OCRPageOutput{}, err
	}
	raw, err := json.Marshal(res)
	if err != nil {
		return workflows.OCRPageOutput{}, fmt.Errorf("ocr page %d: %w", in.Page+1, err)
	}
	ref, err := a.Blobs.Put(ctx, bytes.NewReader(raw), "")
	if err != nil {
		return workflows.OCRPageOutput{}, fmt.Errorf("store ocr of page %d: %w", in.Page+1, err)
	}
	ref.MediaType = "application/json"
	return workflows.OCRPageOutput{Page: in.Page, Result: ref, Words: len(res.Words), DPI: res.DPI}, nil
}

// BuildArchive assembles the archival PDF/A from the original's page images
// and the pages' OCR results, self-checks it, stores it and the text as new
// blobs beside the original, and updates the scan protocol.
func (a *Archive) BuildArchive(ctx context.Context, in workflows.BuildArchiveInput) (workflows.ArchiveOutput, error) {
	stop := keepHeartbeating(ctx, -1)
	defer stop()
	pages, cleanup, err := a.pages(ctx, in.Original)
	if err != nil {
		return workflows.ArchiveOutput{}, err
	}
	defer cleanup()
	if len(pages) != len(in.Pages) {
		return workflows.ArchiveOutput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("original has %d pages, OCR results for %d", len(pages), len(in.Pages)), workflows.ErrTypeUnreadable, nil)
	}
	results := make([]convert.PageResult, len(in.Pages))
	var words, blank int
	var conf float64
	for i, ref := range in.Pages {
		if err := readBlobJSON(ctx, a.Blobs, ref.SHA256, &results[i]); err != nil {
			return workflows.ArchiveOutput{}, fmt.Errorf("ocr result of page %d: %w", i+1, err)
		}
		words += len(results[i].Words)
		conf += results[i].MeanConfidence
		if results[i].Blank {
			blank++
		}
	}

	proto := records.ScanProtocol{}
	if in.ScanProtocol != nil {
		proto = *in.ScanProtocol
	}
	if proto.ScannedAt == nil {
		// Intake did not say when the paper was scanned; the receipt time
		// is the closest fact we have (a scanner delivers right away).
		at := in.ReceivedAt
		proto.ScannedAt = &at
	}
	proto.Pages = len(pages)
	if len(results) > 0 {
		proto.DPI = results[0].DPI
	}
	proto.CaptureSHA256 = in.Original.SHA256
	proto.Checks = appendCheck(proto.Checks, "capture-sha256-verified", "ocr-text-layer", "pdfa-2b-self-check")
	if blank > 0 {
		proto.Checks = appendCheck(proto.Checks, fmt.Sprintf("blank-pages:%d", blank))
	}

	doc, err := convert.Assemble(pages, results, convert.Meta{Title: in.Title, ReceivedAt: in.ReceivedAt, ScanProtocol: &proto})
	if err != nil {
		return workflows.ArchiveOutput{}, temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeUnreadable, err)
	}
	var buf bytes.Buffer
	if err := pdfa.Write(&buf, doc); err != nil {
		return workflows.ArchiveOutput{}, fmt.Errorf("write pdf/a: %w", err)
	}
	if err := convert.SelfCheck(buf.Bytes()); err != nil {
		return workflows.ArchiveOutput{}, temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeNotPDFA, err)
	}
	out, err := a.storeRenditions(ctx, in.Original.SHA256, buf.Bytes(), convert.Text(results), true)
	if err != nil {
		return workflows.ArchiveOutput{}, err
	}
	out.Pages, out.Checks = len(pages), proto.Checks
	if err := a.Registry.SetScanProtocol(ctx, in.Original.SHA256, &proto); err != nil {
		return workflows.ArchiveOutput{}, err
	}
	meanConf := 0.0
	if len(results) > 0 {
		meanConf = conf / float64(len(results))
	}
	if err := a.event(ctx, in.WorkflowID, "document.ocr", in.Original.SHA256, map[string]any{
		"pages": len(pages), "words": words, "blank_pages": blank, "mean_confidence": fmt.Sprintf("%.1f", meanConf),
	}); err != nil {
		return workflows.ArchiveOutput{}, err
	}
	return out, a.event(ctx, in.WorkflowID, "document.archived", in.Original.SHA256, map[string]any{
		"pdf_sha256": out.PDF.SHA256, "text_sha256": out.Text.SHA256, "checks": proto.Checks, "conformance": "PDF/A-2b",
	})
}

// ArchivePDF makes the archival rendition of a born-digital PDF: the
// original itself when it passes the PDF/A self-check, otherwise a
// Ghostscript conversion that must pass it. The text comes from the PDF's
// own text layer; no OCR runs.
func (a *Archive) ArchivePDF(ctx context.Context, in workflows.ArchivePDFInput) (workflows.ArchiveOutput, error) {
	stop := keepHeartbeating(ctx, -1)
	defer stop()
	f, err := spoolBlob(ctx, a.Blobs, in.Original.SHA256, a.TempDir)
	if err != nil {
		return workflows.ArchiveOutput{}, err
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}()
	var pdf []byte
	conversion := "kept"
	check := "pdfa-2b-self-check"
	if in.EInvoice {
		// A hybrid e-invoice: the archival copy must keep the XML inside,
		// which a Ghostscript conversion would drop. archiveHybrid runs
		// the PDF/A check itself.
		check = "pdfa-3b-self-check"
		if pdf, conversion, err = archiveHybrid(f, in.Original.Size); err != nil {
			return workflows.ArchiveOutput{}, err
		}
	} else {
		rep, err := pdfa.Check(f, in.Original.Size)
		if err != nil {
			return workflows.ArchiveOutput{}, temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeUnreadable, err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return workflows.ArchiveOutput{}, err
		}
		if !rep.OK() {
			var buf bytes.Buffer
			if err := pdfa.ConvertWithGhostscript(ctx, f, &buf); err != nil {
				return workflows.ArchiveOutput{}, temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeNotPDFA, err)
			}
			pdf, conversion = buf.Bytes(), "ghostscript"
		} else if pdf, err = io.ReadAll(f); err != nil {
			return workflows.ArchiveOutput{}, err
		}
	}
	text, err := convert.ExtractText(ctx, f.Name())
	if err != nil {
		return workflows.ArchiveOutput{}, err
	}
	out, err := a.storeRenditions(ctx, in.Original.SHA256, pdf, text, !in.EInvoice)
	if err != nil {
		return workflows.ArchiveOutput{}, err
	}
	// pdftotext ends every page, the last one too, with a form feed.
	out.Pages = strings.Count(text, "\f")
	if !strings.HasSuffix(strings.TrimRight(text, "\n"), "\f") {
		out.Pages++
	}
	out.Checks = []string{check, "pdfa:" + conversion}
	return out, a.event(ctx, in.WorkflowID, "document.archived", in.Original.SHA256, map[string]any{
		"pdf_sha256": out.PDF.SHA256, "text_sha256": out.Text.SHA256, "pdfa": conversion,
	})
}

// archiveHybrid makes the archival copy of a hybrid e-invoice PDF: the PDF
// itself when it is PDF/A-3 already ("kept"), otherwise a PDF/A-3b
// rendered from its XML that embeds both the XML and the sender's PDF
// unchanged ("rendered-from-xml").
func archiveHybrid(f *os.File, size int64) ([]byte, string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, "", err
	}
	original, err := io.ReadAll(f)
	if err != nil {
		return nil, "", err
	}
	name, xml, err := sniff.EmbeddedInvoice(bytes.NewReader(original), size)
	if err != nil {
		return nil, "", temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeUnreadable, err)
	}
	pdf, converted, err := invoicepdf.ArchiveHybrid(original, xml, name)
	if err != nil {
		return nil, "", temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeNotPDFA, err)
	}
	if converted {
		return pdf, "rendered-from-xml", nil
	}
	return pdf, "kept", nil
}

// storeRenditions stores the archival PDF and the text and links them to
// the document; setStatus marks the document archived.
func (a *Archive) storeRenditions(ctx context.Context, original string, pdf []byte, text string, setStatus bool) (workflows.ArchiveOutput, error) {
	pdfRef, err := a.Blobs.Put(ctx, bytes.NewReader(pdf), "")
	if err != nil {
		return workflows.ArchiveOutput{}, fmt.Errorf("store archival pdf: %w", err)
	}
	pdfRef.MediaType = "application/pdf"
	textRef, err := a.Blobs.Put(ctx, strings.NewReader(text), "")
	if err != nil {
		return workflows.ArchiveOutput{}, fmt.Errorf("store text: %w", err)
	}
	textRef.MediaType = "text/plain; charset=utf-8"
	for _, r := range []records.Rendition{
		{DocumentSHA256: original, Kind: records.RenditionArchivalPDF, BlobSHA256: pdfRef.SHA256, Size: pdfRef.Size, MediaType: pdfRef.MediaType},
		{DocumentSHA256: original, Kind: records.RenditionText, BlobSHA256: textRef.SHA256, Size: textRef.Size, MediaType: textRef.MediaType},
	} {
		if _, _, err := a.Registry.AddRendition(ctx, r); err != nil {
			return workflows.ArchiveOutput{}, err
		}
	}
	if setStatus {
		if err := a.Registry.SetStatus(ctx, original, records.StatusArchived); err != nil {
			return workflows.ArchiveOutput{}, err
		}
	}
	return workflows.ArchiveOutput{PDF: pdfRef, Text: textRef}, nil
}

// pages spools the original and splits it into page images. Errors a retry
// cannot fix (encrypted, broken, over the limits) are non-retryable.
func (a *Archive) pages(ctx context.Context, original blob.Ref) ([]pageimage.Page, func(), error) {
	f, err := spoolBlob(ctx, a.Blobs, original.SHA256, a.TempDir)
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	pages, err := convert.Pages(f, original.Size, original.MediaType, a.Limits)
	if err != nil {
		cleanup()
		return nil, nil, temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeUnreadable, err)
	}
	return pages, cleanup, nil
}

func (a *Archive) event(ctx context.Context, workflowID, action, sha string, details map[string]any) error {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	return appendEvent(ctx, a.Registry, now().UTC(), actorArchive, workflowID, action, sha, details)
}

func appendCheck(checks []string, add ...string) []string {
	out := append([]string(nil), checks...)
	for _, c := range add {
		found := false
		for _, have := range out {
			found = found || have == c
		}
		if !found {
			out = append(out, c)
		}
	}
	return out
}

// keepHeartbeating records a heartbeat now and every 5 s until stopped, so
// a worker that dies mid-page is noticed within the heartbeat timeout and
// the page is retried elsewhere.
func keepHeartbeating(ctx context.Context, page int) (stop func()) {
	if !activity.IsActivity(ctx) {
		return func() {}
	}
	activity.RecordHeartbeat(ctx, page)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx, page)
			}
		}
	}()
	return func() { close(done) }
}
