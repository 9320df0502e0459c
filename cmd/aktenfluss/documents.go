package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

func cmdDocuments(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"documents: list, show or get?"}
	}
	fs := flagSet("documents "+args[0], stderr)
	cf := addClientFlags(fs)
	year := fs.Int("year", 0, "register year")
	source := fs.String("source", "", "source: mailroom, email, einvoice, upload")
	status := fs.String("status", "", "status: registered, classified, failed")
	limit := fs.Int("limit", 100, "number of entries")
	asJSON := fs.Bool("json", false, "JSON output")
	as := fs.String("as", "", "show/get: who reads (login name; recorded in the audit trail)")
	rendition := fs.String("rendition", "", "get: a rendition (archival-pdf, text) instead of the original")
	out := fs.String("out", "", "get: the file to write, - for stdout")
	if err := parse(fs, args[1:]); err != nil {
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
	defer func() { _ = s.Close() }()

	switch args[0] {
	case "list":
		f := store.EntryFilter{Year: *year, Status: records.Status(*status), Limit: *limit}
		if *source != "" {
			if f.Source, err = records.ParseSource(*source); err != nil {
				return usageError{err.Error()}
			}
		}
		entries, err := s.Entries(ctx, f)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, entries)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EINGANGSNR\tEINGANGSDATUM\tQUELLE\tART\tSTATUS\tSHA256")
		for _, e := range entries {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Number, e.ReceivedAt.In(records.RegisterLocation).Format("2006-01-02 15:04:05"),
				e.Source, orDash(string(e.Kind)), e.Status, e.SHA256[:12]+"…")
		}
		return tw.Flush()
	case "show":
		if fs.NArg() != 1 {
			return usageError{"documents show: give one register number (2026-000123) or sha256"}
		}
		e, err := findEntry(ctx, s, fs.Arg(0))
		if err != nil {
			return err
		}
		events, err := s.Events(ctx, "document", e.SHA256)
		if err != nil {
			return err
		}
		routing, err := documentRouting(ctx, s, e.SHA256)
		if err != nil {
			return err
		}
		filings, err := s.FilingsOf(ctx, e.SHA256)
		if err != nil {
			return err
		}
		if err := recordEvent(ctx, s, cliActor(*as), audit.ActionDocumentRead, "document", e.SHA256, map[string]any{"via": "cli"}, nil); err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, struct {
				Number string `json:"register_number"`
				records.RegisterEntry
				Routing map[string]any     `json:"routing,omitempty"`
				Filings []records.Filing   `json:"filings"`
				Events  []store.AuditEvent `json:"events"`
			}{e.Number.String(), e, routing, nonNil(filings), events})
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "Eingangsnummer\t%s\n", e.Number)
		fmt.Fprintf(tw, "Eingangsdatum\t%s\n", e.ReceivedAt.In(records.RegisterLocation).Format("2006-01-02 15:04:05 MST"))
		fmt.Fprintf(tw, "Registriert\t%s\n", e.RegisteredAt.In(records.RegisterLocation).Format("2006-01-02 15:04:05 MST"))
		fmt.Fprintf(tw, "Quelle\t%s\n", e.Source)
		fmt.Fprintf(tw, "Dateiname\t%s\n", e.OriginalName)
		fmt.Fprintf(tw, "Medientyp\t%s\n", e.MediaType)
		fmt.Fprintf(tw, "Größe\t%d Bytes\n", e.Size)
		fmt.Fprintf(tw, "SHA-256\t%s\n", e.SHA256)
		fmt.Fprintf(tw, "Art\t%s %s\n", orDash(string(e.Kind)), e.KindDetail)
		fmt.Fprintf(tw, "Status\t%s\n", e.Status)
		fmt.Fprintf(tw, "Workflow\t%s\n", e.WorkflowID)
		if p := e.ScanProtocol; !p.IsZero() {
			fmt.Fprintf(tw, "Transfervermerk\tBediener %s, Station %s, Profil %s, %d dpi\n", p.Operator, p.Station, p.Profile, p.DPI)
		}
		if routing != nil {
			fmt.Fprintf(tw, "Dokumenttyp\t%v\n", routing["type"])
			fmt.Fprintf(tw, "Absender\t%v\n", routing["sender"])
			fmt.Fprintf(tw, "Briefdatum\t%v\n", routing["letter_date"])
			fmt.Fprintf(tw, "Betreff\t%v\n", routing["subject"])
			if routing["rule"] != "" {
				fmt.Fprintf(tw, "Zuordnung\t%v: %v (%v)\n", routing["rule"], routing["reason"], routing["routed_by"])
			}
		}
		for _, f := range filings {
			n := f.FileNumber
			if n == "" {
				if file, err := s.File(ctx, f.FileID); err == nil {
					n = file.Number
				}
			}
			fmt.Fprintf(tw, "Akte\t%s (Version %d, abgelegt %s von %s)\n", n, f.Version, f.FiledAt.In(records.RegisterLocation).Format("02.01.2006"), f.FiledBy)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "\nProtokoll:")
		for _, ev := range events {
			fmt.Fprintf(stdout, "  %4d  %s  %-16s %-22s %s\n", ev.Seq, ev.Time.In(records.RegisterLocation).Format("2006-01-02 15:04:05"), ev.Actor, ev.Action, ev.Details)
		}
		return nil
	case "get":
		if fs.NArg() != 1 || *out == "" {
			return usageError{"documents get NUMMER|SHA256 [--rendition NAME] --out FILE|-"}
		}
		return getDocument(ctx, s, cfg.Blob.Dir, fs.Arg(0), *rendition, *out, cliActor(*as), stdout)
	}
	return usageError{fmt.Sprintf("documents: unknown subcommand %q", args[0])}
}

// getDocument writes the original or a rendition of a document. The bytes
// are read and checked against their digest first, then the download is
// recorded, and only then written out: a download that could not be
// logged does not happen.
func getDocument(ctx context.Context, s store.Store, blobDir, key, rendition, out, actor string, stdout io.Writer) error {
	e, err := findEntry(ctx, s, key)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("Dokument %s ist nicht im Posteingangsbuch (aktenfluss documents list)", key)
	}
	if err != nil {
		return fmt.Errorf("Dokument %s: %w", key, err)
	}
	name, blobSHA := "original", e.SHA256
	if rendition != "" && rendition != "original" {
		list, err := s.Renditions(ctx, e.SHA256)
		if err != nil {
			return err
		}
		have := []string{"original"}
		blobSHA = ""
		for _, r := range list {
			have = append(have, string(r.Kind))
			if string(r.Kind) == rendition {
				name, blobSHA = rendition, r.BlobSHA256
			}
		}
		if blobSHA == "" {
			return fmt.Errorf("Dokument %s hat keine Fassung %q (vorhanden: %s)", e.Number, rendition, strings.Join(have, ", "))
		}
	}
	blobs, err := blob.NewFS(blobDir)
	if err != nil {
		return err
	}
	rc, err := blobs.Open(ctx, blobSHA)
	if errors.Is(err, blob.ErrNotFound) {
		return fmt.Errorf("Dokument %s: Fassung %s fehlt im Ablagespeicher (%s)", e.Number, name, blobSHA)
	}
	if err != nil {
		return err
	}
	data, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil {
		return fmt.Errorf("Dokument %s, Fassung %s: %w", e.Number, name, err)
	}
	// The blob store's reader has checked the bytes against blobSHA.
	details := map[string]any{"rendition": name, "sha256": blobSHA, "size": len(data)}
	if out == "-" {
		if err := recordEvent(ctx, s, actor, audit.ActionDocumentDownloaded, "document", e.SHA256, details, nil); err != nil {
			return err
		}
		_, err = stdout.Write(data)
		return err
	}
	// The file is created before the download is logged, so that a path
	// that cannot be written fails without a logged download; it stays
	// empty until the log has the event.
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := recordEvent(ctx, s, actor, audit.ActionDocumentDownloaded, "document", e.SHA256, details, nil); err != nil {
		_ = f.Close()
		_ = os.Remove(out)
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func findEntry(ctx context.Context, s store.Store, key string) (records.RegisterEntry, error) {
	if blob.ValidDigest(strings.ToLower(key)) {
		return s.EntryBySHA256(ctx, strings.ToLower(key))
	}
	n, err := records.ParseRegisterNumber(key)
	if err != nil {
		return records.RegisterEntry{}, usageError{err.Error()}
	}
	return s.EntryByNumber(ctx, n)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
