package intake

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Quarantine reasons. They are plain string constants so that QuarantineItem
// converts directly to the store's item type.
const (
	ReasonBadEnvelope         = "bad-envelope"         // not an envelope, or a malformed one
	ReasonEmpty               = "empty"                // size 0
	ReasonTooLarge            = "too-large"            // size above the limit
	ReasonUnknownMediaType    = "unknown-media-type"   // media type not accepted
	ReasonMissingObject       = "missing-object"       // bytes not in the bucket, or different
	ReasonStartRejected       = "start-rejected"       // the Starter returned a permanent error
	ReasonRedeliveryExhausted = "redelivery-exhausted" // transient errors until MaxDeliver
)

// QuarantineHeader carries the quarantine item id on a requeued message, so
// the consumer's log ties the new attempt to the old item.
const QuarantineHeader = "Aktenfluss-Quarantine-Id"

// QuarantineItem is a message the consumer could not turn into a workflow,
// kept with its raw payload so a person can look at it and retry it. The
// fields match the store's quarantine item one to one.
type QuarantineItem struct {
	ID         int64
	Reason     string // one of the Reason constants
	Message    string // the error, for people; no file names
	Subject    string // the NATS subject the message came on
	Payload    []byte // the raw message data, exactly as received
	SHA256     string // the envelope's sha256 when it could be read, else ""
	CreatedAt  time.Time
	RetriedAt  *time.Time
	RetryCount int
}

// Quarantine stores quarantined messages. AddQuarantine must be durable when
// it returns nil: the consumer acknowledges the message right after.
type Quarantine interface {
	AddQuarantine(ctx context.Context, item QuarantineItem) (QuarantineItem, error)
}

// Requeue publishes a quarantined payload again, on intake.retry, so the
// consumer takes it through the same checks as a new message. The message id
// retry-<id>-<n> (n = RetryCount+1) makes a double click one retry while a
// later, deliberate retry is a new message. The caller marks the item retried
// (store.MarkQuarantineRetried) after Requeue returned nil.
func Requeue(ctx context.Context, js jetstream.JetStream, item QuarantineItem) error {
	if item.ID <= 0 {
		return errors.New("requeue: quarantine item has no id")
	}
	if len(item.Payload) == 0 {
		return fmt.Errorf("requeue quarantine item %d: payload is empty", item.ID)
	}
	msg := nats.NewMsg(RetrySubject)
	msg.Data = item.Payload
	msg.Header.Set(QuarantineHeader, strconv.FormatInt(item.ID, 10))
	id := fmt.Sprintf("retry-%d-%d", item.ID, item.RetryCount+1)
	if _, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID(id), jetstream.WithExpectStream(StreamName)); err != nil {
		return fmt.Errorf("requeue quarantine item %d: %w", item.ID, err)
	}
	return nil
}
