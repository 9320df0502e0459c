// Command aktenfluss is the single binary of aktenfluss: the embedded
// development stack, the production roles, and the command-line tools for
// the mailroom and operators.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `aktenfluss – E-Akte und Posteingang

Aufruf / usage:
  aktenfluss dev [--data-dir DIR] [--http ADDR] [--demo]   alles in einem Prozess (embedded NATS, Temporal, SQLite)
  aktenfluss serve | worker | consume | ocr [--config FILE] Produktionsrollen; "run --roles serve,worker,consume,ocr" für mehrere
  aktenfluss intake [--source S] [--operator N --station ID --profile P] FILE…
                                                            Dokumente einliefern (JetStream)
  aktenfluss watch DIR [--source S]                         Hot-Folder überwachen
  aktenfluss documents list [--year Y --source S --status S] | show NUMMER|SHA256
  aktenfluss documents get NUMMER|SHA256 [--rendition archival-pdf|text] --out DATEI|- [--as USER]
                                                            Original oder Fassung herunterladen (protokolliert)
  aktenfluss quarantine list [--all] | show ID | retry ID
  aktenfluss convert IN -o OUT.pdf [--text OUT.txt] [--lang deu+eng] [--jobs N]
                                                            Scan → durchsuchbares PDF/A (ohne Server)
  aktenfluss pdfa check FILE…                               PDF/A-Selbstprüfung, Regel für Regel
  aktenfluss einvoice inspect FILE [--json]                 E-Rechnung (XML oder hybrides PDF) lesen und prüfen
  aktenfluss invoices list [--status S --duplicates --leitweg-id ID --waiting-for USER --overdue] | show ID
  aktenfluss invoices approve ID --as USER [--comment C] | reject ID --as USER --reason R [--to-sender] | cancel ID --as USER --reason R
                                                            Rechnungen: Prüfergebnis, Rücksendung, Dubletten
  aktenfluss fileplan import FILE.yaml|FILE.csv | --sample | export [--format csv] | show [CODE]
                                                            Aktenplan
  aktenfluss units import FILE.yaml | show | absent USER VON BIS | present ID
                                                            Organisationseinheiten, Vertretungen, Abwesenheiten
  aktenfluss files list [--plan C --unit U --status open|closed] | show AZ
  aktenfluss files create --plan CODE --title T --as USER | close AZ --as USER
  aktenfluss files process AZ --title T --as USER | add AZ DOKUMENT --as USER [--process N] [--supersedes DOK]
                                                            Akten anlegen, ansehen, schließen (zdA)
  aktenfluss triage list [--all] | decide ID --as USER [--file AZ | --open CODE] [--assign U] [--approve U]
                                                            Dokumente, die die Regeln nicht sicher zuordnen
  aktenfluss tasks list [--unit U --assignee USER --status S] | claim|done ID --as USER
  aktenfluss tasks forward ID --to UNIT [--user X] --as USER | followup ID --on DATUM --as USER
                                                            Aufgaben (Posteingang der Einheiten, Wiedervorlage)
  aktenfluss search WÖRTER… (--as USER | --all) [--type T --unit U --file AZ --sender S --from D --to D]
                                                            Volltextsuche
  aktenfluss audit verify [--public-key F] [--checkpoints F] | checkpoint | public-key
  aktenfluss audit export (--file AZ | --document ID | --invoice ID) --format json|csv|pdf [--out F] --as USER
  aktenfluss audit erase --document ID --reason TEXT --as USER
                                                            Prüfprotokoll: Kette prüfen, Verlauf exportieren, DSGVO-Löschung
  aktenfluss users add LOGIN --name N --role R[,R] [--email E] [--password-stdin] | list | passwd LOGIN --password-stdin | roles LOGIN --role R[,R] | disable LOGIN [--as USER]
                                                            Benutzerkonten und Rollen (protokolliert)
  aktenfluss migrate                                        Datenbankschema anlegen/aktualisieren
  aktenfluss bench intake [-n N] [--rate R]                 Durchsatz und Latenz der Erfassung messen
  aktenfluss bench ocr --corpus DIR                         OCR/PDF-A gegen ocrmypdf messen
  aktenfluss bench einvoice [--corpus DIR] [--render]       E-Rechnungen/s (Lesen + Prüfen, 1 Kern), Spitzenspeicher

Connection settings come from --config FILE and the environment
(NATS_URL, TEMPORAL_ADDRESS, DATABASE_URL, AKTENFLUSS_BLOB_DIR, …); client
commands without them use the dev stack in --data-dir (default ./aktenfluss-data).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var u usageError
		if errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, "aktenfluss:", err)
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "aktenfluss:", err)
		os.Exit(1)
	}
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "dev":
		return cmdDev(ctx, rest, stdout, stderr)
	case "serve", "worker", "consume", "ocr":
		return cmdRoles(ctx, append([]string{"--roles", cmd}, rest...), stderr)
	case "run":
		return cmdRoles(ctx, rest, stderr)
	case "intake":
		return cmdIntake(ctx, rest, stdout, stderr)
	case "watch":
		return cmdWatch(ctx, rest, stderr)
	case "documents":
		return cmdDocuments(ctx, rest, stdout, stderr)
	case "quarantine":
		return cmdQuarantine(ctx, rest, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr)
	case "convert":
		return cmdConvert(ctx, rest, stdout, stderr)
	case "pdfa":
		return cmdPDFA(ctx, rest, stdout)
	case "einvoice":
		return cmdEInvoice(ctx, rest, stdout, stderr)
	case "invoices":
		return cmdInvoices(ctx, rest, stdout, stderr)
	case "fileplan":
		return cmdFilePlan(ctx, rest, stdout, stderr)
	case "files":
		return cmdFiles(ctx, rest, stdout, stderr)
	case "units":
		return cmdUnits(ctx, rest, stdout, stderr)
	case "triage":
		return cmdTriage(ctx, rest, stdout, stderr)
	case "tasks":
		return cmdTasks(ctx, rest, stdout, stderr)
	case "search":
		return cmdSearch(ctx, rest, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, rest, stdout, stderr)
	case "users":
		return cmdUsers(ctx, rest, os.Stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// flagSet returns a FlagSet whose errors come back as usage errors.
func flagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse reads flags wherever they stand, before or after the positional
// arguments (`files show AZ --data-dir D` as well as `files show
// --data-dir D AZ`); everything after "--" is positional.
func parse(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageError{err.Error()}
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}
