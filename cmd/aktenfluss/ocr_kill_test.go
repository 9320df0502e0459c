package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/convert"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/ocr"
	"github.com/aktenfluss/aktenfluss/internal/pageimage"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// ocrWorker starts `aktenfluss ocr` as a child process against the dev
// stack described by info.
func ocrWorker(t *testing.T, info app.DevInfo) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "ocr")
	cmd.Env = append(os.Environ(), runMainEnv+"=1", "AKTENFLUSS_LOG_LEVEL=warn",
		"TEMPORAL_ADDRESS="+info.Temporal, "DATABASE_URL="+info.Database, "AKTENFLUSS_BLOB_DIR="+info.BlobDir,
		"AKTENFLUSS_OCR_JOBS=2", "OMP_THREAD_LIMIT=1")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	return cmd
}

// ocrAttempts reads, from the workflow's history, the page and the attempt
// of every OCRPage activity that has completed.
func ocrAttempts(t *testing.T, c client.Client, wfID string) map[int]int32 {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), wfID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	pageOf := map[int64]int{}
	attemptOf := map[int64]int32{}
	done := map[int]int32{}
	for it.HasNext() {
		ev, err := it.Next()
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return done // the consumer has not started the workflow yet
		}
		if err != nil {
			t.Fatal(err)
		}
		switch ev.EventType {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			a := ev.GetActivityTaskScheduledEventAttributes()
			if a.ActivityType.Name != workflows.ActivityOCRPage {
				continue
			}
			var in workflows.OCRPageInput
			if err := json.Unmarshal(a.Input.Payloads[0].Data, &in); err != nil {
				t.Fatal(err)
			}
			pageOf[ev.EventId] = in.Page
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			a := ev.GetActivityTaskStartedEventAttributes()
			attemptOf[a.ScheduledEventId] = a.Attempt
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			a := ev.GetActivityTaskCompletedEventAttributes()
			if p, ok := pageOf[a.ScheduledEventId]; ok {
				done[p] = attemptOf[a.ScheduledEventId]
			}
		}
	}
	return done
}

// TestOCRWorkerKilledMidDocument kills the OCR worker while it recognises a
// 20-page scan and starts another: the pages finished before the kill are
// not recognised again, and the archival PDF and text are the same as an
// uninterrupted conversion gives.
func TestOCRWorkerKilledMidDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("20-page OCR with a child process")
	}
	const pages = 20
	info := startDev(t, config.RoleWorker, config.RoleConsume) // OCR runs in the child

	var texts [][]string
	for i := range pages {
		texts = append(texts, []string{
			fmt.Sprintf("Stadt Musterstadt - Seite %d von %d", i+1, pages),
			"Az.: 60.10.02-0017/2026",
			fmt.Sprintf("Anlage %d zum Bauantrag vom 3. November 2026", i+1),
			"Die Unterlagen wurden vollständig eingereicht und geprüft.",
		})
	}
	scan := app.ScanPDFPages(texts, 40)
	c2 := config.Defaults()
	info.Apply(&c2)
	d, err := app.Connect(context.Background(), c2, newLogger(io.Discard, "error"), app.Needs{NATS: true, Store: true, Temporal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	env, err := d.Publisher().Publish(context.Background(), intake.PublishRequest{
		Name: "bauantrag-anlagen.pdf", Reader: bytes.NewReader(scan), Source: records.SourceMailroom,
		ScanProtocol: &records.ScanProtocol{Operator: "poststelle-2", Station: "scan-02", Profile: "A4-300dpi-grau"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wfID := workflows.InboundWorkflowID(env.SHA256)

	first := ocrWorker(t, info)
	var before map[int]int32
	deadline := time.Now().Add(3 * time.Minute)
	for {
		before = ocrAttempts(t, d.Temporal, wfID)
		if len(before) >= 6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d pages recognised within 3 minutes", len(before))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	before = ocrAttempts(t, d.Temporal, wfID) // anything that completed before the kill landed
	t.Logf("killed the OCR worker with %d of %d pages done", len(before), pages)

	ocrWorker(t, info)
	deadline = time.Now().Add(4 * time.Minute)
	for {
		e, err := d.Store.EntryBySHA256(context.Background(), env.SHA256)
		if err == nil && e.Status == records.StatusArchived {
			break
		}
		if err == nil && e.Status == records.StatusFailed {
			t.Fatal("document failed")
		}
		if time.Now().After(deadline) {
			t.Fatal("not archived within 4 minutes after the restart")
		}
		time.Sleep(200 * time.Millisecond)
	}

	after := ocrAttempts(t, d.Temporal, wfID)
	if len(after) != pages {
		t.Fatalf("%d pages recognised, want %d", len(after), pages)
	}
	executions := 0
	for page, attempt := range after {
		executions += int(attempt)
		if a, ok := before[page]; ok && (attempt != a || a != 1) {
			t.Errorf("page %d finished before the kill but ran again (attempt %d)", page+1, attempt)
		}
	}
	// Only the pages in flight at the kill (at most the worker's 2 slots,
	// AKTENFLUSS_OCR_JOBS) run a second time.
	if executions > pages+2 {
		t.Errorf("%d page recognitions for %d pages", executions, pages)
	}

	// The same result as an uninterrupted conversion of the same scan.
	pdfBytes, text := readRenditions(t, d.Store, info.BlobDir, env.SHA256)
	eng, err := ocr.NewEngine(ocr.Options{Languages: ocr.DefaultLanguages, Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	entry, err := d.Store.EntryBySHA256(context.Background(), env.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	wantText, wantPDF := uninterrupted(t, eng, scan, entry)
	if text != wantText {
		t.Errorf("text after the crash differs from an uninterrupted run")
	}
	if !bytes.Equal(pdfBytes, wantPDF) {
		t.Errorf("archival PDF after the crash (%d bytes) differs from an uninterrupted run (%d bytes)", len(pdfBytes), len(wantPDF))
	}
}

// uninterrupted converts the scan in this process with the activities'
// functions and the entry's metadata.
func uninterrupted(t *testing.T, eng *ocr.Engine, scan []byte, e records.RegisterEntry) (string, []byte) {
	t.Helper()
	pages, err := convert.Pages(bytes.NewReader(scan), int64(len(scan)), "application/pdf", pageimage.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	results := make([]convert.PageResult, len(pages))
	for i, p := range pages {
		if results[i], err = convert.RecognizePage(context.Background(), eng, p); err != nil {
			t.Fatal(err)
		}
	}
	doc, err := convert.Assemble(pages, results, convert.Meta{Title: e.OriginalName, ReceivedAt: e.ReceivedAt, ScanProtocol: e.ScanProtocol})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := pdfa.Write(&buf, doc); err != nil {
		t.Fatal(err)
	}
	return convert.Text(results), buf.Bytes()
}

func readRenditions(t *testing.T, st store.Store, blobDir, sha string) ([]byte, string) {
	t.Helper()
	list, err := st.Renditions(context.Background(), sha)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewFS(blobDir)
	if err != nil {
		t.Fatal(err)
	}
	var pdf []byte
	var text string
	for _, r := range list {
		rc, err := blobs.Open(context.Background(), r.BlobSHA256)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		switch r.Kind {
		case records.RenditionArchivalPDF:
			pdf = b
		case records.RenditionText:
			text = string(b)
		}
	}
	if pdf == nil {
		t.Fatal("no archival PDF")
	}
	if err := convert.SelfCheck(pdf); err != nil {
		t.Fatal(err)
	}
	return pdf, text
}
