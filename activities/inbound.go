package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/sniff"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// ObjectSource reads an object from the intake object store (the NATS
// JetStream bucket the publisher wrote the bytes to).
type ObjectSource interface {
	Open(ctx context.Context, name string) (io.ReadCloser, error)
}

// ErrObjectNotFound is what an ObjectSource returns for a missing object.
var ErrObjectNotFound = errors.New("intake object not found")

// QuarantineSink keeps documents a person has to look at.
type QuarantineSink interface {
	AddQuarantine(ctx context.Context, q store.QuarantineItem) (store.QuarantineItem, error)
}

// Registry is the part of the records store the inbound activities use.
type Registry interface {
	Register(ctx context.Context, e records.NewEntry) (records.RegisterEntry, bool, error)
	EntryBySHA256(ctx context.Context, sha256 string) (records.RegisterEntry, error)
	SetKind(ctx context.Context, sha256 string, kind records.Kind, detail string) error
	SetStatus(ctx context.Context, sha256 string, status records.Status) error
	AppendEvent(ctx context.Context, ev store.AuditEvent) (bool, error)
}

// Inbound holds the activities of InboundDocument.
type Inbound struct {
	Objects  ObjectSource
	Blobs    blob.Store
	Registry Registry
	// Quarantined receives documents whose original could not be stored.
	Quarantined QuarantineSink
	// TempDir is where a blob is spooled for random access during detection;
	// empty means the system default.
	TempDir string
	// Now is the clock for audit events; nil means time.Now.
	Now func() time.Time
}

const actorInbound = "system:inbound"

func (a *Inbound) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// StoreOriginal copies the original from the intake object store into the
// blob store, checking the sha256 announced in the envelope. Idempotent: the
// blob store is content-addressed and the audit event is keyed by workflow.
func (a *Inbound) StoreOriginal(ctx context.Context, in workflows.StoreOriginalInput) (blob.Ref, error) {
	// The receipt is the first fact of the trail, dated with the legal
	// receipt time, not the time a worker got round to it.
	if err := a.eventAt(ctx, in.ReceivedAt, in.WorkflowID, "document.received", in.SHA256, map[string]any{
		"source": in.Source, "received_at": in.ReceivedAt.UTC(), "size": in.Size, "media_type": in.MediaType,
	}); err != nil {
		return blob.Ref{}, err
	}
	ref, err := a.Blobs.Stat(ctx, in.SHA256)
	if errors.Is(err, blob.ErrNotFound) {
		ref, err = a.copyFromIntake(ctx, in)
	}
	if err != nil {
		return blob.Ref{}, err
	}
	if ref.Size != in.Size {
		return blob.Ref{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("original is %d bytes, envelope says %d", ref.Size, in.Size), workflows.ErrTypeDigestMismatch, nil)
	}
	ref.MediaType = in.MediaType
	err = a.event(ctx, in.WorkflowID, "document.stored", in.SHA256, map[string]any{"size": ref.Size, "media_type": in.MediaType})
	return ref, err
}

func (a *Inbound) copyFromIntake(ctx context.Context, in workflows.StoreOriginalInput) (blob.Ref, error) {
	rc, err := a.Objects.Open(ctx, in.Object)
	if errors.Is(err, ErrObjectNotFound) {
		return blob.Ref{}, temporal.NewNonRetryableApplicationError(
			"the intake object store no longer holds the original", workflows.ErrTypeMissingObject, err)
	}
	if err != nil {
		return blob.Ref{}, fmt.Errorf("open intake object %s: %w", in.Object, err)
	}
	defer func() { _ = rc.Close() }()
	ref, err := a.Blobs.Put(ctx, rc, in.SHA256)
	if errors.Is(err, blob.ErrDigestMismatch) {
		return blob.Ref{}, temporal.NewNonRetryableApplicationError(
			"the intake object does not match the sha256 of its envelope", workflows.ErrTypeDigestMismatch, err)
	}
	return ref, err
}

// Register creates the register entry. The store makes it idempotent on the
// sha256, so a retried activity returns the entry the first attempt made.
func (a *Inbound) Register(ctx context.Context, in workflows.RegisterInput) (workflows.RegisterOutput, error) {
	e := in.Entry
	entry, created, err := a.Registry.Register(ctx, e)
	if err != nil {
		return workflows.RegisterOutput{}, fmt.Errorf("register %s: %w", e.SHA256, err)
	}
	out := workflows.RegisterOutput{EntryID: entry.ID, RegisterNumber: entry.Number.String(), Created: created}
	err = a.event(ctx, e.WorkflowID, "document.registered", e.SHA256, map[string]any{"register_number": out.RegisterNumber})
	return out, err
}

// DetectKind inspects the stored original and records its kind. Unreadable
// documents (broken or encrypted PDF, unsafe XML) fail without retry.
func (a *Inbound) DetectKind(ctx context.Context, in workflows.DetectKindInput) (workflows.DetectKindOutput, error) {
	f, err := spoolBlob(ctx, a.Blobs, in.Original.SHA256, a.TempDir)
	if err != nil {
		return workflows.DetectKindOutput{}, err
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}()
	res, err := sniff.Detect(f, in.Original.Size, in.Original.MediaType)
	if err != nil {
		if isUnreadable(err) {
			return workflows.DetectKindOutput{}, temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeUnreadable, err)
		}
		return workflows.DetectKindOutput{}, fmt.Errorf("detect kind of %s: %w", in.Original.SHA256, err)
	}
	if err := a.Registry.SetKind(ctx, in.Original.SHA256, res.Kind, res.Detail); err != nil {
		return workflows.DetectKindOutput{}, err
	}
	out := workflows.DetectKindOutput{Kind: res.Kind, Detail: res.Detail, Pages: res.Pages}
	err = a.event(ctx, in.WorkflowID, "document.classified", in.Original.SHA256, map[string]any{"kind": res.Kind, "detail": res.Detail, "pages": res.Pages})
	return out, err
}

// MarkFailed records that a registered document could not be processed.
// The document stays in the register (its receipt is a legal fact) with
// status failed, and is listed in the quarantine with the reason. A retry
// of the activity finds the status already failed and adds no second
// quarantine item.
func (a *Inbound) MarkFailed(ctx context.Context, in workflows.MarkFailedInput) error {
	if in.Document != nil {
		e, err := a.Registry.EntryBySHA256(ctx, in.SHA256)
		if err != nil {
			return err
		}
		if e.Status != records.StatusFailed {
			if err := a.quarantine(ctx, in.WorkflowID, "unreadable", in.Step+": "+in.Reason, *in.Document); err != nil {
				return err
			}
		}
	}
	if err := a.Registry.SetStatus(ctx, in.SHA256, records.StatusFailed); err != nil {
		return err
	}
	return a.event(ctx, in.WorkflowID, "document.failed", in.SHA256, map[string]any{"step": in.Step, "reason": in.Reason})
}

// Quarantine records a document the workflow cannot take further, with an
// intake envelope as payload so that `aktenfluss quarantine retry` can feed
// it in again once the cause is fixed.
func (a *Inbound) Quarantine(ctx context.Context, in workflows.QuarantineInput) error {
	if err := a.quarantine(ctx, in.WorkflowID, in.Reason, in.Message, in.Document); err != nil {
		return err
	}
	return a.event(ctx, in.WorkflowID, "document.quarantined", in.Document.SHA256, map[string]any{"reason": in.Reason, "message": in.Message})
}

func (a *Inbound) quarantine(ctx context.Context, workflowID, reason, message string, d workflows.InboundInput) error {
	payload, err := json.Marshal(intake.Envelope{
		V: intake.EnvelopeVersion, SHA256: d.SHA256, Size: d.Size, MediaType: d.MediaType, OriginalName: d.OriginalName,
		Source: d.Source, ReceivedAt: d.ReceivedAt, ScanProtocol: d.ScanProtocol, Object: d.Object,
	})
	if err != nil {
		return fmt.Errorf("quarantine %s: %w", d.SHA256, err)
	}
	if _, err := a.Quarantined.AddQuarantine(ctx, store.QuarantineItem{
		Reason: reason, Message: message, Subject: "workflow:" + workflowID, Payload: payload, SHA256: d.SHA256,
	}); err != nil {
		return fmt.Errorf("quarantine %s: %w", d.SHA256, err)
	}
	return nil
}

func isUnreadable(err error) bool {
	for _, e := range []error{sniff.ErrBroken, sniff.ErrEncrypted, sniff.ErrUnsafeXML, sniff.ErrTooLarge, sniff.ErrUnsupported} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// spoolBlob copies a blob to a temporary file, verifying its digest,
// because format detection and page extraction need random access and the
// blob store gives a stream.
func spoolBlob(ctx context.Context, blobs blob.Store, sha, tempDir string) (*os.File, error) {
	rc, err := blobs.Open(ctx, sha)
	if err != nil {
		return nil, fmt.Errorf("open original %s: %w", sha, err)
	}
	defer func() { _ = rc.Close() }()
	f, err := os.CreateTemp(tempDir, "aktenfluss-spool-*")
	if err != nil {
		return nil, fmt.Errorf("spool original %s: %w", sha, err)
	}
	if _, err := io.Copy(f, rc); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		if errors.Is(err, blob.ErrDigestMismatch) {
			return nil, temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeDigestMismatch, err)
		}
		return nil, fmt.Errorf("spool original %s: %w", sha, err)
	}
	return f, nil
}

// readBlob reads a whole blob, verified against its digest.
func readBlob(ctx context.Context, blobs blob.Store, sha string) ([]byte, error) {
	rc, err := blobs.Open(ctx, sha)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	return io.ReadAll(rc)
}

// readBlobJSON decodes a JSON blob (an OCR result, a validation report).
func readBlobJSON(ctx context.Context, blobs blob.Store, sha string, v any) error {
	b, err := readBlob(ctx, blobs, sha)
	if err != nil {
		return fmt.Errorf("read %s: %w", sha, err)
	}
	return json.Unmarshal(b, v)
}

// event appends an audit event keyed by workflow and action, so the retry
// of an activity does not log a step twice.
func (a *Inbound) event(ctx context.Context, workflowID, action, sha string, details map[string]any) error {
	return a.eventAt(ctx, a.now(), workflowID, action, sha, details)
}

func (a *Inbound) eventAt(ctx context.Context, at time.Time, workflowID, action, sha string, details map[string]any) error {
	return appendEvent(ctx, a.Registry, at, actorInbound, workflowID, action, sha, details)
}

// eventAppender is what appendEvent needs from the store.
type eventAppender interface {
	AppendEvent(ctx context.Context, ev store.AuditEvent) (bool, error)
}

func appendEvent(ctx context.Context, s eventAppender, at time.Time, actor, workflowID, action, sha string, details map[string]any) error {
	raw, err := json.Marshal(details)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	_, err = s.AppendEvent(ctx, store.AuditEvent{
		Key:        workflowID + "/" + action,
		Time:       at.UTC(),
		Actor:      actor,
		Action:     action,
		ObjectType: "document",
		ObjectID:   sha,
		Details:    raw,
	})
	if err != nil {
		return fmt.Errorf("audit %s for %s: %w", action, sha, err)
	}
	return nil
}
