package intake

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

func TestEnsureStreamsIsIdempotent(t *testing.T) {
	e := startEnv(t) // ran EnsureStreams once
	ctx := testCtx(t)
	e.publishRaw(t, Subject(records.SourceEmail), []byte("kept"))
	require.NoError(t, EnsureStreams(ctx, e.js, TopologyConfig{Replicas: 1}))
	require.NoError(t, EnsureStreams(ctx, e.js, TopologyConfig{}))

	s, err := e.js.Stream(ctx, StreamName)
	require.NoError(t, err)
	info, err := s.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), info.State.Msgs, "updating must not lose messages")
	require.Equal(t, []string{"intake.>"}, info.Config.Subjects)
	require.Equal(t, jetstream.FileStorage, info.Config.Storage)
	require.Equal(t, jetstream.LimitsPolicy, info.Config.Retention)
	require.Equal(t, 2*time.Minute, info.Config.Duplicates)
	require.Equal(t, 1, info.Config.Replicas)

	obs, err := e.js.ObjectStore(ctx, ObjectBucket)
	require.NoError(t, err)
	st, err := obs.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, jetstream.FileStorage, st.Storage())
	require.Equal(t, 1, st.Replicas())

	for src, want := range map[records.Source]string{
		records.SourceMailroom: "intake.mailroom", records.SourceEInvoice: "intake.einvoice",
	} {
		require.Equal(t, want, Subject(src))
	}
}
