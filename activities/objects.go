package activities

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nats-io/nats.go/jetstream"
)

// JetStreamObjects is the ObjectSource of a JetStream object store bucket,
// where the intake publisher put the bytes.
type JetStreamObjects struct {
	JS     jetstream.JetStream
	Bucket string
}

// Open implements ObjectSource.
func (o JetStreamObjects) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	obs, err := o.JS.ObjectStore(ctx, o.Bucket)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", o.Bucket, err)
	}
	res, err := obs.Get(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("object %s: %w", name, ErrObjectNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("object %s: %w", name, err)
	}
	return res, nil
}

// JetStreamOutbound is the Outbound of a JetStream stream: the message id
// goes into Nats-Msg-Id, so the stream drops a second publication within
// its duplicate window.
type JetStreamOutbound struct {
	JS jetstream.JetStream
}

// Publish implements Outbound.
func (o JetStreamOutbound) Publish(ctx context.Context, subject string, data []byte, msgID string) error {
	if _, err := o.JS.Publish(ctx, subject, data, jetstream.WithMsgID(msgID)); err != nil {
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	return nil
}
