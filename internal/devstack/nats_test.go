package devstack

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

func TestNATSRestartKeepsMessages(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	first, err := StartNATS(NATSOptions{StoreDir: dir})
	require.NoError(t, err)
	defer first.Shutdown()
	require.True(t, first.srv.JetStreamConfig().SyncAlways, "JetStream must fsync every write")

	nc, err := nats.Connect(first.ClientURL())
	require.NoError(t, err)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{
		Name: "KEEP", Subjects: []string{"keep.>"}, Storage: jetstream.FileStorage,
	})
	require.NoError(t, err)
	ack, err := js.Publish(ctx, "keep.one", []byte("Eingangsstempel"))
	require.NoError(t, err)
	require.Equal(t, uint64(1), ack.Sequence)
	nc.Close()
	first.Shutdown()

	second, err := StartNATS(NATSOptions{StoreDir: dir})
	require.NoError(t, err)
	defer second.Shutdown()
	nc2, err := nats.Connect(second.ClientURL())
	require.NoError(t, err)
	defer nc2.Close()
	js2, err := jetstream.New(nc2)
	require.NoError(t, err)
	stream, err := js2.Stream(ctx, "KEEP")
	require.NoError(t, err)
	msg, err := stream.GetMsg(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, "keep.one", msg.Subject)
	require.Equal(t, "Eingangsstempel", string(msg.Data))
}

func TestNATSOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    NATSOptions
		wantErr string
	}{
		{name: "empty store dir is refused", opts: NATSOptions{}, wantErr: "StoreDir is required"},
		{name: "port 0 picks a free port", opts: NATSOptions{StoreDir: t.TempDir(), Port: 0}},
		{name: "port -1 picks a free port", opts: NATSOptions{StoreDir: t.TempDir(), Port: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := StartNATS(tt.opts)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			defer n.Shutdown()
			require.Contains(t, n.ClientURL(), "nats://127.0.0.1:")
			require.NotContains(t, n.ClientURL(), ":4222")
			n.Shutdown()
			n.Shutdown() // a second call must not block or panic
		})
	}
}
