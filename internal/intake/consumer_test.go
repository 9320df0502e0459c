package intake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// fast keeps redelivery timing in milliseconds.
func fast(cfg ConsumerConfig) ConsumerConfig {
	if cfg.AckWait == 0 {
		cfg.AckWait = 2 * time.Second
	}
	cfg.BackoffBase = 10 * time.Millisecond
	cfg.BackoffMax = 50 * time.Millisecond
	return cfg
}

func TestConsumerStartsEachEnvelopeOnce(t *testing.T) {
	e := startEnv(t)
	p := NewPublisher(e.js, PublisherConfig{})
	const n = 24
	var shas []string
	for i := range n {
		src := records.Sources[i%len(records.Sources)]
		env, err := p.Publish(testCtx(t), PublishRequest{Name: "a.pdf", Reader: strings.NewReader(string(pdf(fmt.Sprint(i)))), Source: src})
		require.NoError(t, err)
		shas = append(shas, env.SHA256)
	}
	starter := newStarter(nil)
	q := &memQuarantine{}
	e.runConsumer(t, starter, q, fast(ConsumerConfig{Concurrency: 4}))

	require.Eventually(t, func() bool { return starter.total() >= n }, 10*time.Second, 10*time.Millisecond)
	e.requireAllAcked(t)
	for _, sha := range shas {
		require.Equal(t, 1, starter.count(sha), sha)
	}
	require.Equal(t, n, starter.total())
	require.Empty(t, q.all())

	c, err := e.js.Consumer(testCtx(t), StreamName, DurableName)
	require.NoError(t, err)
	info, err := c.Info(testCtx(t))
	require.NoError(t, err)
	require.Equal(t, uint64(n), info.AckFloor.Stream)
	require.Equal(t, 2*time.Second, info.Config.AckWait)
}

func TestConsumerQuarantinesBadMessages(t *testing.T) {
	e := startEnv(t)
	starter := newStarter(nil)
	q := &memQuarantine{}
	e.runConsumer(t, starter, q, fast(ConsumerConfig{MaxBytes: 1 << 20}))

	good := func(tag string) Envelope { return e.putObject(t, pdf(tag)) }
	tests := []struct {
		name    string
		subject string
		data    func() []byte
		reason  string
		sha     bool // the item carries the envelope's sha256
	}{
		{"garbage json", Subject(records.SourceMailroom), func() []byte { return []byte("{not json") }, ReasonBadEnvelope, false},
		{"binary garbage", Subject(records.SourceEmail), func() []byte { return []byte{0xff, 0x00, 0x13} }, ReasonBadEnvelope, false},
		{"wrong version", Subject(records.SourceMailroom), func() []byte {
			env := good("v2")
			env.V = 2
			b, _ := env.Marshal()
			return b
		}, ReasonBadEnvelope, false},
		{"source does not match subject", Subject(records.SourceEInvoice), func() []byte {
			b, _ := good("subject").Marshal() // source mailroom
			return b
		}, ReasonBadEnvelope, true},
		{"missing object", Subject(records.SourceMailroom), func() []byte {
			env := validEnvelope()
			env.ReceivedAt = time.Now()
			b, _ := env.Marshal()
			return b
		}, ReasonMissingObject, true},
		{"object size differs", Subject(records.SourceMailroom), func() []byte {
			env := good("size")
			env.Size++
			b, _ := env.Marshal()
			return b
		}, ReasonMissingObject, true},
		{"object digest differs", Subject(records.SourceMailroom), func() []byte {
			env := good("digest")
			other := e.putObject(t, pdf("other"))
			env.SHA256, env.Object = other.SHA256, other.SHA256
			env.Size = int64(len(pdf("digest")))
			b, _ := env.Marshal()
			return b
		}, ReasonMissingObject, true},
		{"zero-byte envelope", Subject(records.SourceMailroom), func() []byte {
			env := good("zero")
			env.Size = 0
			b, _ := env.Marshal()
			return b
		}, ReasonEmpty, true},
		{"over-size envelope", Subject(records.SourceMailroom), func() []byte {
			env := good("huge")
			env.Size = 2 << 20
			b, _ := env.Marshal()
			return b
		}, ReasonTooLarge, true},
		{"unknown media type", Subject(records.SourceUpload), func() []byte {
			env := good("html")
			env.Source = records.SourceUpload
			env.MediaType = "text/html"
			b, _ := env.Marshal()
			return b
		}, ReasonUnknownMediaType, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data()
			e.publishRaw(t, tt.subject, data)
			require.Eventually(t, func() bool { return len(q.all()) == i+1 }, 5*time.Second, 10*time.Millisecond)
			item := q.all()[i]
			require.Equal(t, tt.reason, item.Reason, item.Message)
			require.Equal(t, data, item.Payload, "the raw payload is kept for a retry")
			require.Equal(t, tt.subject, item.Subject)
			require.NotEmpty(t, item.Message)
			require.NotZero(t, item.ID)
			require.False(t, item.CreatedAt.IsZero())
			if tt.sha {
				require.Len(t, item.SHA256, 64)
			} else {
				require.Empty(t, item.SHA256)
			}

			// The consumer keeps going: a good message right after is started.
			ok := good("after " + tt.name)
			e.publishEnvelope(t, ok)
			require.Eventually(t, func() bool { return starter.count(ok.SHA256) == 1 }, 5*time.Second, 10*time.Millisecond)
			e.requireAllAcked(t)
		})
	}
	require.Len(t, q.all(), len(tests))
}

func TestConsumerRetriesTransientErrors(t *testing.T) {
	errUnavailable := errors.New("temporal: frontend unavailable")
	tests := []struct {
		name       string
		fail       func(env Envelope, n int) error
		maxDeliver int
		wantCalls  int
		wantReason string // "" means started
	}{
		{"fails twice then starts", func(_ Envelope, n int) error {
			if n <= 2 {
				return errUnavailable
			}
			return nil
		}, 5, 3, ""},
		{"always fails: redelivery exhausted", func(Envelope, int) error { return errUnavailable }, 3, 3, ReasonRedeliveryExhausted},
		{"panics once then starts", func(_ Envelope, n int) error {
			if n == 1 {
				panic("nil map")
			}
			return nil
		}, 5, 2, ""},
		{"permanent rejection is not retried", func(Envelope, int) error {
			return Permanent(errors.New("workflow id reuse policy forbids a new run"))
		}, 5, 1, ReasonStartRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t)
			starter := newStarter(tt.fail)
			q := &memQuarantine{}
			e.runConsumer(t, starter, q, fast(ConsumerConfig{MaxDeliver: tt.maxDeliver}))
			env := e.putObject(t, pdf(tt.name))
			e.publishEnvelope(t, env)

			e.requireAllAcked(t)
			if tt.wantReason != "" {
				require.Eventually(t, func() bool { return len(q.all()) == 1 }, 5*time.Second, 10*time.Millisecond)
			}
			require.Equal(t, tt.wantCalls, starter.count(env.SHA256))
			if tt.wantReason == "" {
				require.Empty(t, q.all())
				return
			}
			item := q.all()[0]
			require.Equal(t, tt.wantReason, item.Reason)
			require.Equal(t, env.SHA256, item.SHA256)
			if tt.wantReason == ReasonRedeliveryExhausted {
				require.Contains(t, item.Message, errUnavailable.Error(), "the last error is kept")
				require.Contains(t, item.Message, fmt.Sprintf("%d deliveries", tt.maxDeliver))
			}
		})
	}
}

func TestConsumerNaksWhenQuarantineWriteFails(t *testing.T) {
	e := startEnv(t)
	q := &memQuarantine{failNext: 2}
	e.runConsumer(t, newStarter(nil), q, fast(ConsumerConfig{}))
	e.publishRaw(t, Subject(records.SourceMailroom), []byte("garbage"))

	require.Eventually(t, func() bool { return len(q.all()) == 1 }, 5*time.Second, 10*time.Millisecond)
	e.requireAllAcked(t)
	q.mu.Lock()
	require.Equal(t, 2, q.failed)
	q.mu.Unlock()
	require.Equal(t, ReasonBadEnvelope, q.all()[0].Reason)
}

func TestConsumerCrashBetweenStartAndAck(t *testing.T) {
	e := startEnv(t)
	starter := newStarter(nil)
	var crashes atomic.Int32
	cfg := fast(ConsumerConfig{AckWait: 300 * time.Millisecond})
	cfg.AfterStart = func(Envelope) error {
		if crashes.Add(1) == 1 {
			return errors.New("simulated crash after start")
		}
		return nil
	}
	e.runConsumer(t, starter, &memQuarantine{}, cfg)
	env := e.putObject(t, pdf("crash"))
	e.publishEnvelope(t, env)

	require.Eventually(t, func() bool { return starter.count(env.SHA256) == 2 }, 5*time.Second, 10*time.Millisecond)
	e.requireAllAcked(t)
	require.Equal(t, 2, starter.count(env.SHA256), "started again after the crash (idempotent on the Temporal side)")
	require.Equal(t, int32(2), crashes.Load())
}

func TestConsumerKeepsSlowStartAlive(t *testing.T) {
	e := startEnv(t)
	starter := newStarter(func(Envelope, int) error {
		time.Sleep(1200 * time.Millisecond) // more than twice AckWait
		return nil
	})
	e.runConsumer(t, starter, &memQuarantine{}, fast(ConsumerConfig{AckWait: 500 * time.Millisecond}))
	env := e.putObject(t, pdf("slow"))
	e.publishEnvelope(t, env)

	require.Eventually(t, func() bool { return starter.count(env.SHA256) >= 1 }, 5*time.Second, 10*time.Millisecond)
	e.requireAllAcked(t)
	require.Equal(t, 1, starter.count(env.SHA256), "progress reports must prevent a parallel redelivery")
}

func TestConsumerDrainsOnCancel(t *testing.T) {
	e := startEnv(t)
	release := make(chan struct{})
	var entered sync.Once
	started := make(chan struct{})
	starter := newStarter(func(Envelope, int) error {
		entered.Do(func() { close(started) })
		<-release
		return nil
	})
	c, err := NewConsumer(e.js, starter, &memQuarantine{}, fast(ConsumerConfig{Logger: quietLogger(), PollWait: 200 * time.Millisecond}))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	env := e.putObject(t, pdf("drain"))
	e.publishEnvelope(t, env)
	<-started
	cancel()
	select {
	case <-done:
		t.Fatal("Run returned while a handler was still in flight")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the handler finished")
	}
	e.requireAllAcked(t)
}

func TestConsumerBackoff(t *testing.T) {
	c, err := NewConsumer(nil, nil, nil, ConsumerConfig{})
	require.Error(t, err)
	require.Nil(t, c)

	cons := &Consumer{cfg: ConsumerConfig{}}
	cons.cfg.setDefaults()
	for delivered, want := range map[uint64]time.Duration{
		1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 5: 16 * time.Second, 6: 30 * time.Second, 60: 30 * time.Second,
	} {
		require.Equal(t, want, cons.backoff(delivered), "delivery %d", delivered)
	}
}

func TestRequeueFromQuarantine(t *testing.T) {
	e := startEnv(t)
	starter := newStarter(nil)
	q := &memQuarantine{}
	e.runConsumer(t, starter, q, fast(ConsumerConfig{}))

	// An envelope whose object was not there yet: quarantined.
	content := pdf("late object")
	env := Envelope{
		V: EnvelopeVersion, SHA256: hexSum(content), Size: int64(len(content)), MediaType: MediaTypePDF,
		Source: records.SourceEInvoice, ReceivedAt: time.Now(), Object: hexSum(content),
	}
	e.publishEnvelope(t, env)
	require.Eventually(t, func() bool { return len(q.withReason(ReasonMissingObject)) == 1 }, 5*time.Second, 10*time.Millisecond)
	item := q.withReason(ReasonMissingObject)[0]

	// The operator fixes the cause and retries; a double click is one retry.
	e.putObject(t, content)
	require.NoError(t, Requeue(testCtx(t), e.js, item))
	require.NoError(t, Requeue(testCtx(t), e.js, item))
	require.Eventually(t, func() bool { return starter.count(env.SHA256) == 1 }, 5*time.Second, 10*time.Millisecond)
	e.requireAllAcked(t)
	require.Equal(t, uint64(2), e.streamMsgs(t), "original + one retry")

	s, err := e.js.Stream(testCtx(t), StreamName)
	require.NoError(t, err)
	raw, err := s.GetMsg(testCtx(t), 2)
	require.NoError(t, err)
	require.Equal(t, RetrySubject, raw.Subject)
	require.Equal(t, fmt.Sprint(item.ID), raw.Header.Get(QuarantineHeader))
	require.Equal(t, fmt.Sprintf("retry-%d-1", item.ID), raw.Header.Get("Nats-Msg-Id"))

	// A later, deliberate retry (RetryCount now 1) is a new message.
	item.RetryCount = 1
	require.NoError(t, Requeue(testCtx(t), e.js, item))
	require.Eventually(t, func() bool { return starter.count(env.SHA256) == 2 }, 5*time.Second, 10*time.Millisecond)

	require.Error(t, Requeue(testCtx(t), e.js, QuarantineItem{Payload: []byte("x")}), "no id")
	require.Error(t, Requeue(testCtx(t), e.js, QuarantineItem{ID: 9}), "no payload")
}
