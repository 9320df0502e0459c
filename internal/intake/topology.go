package intake

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// Names of the JetStream topology. They are part of the deployment: renaming
// one strands whatever the old name still holds.
const (
	StreamName      = "INTAKE"          // envelopes
	ObjectBucket    = "intake-objects"  // document bytes, object name = sha256
	SubjectPrefix   = "intake."         // + source
	RetrySubject    = "intake.retry"    // envelopes requeued from quarantine
	DurableName     = "inbound-starter" // the consumer that starts workflows
	DuplicateWindow = 2 * time.Minute   // Nats-Msg-Id dedupe window of INTAKE

	// OutboundStream holds messages for channels outside aktenfluss, such
	// as notices to senders of rejected e-invoices; connectors (mail,
	// Peppol) consume them.
	OutboundStream        = "OUTBOUND"
	OutboundSubjectPrefix = "outbound."
	// OutboundDuplicateWindow is long because a notice must never reach a
	// sender twice, even when the activity that sent it is retried an hour
	// later; the message ids are per object (e.g. per invoice).
	OutboundDuplicateWindow = 24 * time.Hour

	// FinanceStream carries booking records of approved invoices to the
	// finance system, on finance.bookings.<unit>; the message id is the
	// invoice record id, and the booking table remembers what was
	// published, so a booking is never sent twice.
	FinanceStream        = "FINANCE"
	FinanceSubjectPrefix = "finance."
)

// Subject is the subject envelopes from src are published on.
func Subject(src records.Source) string { return SubjectPrefix + string(src) }

// TopologyConfig sizes the stream and bucket.
type TopologyConfig struct {
	// Replicas of the stream and the bucket: 1 for the embedded server, 3 in
	// a production cluster. 0 means 1.
	Replicas int
}

// AuditStream holds the audit trail's signed checkpoints, published on
// AuditCheckpointSubject by the worker.
const (
	AuditStream            = "AUDIT"
	AuditCheckpointSubject = "audit.checkpoints"
)

// EnsureStreams creates the INTAKE, OUTBOUND, FINANCE and AUDIT streams and the intake-objects bucket, or
// updates them to cfg. It is idempotent and safe to call at every start.
//
// Both use file storage: the stream and bucket hold documents nobody has
// taken over yet, so they must survive a restart. INTAKE keeps messages by
// limits (not work-queue retention) so an operator can still read an
// envelope after it was processed, and so that a second consumer (e.g. an
// audit tap) can be added without changing the stream.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, cfg TopologyConfig) error {
	replicas := cfg.Replicas
	if replicas <= 0 {
		replicas = 1
	}
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "aktenfluss inbound document envelopes",
		Subjects:    []string{SubjectPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    replicas,
		Duplicates:  DuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("ensure stream %s: %w", StreamName, err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        OutboundStream,
		Description: "aktenfluss messages to senders and other outside parties",
		Subjects:    []string{OutboundSubjectPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    replicas,
		Duplicates:  OutboundDuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("ensure stream %s: %w", OutboundStream, err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        FinanceStream,
		Description: "aktenfluss booking records for the finance system",
		Subjects:    []string{FinanceSubjectPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    replicas,
		Duplicates:  OutboundDuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("ensure stream %s: %w", FinanceStream, err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        AuditStream,
		Description: "aktenfluss signed checkpoints of the audit trail, a copy outside the database",
		Subjects:    []string{AuditCheckpointSubject},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Replicas:    replicas,
		Duplicates:  OutboundDuplicateWindow,
		// Checkpoints are evidence: the stream refuses deleting messages and
		// purging through the API.
		DenyDelete: true,
		DenyPurge:  true,
	})
	if err != nil {
		return fmt.Errorf("ensure stream %s: %w", AuditStream, err)
	}
	_, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      ObjectBucket,
		Description: "aktenfluss inbound document bytes by sha256",
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
	})
	if err != nil {
		return fmt.Errorf("ensure object store %s: %w", ObjectBucket, err)
	}
	return nil
}
