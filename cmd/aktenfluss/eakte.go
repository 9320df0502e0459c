package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
)

// openStore reads the client configuration and opens the records store.
func openStore(ctx context.Context, cf clientFlags) (config.Config, store.Store, error) {
	cfg, err := cf.load(false)
	if err != nil {
		return cfg, nil, err
	}
	s, err := store.Open(ctx, cfg.Database.URL)
	return cfg, s, err
}

// cmdFilePlan imports, exports and shows the file plan (Aktenplan).
func cmdFilePlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"fileplan: import, export or show?"}
	}
	fs := flagSet("fileplan "+args[0], stderr)
	cf := addClientFlags(fs)
	format := fs.String("format", "", "yaml or csv (import: from the file name; export: yaml)")
	sample := fs.Bool("sample", false, "import: the built-in sample plan of a municipality (KGSt structure)")
	as := fs.String("as", "", "import: who imports (login name; recorded in the audit trail)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	_, s, err := openStore(ctx, cf)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	switch args[0] {
	case "import":
		var raw []byte
		name := "sample"
		switch {
		case *sample && fs.NArg() == 0:
			raw = records.SampleFilePlanYAML()
		case !*sample && fs.NArg() == 1:
			name = fs.Arg(0)
			if raw, err = os.ReadFile(name); err != nil {
				return err
			}
		default:
			return usageError{"fileplan import: give one FILE (.yaml or .csv) or --sample"}
		}
		f := *format
		if f == "" {
			f = "yaml"
			if strings.HasSuffix(strings.ToLower(name), ".csv") {
				f = "csv"
			}
		}
		var plan records.FilePlan
		switch f {
		case "yaml":
			plan, err = records.ParsePlanYAML(raw)
		case "csv":
			plan, err = records.ParsePlanCSV(raw)
		default:
			return usageError{"fileplan import: --format is yaml or csv"}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		before, err := s.FilePlan(ctx)
		if err != nil {
			return err
		}
		if err := s.ReplaceFilePlan(ctx, plan); err != nil {
			return err
		}
		details := api.FilePlanChanges(before, plan)
		details["nodes"] = len(plan.Nodes)
		details["sha256"] = sha256Hex(raw)
		details["source"] = filepath.Base(name)
		details["format"] = f
		if err := recordEvent(ctx, s, cliActor(*as), api.ActionFilePlanImported, "fileplan", "plan", details, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Aktenplan importiert: %d Positionen\n", len(plan.Nodes))
		return nil
	case "export":
		plan, err := s.FilePlan(ctx)
		if err != nil {
			return err
		}
		var out []byte
		switch *format {
		case "", "yaml":
			out, err = plan.MarshalYAML()
		case "csv":
			out, err = plan.MarshalCSV()
		default:
			return usageError{"fileplan export: --format is yaml or csv"}
		}
		if err != nil {
			return err
		}
		_, err = stdout.Write(out)
		return err
	case "show":
		plan, err := s.FilePlan(ctx)
		if err != nil {
			return err
		}
		if len(plan.Nodes) == 0 {
			fmt.Fprintln(stdout, "Kein Aktenplan importiert (aktenfluss fileplan import FILE | --sample).")
			return nil
		}
		prefix := fs.Arg(0)
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KENNZEICHEN\tTITEL\tAUFBEWAHRUNG\tFEDERFÜHRUNG")
		for _, n := range plan.Nodes {
			if prefix != "" && n.Code != prefix && !strings.HasPrefix(n.Code, prefix+".") {
				continue
			}
			e, _ := plan.Effective(n.Code)
			fmt.Fprintf(tw, "%s%s\t%s\t%d J.\t%s\n", strings.Repeat("  ", n.Level()-1), n.Code, n.Title, e.RetentionYears, e.Unit)
		}
		return tw.Flush()
	}
	return usageError{fmt.Sprintf("fileplan: unknown subcommand %q", args[0])}
}

// cmdFiles lists, shows, opens and closes files (Akten).
func cmdFiles(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"files: list, show, create, process, add or close?"}
	}
	fs := flagSet("files "+args[0], stderr)
	cf := addClientFlags(fs)
	plan := fs.String("plan", "", "plan code (list: this code and below; create: where to open the file)")
	unit := fs.String("unit", "", "responsible unit (list filter; create: instead of the plan's unit)")
	status := fs.String("status", "", "list: open or closed")
	title := fs.String("title", "", "create: the file's title (Betreff)")
	as := fs.String("as", "", "who acts or reads (login name; recorded in the audit trail)")
	limit := fs.Int("limit", 100, "list: number of files")
	process := fs.Int("process", 0, "add: the process (Vorgang) number within the file")
	supersedes := fs.String("supersedes", "", "add: register number or sha256 of the document this one replaces (a new version)")
	asJSON := fs.Bool("json", false, "JSON output")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, s, err := openStore(ctx, cf)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	switch args[0] {
	case "list":
		list, err := s.Files(ctx, store.FileFilter{PlanCode: *plan, Unit: *unit, Status: records.FileStatus(*status), Limit: *limit})
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, nonNil(list))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "AKTENZEICHEN\tTITEL\tFEDERFÜHRUNG\tSTATUS\tANGELEGT")
		for _, f := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Number, f.Title, f.Unit, fileStatusDE(f), f.CreatedAt.In(records.RegisterLocation).Format("02.01.2006"))
		}
		return tw.Flush()
	case "show":
		if fs.NArg() != 1 {
			return usageError{"files show: give one file number (Aktenzeichen)"}
		}
		f, err := s.FileByNumber(ctx, fs.Arg(0))
		if err != nil {
			return fmt.Errorf("Akte %s: %w", fs.Arg(0), err)
		}
		procs, err := s.Processes(ctx, f.ID)
		if err != nil {
			return err
		}
		docs, err := s.Filings(ctx, f.ID)
		if err != nil {
			return err
		}
		if err := recordEvent(ctx, s, cliActor(*as), audit.ActionFileRead, "file", f.Number, map[string]any{"via": "cli"}, nil); err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, map[string]any{"file": f, "processes": nonNil(procs), "documents": nonNil(docs), "retain_until": dateOrEmpty(f.RetainUntil())})
		}
		fmt.Fprintf(stdout, "Aktenzeichen:  %s\nTitel:         %s\nAktenplan:     %s\nFederführung:  %s\nStatus:        %s\nAngelegt:      %s von %s\nAufbewahrung:  %d Jahre",
			f.Number, f.Title, f.PlanCode, f.Unit, fileStatusDE(f), f.CreatedAt.In(records.RegisterLocation).Format("02.01.2006 15:04"), f.CreatedBy, f.RetentionYears)
		if f.ClosedAt != nil {
			fmt.Fprintf(stdout, " ab Schließung, bis %s", f.RetainUntil().Format("02.01.2006"))
		}
		fmt.Fprintln(stdout)
		if len(procs) > 0 {
			fmt.Fprintln(stdout, "\nVorgänge:")
			for _, p := range procs {
				fmt.Fprintf(stdout, "  %d  %s\n", p.Seq, p.Title)
			}
		}
		fmt.Fprintf(stdout, "\nDokumente (%d):\n", len(docs))
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		for _, d := range docs {
			fmt.Fprintf(tw, "  %s\t%s\tv%d\t%s\t%s\n", d.FiledAt.In(records.RegisterLocation).Format("02.01.2006"), d.Title, d.Version, d.FiledBy, short(d.DocumentSHA256))
		}
		return tw.Flush()
	case "create":
		if *plan == "" || *title == "" || *as == "" {
			return usageError{"files create: --plan CODE --title TITEL --as USER are required"}
		}
		numbers, err := records.NewFileNumberFormat(cfg.Records.FileNumberLayout)
		if err != nil {
			return err
		}
		f, created, err := s.CreateFile(ctx, records.NewFile{PlanCode: *plan, Title: *title, Unit: *unit, CreatedBy: *as}, numbers)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("Aktenplan-Kennzeichen %s gibt es nicht (aktenfluss fileplan show)", *plan)
		}
		if err != nil {
			return err
		}
		// The routing activity logs the files it opens; a file opened here
		// is logged here. The title may name a citizen: it is personal data.
		if created {
			if err := recordEvent(ctx, s, *as, "file.opened", "file", f.Number,
				map[string]any{"file_number": f.Number, "plan_code": f.PlanCode, "unit": f.Unit}, map[string]any{"title": f.Title}); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "Akte angelegt: %s (%s, Federführung %s)\n", f.Number, f.Title, f.Unit)
		return nil
	case "close":
		if fs.NArg() != 1 || *as == "" {
			return usageError{"files close: give one file number and --as USER"}
		}
		f, err := s.CloseFile(ctx, fs.Arg(0), time.Now(), *as)
		if err != nil {
			return fmt.Errorf("Akte %s: %w", fs.Arg(0), err)
		}
		if err := recordEvent(ctx, s, *as, "file.closed", "file", f.Number,
			map[string]any{"file_number": f.Number, "unit": f.Unit, "retain_until": dateOrEmpty(f.RetainUntil())}, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Akte %s geschlossen (zdA) am %s; aufzubewahren bis %s\n", f.Number,
			f.ClosedAt.In(records.RegisterLocation).Format("02.01.2006"), f.RetainUntil().Format("02.01.2006"))
		return nil
	case "process":
		if fs.NArg() != 1 || *title == "" || *as == "" {
			return usageError{"files process AZ --title TITEL --as USER: opens a process (Vorgang) in the file"}
		}
		f, err := s.FileByNumber(ctx, fs.Arg(0))
		if err != nil {
			return fmt.Errorf("Akte %s: %w", fs.Arg(0), err)
		}
		p, err := s.CreateProcess(ctx, f.ID, *title, *as, time.Now())
		if err != nil {
			return fmt.Errorf("Akte %s: %w", f.Number, err)
		}
		if err := recordEvent(ctx, s, *as, "process.opened", "file", f.Number,
			map[string]any{"file_number": f.Number, "process": p.Seq}, map[string]any{"title": p.Title}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Vorgang %d in Akte %s angelegt: %s\n", p.Seq, f.Number, p.Title)
		return nil
	case "add":
		if fs.NArg() != 2 || *as == "" {
			return usageError{"files add AZ DOKUMENT --as USER [--process N] [--supersedes DOKUMENT]: files a registered document (register number or sha256)"}
		}
		f, err := s.FileByNumber(ctx, fs.Arg(0))
		if err != nil {
			return fmt.Errorf("Akte %s: %w", fs.Arg(0), err)
		}
		e, err := findEntry(ctx, s, fs.Arg(1))
		if err != nil {
			return fmt.Errorf("Dokument %s: %w", fs.Arg(1), err)
		}
		fl := records.Filing{DocumentSHA256: e.SHA256, FileID: f.ID, Title: *title, FiledAt: time.Now(), FiledBy: *as, Reason: "von Hand abgelegt"}
		if fl.Title == "" {
			fl.Title = e.OriginalName
		}
		if *process != 0 {
			procs, err := s.Processes(ctx, f.ID)
			if err != nil {
				return err
			}
			for _, p := range procs {
				if p.Seq == *process {
					fl.ProcessID = p.ID
				}
			}
			if fl.ProcessID == 0 {
				return fmt.Errorf("Akte %s hat keinen Vorgang %d", f.Number, *process)
			}
		}
		if *supersedes != "" {
			old, err := findEntry(ctx, s, *supersedes)
			if err != nil {
				return fmt.Errorf("Vorversion %s: %w", *supersedes, err)
			}
			fl.Supersedes = old.SHA256
		}
		stored, created, err := s.FileDocument(ctx, fl)
		if err != nil {
			return fmt.Errorf("Akte %s: %w", f.Number, err)
		}
		if !created {
			fmt.Fprintf(stdout, "Dokument %s liegt bereits in Akte %s (Version %d)\n", e.Number, f.Number, stored.Version)
			return nil
		}
		details := map[string]any{"document": e.SHA256, "file_number": f.Number, "unit": f.Unit, "process": *process, "version": stored.Version}
		if fl.Supersedes != "" {
			details["supersedes"] = fl.Supersedes
		}
		if err := recordEventOn(ctx, s, *as, "document.filed", [][2]string{{"document", e.SHA256}, {"file", f.Number}},
			details, map[string]any{"title": stored.Title}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Dokument %s in Akte %s abgelegt (Version %d)\n", e.Number, f.Number, stored.Version)
		return nil
	}
	return usageError{fmt.Sprintf("files: unknown subcommand %q", args[0])}
}

func fileStatusDE(f records.File) string {
	if f.Status == records.FileClosed {
		return "zdA"
	}
	return "offen"
}

func dateOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// cmdUnits imports and shows the organisation: units with members and
// leads, deputies and absences.
func cmdUnits(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"units: import, show, absent or present?"}
	}
	fs := flagSet("units "+args[0], stderr)
	cf := addClientFlags(fs)
	reason := fs.String("reason", "", "absent: reason (Urlaub, Krankheit, …)")
	as := fs.String("as", "", "import/absent/present: who acts (login name; recorded in the audit trail)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	_, s, err := openStore(ctx, cf)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	switch args[0] {
	case "import":
		if fs.NArg() != 1 {
			return usageError{"units import: give one YAML file (units, deputies, absences)"}
		}
		raw, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		org, err := parseOrganisation(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", fs.Arg(0), err)
		}
		before, err := s.Organisation(ctx)
		if err != nil {
			return err
		}
		if err := s.ReplaceOrganisation(ctx, org); err != nil {
			return err
		}
		details := api.OrganisationChanges(before, org)
		details["sha256"] = sha256Hex(raw)
		if err := recordEvent(ctx, s, cliActor(*as), api.ActionOrganisationImported, "organisation", "units", details, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Organisation importiert: %d Einheiten, %d Vertretungen, %d Abwesenheiten\n", len(org.Units), len(org.Deputies), len(org.Absences))
		return nil
	case "show":
		org, err := s.Organisation(ctx)
		if err != nil {
			return err
		}
		out, err := yaml.Marshal(org)
		if err != nil {
			return err
		}
		_, err = stdout.Write(out)
		return err
	case "absent":
		if fs.NArg() != 3 {
			return usageError{"units absent USER FROM UNTIL (dates YYYY-MM-DD, inclusive)"}
		}
		a, err := s.AddAbsence(ctx, records.Absence{User: fs.Arg(0), From: fs.Arg(1), Until: fs.Arg(2), Reason: *reason})
		if err != nil {
			return err
		}
		// The reason may be health data (Krankheit): personal, erasable.
		if err := recordEvent(ctx, s, cliActor(*as), api.ActionAbsenceAdded, "user", a.User,
			map[string]any{"absence_id": a.ID, "from": a.From, "until": a.Until}, api.AbsenceReason(a)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Abwesenheit %d: %s vom %s bis %s\n", a.ID, a.User, a.From, a.Until)
		return nil
	case "present":
		if fs.NArg() != 1 {
			return usageError{"units present ABSENCE-ID"}
		}
		var id int64
		if _, err := fmt.Sscan(fs.Arg(0), &id); err != nil {
			return usageError{"units present: the id is a number (units show)"}
		}
		org, err := s.Organisation(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(org.Absences, func(a records.Absence) bool { return a.ID == id })
		if i < 0 {
			return fmt.Errorf("Abwesenheit %d gibt es nicht (aktenfluss units show)", id)
		}
		a := org.Absences[i]
		if err := s.RemoveAbsence(ctx, id); err != nil {
			return err
		}
		if err := recordEvent(ctx, s, cliActor(*as), api.ActionAbsenceRemoved, "user", a.User,
			map[string]any{"absence_id": a.ID, "from": a.From, "until": a.Until}, nil); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Abwesenheit %d aufgehoben: %s vom %s bis %s\n", a.ID, a.User, a.From, a.Until)
		return nil
	}
	return usageError{fmt.Sprintf("units: unknown subcommand %q", args[0])}
}

// parseOrganisation reads units, deputies and absences from YAML and
// checks them: every unit valid, codes unique, parents known, absences
// well formed.
func parseOrganisation(raw []byte) (records.Organisation, error) {
	var org records.Organisation
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&org); err != nil {
		return org, fmt.Errorf("yaml: %w", err)
	}
	if err := api.CheckOrganisation(org); err != nil {
		return org, err
	}
	return org, nil
}

// viewerFlags say whose view a search or listing takes.
type viewerFlags struct {
	as  *string
	all *bool
}

func addViewerFlags(fs *flag.FlagSet) viewerFlags {
	return viewerFlags{
		as:  fs.String("as", "", "search as this user: only documents of the user's units"),
		all: fs.Bool("all", false, "search everything (registry, audit)"),
	}
}

func (v viewerFlags) viewer(ctx context.Context, s store.Store) (store.Viewer, error) {
	switch {
	case *v.all && *v.as == "":
		return store.Viewer{All: true}, nil
	case !*v.all && *v.as != "":
		org, err := s.Organisation(ctx)
		if err != nil {
			return store.Viewer{}, err
		}
		var units []string
		for _, u := range org.Units {
			if u.IsMember(*v.as) {
				units = append(units, u.Code)
			}
		}
		return store.Viewer{Units: units}, nil
	}
	return store.Viewer{}, usageError{"give --as USER (sees the user's units) or --all (registry, audit)"}
}

// cmdSearch runs a full-text search over documents.
func cmdSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("search", stderr)
	cf := addClientFlags(fs)
	vf := addViewerFlags(fs)
	typ := fs.String("type", "", "document type: invoice, letter, reminder, notice, other")
	unit := fs.String("unit", "", "only this unit")
	file := fs.String("file", "", "only this file number")
	sender := fs.String("sender", "", "sender contains")
	from := fs.String("from", "", "date from (YYYY-MM-DD)")
	to := fs.String("to", "", "date to (YYYY-MM-DD)")
	limit := fs.Int("limit", 20, "number of hits")
	asJSON := fs.Bool("json", false, "JSON output")
	if err := parse(fs, args); err != nil {
		return err
	}
	for _, d := range []string{*from, *to} {
		if _, err := time.Parse(time.DateOnly, d); d != "" && err != nil {
			return usageError{fmt.Sprintf("search: date %q: want YYYY-MM-DD", d)}
		}
	}
	_, s, err := openStore(ctx, cf)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	viewer, err := vf.viewer(ctx, s)
	if err != nil {
		return err
	}
	q := store.SearchQuery{
		Text: strings.Join(fs.Args(), " "), Type: *typ, Unit: *unit, FileNumber: *file, Sender: *sender,
		From: *from, To: *to, Viewer: viewer, Limit: *limit,
	}
	res, err := s.Search(ctx, q)
	if err != nil {
		return err
	}
	// The words and filter values may name a citizen: they are personal
	// data; which filters were used is not.
	details, personal := searchEventData(q, res.Total)
	// A search is an event of the one who searched.
	actor := cliActor(*vf.as)
	if err := recordEvent(ctx, s, actor, audit.ActionSearch, "search", actor, details, personal); err != nil {
		return err
	}
	if *asJSON {
		res.Hits = nonNil(res.Hits)
		return writeJSON(stdout, res)
	}
	fmt.Fprintf(stdout, "%d Treffer\n", res.Total)
	for _, h := range res.Hits {
		fmt.Fprintf(stdout, "\n%s  %s  [%s]  %s\n", h.Date, h.Title, orDash(h.Type), short(h.DocumentSHA256))
		if h.Sender != "" || h.FileNumber != "" || h.Unit != "" {
			fmt.Fprintf(stdout, "  Absender: %s  Akte: %s  Einheit: %s\n", orDash(h.Sender), orDash(h.FileNumber), orDash(h.Unit))
		}
		if h.Snippet != "" {
			fmt.Fprintf(stdout, "  …%s…\n", strings.ReplaceAll(h.Snippet, "\n", " "))
		}
	}
	return nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// searchEventData splits a search for the audit trail: the number of hits,
// the names of the filters used and whose view it was are details; the
// words and the filter values, which may name a citizen, are personal.
func searchEventData(q store.SearchQuery, hits int) (details map[string]any, personal any) {
	filters, values := []string{}, map[string]string{}
	for _, f := range []struct{ name, value string }{
		{"type", q.Type}, {"unit", q.Unit}, {"file", q.FileNumber}, {"sender", q.Sender}, {"from", q.From}, {"to", q.To},
	} {
		if f.value != "" {
			filters = append(filters, f.name)
			values[f.name] = f.value
		}
	}
	details = map[string]any{"hits": hits, "filters": filters}
	if q.Viewer.All {
		details["scope"] = "all"
	} else {
		details["scope"] = "units"
		details["units"] = nonNil(q.Viewer.Units)
	}
	if q.Text == "" && len(values) == 0 {
		return details, nil
	}
	p := map[string]any{"query": q.Text}
	if len(values) > 0 {
		p["filters"] = values
	}
	return details, p
}
