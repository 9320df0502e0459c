package main

import (
	"context"
	"io"
	"time"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/intake"
)

func cmdWatch(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flagSet("watch", stderr)
	cf := addClientFlags(fs)
	pf := addProtocolFlags(fs)
	interval := fs.Duration("interval", 2*time.Second, "how often the folder is read")
	settle := fs.Duration("settle", 2*time.Second, "how long a file must stay unchanged before it is taken")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{"watch: give exactly one DIR"}
	}
	src, proto, err := pf.parse()
	if err != nil {
		return err
	}
	cfg, err := cf.load(true)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.Log.Level)
	d, err := app.Connect(ctx, cfg, log, app.Needs{NATS: true})
	if err != nil {
		return err
	}
	defer d.Close()
	w := &intake.Watcher{
		Dir: fs.Arg(0), Publisher: d.Publisher(), Source: src, ScanProtocol: proto,
		Interval: *interval, SettleTime: *settle, Logger: log.With("component", "watch"),
	}
	log.Info("watching hot folder", "interval", *interval)
	return w.Run(ctx)
}
