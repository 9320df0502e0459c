package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/sdk/client"

	"github.com/aktenfluss/aktenfluss/app"
	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/audit/auditpdf"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// errChainBroken makes `audit verify` exit non-zero after it has printed
// what is wrong.
var errChainBroken = errors.New("die Protokollkette ist beschädigt")

// cmdAudit verifies, checkpoints, exports and erases in the audit trail.
func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"audit: verify, checkpoint, export, erase or public-key?"}
	}
	fs := flagSet("audit "+args[0], stderr)
	cf := addClientFlags(fs)
	var pubKeys, cpFiles multiFlag
	fs.Var(&pubKeys, "public-key", "verify/export: a further public key (PEM) whose checkpoints count; repeatable")
	fs.Var(&cpFiles, "checkpoints", "verify/export: a further checkpoint file (JSON lines); repeatable")
	noNATS := fs.Bool("no-nats", false, "verify/export: do not read the checkpoints on NATS")
	asJSON := fs.Bool("json", false, "verify: print the result as JSON")
	file := fs.String("file", "", "export: the file (Aktenzeichen)")
	document := fs.String("document", "", "export/erase: the document (SHA-256 or register number)")
	invoice := fs.String("invoice", "", "export: the invoice (number from `invoices list`)")
	format := fs.String("format", "json", "export: json, csv or pdf")
	out := fs.String("out", "-", "export: output file, - for standard output")
	as := fs.String("as", "", "export/erase: who asks (login name); recorded in the trail")
	reason := fs.String("reason", "", "erase: why (e.g. the erasure request under Art. 17 GDPR)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, s, err := openStore(ctx, cf)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	if dir, err := devDataDir(cf); err == nil {
		app.DevAuditDefaults(&cfg.Audit, dir)
	}
	cfg.Audit.PublicKeys = append(cfg.Audit.PublicKeys, pubKeys...)

	switch args[0] {
	case "verify":
		keys, outside, sources, err := verificationInputs(ctx, cfg, cpFiles, *noNATS)
		if err != nil {
			return err
		}
		res, err := store.VerifyAudit(ctx, s, keys, outside)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(res); err != nil {
				return err
			}
		} else {
			printVerification(stdout, res, keys, sources)
		}
		if !res.OK {
			return errChainBroken
		}
		return nil

	case "checkpoint":
		key, err := audit.LoadPrivateKey(cfg.Audit.SigningKey)
		if err != nil {
			return fmt.Errorf("%w (setting audit.signing_key)", err)
		}
		js, closeNATS := connectNATSOptional(cfg, *noNATS)
		defer closeNATS()
		cp := &app.Checkpointer{Store: s, Key: key, File: cfg.Audit.CheckpointFile, JS: js, Log: slog.New(slog.DiscardHandler)}
		c, made, err := cp.Checkpoint(ctx)
		if err != nil {
			return err
		}
		if !made {
			fmt.Fprintln(stdout, "Das Protokoll ist leer; kein Checkpoint.")
			return nil
		}
		fmt.Fprintf(stdout, "Checkpoint: Ereignis %d, Hash %s, Schlüssel %s\n", c.Seq, c.Hash, c.KeyID)
		return nil

	case "public-key":
		pub, err := audit.LoadPublicKey(cfg.Audit.SigningKey)
		if err != nil {
			return fmt.Errorf("%w (setting audit.signing_key)", err)
		}
		pemBytes, err := audit.EncodePublicKey(pub)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "# Schlüssel-ID %s\n%s", audit.KeyID(pub), pemBytes)
		return nil

	case "export":
		kind, id, err := exportSubject(*file, *document, *invoice)
		if err != nil {
			return err
		}
		if *format != "json" && *format != "csv" && *format != "pdf" {
			return usageError{"audit export: --format json, csv or pdf"}
		}
		actor := cliActor(*as)
		keys, outside, _, err := verificationInputs(ctx, cfg, cpFiles, *noNATS)
		if err != nil {
			return err
		}
		tc := dialTemporalOptional(ctx, cfg, stderr)
		if tc != nil {
			defer tc.Close()
		}
		rep, err := app.BuildReport(ctx, s, tc, app.ReportRequest{Kind: kind, ID: id, Actor: actor, Keys: keys, Outside: outside})
		if err != nil {
			return err
		}
		body, err := auditpdf.Export(rep, *format)
		if err != nil {
			return err
		}
		// The export is a read of the whole case: it is logged before the
		// history leaves the system.
		if err := recordEvent(ctx, s, actor, audit.ActionTrailExported, rep.Subject.Kind, rep.Subject.ID,
			map[string]any{"format": *format, "entries": len(rep.Entries), "chain_ok": rep.Verification.OK}, nil); err != nil {
			return err
		}
		if *out == "-" {
			_, err = stdout.Write(body)
			return err
		}
		if err := os.WriteFile(*out, body, 0o640); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%d Einträge nach %s geschrieben; Kette %s\n", len(rep.Entries), *out, map[bool]string{true: "unverändert", false: "BESCHÄDIGT"}[rep.Verification.OK])
		return nil

	case "erase":
		if *document == "" || strings.TrimSpace(*reason) == "" || *as == "" {
			return usageError{"audit erase: --document ID --reason TEXT --as USER"}
		}
		sha, err := app.DocumentSHA(ctx, s, *document)
		if err != nil {
			return err
		}
		n, err := s.ErasePersonal(ctx, "document", sha, *as, *reason)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Personenbezogene Daten in %d Protokolleinträgen zu Dokument %s gelöscht; die Kette bleibt prüfbar.\n", n, sha)
		return nil
	}
	return usageError{"audit: verify, checkpoint, export, erase or public-key?"}
}

func exportSubject(file, document, invoice string) (kind, id string, err error) {
	n := 0
	for _, v := range []string{file, document, invoice} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return "", "", usageError{"audit export: genau eines von --file AZ, --document ID, --invoice ID"}
	}
	switch {
	case file != "":
		return "file", file, nil
	case document != "":
		return "document", document, nil
	}
	return "invoice", invoice, nil
}

// verificationInputs gathers the keys and the checkpoints kept outside the
// database: the configured checkpoint file, extra files, and the AUDIT
// stream on NATS when it can be reached.
func verificationInputs(ctx context.Context, cfg config.Config, files []string, noNATS bool) ([]ed25519.PublicKey, []audit.Checkpoint, []string, error) {
	keys, err := app.VerificationKeys(cfg.Audit)
	if err != nil {
		return nil, nil, nil, err
	}
	js, closeNATS := connectNATSOptional(cfg, noNATS)
	defer closeNATS()
	outside, sources, err := app.OutsideCheckpoints(ctx, cfg.Audit.CheckpointFile, js)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, f := range files {
		cps, err := audit.ReadCheckpointFile(f)
		if err != nil {
			return nil, nil, nil, err
		}
		outside = append(outside, cps...)
		sources = append(sources, fmt.Sprintf("Datei %s (%d)", f, len(cps)))
	}
	return keys, outside, sources, nil
}

func connectNATSOptional(cfg config.Config, off bool) (jetstream.JetStream, func()) {
	if off || cfg.NATS.URL == "" {
		return nil, func() {}
	}
	opts := []nats.Option{nats.Timeout(3 * time.Second), nats.MaxReconnects(0)}
	if cfg.NATS.Creds != "" {
		opts = append(opts, nats.UserCredentials(cfg.NATS.Creds))
	}
	nc, err := nats.Connect(cfg.NATS.URL, opts...)
	if err != nil {
		return nil, func() {}
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, func() {}
	}
	return js, nc.Close
}

func printVerification(w io.Writer, res audit.Result, keys []ed25519.PublicKey, sources []string) {
	if res.OK {
		fmt.Fprintf(w, "Protokollkette unverändert: %d Ereignisse (bis %d), geprüft in %s.\n", res.Events, res.LastSeq, res.Took)
	} else {
		fmt.Fprintf(w, "PROTOKOLLKETTE BESCHÄDIGT – erstes fehlerhaftes Ereignis %d (%s):\n  %s\n", res.Problem.Seq, res.Problem.Kind, res.Problem.Message)
		fmt.Fprintf(w, "Bis dahin geprüft: %d Ereignisse.\n", res.Events)
	}
	if c := res.LastCheckpoint; c != nil {
		fmt.Fprintf(w, "Letzter passender signierter Checkpoint: Ereignis %d vom %s (Schlüssel %s); %d Checkpoints geprüft.\n",
			c.Seq, c.Time.Format(time.RFC3339), c.KeyID, res.Checkpoints)
	}
	if res.Erased > 0 {
		fmt.Fprintf(w, "Bei %d Ereignissen wurden personenbezogene Daten gelöscht (zulässig, Hash bleibt).\n", res.Erased)
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = audit.KeyID(k)
	}
	fmt.Fprintf(w, "Schlüssel: %s. Checkpoints außerhalb der Datenbank: %s.\n", orNone(strings.Join(ids, ", ")), orNone(strings.Join(sources, "; ")))
	for _, warn := range res.Warnings {
		fmt.Fprintln(w, "Warnung:", warn)
	}
}

func orNone(s string) string {
	if s == "" {
		return "keine"
	}
	return s
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// devDataDir is --data-dir when it holds a dev stack (running or stopped).
func devDataDir(cf clientFlags) (string, error) {
	dir, err := filepath.Abs(*cf.dataDir)
	if err != nil {
		return "", err
	}
	for _, name := range []string{app.DevInfoFile, "aktenfluss.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return dir, nil
		}
	}
	return "", fmt.Errorf("no dev stack in %s", dir)
}

// dialTemporalOptional connects to Temporal for the workflow histories of
// a report; without it the report is still made and says what is missing.
func dialTemporalOptional(ctx context.Context, cfg config.Config, stderr io.Writer) client.Client {
	if cfg.Temporal.Address == "" {
		fmt.Fprintln(stderr, "Hinweis: keine Temporal-Adresse; der Bericht enthält keine Workflow-Verläufe.")
		return nil
	}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := app.DialTemporal(dctx, cfg.Temporal, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintf(stderr, "Hinweis: Temporal nicht erreichbar (%v); der Bericht enthält keine Workflow-Verläufe.\n", err)
		return nil
	}
	return c
}
