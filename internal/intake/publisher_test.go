package intake

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

func TestPublishDeduplicates(t *testing.T) {
	e := startEnv(t)
	p := NewPublisher(e.js, PublisherConfig{SpoolDir: t.TempDir()})
	content := append(pdf("dedupe"), bytes.Repeat([]byte("x"), 300_000)...) // several object chunks
	path := filepath.Join(t.TempDir(), "Widerspruch Schmidt.pdf")
	require.NoError(t, os.WriteFile(path, content, 0o600))
	received := time.Date(2026, 11, 24, 7, 30, 0, 0, time.UTC)

	requests := []struct {
		name string
		req  PublishRequest
	}{
		{"path", PublishRequest{Path: path, Source: records.SourceMailroom, ReceivedAt: received}},
		{"same path again", PublishRequest{Path: path, Source: records.SourceMailroom}},
		{"read seeker", PublishRequest{Name: "x.pdf", Reader: bytes.NewReader(content), Source: records.SourceMailroom}},
		{"plain reader, spooled", PublishRequest{Name: "x.pdf", Reader: onlyReader{bytes.NewReader(content)}, Source: records.SourceMailroom}},
	}
	for i, r := range requests {
		t.Run(r.name, func(t *testing.T) {
			env, err := p.Publish(testCtx(t), r.req)
			require.NoError(t, err)
			require.Equal(t, hexSum(content), env.SHA256)
			require.Equal(t, env.SHA256, env.Object)
			require.Equal(t, int64(len(content)), env.Size)
			require.Equal(t, MediaTypePDF, env.MediaType)
			require.Equal(t, time.UTC, env.ReceivedAt.Location())
			require.NoError(t, env.Validate())
			if i == 0 {
				require.Equal(t, "Widerspruch Schmidt.pdf", env.OriginalName)
				require.True(t, env.ReceivedAt.Equal(received))
			}
		})
	}
	require.Equal(t, uint64(1), e.streamMsgs(t), "Nats-Msg-Id = sha256 must deduplicate")
	objs := e.objects(t)
	require.Len(t, objs, 1)
	require.Equal(t, hexSum(content), objs[0].Name)
	require.Equal(t, objectDigest(hexSum(content)), objs[0].Digest)
	spooled, err := os.ReadDir(p.cfg.SpoolDir)
	require.NoError(t, err)
	require.Empty(t, spooled, "spool files must be removed")

	// The stored envelope is the one a consumer will read.
	s, err := e.js.Stream(testCtx(t), StreamName)
	require.NoError(t, err)
	raw, err := s.GetMsg(testCtx(t), 1)
	require.NoError(t, err)
	require.Equal(t, Subject(records.SourceMailroom), raw.Subject)
	got, err := DecodeEnvelope(raw.Data)
	require.NoError(t, err)
	require.Equal(t, hexSum(content), got.SHA256)
	require.Equal(t, hexSum(content), raw.Header.Get("Nats-Msg-Id"))
}

func TestPublishReplacesCorruptObject(t *testing.T) {
	e := startEnv(t)
	content := pdf("corrupt")
	obs, err := e.js.ObjectStore(testCtx(t), ObjectBucket)
	require.NoError(t, err)
	_, err = obs.PutBytes(testCtx(t), hexSum(content), []byte("%PDF-partial")) // e.g. an interrupted put
	require.NoError(t, err)

	p := NewPublisher(e.js, PublisherConfig{})
	_, err = p.Publish(testCtx(t), PublishRequest{Name: "a.pdf", Reader: bytes.NewReader(content), Source: records.SourceUpload})
	require.NoError(t, err)
	got, err := obs.GetBytes(testCtx(t), hexSum(content))
	require.NoError(t, err)
	require.Equal(t, content, got)
}

func TestPublishRejects(t *testing.T) {
	e := startEnv(t)
	p := NewPublisher(e.js, PublisherConfig{MaxBytes: 1000})
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, b, 0o600))
		return path
	}
	big := append(pdf("big"), bytes.Repeat([]byte{0}, 1000)...)
	tests := []struct {
		name string
		req  PublishRequest
		want error
	}{
		{"empty file", PublishRequest{Path: write("leer.pdf", nil), Source: records.SourceMailroom}, ErrEmpty},
		{"empty reader", PublishRequest{Reader: bytes.NewReader(nil), Source: records.SourceMailroom}, ErrEmpty},
		{"empty plain reader", PublishRequest{Reader: onlyReader{bytes.NewReader(nil)}, Source: records.SourceMailroom}, ErrEmpty},
		{"too large file", PublishRequest{Path: write("gross.pdf", big), Source: records.SourceMailroom}, ErrTooLarge},
		{"too large reader", PublishRequest{Reader: bytes.NewReader(big), Source: records.SourceMailroom}, ErrTooLarge},
		{"too large plain reader", PublishRequest{Reader: onlyReader{bytes.NewReader(big)}, Source: records.SourceMailroom}, ErrTooLarge},
		{"unknown media type", PublishRequest{Path: write("antrag.docx", []byte("PK\x03\x04 word")), Source: records.SourceMailroom}, ErrUnknownMediaType},
		{"bad source", PublishRequest{Reader: bytes.NewReader(pdf("src")), Source: "fax"}, ErrBadSource},
		{"no content", PublishRequest{Source: records.SourceMailroom}, ErrPermanent},
		{"reader and path", PublishRequest{Reader: bytes.NewReader(pdf("both")), Path: "x", Source: records.SourceMailroom}, ErrPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Publish(testCtx(t), tt.req)
			require.ErrorIs(t, err, tt.want)
			require.True(t, IsPermanent(err))
			require.NotContains(t, err.Error(), dir, "errors must not carry paths")
		})
	}
	require.Equal(t, uint64(0), e.streamMsgs(t))
	require.Empty(t, e.objects(t))
}

func TestPublishTransientErrors(t *testing.T) {
	e := startEnv(t)
	p := NewPublisher(e.js, PublisherConfig{})
	dir := t.TempDir()

	t.Run("file vanished", func(t *testing.T) {
		_, err := p.Publish(testCtx(t), PublishRequest{Path: filepath.Join(dir, "weg.pdf"), Source: records.SourceMailroom})
		require.Error(t, err)
		require.False(t, IsPermanent(err))
		require.NotContains(t, err.Error(), "weg.pdf")
	})
	t.Run("NATS down", func(t *testing.T) {
		e.srv.Shutdown()
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_, err := p.Publish(ctx, PublishRequest{Name: "a.pdf", Reader: bytes.NewReader(pdf("down")), Source: records.SourceEmail})
		require.Error(t, err)
		require.False(t, IsPermanent(err), "NATS unavailable is transient: %v", err)
		require.False(t, strings.Contains(err.Error(), "a.pdf"))
	})
}
