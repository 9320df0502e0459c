package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.temporal.io/sdk/client"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// Needs says which connections a command wants; a CLI view of the register
// should not fail because NATS is down.
type Needs struct {
	Store, Blobs, NATS, Temporal bool
}

// NeedsFor returns what the given roles need.
func NeedsFor(roles []config.Role) Needs {
	var n Needs
	for _, r := range roles {
		switch r {
		case config.RoleServe:
			// Reads need the store; uploads and retries NATS, the human
			// steps of the workflows Temporal.
			n.Store, n.NATS, n.Temporal = true, true, true
		case config.RoleWorker:
			n.Store, n.Blobs, n.NATS, n.Temporal = true, true, true, true
		case config.RoleConsume:
			n.Store, n.NATS, n.Temporal = true, true, true
		case config.RoleOCR:
			n.Store, n.Blobs, n.Temporal = true, true, true
		}
	}
	return n
}

// Deps are the connections a process holds. Fields not asked for are nil.
type Deps struct {
	Cfg      config.Config
	Log      *slog.Logger
	Store    store.Store
	Blobs    blob.Store
	NATS     *nats.Conn
	JS       jetstream.JetStream
	Temporal client.Client
	Metrics  *prometheus.Registry
}

// Connect opens what need asks for. On error everything opened so far is
// closed again.
func Connect(ctx context.Context, cfg config.Config, log *slog.Logger, need Needs) (d *Deps, err error) {
	d = &Deps{Cfg: cfg, Log: log, Metrics: prometheus.NewRegistry()}
	d.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if need.Store {
		if d.Store, err = store.Open(ctx, cfg.Database.URL); err != nil {
			return nil, fmt.Errorf("records store: %w", err)
		}
	}
	// The web server serves downloads when a blob directory is configured,
	// and works without one.
	if need.Blobs || cfg.Blob.Dir != "" {
		if d.Blobs, err = blob.NewFS(cfg.Blob.Dir); err != nil {
			return nil, err
		}
	}
	if need.NATS {
		opts := []nats.Option{
			nats.Name("aktenfluss"),
			nats.MaxReconnects(-1),
			nats.ReconnectWait(time.Second),
			nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
				if err != nil {
					log.Warn("nats disconnected", "error", err)
				}
			}),
			nats.ReconnectHandler(func(*nats.Conn) { log.Info("nats reconnected") }),
		}
		if cfg.NATS.Creds != "" {
			opts = append(opts, nats.UserCredentials(cfg.NATS.Creds))
		}
		if d.NATS, err = nats.Connect(cfg.NATS.URL, opts...); err != nil {
			return nil, fmt.Errorf("connect to nats: %w", err)
		}
		if d.JS, err = jetstream.New(d.NATS); err != nil {
			return nil, fmt.Errorf("jetstream: %w", err)
		}
		if err = intake.EnsureStreams(ctx, d.JS, intake.TopologyConfig{Replicas: cfg.NATS.Replicas}); err != nil {
			return nil, fmt.Errorf("intake topology: %w", err)
		}
	}
	if need.Temporal {
		if d.Temporal, err = DialTemporal(ctx, cfg.Temporal, log); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Close closes every connection that is open.
func (d *Deps) Close() {
	if d.Temporal != nil {
		d.Temporal.Close()
	}
	if d.NATS != nil {
		_ = d.NATS.Drain()
	}
	if d.Store != nil {
		_ = d.Store.Close()
	}
}

// Publisher returns an intake publisher with the configured limits.
func (d *Deps) Publisher() *intake.Publisher {
	return intake.NewPublisher(d.JS, intake.PublisherConfig{MaxBytes: d.Cfg.Intake.MaxBytes})
}

// quarantineStore adapts the records store to the consumer's Quarantine.
type quarantineStore struct {
	s store.Store
}

func (q quarantineStore) AddQuarantine(ctx context.Context, item intake.QuarantineItem) (intake.QuarantineItem, error) {
	saved, err := q.s.AddQuarantine(ctx, store.QuarantineItem(item))
	return intake.QuarantineItem(saved), err
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
