package intake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/devstack"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// testEnv is one embedded NATS server with the intake topology.
type testEnv struct {
	srv *devstack.NATS
	nc  *nats.Conn
	js  jetstream.JetStream
}

func startEnv(t *testing.T) *testEnv {
	t.Helper()
	srv, err := devstack.StartNATS(devstack.NATSOptions{StoreDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(srv.ClientURL(), nats.ReconnectWait(50*time.Millisecond), nats.MaxReconnects(-1))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, EnsureStreams(ctx, js, TopologyConfig{}))
	return &testEnv{srv: srv, nc: nc, js: js}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// pdf returns a small distinct document.
func pdf(tag string) []byte { return []byte("%PDF-1.7\n% aktenfluss test " + tag + "\n%%EOF\n") }

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// putObject stores content in the bucket and returns a matching envelope
// without publishing it.
func (e *testEnv) putObject(t *testing.T, content []byte) Envelope {
	t.Helper()
	ctx := testCtx(t)
	obs, err := e.js.ObjectStore(ctx, ObjectBucket)
	require.NoError(t, err)
	sum := hexSum(content)
	_, err = obs.Put(ctx, jetstream.ObjectMeta{Name: sum}, bytes.NewReader(content))
	require.NoError(t, err)
	mt, err := DetectMediaType(content, "")
	if err != nil {
		mt = "application/octet-stream"
	}
	return Envelope{
		V: EnvelopeVersion, SHA256: sum, Size: int64(len(content)), MediaType: mt,
		OriginalName: "Bescheid Müller.pdf", Source: records.SourceMailroom,
		ReceivedAt: time.Now().UTC(), Object: sum,
	}
}

// publishRaw puts data on subject with a unique message id.
func (e *testEnv) publishRaw(t *testing.T, subject string, data []byte) {
	t.Helper()
	msg := nats.NewMsg(subject)
	msg.Data = data
	_, err := e.js.PublishMsg(testCtx(t), msg)
	require.NoError(t, err)
}

func (e *testEnv) publishEnvelope(t *testing.T, env Envelope) {
	t.Helper()
	data, err := env.Marshal()
	require.NoError(t, err)
	e.publishRaw(t, Subject(env.Source), data)
}

func (e *testEnv) streamMsgs(t *testing.T) uint64 {
	t.Helper()
	s, err := e.js.Stream(testCtx(t), StreamName)
	require.NoError(t, err)
	info, err := s.Info(testCtx(t))
	require.NoError(t, err)
	return info.State.Msgs
}

func (e *testEnv) objects(t *testing.T) []*jetstream.ObjectInfo {
	t.Helper()
	obs, err := e.js.ObjectStore(testCtx(t), ObjectBucket)
	require.NoError(t, err)
	list, err := obs.List(testCtx(t))
	if errors.Is(err, jetstream.ErrNoObjectsFound) {
		return nil
	}
	require.NoError(t, err)
	return list
}

// requireAllAcked waits until the durable consumer has nothing pending.
func (e *testEnv) requireAllAcked(t *testing.T) {
	t.Helper()
	var last string
	require.Eventually(t, func() bool {
		c, err := e.js.Consumer(testCtx(t), StreamName, DurableName)
		if err != nil {
			last = err.Error()
			return false
		}
		info, err := c.Info(testCtx(t))
		if err != nil {
			last = err.Error()
			return false
		}
		last = fmt.Sprintf("ack pending %d, pending %d, redelivered %d", info.NumAckPending, info.NumPending, info.NumRedelivered)
		return info.NumAckPending == 0 && info.NumPending == 0
	}, 10*time.Second, 20*time.Millisecond, "consumer not drained: %s", func() string { return last }())
}

// runConsumer runs a consumer until the test ends.
func (e *testEnv) runConsumer(t *testing.T, starter Starter, q Quarantine, cfg ConsumerConfig) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	if cfg.PollWait == 0 {
		cfg.PollWait = 500 * time.Millisecond
	}
	c, err := NewConsumer(e.js, starter, q, cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("consumer did not stop")
		}
	})
}

// memQuarantine records quarantine items in memory. The SQL store has its own
// conformance suite; here only the consumer's side of the contract matters.
type memQuarantine struct {
	mu       sync.Mutex
	items    []QuarantineItem
	failNext int // this many writes fail before one succeeds
	failed   int
}

func (m *memQuarantine) AddQuarantine(_ context.Context, item QuarantineItem) (QuarantineItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failNext > 0 {
		m.failNext--
		m.failed++
		return QuarantineItem{}, errors.New("database is locked")
	}
	item.ID = int64(len(m.items) + 1)
	m.items = append(m.items, item)
	return item, nil
}

func (m *memQuarantine) all() []QuarantineItem {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]QuarantineItem(nil), m.items...)
}

func (m *memQuarantine) withReason(reason string) []QuarantineItem {
	var out []QuarantineItem
	for _, it := range m.all() {
		if it.Reason == reason {
			out = append(out, it)
		}
	}
	return out
}

// recStarter records starts per sha256; fail decides the outcome of the
// n-th call (1-based) for an envelope.
type recStarter struct {
	mu    sync.Mutex
	calls map[string]int
	fail  func(env Envelope, n int) error
}

func newStarter(fail func(env Envelope, n int) error) *recStarter {
	return &recStarter{calls: map[string]int{}, fail: fail}
}

func (s *recStarter) StartInbound(_ context.Context, env Envelope) error {
	s.mu.Lock()
	s.calls[env.SHA256]++
	n := s.calls[env.SHA256]
	s.mu.Unlock()
	if s.fail != nil {
		return s.fail(env, n)
	}
	return nil
}

func (s *recStarter) count(sha string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[sha]
}

func (s *recStarter) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		n += c
	}
	return n
}

// onlyReader hides Seek so the publisher has to spool.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(b []byte) (int, error) { return o.r.Read(b) }
