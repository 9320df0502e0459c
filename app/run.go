package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/aktenfluss/aktenfluss/activities"
	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/ocr"
	"github.com/aktenfluss/aktenfluss/internal/pageimage"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/routing"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// RunOptions adjust how roles run; the zero value is production.
type RunOptions struct {
	// HTTPListener, when set, is used instead of listening on cfg.HTTP.Addr
	// (dev and tests listen first to learn a random port).
	HTTPListener net.Listener
	// AfterStart is the intake consumer's test hook between workflow start
	// and ack (see intake.ConsumerConfig).
	AfterStart func(intake.Envelope) error
	// ExtraChecks are added to the readiness probe.
	ExtraChecks []web.Check
}

// Run runs the given roles until ctx is cancelled or one of them fails, then
// stops all of them: the HTTP server drains, the consumer finishes in-flight
// messages, the worker lets running activities complete.
func Run(ctx context.Context, d *Deps, roles []config.Role, opts RunOptions) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, r := range roles {
		switch r {
		case config.RoleWorker:
			g.Go(func() error { return d.runWorker(ctx) })
		case config.RoleConsume:
			g.Go(func() error { return d.runConsumer(ctx, opts) })
		case config.RoleServe:
			g.Go(func() error { return d.runHTTP(ctx, opts) })
		case config.RoleOCR:
			g.Go(func() error { return d.runOCRWorker(ctx) })
		default:
			return fmt.Errorf("unknown role %q", r)
		}
	}
	err := g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// RoutingActivities builds the extraction and routing activities from the
// routing rules as read by readWorkerFiles and the file-number layout;
// the newest version saved in the store, when there is one, is used
// instead of the file.
func (d *Deps) RoutingActivities(raw []byte) (*activities.Routing, error) {
	rules, err := routing.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("routing rules %s: %w", cmp.Or(d.Cfg.Records.RoutingRules, "(built-in example)"), err)
	}
	numbers, err := records.NewFileNumberFormat(d.Cfg.Records.FileNumberLayout)
	if err != nil {
		return nil, fmt.Errorf("config records.file_number_layout: %w", err)
	}
	// The versions administrators save in the browser take over from the
	// file at the next document, without a restart.
	src := &activities.StoredRules{File: rules}
	if rr, ok := store.RoutingRulesOf(d.Store); ok {
		src.Store = rr
	}
	return &activities.Routing{Store: d.Store, Blobs: d.Blobs, Rules: rules, Source: src, Numbers: numbers,
		TaskPolicy: workflows.TaskPolicy{RemindAfter: d.Cfg.Records.TaskRemindAfter, EscalateAfter: d.Cfg.Records.TaskEscalateAfter}}, nil
}

// ApprovalActivities builds the invoice-approval activities from the
// Dienstanweisung as read by readWorkerFiles and the booking export
// directory.
func (d *Deps) ApprovalActivities(raw []byte) (*activities.Approval, error) {
	cfg, err := approval.ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("approval config %s: %w", cmp.Or(d.Cfg.Records.ApprovalConfig, "(built-in example)"), err)
	}
	return &activities.Approval{Store: d.Store, Config: cfg, Blobs: d.Blobs, Outbound: activities.JetStreamOutbound{JS: d.JS}, ExportDir: d.Cfg.Records.BookingExportDir}, nil
}

// workerFiles are the configuration files the worker runs with, read once
// at start so that the trail records exactly the bytes the activities
// parse: the routing rules and the Dienstanweisung (or the built-in
// examples when none is configured).
type workerFiles struct {
	rules, approval []byte
}

func (d *Deps) readWorkerFiles() (workerFiles, error) {
	rules, err := routingRulesBytes(d.Cfg.Records.RoutingRules)
	if err != nil {
		return workerFiles{}, err
	}
	approvalRaw := approval.ExampleConfig()
	if p := d.Cfg.Records.ApprovalConfig; p != "" {
		if approvalRaw, err = os.ReadFile(p); err != nil {
			return workerFiles{}, fmt.Errorf("approval config: %w", err)
		}
	}
	return workerFiles{rules: rules, approval: approvalRaw}, nil
}

func routingRulesBytes(path string) ([]byte, error) {
	if path == "" {
		return routing.Example(), nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("routing rules: %w", err)
	}
	return raw, nil
}

// recordConfiguration logs the configuration the worker runs with; a
// changed rule file or Dienstanweisung shows in the trail from the first
// start with it.
func (d *Deps) recordConfiguration(ctx context.Context, files workerFiles) error {
	settings, err := json.Marshal(d.Cfg.Records)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		name, source string
		raw          []byte
	}{
		{"routing_rules", cmp.Or(d.Cfg.Records.RoutingRules, "eingebaute Beispielregeln"), files.rules},
		{"approval_config", cmp.Or(d.Cfg.Records.ApprovalConfig, "eingebaute Beispiel-Dienstanweisung"), files.approval},
		{"records", "Einstellungen records.*", settings},
	} {
		if err := RecordConfig(ctx, d.Store, c.name, c.source, c.raw); err != nil {
			return err
		}
	}
	return nil
}

// startCheckpoints signs the audit chain's end every audit.checkpoint_every
// until ctx ends.
func (d *Deps) startCheckpoints(ctx context.Context) (wait func(), err error) {
	key, err := audit.LoadPrivateKey(d.Cfg.Audit.SigningKey)
	if err != nil {
		return nil, fmt.Errorf("setting audit.signing_key: %w", err)
	}
	cp := &Checkpointer{Store: d.Store, Key: key, File: d.Cfg.Audit.CheckpointFile, JS: d.JS, Log: d.Log.With("component", "audit")}
	done := make(chan struct{})
	go func() {
		defer close(done)
		cp.Run(ctx, cmp.Or(d.Cfg.Audit.CheckpointEvery, time.Minute))
	}()
	return func() { <-done }, nil
}

func (d *Deps) runWorker(ctx context.Context) error {
	files, err := d.readWorkerFiles()
	if err != nil {
		return err
	}
	if err := d.recordConfiguration(ctx, files); err != nil {
		return err
	}
	waitCheckpoints := func() {}
	if d.Cfg.Audit.SigningKey != "" {
		if waitCheckpoints, err = d.startCheckpoints(ctx); err != nil {
			return err
		}
	} else {
		d.Log.Warn("no audit.signing_key: the audit trail is chained but no checkpoint is signed")
	}
	defer waitCheckpoints()
	acts := &activities.Inbound{Objects: activities.JetStreamObjects{JS: d.JS, Bucket: intake.ObjectBucket}, Blobs: d.Blobs, Registry: d.Store, Quarantined: d.Store}
	inv := &activities.EInvoices{Blobs: d.Blobs, Registry: d.Store, Outbound: activities.JetStreamOutbound{JS: d.JS}}
	rt, err := d.RoutingActivities(files.rules)
	if err != nil {
		return err
	}
	w := NewInboundWorker(d.Temporal, acts, inv, rt)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start inbound worker: %w", err)
	}
	ap, err := d.ApprovalActivities(files.approval)
	if err != nil {
		w.Stop()
		return err
	}
	tw := NewTasksWorker(d.Temporal, &activities.Tasks{Store: d.Store, Outbound: activities.JetStreamOutbound{JS: d.JS}}, ap)
	if err := tw.Start(); err != nil {
		w.Stop()
		return fmt.Errorf("start tasks worker: %w", err)
	}
	d.Log.Info("worker started", "task_queues", []string{workflows.TaskQueueInbound, workflows.TaskQueueTasks})
	<-ctx.Done()
	tw.Stop()
	w.Stop()
	d.Log.Info("worker stopped")
	return nil
}

// runOCRWorker serves the ocr task queue: page OCR and PDF/A assembly. It
// takes at most as many tasks as it has Tesseract engines, so the rest of a
// large batch waits in the queue for whichever OCR worker is free next
// instead of queueing inside this process.
func (d *Deps) runOCRWorker(ctx context.Context) error {
	eng, err := ocr.NewEngine(ocr.Options{Languages: d.Cfg.OCR.Languages, Jobs: d.Cfg.OCR.Jobs})
	if err != nil {
		return fmt.Errorf("ocr engine: %w", err)
	}
	defer func() { _ = eng.Close() }()
	acts := &activities.Archive{Blobs: d.Blobs, Registry: d.Store, OCR: eng, Limits: pageimage.DefaultLimits()}
	w := NewOCRWorker(d.Temporal, acts, d.Cfg.OCR.Jobs)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start ocr worker: %w", err)
	}
	d.Log.Info("ocr worker started", "task_queue", workflows.TaskQueueOCR, "jobs", d.Cfg.OCR.Jobs, "languages", d.Cfg.OCR.Languages)
	<-ctx.Done()
	w.Stop()
	d.Log.Info("ocr worker stopped")
	return nil
}

func (d *Deps) runConsumer(ctx context.Context, opts RunOptions) error {
	m := newIntakeMetrics(d.Metrics)
	starter := countingStarter{next: TemporalStarter{Client: d.Temporal}, m: m}
	quarantine := countingQuarantine{next: quarantineStore{d.Store}, m: m}
	c, err := intake.NewConsumer(d.JS, starter, quarantine, intake.ConsumerConfig{
		MaxBytes:    d.Cfg.Intake.MaxBytes,
		MaxDeliver:  d.Cfg.Intake.MaxDeliver,
		AckWait:     d.Cfg.Intake.AckWait,
		Concurrency: d.Cfg.Intake.Concurrency,
		AfterStart:  opts.AfterStart,
		Logger:      d.Log.With("component", "intake-consumer"),
	})
	if err != nil {
		return fmt.Errorf("intake consumer: %w", err)
	}
	d.Log.Info("intake consumer started")
	return c.Run(ctx)
}

func (d *Deps) runHTTP(ctx context.Context, opts RunOptions) error {
	checks := []web.Check{{Name: "database", Check: d.Store.Ping}}
	if d.NATS != nil {
		checks = append(checks, web.Check{Name: "nats", Check: func(context.Context) error {
			if !d.NATS.IsConnected() {
				return errors.New("not connected")
			}
			return nil
		}})
	}
	if d.Temporal != nil {
		checks = append(checks, web.Check{Name: "temporal", Check: func(ctx context.Context) error {
			_, err := d.Temporal.CheckHealth(ctx, nil)
			return err
		}})
	}
	checks = append(checks, opts.ExtraChecks...)
	d.Metrics.MustRegister(newRegisterCollector(d.Store))
	ws, err := d.webServer(checks)
	if err != nil {
		return fmt.Errorf("web server: %w", err)
	}
	if ws.Sessions != nil {
		go d.purgeSessions(ctx)
	}
	srv := &http.Server{
		Handler:           ws.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	ln := opts.HTTPListener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", d.Cfg.HTTP.Addr); err != nil {
			return fmt.Errorf("http listen on %s: %w", d.Cfg.HTTP.Addr, err)
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	d.Log.Info("http server started", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("http shutdown: %w", err)
	}
	return nil
}
