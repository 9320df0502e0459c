package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

func cmdDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("dev", stderr)
	cfgFile := fs.String("config", "", "configuration file (YAML)")
	dataDir := fs.String("data-dir", "", "data directory (default ./aktenfluss-data)")
	httpAddr := fs.String("http", "", "HTTP address (default 127.0.0.1:8080)")
	demo := fs.Bool("demo", false, "feed sample documents after start")
	natsPort := fs.Int("nats-port", 0, "port of the embedded NATS server (0: random)")
	temporalPort := fs.Int("temporal-port", 0, "port of the embedded Temporal frontend (0: random)")
	temporalUI := fs.String("temporal-ui", "127.0.0.1:8233", `address of the Temporal Web UI ("off": none)`)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*cfgFile, os.Getenv)
	if err != nil {
		return err
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "aktenfluss-data"
	}
	if *httpAddr != "" {
		cfg.HTTP.Addr = *httpAddr
	}
	log := newLogger(stderr, cfg.Log.Level)
	return app.RunDev(ctx, cfg, log, app.DevOptions{
		NATSPort:     *natsPort,
		TemporalPort: *temporalPort,
		TemporalUI:   uiAddr(*temporalUI),
		OnReady: func(info app.DevInfo) {
			fmt.Fprintf(stdout, "aktenfluss dev läuft / is running\n"+
				"  Posteingangsbuch (register):  %s/\n"+
				"  Quarantäne:                   %s/quarantine\n"+
				"  Metriken:                     %s/metrics\n"+
				"  NATS:                         %s\n"+
				"  Temporal:                     %s (namespace default)\n"+
				"  Temporal Web UI:              %s\n"+
				"  Daten / data:                 %s\n"+
				"Beenden mit Strg-C / stop with Ctrl-C.\n",
				info.HTTP, info.HTTP, info.HTTP, info.NATS, info.Temporal, orDash(info.TemporalUI), info.DataDir)
			if cfg.HTTP.Login && !*demo {
				fmt.Fprintf(stdout, "Anmeldung: %s/login – Konten mit `aktenfluss users add` anlegen oder mit --demo starten.\n", info.HTTP)
			}
			if *demo {
				go feedDemo(ctx, info, cfg.HTTP.Login, stdout, log)
			}
		},
	})
}

func uiAddr(s string) string {
	if s == "off" || s == "none" {
		return ""
	}
	return s
}

func cmdRoles(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flagSet("run", stderr)
	cfgFile := fs.String("config", "", "configuration file (YAML)")
	rolesFlag := fs.String("roles", "serve,worker,consume", "roles to run: serve, worker, consume")
	if err := parse(fs, args); err != nil {
		return err
	}
	roles, err := config.ParseRoles(*rolesFlag)
	if err != nil {
		return usageError{err.Error()}
	}
	cfg, err := config.Load(*cfgFile, os.Getenv)
	if err != nil {
		return err
	}
	if err := cfg.ValidateProduction(roles); err != nil {
		return err
	}
	log := newLogger(stderr, cfg.Log.Level)
	d, err := app.Connect(ctx, cfg, log, app.NeedsFor(roles))
	if err != nil {
		return err
	}
	defer d.Close()
	return app.Run(ctx, d, roles, app.RunOptions{})
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("migrate", stderr)
	cf := addClientFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := cf.load(false)
	if err != nil {
		return err
	}
	s, err := store.Open(ctx, cfg.Database.URL)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Schema ist aktuell / schema is up to date.")
	return s.Close()
}

// clientFlags are the flags of a client command (intake, watch, documents,
// quarantine, migrate).
type clientFlags struct {
	cfgFile, dataDir *string
}

func addClientFlags(fs *flag.FlagSet) clientFlags {
	return clientFlags{
		cfgFile: fs.String("config", "", "configuration file (YAML)"),
		dataDir: fs.String("data-dir", "aktenfluss-data", "data directory of `aktenfluss dev`, used when NATS_URL/DATABASE_URL are not set"),
	}
}

// load reads --config and the environment; where they name no NATS or
// database, it uses the dev stack running in --data-dir. With needNATS
// false, a stopped dev stack's database is enough (offline register views).
func (c clientFlags) load(needNATS bool) (config.Config, error) {
	cfg, err := config.Load(*c.cfgFile, os.Getenv)
	if err != nil {
		return cfg, err
	}
	if cfg.Database.URL != "" && (cfg.NATS.URL != "" || !needNATS) {
		return cfg, nil
	}
	dir, err := filepath.Abs(*c.dataDir)
	if err != nil {
		return cfg, err
	}
	info, err := app.ReadDevInfo(dir)
	if err != nil {
		db := filepath.Join(dir, "aktenfluss.db")
		if _, statErr := os.Stat(db); statErr == nil && !needNATS && cfg.Database.URL == "" {
			cfg.Database.URL = "sqlite:" + db
			if cfg.Blob.Dir == "" {
				cfg.Blob.Dir = filepath.Join(dir, "blobs")
			}
			return cfg, nil
		}
		return cfg, fmt.Errorf("set NATS_URL and DATABASE_URL, or %w", err)
	}
	if cfg.NATS.URL == "" {
		cfg.NATS.URL = info.NATS
	}
	if cfg.Database.URL == "" {
		cfg.Database.URL = info.Database
	}
	if cfg.Temporal.Address == "" {
		cfg.Temporal.Address = info.Temporal
	}
	if cfg.Blob.Dir == "" {
		cfg.Blob.Dir = info.BlobDir
	}
	return cfg, nil
}
