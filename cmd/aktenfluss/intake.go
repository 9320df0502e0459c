package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// protocolFlags are the scan-protocol (Transfervermerk) fields the mailroom
// states when it delivers scans.
type protocolFlags struct {
	source, operator, station, profile *string
	dpi                                *int
}

func addProtocolFlags(fs *flag.FlagSet) protocolFlags {
	return protocolFlags{
		source:   fs.String("source", "mailroom", "channel: mailroom, email, einvoice, upload"),
		operator: fs.String("operator", "", "scan protocol: who scanned"),
		station:  fs.String("station", "", "scan protocol: scan station or device id"),
		profile:  fs.String("profile", "", "scan protocol: scan profile"),
		dpi:      fs.Int("dpi", 0, "scan protocol: resolution in dpi"),
	}
}

func (p protocolFlags) parse() (records.Source, *records.ScanProtocol, error) {
	src, err := records.ParseSource(*p.source)
	if err != nil {
		return "", nil, usageError{err.Error()}
	}
	proto := &records.ScanProtocol{Operator: *p.operator, Station: *p.station, Profile: *p.profile, DPI: *p.dpi}
	if proto.IsZero() {
		proto = nil
	}
	return src, proto, nil
}

func cmdIntake(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("intake", stderr)
	cf := addClientFlags(fs)
	pf := addProtocolFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"intake: no FILE given"}
	}
	src, proto, err := pf.parse()
	if err != nil {
		return err
	}
	cfg, err := cf.load(true)
	if err != nil {
		return err
	}
	d, err := app.Connect(ctx, cfg, newLogger(stderr, cfg.Log.Level), app.Needs{NATS: true})
	if err != nil {
		return err
	}
	defer d.Close()
	pub := d.Publisher()
	var failed int
	for _, path := range fs.Args() {
		env, err := pub.Publish(ctx, intake.PublishRequest{Path: path, Source: src, ScanProtocol: proto, ReceivedAt: time.Now()})
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "abgelehnt / rejected: %s: %v\n", path, err)
			if !intake.IsPermanent(err) && errors.Is(err, context.Canceled) {
				break
			}
			continue
		}
		fmt.Fprintf(stdout, "eingeliefert / published: %s sha256=%s %s %d Bytes\n", path, env.SHA256, env.MediaType, env.Size)
	}
	if failed > 0 {
		return fmt.Errorf("%d von %d Dateien nicht eingeliefert / %d of %d files not published", failed, fs.NArg(), failed, fs.NArg())
	}
	return nil
}
