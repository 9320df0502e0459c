package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

func cmdQuarantine(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"quarantine: list, show or retry?"}
	}
	fs := flagSet("quarantine "+args[0], stderr)
	cf := addClientFlags(fs)
	all := fs.Bool("all", false, "list: include items already retried")
	asJSON := fs.Bool("json", false, "JSON output")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := cf.load(args[0] == "retry")
	if err != nil {
		return err
	}
	switch args[0] {
	case "list":
		s, err := store.Open(ctx, cfg.Database.URL)
		if err != nil {
			return err
		}
		defer func() { _ = s.Close() }()
		items, err := s.Quarantined(ctx, store.QuarantineFilter{All: *all, Limit: store.MaxLimit})
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, items)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tZEIT\tGRUND\tWIEDERHOLT\tMELDUNG")
		for _, q := range items {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\n", q.ID, q.CreatedAt.In(records.RegisterLocation).Format("2006-01-02 15:04:05"), q.Reason, q.RetryCount, q.Message)
		}
		return tw.Flush()
	case "show", "retry":
		if fs.NArg() != 1 {
			return usageError{"quarantine " + args[0] + ": give one ID"}
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return usageError{"quarantine: ID must be a number"}
		}
		if args[0] == "show" {
			s, err := store.Open(ctx, cfg.Database.URL)
			if err != nil {
				return err
			}
			defer func() { _ = s.Close() }()
			q, err := s.QuarantineItem(ctx, id)
			if err != nil {
				return err
			}
			return writeJSON(stdout, struct {
				store.QuarantineItem
				Payload string `json:"payload"`
			}{q, string(q.Payload)})
		}
		d, err := app.Connect(ctx, cfg, newLogger(stderr, cfg.Log.Level), app.Needs{Store: true, NATS: true})
		if err != nil {
			return err
		}
		defer d.Close()
		q, err := d.Store.QuarantineItem(ctx, id)
		if err != nil {
			return err
		}
		if err := intake.Requeue(ctx, d.JS, intake.QuarantineItem(q)); err != nil {
			return err
		}
		if err := d.Store.MarkQuarantineRetried(ctx, id, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Quarantäne-Eintrag %d erneut eingestellt / requeued.\n", id)
		return nil
	}
	return usageError{fmt.Sprintf("quarantine: unknown subcommand %q", args[0])}
}
