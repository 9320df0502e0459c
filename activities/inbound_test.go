package activities

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/devstack"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// fixture wires the activities to a real SQLite store, a real blob store and
// a real JetStream object store, as the worker does.
type fixture struct {
	acts  *Inbound
	store store.Store
	blobs *blob.FS
	obs   jetstream.ObjectStore
	env   *testsuite.TestActivityEnvironment
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	ns, err := devstack.StartNATS(devstack.NATSOptions{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := js.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "intake-objects", Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "records.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	blobs, err := blob.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: st, blobs: blobs, obs: obs}
	f.acts = &Inbound{Objects: JetStreamObjects{JS: js, Bucket: "intake-objects"}, Blobs: blobs, Registry: st, Quarantined: st}
	var suite testsuite.WorkflowTestSuite
	f.env = suite.NewTestActivityEnvironment()
	f.env.RegisterActivity(f.acts)
	return f
}

func (f *fixture) put(t *testing.T, data []byte) string {
	t.Helper()
	sum := sha256.Sum256(data)
	d := hex.EncodeToString(sum[:])
	if _, err := f.obs.PutBytes(context.Background(), d, data); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestActivitiesAreIdempotent runs every side-effecting activity twice with
// the same input and finds one result: one blob, one register entry, one
// audit event per step.
func TestActivitiesAreIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	data := []byte("%PDF-1.7 Bescheid über Gebühren")
	d := f.put(t, data)
	wfID := workflows.InboundWorkflowID(d)

	for range 2 {
		v, err := f.env.ExecuteActivity(f.acts.StoreOriginal, workflows.StoreOriginalInput{
			WorkflowID: wfID, Object: d, SHA256: d, Size: int64(len(data)), MediaType: "application/pdf",
			Source: records.SourceMailroom, ReceivedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		var ref blob.Ref
		if err := v.Get(&ref); err != nil || ref.SHA256 != d || ref.Size != int64(len(data)) {
			t.Fatalf("StoreOriginal = %+v, %v", ref, err)
		}
	}
	var numbers []string
	for range 2 {
		v, err := f.env.ExecuteActivity(f.acts.Register, workflows.RegisterInput{Entry: records.NewEntry{
			SHA256: d, Size: int64(len(data)), MediaType: "application/pdf", OriginalName: "bescheid.pdf",
			Source: records.SourceMailroom, ReceivedAt: time.Now().UTC(), WorkflowID: wfID,
		}})
		if err != nil {
			t.Fatal(err)
		}
		var out workflows.RegisterOutput
		if err := v.Get(&out); err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, out.RegisterNumber)
	}
	if numbers[0] != numbers[1] {
		t.Fatalf("second Register gave another number: %v", numbers)
	}
	doc := workflows.InboundInput{SHA256: d, Size: int64(len(data)), MediaType: "application/pdf", Source: records.SourceMailroom, ReceivedAt: time.Now().UTC(), Object: d}
	for range 2 {
		if _, err := f.env.ExecuteActivity(f.acts.MarkFailed, workflows.MarkFailedInput{WorkflowID: wfID, SHA256: d, Step: "detect", Reason: "test", Document: &doc}); err != nil {
			t.Fatal(err)
		}
	}
	if items, err := f.store.Quarantined(ctx, store.QuarantineFilter{}); err != nil || len(items) != 1 || items[0].Reason != "unreadable" {
		t.Fatalf("quarantine after MarkFailed twice: %+v, %v", items, err)
	}
	if n, err := f.store.CountEntries(ctx, store.EntryFilter{}); err != nil || n != 1 {
		t.Fatalf("%d entries, %v", n, err)
	}
	events, err := f.store.Events(ctx, "document", d)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, ev := range events {
		seen[ev.Action]++
	}
	for _, a := range []string{"document.stored", "document.received", "document.registered", "document.failed"} {
		if seen[a] != 1 {
			t.Errorf("audit %s appended %d times, want 1", a, seen[a])
		}
	}
}

func TestStoreOriginalRejectsWrongDigest(t *testing.T) {
	f := newFixture(t)
	data := []byte("%PDF-1.7 echt")
	d := f.put(t, data)
	other := sha256.Sum256([]byte("%PDF-1.7 behauptet"))
	_, err := f.env.ExecuteActivity(f.acts.StoreOriginal, workflows.StoreOriginalInput{
		WorkflowID: "w", Object: d, SHA256: hex.EncodeToString(other[:]), Size: int64(len(data))})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != workflows.ErrTypeDigestMismatch || !appErr.NonRetryable() {
		t.Fatalf("err = %v, want non-retryable %s", err, workflows.ErrTypeDigestMismatch)
	}
}

func TestStoreOriginalMissingObject(t *testing.T) {
	f := newFixture(t)
	d := hex.EncodeToString(make([]byte, 32))
	_, err := f.env.ExecuteActivity(f.acts.StoreOriginal, workflows.StoreOriginalInput{WorkflowID: "w", Object: d, SHA256: d, Size: 1})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != workflows.ErrTypeMissingObject {
		t.Fatalf("err = %v, want %s", err, workflows.ErrTypeMissingObject)
	}
}

func TestDetectKind(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cases := []struct {
		name, media string
		data        []byte
		want        records.Kind
		unreadable  bool
	}{
		{"ubl invoice", "application/xml", []byte(`<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>1</ID></Invoice>`), records.KindXMLUBL, false},
		{"xml with DTD", "application/xml", []byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`), "", true},
		{"broken pdf", "application/pdf", []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntruncated"), "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ref, err := f.blobs.Put(ctx, bytes.NewReader(c.data), "")
			if err != nil {
				t.Fatal(err)
			}
			ref.MediaType = c.media
			if _, _, err := f.store.Register(ctx, records.NewEntry{SHA256: ref.SHA256, Size: ref.Size, MediaType: c.media,
				Source: records.SourceUpload, ReceivedAt: time.Now(), WorkflowID: "w-" + c.name}); err != nil {
				t.Fatal(err)
			}
			v, err := f.env.ExecuteActivity(f.acts.DetectKind, workflows.DetectKindInput{WorkflowID: "w-" + c.name, Original: ref})
			if c.unreadable {
				var appErr *temporal.ApplicationError
				if !errors.As(err, &appErr) || appErr.Type() != workflows.ErrTypeUnreadable || !appErr.NonRetryable() {
					t.Fatalf("err = %v, want non-retryable %s", err, workflows.ErrTypeUnreadable)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var out workflows.DetectKindOutput
			if err := v.Get(&out); err != nil || out.Kind != c.want {
				t.Fatalf("kind %q, %v; want %q", out.Kind, err, c.want)
			}
			e, err := f.store.EntryBySHA256(ctx, ref.SHA256)
			if err != nil || e.Kind != c.want || e.Status != records.StatusClassified {
				t.Fatalf("entry kind %q status %q, %v", e.Kind, e.Status, err)
			}
		})
	}
}

func TestQuarantineKeepsARequeueableEnvelope(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	doc := workflows.InboundInput{SHA256: hex.EncodeToString(make([]byte, 32)), Size: 5, MediaType: "application/pdf",
		OriginalName: "weg.pdf", Source: records.SourceEmail, ReceivedAt: time.Now().UTC(), Object: "o"}
	if _, err := f.env.ExecuteActivity(f.acts.Quarantine, workflows.QuarantineInput{WorkflowID: "w", Reason: workflows.ErrTypeMissingObject, Message: "gone", Document: doc}); err != nil {
		t.Fatal(err)
	}
	items, err := f.store.Quarantined(ctx, store.QuarantineFilter{})
	if err != nil || len(items) != 1 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	if !bytes.Contains(items[0].Payload, []byte(`"sha256":"`+doc.SHA256)) || items[0].Reason != workflows.ErrTypeMissingObject {
		t.Fatalf("item %+v", items[0])
	}
}
