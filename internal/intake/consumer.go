package intake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Starter starts the inbound workflow for an envelope. It must be
// idempotent: the consumer calls it again when a message is redelivered
// (after a crash between start and ack, or a lost ack), and a run that
// already exists for the envelope counts as success. Return an error matching
// ErrPermanent (see Permanent) for a rejection no retry can fix; any other
// error is retried with backoff.
type Starter interface {
	StartInbound(ctx context.Context, env Envelope) error
}

// ConsumerConfig configures a Consumer. Zero values take the defaults.
type ConsumerConfig struct {
	// AckWait is how long the server waits for an ack before redelivering;
	// default 30s. While a message is being handled the consumer reports
	// progress, so a slow start is not redelivered under its feet.
	AckWait time.Duration
	// MaxDeliver is the delivery attempt on which a message that still
	// fails transiently goes to quarantine (redelivery-exhausted); default 10.
	MaxDeliver int
	// Concurrency is how many messages are handled at once; default 8.
	Concurrency int
	// MaxBytes is the size limit; default DefaultMaxBytes. Keep it equal to
	// the publishers' limit.
	MaxBytes int64
	// BackoffBase and BackoffMax shape the redelivery delay after a
	// transient error: BackoffBase·2^(n-1) for delivery n, at most
	// BackoffMax; defaults 1s and 30s.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// HandlerTimeout bounds the handling of one message (object check,
	// start, quarantine write, ack); default 1m.
	HandlerTimeout time.Duration
	// PollWait is how long one pull request waits for messages; default 5s.
	PollWait time.Duration
	// AfterStart, if set, runs after StartInbound succeeded and before the
	// ack. If it returns an error the consumer behaves as if the process
	// crashed at that point: no ack, no nak, the message comes back after
	// AckWait. Tests use it to prove the start is idempotent.
	AfterStart func(env Envelope) error
	// Logger receives structured logs (hashes and ids only); default
	// slog.Default().
	Logger *slog.Logger
}

func (c *ConsumerConfig) setDefaults() {
	if c.AckWait <= 0 {
		c.AckWait = 30 * time.Second
	}
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = 10
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.BackoffBase <= 0 {
		c.BackoffBase = time.Second
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 30 * time.Second
	}
	if c.BackoffMax < c.BackoffBase {
		c.BackoffMax = c.BackoffBase
	}
	if c.HandlerTimeout <= 0 {
		c.HandlerTimeout = time.Minute
	}
	if c.PollWait <= 0 {
		c.PollWait = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Consumer is the durable pull consumer "inbound-starter" on INTAKE: it
// turns envelopes into workflow starts and everything else into quarantine
// items. A message is acknowledged only after the start, or the quarantine
// write, is durable.
type Consumer struct {
	js      jetstream.JetStream
	starter Starter
	quar    Quarantine
	cfg     ConsumerConfig
	log     *slog.Logger
	now     func() time.Time
}

// NewConsumer returns a Consumer; Run does the work.
func NewConsumer(js jetstream.JetStream, starter Starter, quarantine Quarantine, cfg ConsumerConfig) (*Consumer, error) {
	if js == nil || starter == nil || quarantine == nil {
		return nil, errors.New("intake: consumer needs a JetStream context, a Starter and a Quarantine")
	}
	cfg.setDefaults()
	return &Consumer{js: js, starter: starter, quar: quarantine, cfg: cfg, log: cfg.Logger, now: time.Now}, nil
}

// JetStreamConfig is the server-side configuration of the durable consumer.
//
// The server's own MaxDeliver is unlimited on purpose: the consumer enforces
// cfg.MaxDeliver itself by quarantining on the last attempt. A server-side
// limit would let the server stop delivering a message whose last attempt
// died mid-flight (a crash), leaving the document in no workflow and no
// quarantine.
func (c *Consumer) JetStreamConfig() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       DurableName,
		Description:   "starts an InboundDocument workflow per envelope",
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.cfg.AckWait,
		MaxDeliver:    -1,
		FilterSubject: SubjectPrefix + ">",
	}
}

// Run creates or updates the durable consumer and handles messages until ctx
// is cancelled; then it stops fetching, lets the messages in hand finish and
// returns nil. It returns an error only if the consumer cannot be set up.
// A bad message never stops it.
func (c *Consumer) Run(ctx context.Context) error {
	cons, err := c.js.CreateOrUpdateConsumer(ctx, StreamName, c.JetStreamConfig())
	if err != nil {
		return fmt.Errorf("create consumer %s on %s: %w", DurableName, StreamName, err)
	}
	obs, err := c.js.ObjectStore(ctx, ObjectBucket)
	if err != nil {
		return fmt.Errorf("open object store %s: %w", ObjectBucket, err)
	}
	c.log.Info("intake consumer started", "consumer", DurableName, "concurrency", c.cfg.Concurrency)

	// In-flight handlers finish with their own deadline even after ctx is
	// cancelled: cutting a start off mid-call would only cause a redelivery.
	handlerCtx := context.WithoutCancel(ctx)
	sem := make(chan struct{}, c.cfg.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	fetchErrDelay := 100 * time.Millisecond

	for {
		// Reserve at least one handler slot, then every free one, and pull
		// exactly that many messages: a message fetched but not yet handled
		// would sit in a buffer with its AckWait running.
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			c.log.Info("intake consumer stopping", "consumer", DurableName)
			return nil
		}
		n := 1
	reserve:
		for n < c.cfg.Concurrency {
			select {
			case sem <- struct{}{}:
				n++
			default:
				break reserve
			}
		}

		fctx, cancel := context.WithTimeout(ctx, c.cfg.PollWait)
		batch, err := cons.Fetch(n, jetstream.FetchContext(fctx))
		got := 0
		if err == nil {
			for msg := range batch.Messages() {
				got++
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					c.handle(handlerCtx, msg, obs)
				}()
			}
			err = batch.Error()
		}
		cancel()
		for range n - got {
			<-sem
		}
		if err != nil && ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
			// NATS unavailable or similar: pause instead of spinning, a
			// little longer each time, and try again.
			c.log.Warn("intake consumer fetch failed", "error", err, "retry_in", fetchErrDelay)
			select {
			case <-time.After(fetchErrDelay):
			case <-ctx.Done():
			}
			fetchErrDelay = min(2*fetchErrDelay, 5*time.Second)
			continue
		}
		if err == nil {
			fetchErrDelay = 100 * time.Millisecond
		}
	}
}

// disposition is what happens to a message once handling is done.
type disposition int

const (
	dispAck   disposition = iota // started or quarantined: done with it
	dispNak                      // try again after a delay
	dispCrash                    // AfterStart failed: leave it, like a crash would
)

type outcome struct {
	disp  disposition
	delay time.Duration
}

func (c *Consumer) handle(ctx context.Context, msg jetstream.Msg, obs jetstream.ObjectStore) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.HandlerTimeout)
	defer cancel()
	meta, err := msg.Metadata()
	if err != nil {
		// Not a JetStream delivery; nothing sensible to ack. The server
		// redelivers whatever it sent after AckWait.
		c.log.Error("intake message without metadata", "error", err)
		return
	}
	log := c.log.With("stream_seq", meta.Sequence.Stream, "delivered", meta.NumDelivered)
	if qid := msg.Headers().Get(QuarantineHeader); qid != "" {
		log = log.With("requeued_from", qid)
	}

	stop := c.keepAlive(msg)
	out := c.decide(ctx, msg, meta, obs, log)
	// Progress reports must end before the final ack or nak: a late one
	// would restart the AckWait of a nak'ed message and delay its retry.
	stop()

	switch out.disp {
	case dispAck:
		if err := msg.DoubleAck(ctx); err != nil {
			// The start or quarantine write is durable; the message comes
			// back and is handled idempotently.
			log.Warn("intake ack failed; message will be redelivered", "error", err)
		}
	case dispNak:
		if err := msg.NakWithDelay(out.delay); err != nil {
			log.Warn("intake nak failed; message will be redelivered after ack wait", "error", err)
		}
	case dispCrash:
	}
}

// decide does the work for one message and says how to settle it.
func (c *Consumer) decide(ctx context.Context, msg jetstream.Msg, meta *jetstream.MsgMetadata, obs jetstream.ObjectStore, log *slog.Logger) (out outcome) {
	defer func() {
		if r := recover(); r != nil {
			// A bug must not take the consumer down or drop the message.
			log.Error("intake handler panicked", "panic", fmt.Sprint(r))
			out = c.retryOrExhaust(ctx, msg, meta, "", fmt.Errorf("handler panicked: %v", r), log)
		}
	}()

	env, err := DecodeEnvelope(msg.Data())
	if err != nil {
		return c.quarantine(ctx, msg, meta, ReasonBadEnvelope, "", err, log)
	}
	log = log.With("sha256", env.SHA256)
	if s := msg.Subject(); s != RetrySubject && s != Subject(env.Source) {
		err := fmt.Errorf("%w: source: %q does not match subject %q", ErrBadEnvelope, env.Source, s)
		return c.quarantine(ctx, msg, meta, ReasonBadEnvelope, env.SHA256, err, log)
	}
	if err := env.CheckPolicy(c.cfg.MaxBytes); err != nil {
		return c.quarantine(ctx, msg, meta, policyReason(err), env.SHA256, err, log)
	}
	if err := checkObject(ctx, obs, env); err != nil {
		if IsPermanent(err) {
			return c.quarantine(ctx, msg, meta, ReasonMissingObject, env.SHA256, err, log)
		}
		return c.retryOrExhaust(ctx, msg, meta, env.SHA256, err, log)
	}
	if err := c.start(ctx, env); err != nil {
		if IsPermanent(err) {
			return c.quarantine(ctx, msg, meta, ReasonStartRejected, env.SHA256, err, log)
		}
		return c.retryOrExhaust(ctx, msg, meta, env.SHA256, err, log)
	}
	if c.cfg.AfterStart != nil {
		if err := c.cfg.AfterStart(env); err != nil {
			log.Warn("intake after-start hook failed; leaving message unacknowledged", "error", err)
			return outcome{disp: dispCrash}
		}
	}
	log.Info("intake workflow started")
	return outcome{disp: dispAck}
}

// start calls the Starter and turns a panic into a transient error.
func (c *Consumer) start(ctx context.Context, env Envelope) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("starter panicked: %v", r)
		}
	}()
	return c.starter.StartInbound(ctx, env)
}

// checkObject confirms the bytes the envelope promises are in the bucket.
func checkObject(ctx context.Context, obs jetstream.ObjectStore, env Envelope) error {
	info, err := obs.GetInfo(ctx, env.Object)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("%w: object %s not in bucket %s", ErrMissingObject, env.Object, ObjectBucket)
	}
	if err != nil {
		return fmt.Errorf("look up object %s: %w", env.Object, err)
	}
	if info.Size != uint64(env.Size) {
		return fmt.Errorf("%w: object %s has %d bytes, envelope says %d", ErrMissingObject, env.Object, info.Size, env.Size)
	}
	if info.Digest != objectDigest(env.SHA256) {
		return fmt.Errorf("%w: object %s digest %s does not match the envelope", ErrMissingObject, env.Object, info.Digest)
	}
	return nil
}

// retryOrExhaust naks with backoff, or quarantines on the last attempt.
func (c *Consumer) retryOrExhaust(ctx context.Context, msg jetstream.Msg, meta *jetstream.MsgMetadata, sha string, err error, log *slog.Logger) outcome {
	if meta.NumDelivered >= uint64(c.cfg.MaxDeliver) {
		err = fmt.Errorf("gave up after %d deliveries: %w", meta.NumDelivered, err)
		return c.quarantine(ctx, msg, meta, ReasonRedeliveryExhausted, sha, err, log)
	}
	delay := c.backoff(meta.NumDelivered)
	log.Warn("intake message failed; will retry", "error", err, "retry_in", delay)
	return outcome{disp: dispNak, delay: delay}
}

// quarantine writes the item and acks only if the write succeeded;
// otherwise it naks so the message is never dropped.
func (c *Consumer) quarantine(ctx context.Context, msg jetstream.Msg, meta *jetstream.MsgMetadata, reason, sha string, cause error, log *slog.Logger) outcome {
	item := QuarantineItem{
		Reason:    reason,
		Message:   cause.Error(),
		Subject:   msg.Subject(),
		Payload:   append([]byte(nil), msg.Data()...),
		SHA256:    sha,
		CreatedAt: c.now().UTC(),
	}
	saved, err := c.quar.AddQuarantine(ctx, item)
	if err != nil {
		delay := c.backoff(meta.NumDelivered)
		log.Error("intake quarantine write failed; will retry", "reason", reason, "error", err, "retry_in", delay)
		return outcome{disp: dispNak, delay: delay}
	}
	log.Warn("intake message quarantined", "reason", reason, "quarantine_id", strconv.FormatInt(saved.ID, 10), "error", cause)
	return outcome{disp: dispAck}
}

// backoff is the redelivery delay after the delivered-th attempt failed.
func (c *Consumer) backoff(delivered uint64) time.Duration {
	d := c.cfg.BackoffBase
	for i := uint64(1); i < delivered && d < c.cfg.BackoffMax; i++ {
		d *= 2
	}
	return min(d, c.cfg.BackoffMax)
}

// keepAlive tells the server the message is still being worked on, so a
// slow start is not redelivered to a second handler. The returned function
// stops it and waits until no report is in flight.
func (c *Consumer) keepAlive(msg jetstream.Msg) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(c.cfg.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_ = msg.InProgress()
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

func policyReason(err error) string {
	switch {
	case errors.Is(err, ErrEmpty):
		return ReasonEmpty
	case errors.Is(err, ErrTooLarge):
		return ReasonTooLarge
	case errors.Is(err, ErrUnknownMediaType):
		return ReasonUnknownMediaType
	}
	return ReasonBadEnvelope
}
