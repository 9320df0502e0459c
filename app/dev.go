package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/devstack"
)

// DevOptions configure `aktenfluss dev`.
type DevOptions struct {
	NATSPort     int // 0: random
	TemporalPort int // 0: random
	// TemporalUI is HOST:PORT for the embedded Temporal Web UI; empty: no UI.
	TemporalUI string
	// OnReady is called once everything runs, with where to find it.
	OnReady func(DevInfo)
	Run     RunOptions
	// Roles to run; nil means all. Tests leave out the OCR worker to run it
	// in a separate process they can kill.
	Roles []config.Role
}

// DevInfo says where the parts of a running dev stack listen. It is also
// written to DATA_DIR/dev.json so that CLI commands in another terminal
// (intake, documents, quarantine) find the stack without configuration.
type DevInfo struct {
	DataDir  string `json:"data_dir"`
	HTTP     string `json:"http"`
	NATS     string `json:"nats"`
	Temporal string `json:"temporal"`
	// TemporalUI is the Web UI's URL, empty when it is off.
	TemporalUI string `json:"temporal_ui,omitempty"`
	Database   string `json:"database"`
	BlobDir    string `json:"blob_dir"`
	PID        int    `json:"pid"`
}

// DevInfoFile is the name of the file a running dev stack describes itself in.
const DevInfoFile = "dev.json"

// ReadDevInfo reads DATA_DIR/dev.json.
func ReadDevInfo(dataDir string) (DevInfo, error) {
	var info DevInfo
	raw, err := os.ReadFile(filepath.Join(dataDir, DevInfoFile))
	if err != nil {
		return info, fmt.Errorf("no running dev stack found in %s (start `aktenfluss dev --data-dir %s`): %w", dataDir, dataDir, err)
	}
	if err := json.Unmarshal(raw, &info); err != nil {
		return info, fmt.Errorf("read %s: %w", DevInfoFile, err)
	}
	return info, nil
}

// Apply points cfg at the dev stack.
func (i DevInfo) Apply(cfg *config.Config) {
	cfg.NATS.URL = i.NATS
	cfg.Temporal.Address = i.Temporal
	cfg.Database.URL = i.Database
	cfg.Blob.Dir = i.BlobDir
}

// DevAuditDefaults puts the audit signing key and the checkpoint file into
// the dev data directory unless configured otherwise.
func DevAuditDefaults(cfg *config.AuditConfig, dataDir string) {
	if cfg.SigningKey == "" {
		cfg.SigningKey = filepath.Join(dataDir, "audit", "signing-key.pem")
	}
	if cfg.CheckpointFile == "" {
		cfg.CheckpointFile = filepath.Join(dataDir, "audit", "checkpoints.jsonl")
	}
}

// RunDev runs the embedded default: NATS with JetStream and a Temporal
// server in this process, SQLite and the filesystem blob store in the data
// directory, and every role. State lives in cfg.DataDir, so the next start
// continues where the last one stopped.
func RunDev(ctx context.Context, cfg config.Config, log *slog.Logger, opts DevOptions) error {
	if err := cfg.ValidateDev(); err != nil {
		return err
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	ns, err := devstack.StartNATS(devstack.NATSOptions{StoreDir: filepath.Join(dir, "nats"), Port: opts.NATSPort})
	if err != nil {
		return fmt.Errorf("embedded nats: %w", err)
	}
	defer ns.Shutdown()
	ts, err := devstack.StartTemporal(devstack.TemporalOptions{
		DatabaseFile: filepath.Join(dir, "temporal.db"),
		FrontendPort: opts.TemporalPort,
		LogFile:      filepath.Join(dir, "temporal.log"),
	})
	if err != nil {
		return fmt.Errorf("embedded temporal: %w", err)
	}
	defer ts.Stop()
	var uiURL string
	if opts.TemporalUI != "" {
		ui, err := devstack.StartTemporalUI(opts.TemporalUI, ts.HostPort(), ts.Namespace())
		if err != nil {
			return fmt.Errorf("%w (setting --temporal-ui; \"off\" disables the UI)", err)
		}
		defer ui.Stop()
		uiURL = ui.URL()
	}

	ln := opts.Run.HTTPListener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.HTTP.Addr); err != nil {
			return fmt.Errorf("http listen on %s (setting http.addr / --http): %w", cfg.HTTP.Addr, err)
		}
	}
	info := DevInfo{
		DataDir:    dir,
		HTTP:       "http://" + ln.Addr().String(),
		NATS:       ns.ClientURL(),
		Temporal:   ts.HostPort(),
		TemporalUI: uiURL,
		Database:   "sqlite:" + filepath.Join(dir, "aktenfluss.db"),
		BlobDir:    filepath.Join(dir, "blobs"),
		PID:        os.Getpid(),
	}
	info.Apply(&cfg)
	cfg.Temporal.Namespace = ts.Namespace()
	if cfg.Records.BookingExportDir == "" {
		cfg.Records.BookingExportDir = filepath.Join(dir, "exports")
	}
	DevAuditDefaults(&cfg.Audit, dir)
	if _, created, err := audit.LoadOrCreatePrivateKey(cfg.Audit.SigningKey); err != nil {
		return fmt.Errorf("audit signing key (setting audit.signing_key): %w", err)
	} else if created {
		log.Info("created the audit signing key; in production keep it off the database host", "path", cfg.Audit.SigningKey)
	}

	roles := opts.Roles
	if roles == nil {
		roles = []config.Role{config.RoleWorker, config.RoleOCR, config.RoleConsume, config.RoleServe}
	}
	if !slices.Contains(roles, config.RoleServe) {
		roles = append(roles, config.RoleServe) // dev always answers on its HTTP address
	}
	deps, err := Connect(ctx, cfg, log, NeedsFor(roles))
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer deps.Close()

	if err := writeDevInfo(dir, info); err != nil {
		_ = ln.Close()
		return err
	}
	defer func() { _ = os.Remove(filepath.Join(dir, DevInfoFile)) }()

	runOpts := opts.Run
	runOpts.HTTPListener = ln
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- Run(runCtx, deps, roles, runOpts) }()
	if opts.OnReady != nil {
		opts.OnReady(info)
	}
	err = <-errc
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

func writeDevInfo(dir string, info DevInfo) error {
	raw, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, DevInfoFile+".tmp")
	if err := os.WriteFile(tmp, raw, 0o640); err != nil {
		return fmt.Errorf("write dev info: %w", err)
	}
	return os.Rename(tmp, filepath.Join(dir, DevInfoFile))
}
