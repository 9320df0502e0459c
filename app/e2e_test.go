package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/convert"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// devStack is one `aktenfluss dev` running in this test process.
type devStack struct {
	info   DevInfo
	cancel context.CancelFunc
	done   chan error
}

func testConfig(dir string) config.Config {
	cfg := config.Defaults()
	cfg.DataDir = dir
	cfg.Intake.AckWait = 2 * time.Second
	cfg.Log.Level = "warn"
	return cfg
}

// startDev starts the embedded stack on dir and waits until it is ready.
func startDev(t *testing.T, dir string, run RunOptions) *devStack {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	run.HTTPListener = ln
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan DevInfo, 1)
	s := &devStack{cancel: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- RunDev(ctx, testConfig(dir), discardLogger(), DevOptions{
			OnReady: func(i DevInfo) { ready <- i },
			Run:     run,
		})
	}()
	select {
	case s.info = <-ready:
	case err := <-s.done:
		cancel()
		t.Fatalf("dev stack did not start: %v", err)
	case <-time.After(90 * time.Second):
		cancel()
		t.Fatal("dev stack did not start within 90s")
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop shuts the stack down as Ctrl-C does and waits for it.
func (s *devStack) stop(t *testing.T) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("dev stack stopped with error: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Error("dev stack did not stop within 60s")
	}
}

func (s *devStack) publisher(t *testing.T) (*intake.Publisher, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(s.info.NATS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return intake.NewPublisher(js, intake.PublisherConfig{}), js
}

func openStore(t *testing.T, dir string) store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), "sqlite:"+filepath.Join(dir, "aktenfluss.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func countStatus(t *testing.T, s store.Store, status records.Status) int {
	t.Helper()
	n, err := s.CountEntries(context.Background(), store.EntryFilter{Status: status})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func publish(t *testing.T, pub *intake.Publisher, name string, data []byte) intake.Envelope {
	t.Helper()
	env, err := pub.Publish(context.Background(), intake.PublishRequest{
		Name: name, Reader: bytes.NewReader(data), Source: records.SourceUpload,
	})
	if err != nil {
		t.Fatalf("publish %s: %v", name, err)
	}
	return env
}

func TestSameDocumentTwiceIsRegisteredOnce(t *testing.T) {
	dir := t.TempDir()
	dev := startDev(t, dir, RunOptions{})
	pub, js := dev.publisher(t)
	st := openStore(t, dir)
	ctx := context.Background()

	pdf := TextPDF("Antrag auf Sondernutzung", "Az. 66.10.01-0003/2026")
	first := publish(t, pub, "antrag.pdf", pdf)
	second := publish(t, pub, "antrag-kopie.pdf", pdf) // deduplicated by Nats-Msg-Id
	if first.SHA256 != second.SHA256 {
		t.Fatalf("same bytes, different digests")
	}
	waitFor(t, "the archival rendition", 90*time.Second, func() (bool, error) {
		return countStatus(t, st, records.StatusArchived) == 1, nil
	})

	// Past the dedupe window a sender may deliver the same document again:
	// the same envelope under another message id reaches the consumer, whose
	// workflow start finds the finished run.
	raw, err := json.Marshal(first)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, intake.Subject(records.SourceUpload), raw, jetstream.WithMsgID("redelivered-"+first.SHA256)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "consumer to take the second delivery", 30*time.Second, func() (bool, error) {
		info, err := js.Consumer(ctx, intake.StreamName, intake.DurableName)
		if err != nil {
			return false, err
		}
		ci, err := info.Info(ctx)
		return err == nil && ci.NumPending == 0 && ci.NumAckPending == 0 && ci.Delivered.Stream >= 2, err
	})

	entries, err := st.Entries(ctx, store.EntryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("register has %d entries, want 1", len(entries))
	}
	e := entries[0]
	if e.Number.String() != fmt.Sprintf("%d-000001", records.RegisterYear(e.ReceivedAt)) {
		t.Errorf("register number %s", e.Number)
	}
	if e.Kind != records.KindPDFText || e.MediaType != "application/pdf" || e.OriginalName != "antrag.pdf" || e.Status != records.StatusArchived {
		t.Errorf("entry = %+v", e)
	}
	if !e.ReceivedAt.Equal(first.ReceivedAt.Truncate(time.Microsecond)) {
		t.Errorf("receipt date %v, want the envelope's %v", e.ReceivedAt, first.ReceivedAt)
	}

	tc, err := client.Dial(client.Options{HostPort: dev.info.Temporal})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	runs, err := tc.ListWorkflow(ctx, workflowListRequest())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(runs.Executions); n != 1 {
		t.Fatalf("%d workflow runs, want 1", n)
	}
	if id := runs.Executions[0].Execution.WorkflowId; id != workflows.InboundWorkflowID(first.SHA256) {
		t.Errorf("workflow id %s", id)
	}

	// Without a file plan and units, routing sends it to the registry. The
	// entry is archived before routing has run, so wait for its last step.
	want := []string{"document.received", "document.stored", "document.registered", "document.classified", "document.archived",
		"document.extracted", "document.triage"}
	var actions []string
	waitFor(t, "the routing step in the audit trail", 30*time.Second, func() (bool, error) {
		events, err := st.Events(ctx, "document", first.SHA256)
		if err != nil {
			return false, err
		}
		actions = actions[:0]
		for _, ev := range events {
			actions = append(actions, ev.Action)
		}
		return len(actions) >= len(want), nil
	})
	if fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Errorf("audit trail %v, want %v", actions, want)
	}

	// A born-digital PDF that is not PDF/A gets a converted archival copy
	// and its text; the original stays as it was.
	pdfBytes, text := renditions(t, st, dev.info.BlobDir, first.SHA256)
	if !bytes.Contains([]byte(text), []byte("Sondernutzung")) {
		t.Errorf("text rendition %q lacks the letter's words", text)
	}
	if err := convert.SelfCheck(pdfBytes); err != nil {
		t.Errorf("archival rendition: %v", err)
	}
}

// TestCrashBetweenStartAndAck stops the whole stack right after the
// workflow start and before the ack, starts it again, and finds one entry.
func TestCrashBetweenStartAndAck(t *testing.T) {
	dir := t.TempDir()
	var crashed atomic.Bool
	var stackCancel atomic.Pointer[context.CancelFunc]
	crash := errors.New("simulated crash between start and ack")
	dev := startDev(t, dir, RunOptions{AfterStart: func(intake.Envelope) error {
		if crashed.CompareAndSwap(false, true) {
			if c := stackCancel.Load(); c != nil {
				(*c)()
			}
			return crash
		}
		return nil
	}})
	cancel := dev.cancel
	stackCancel.Store(&cancel)
	pub, _ := dev.publisher(t)
	env := publish(t, pub, "widerspruch.pdf", ScanPDF(widerspruch, 3))

	select {
	case <-dev.done:
		dev.cancel = nil
	case <-time.After(60 * time.Second):
		t.Fatal("stack did not stop after the simulated crash")
	}
	if !crashed.Load() {
		t.Fatal("the crash hook never ran")
	}

	dev2 := startDev(t, dir, RunOptions{})
	st := openStore(t, dir)
	waitStatus(t, st, env.SHA256, records.StatusArchived, 2*time.Minute)
	if n, _ := st.CountEntries(context.Background(), store.EntryFilter{}); n != 1 {
		t.Fatalf("%d register entries, want exactly 1", n)
	}
	// The scan went through OCR: its text rendition has the letter's words
	// and the scan protocol knows pages, resolution and the checks done.
	pdfBytes, text := renditions(t, st, dev2.info.BlobDir, env.SHA256)
	for _, w := range []string{"Widerspruch", "Bescheid", "Mustermann"} {
		if !bytes.Contains([]byte(text), []byte(w)) {
			t.Errorf("OCR text lacks %q:\n%s", w, text)
		}
	}
	if err := convert.SelfCheck(pdfBytes); err != nil {
		t.Errorf("archival PDF: %v", err)
	}
	e, err := st.EntryBySHA256(context.Background(), env.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if p := e.ScanProtocol; p == nil || p.Pages != 1 || p.DPI != 300 || p.CaptureSHA256 != env.SHA256 || len(p.Checks) == 0 {
		t.Errorf("scan protocol after OCR: %+v", p)
	}
}

// TestRestartInTheMiddleOfABatch stops `dev` while 200 documents are being
// processed and starts it again: all 200 are registered, each once, with
// gap-free register numbers.
func TestRestartInTheMiddleOfABatch(t *testing.T) {
	if testing.Short() {
		t.Skip("200-document batch")
	}
	const n = 200
	dir := t.TempDir()
	dev := startDev(t, dir, RunOptions{})
	pub, _ := dev.publisher(t)
	st := openStore(t, dir)

	digests := make(map[string]bool, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	errc := make(chan error, n)
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			env, err := pub.Publish(context.Background(), intake.PublishRequest{
				Name: fmt.Sprintf("brief-%03d.pdf", i), Source: records.SourceMailroom,
				Reader: bytes.NewReader(ArchivalPDF(fmt.Sprintf("Schreiben Nr. %d", i))),
			})
			if err != nil {
				errc <- err
				return
			}
			mu.Lock()
			digests[env.SHA256] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatalf("publish: %v", err)
	}

	// Stop while the batch is in flight.
	waitFor(t, "some documents registered", 60*time.Second, func() (bool, error) {
		c, err := st.CountEntries(context.Background(), store.EntryFilter{})
		return c >= 20, err
	})
	dev.stop(t)
	before, _ := st.CountEntries(context.Background(), store.EntryFilter{})
	t.Logf("stopped with %d of %d registered", before, n)
	if before >= n {
		t.Logf("the whole batch finished before the stop; the restart still has to keep it intact")
	}

	startDev(t, dir, RunOptions{})
	waitFor(t, "all documents archived after restart", 3*time.Minute, func() (bool, error) {
		return countStatus(t, st, records.StatusArchived) == n, nil
	})
	entries, err := st.Entries(context.Background(), store.EntryFilter{Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != n {
		t.Fatalf("%d entries, want %d", len(entries), n)
	}
	seqs := make([]int64, 0, n)
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.SHA256] {
			t.Fatalf("document %s registered twice", e.SHA256)
		}
		seen[e.SHA256] = true
		if !digests[e.SHA256] {
			t.Fatalf("unexpected document %s", e.SHA256)
		}
		seqs = append(seqs, e.Number.Seq)
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("register numbers not gap-free: position %d has %d", i, s)
		}
	}
}

// TestBadInputIsQuarantined sends what a broken or hostile publisher might
// and checks each lands in quarantine with its reason while the consumer
// keeps going.
func TestBadInputIsQuarantined(t *testing.T) {
	dir := t.TempDir()
	dev := startDev(t, dir, RunOptions{})
	pub, js := dev.publisher(t)
	st := openStore(t, dir)
	ctx := context.Background()

	envelope := func(mut func(*intake.Envelope)) []byte {
		e := intake.Envelope{V: intake.EnvelopeVersion, SHA256: fmt.Sprintf("%064x", time.Now().UnixNano()), Size: 10,
			MediaType: "application/pdf", OriginalName: "x.pdf", Source: records.SourceUpload, ReceivedAt: time.Now().UTC()}
		e.Object = e.SHA256
		mut(&e)
		raw, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	cases := []struct {
		name, reason string
		payload      []byte
	}{
		{"garbage json", intake.ReasonBadEnvelope, []byte("{not json")},
		{"missing object", intake.ReasonMissingObject, envelope(func(*intake.Envelope) {})},
		{"zero bytes", intake.ReasonEmpty, envelope(func(e *intake.Envelope) { e.Size = 0 })},
		{"over the limit", intake.ReasonTooLarge, envelope(func(e *intake.Envelope) { e.Size = 1 << 40 })},
		{"unknown media type", intake.ReasonUnknownMediaType, envelope(func(e *intake.Envelope) { e.MediaType = "application/x-msdownload" })},
	}
	for i, c := range cases {
		if _, err := js.Publish(ctx, intake.Subject(records.SourceUpload), c.payload, jetstream.WithMsgID(fmt.Sprintf("bad-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	good := publish(t, pub, "gut.pdf", ArchivalPDF("Nach dem Müll kommt ein gutes Dokument"))
	waitFor(t, "quarantine and the good document", 60*time.Second, func() (bool, error) {
		items, err := st.Quarantined(ctx, store.QuarantineFilter{})
		if err != nil {
			return false, err
		}
		e, err := st.EntryBySHA256(ctx, good.SHA256)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return len(items) == len(cases) && e.Status == records.StatusArchived, err
	})
	items, err := st.Quarantined(ctx, store.QuarantineFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, q := range items {
		got[string(q.Payload)] = q.Reason
		if q.Message == "" {
			t.Errorf("quarantine item %d has no message", q.ID)
		}
	}
	for _, c := range cases {
		if got[string(c.payload)] != c.reason {
			t.Errorf("%s: quarantined as %q, want %q", c.name, got[string(c.payload)], c.reason)
		}
	}
	if n, _ := st.CountEntries(ctx, store.EntryFilter{}); n != 1 {
		t.Errorf("%d register entries, want only the good one", n)
	}
}

// TestUnreadableDocumentIsRegisteredAndMarked keeps a damaged PDF in the
// register with status failed and the reason in its audit trail.
func TestUnreadableDocumentIsRegisteredAndMarked(t *testing.T) {
	dir := t.TempDir()
	dev := startDev(t, dir, RunOptions{})
	pub, _ := dev.publisher(t)
	st := openStore(t, dir)
	env := publish(t, pub, "kaputt.pdf", []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntruncated"))
	waitFor(t, "the damaged document to be marked failed", 60*time.Second, func() (bool, error) {
		e, err := st.EntryBySHA256(context.Background(), env.SHA256)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil && e.Status == records.StatusFailed, err
	})
	events, err := st.Events(context.Background(), "document", env.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	if last.Action != "document.failed" || !bytes.Contains(last.Details, []byte(`"reason"`)) {
		t.Fatalf("last audit event %s %s", last.Action, last.Details)
	}
	items, err := st.Quarantined(context.Background(), store.QuarantineFilter{})
	if err != nil || len(items) != 1 || items[0].Reason != "unreadable" || items[0].SHA256 != env.SHA256 || items[0].Message == "" {
		t.Fatalf("quarantine: %+v, %v", items, err)
	}
	waitFor(t, "the workflow to complete", 30*time.Second, func() (bool, error) {
		tc, err := client.Dial(client.Options{HostPort: dev.info.Temporal})
		if err != nil {
			return false, err
		}
		defer tc.Close()
		d, err := tc.DescribeWorkflowExecution(context.Background(), workflows.InboundWorkflowID(env.SHA256), "")
		return err == nil && d.WorkflowExecutionInfo.CloseTime != nil, err
	})
	recordHistory(t, dev.info.Temporal, workflows.InboundWorkflowID(env.SHA256), "inbound_v2_unreadable.json")
}

// waitStatus waits until a document reaches a status.
func waitStatus(t *testing.T, st store.Store, sha string, status records.Status, timeout time.Duration) {
	t.Helper()
	waitFor(t, "status "+string(status), timeout, func() (bool, error) {
		e, err := st.EntryBySHA256(context.Background(), sha)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err == nil && e.Status == records.StatusFailed && status != records.StatusFailed {
			return false, fmt.Errorf("document failed")
		}
		return err == nil && e.Status == status, err
	})
}

// renditions reads a document's archival PDF and text from the blob store.
func renditions(t *testing.T, st store.Store, blobDir, sha string) (pdf []byte, text string) {
	t.Helper()
	list, err := st.Renditions(context.Background(), sha)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewFS(blobDir)
	if err != nil {
		t.Fatal(err)
	}
	read := func(digest string) []byte {
		rc, err := blobs.Open(context.Background(), digest)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, r := range list {
		switch r.Kind {
		case records.RenditionArchivalPDF:
			pdf = read(r.BlobSHA256)
		case records.RenditionText:
			text = string(read(r.BlobSHA256))
		}
	}
	if pdf == nil || text == "" {
		t.Fatalf("renditions of %s: %+v", sha, list)
	}
	return pdf, text
}

func workflowListRequest() *workflowservice.ListWorkflowExecutionsRequest {
	return &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", Query: "WorkflowType = 'InboundDocument'"}
}
