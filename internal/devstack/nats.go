package devstack

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// NATSOptions configures the embedded nats-server.
type NATSOptions struct {
	// StoreDir holds the JetStream file store. It is required: the embedded
	// default promises that state survives a restart, and a silently chosen
	// temporary directory would break that promise without anyone noticing.
	// Tests pass t.TempDir(). The directory is created if it does not exist.
	StoreDir string
	// Port for client connections on 127.0.0.1; 0 or -1 picks a free port.
	Port int
	// Log enables the server's own log on stderr; off by default so tests
	// and `aktenfluss dev` stay quiet.
	Log bool
	// ReadyTimeout bounds the wait for the server to accept connections;
	// default 10s.
	ReadyTimeout time.Duration
}

// NATS is a running embedded nats-server with JetStream.
type NATS struct {
	srv      *server.Server
	storeDir string
}

// StartNATS starts a nats-server with JetStream on 127.0.0.1 and returns once
// it accepts client connections.
//
// Every JetStream write is fsynced before it is acknowledged (SyncAlways, the
// `sync_interval: always` of the config file): Jepsen's 2025 analysis of NATS
// lost acknowledged messages after an OS crash under the default interval, and
// the hot-folder watcher deletes a file from its folder on the strength of
// that acknowledgement.
func StartNATS(opts NATSOptions) (*NATS, error) {
	if opts.StoreDir == "" {
		return nil, errors.New("devstack: nats: StoreDir is required (JetStream state must survive a restart)")
	}
	if err := os.MkdirAll(opts.StoreDir, 0o750); err != nil {
		return nil, fmt.Errorf("devstack: nats: create store dir: %w", err)
	}
	port := opts.Port
	if port == 0 {
		// nats-server reads 0 as "the default port 4222"; -1 means random.
		port = server.RANDOM_PORT
	}
	ready := opts.ReadyTimeout
	if ready <= 0 {
		ready = 10 * time.Second
	}
	sopts := &server.Options{
		ServerName: "aktenfluss-dev",
		Host:       "127.0.0.1",
		Port:       port,
		JetStream:  true,
		StoreDir:   opts.StoreDir,
		SyncAlways: true,
		NoLog:      !opts.Log,
		NoSigs:     true, // the embedding process owns signal handling
		// No HTTP monitoring, no cluster, no leaf nodes: one process, one
		// machine, loopback only.
	}
	srv, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("devstack: nats: configure server: %w", err)
	}
	if opts.Log {
		srv.ConfigureLogger()
	}
	srv.Start()
	if !srv.ReadyForConnections(ready) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("devstack: nats: server not ready for connections after %s (store dir %s; set Log to see the server's reason)", ready, opts.StoreDir)
	}
	if !srv.JetStreamEnabled() {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, fmt.Errorf("devstack: nats: JetStream did not start (store dir %s; set Log to see the server's reason)", opts.StoreDir)
	}
	return &NATS{srv: srv, storeDir: opts.StoreDir}, nil
}

// ClientURL is the nats:// address clients connect to.
func (n *NATS) ClientURL() string { return n.srv.ClientURL() }

// StoreDir is the directory holding the JetStream file store.
func (n *NATS) StoreDir() string { return n.storeDir }

// Shutdown stops the server and waits until it has closed its store, so a
// new server can start on the same StoreDir right after it returns. Calling
// it more than once is safe.
func (n *NATS) Shutdown() {
	if n == nil || n.srv == nil {
		return
	}
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
}
