package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// benchSearch loads N synthetic German letters into the full-text index of
// a throwaway database (a temporary SQLite file, a fresh PostgreSQL schema)
// and reports the load rate and the latency of a mixed query set by class.
func benchSearch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("bench search", stderr)
	backend := fs.String("backend", "both", "sqlite, postgres or both")
	docs := fs.Int("docs", 100000, "number of documents")
	queries := fs.Int("queries", 500, "number of queries per backend")
	batch := fs.Int("batch", 1000, "documents per load transaction")
	dsn := fs.String("dsn", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL database to create the throwaway schema in")
	seed := fs.Uint64("seed", 1, "seed of the generated corpus and queries")
	keep := fs.Bool("keep", false, "keep the database (for EXPLAIN) and print where it is")
	if err := parse(fs, args); err != nil {
		return err
	}
	backends, err := parseBackends("search", *backend)
	if err != nil {
		return err
	}
	if *docs < 1 || *queries < 1 || *batch < 1 {
		return usageError{"bench search: --docs, --queries and --batch must be positive"}
	}
	gen := newCorpusGen(*seed)
	corpus := make([]records.SearchDoc, *docs)
	for i := range corpus {
		corpus[i] = gen.doc(i)
	}
	qs := gen.queries(*queries)
	fmt.Fprintf(stdout, "bench search: %d documents, %d queries, limit 20, seed %d\n", *docs, len(qs), *seed)
	for _, b := range backends {
		if err := benchSearchOne(ctx, b, *dsn, corpus, qs, *batch, *keep, stdout); err != nil {
			return fmt.Errorf("bench search %s: %w", b, err)
		}
	}
	return nil
}

func benchSearchOne(ctx context.Context, backend, pgDSN string, corpus []records.SearchDoc, qs []benchQuery, batch int, keep bool, stdout io.Writer) error {
	dsn, cleanup, err := throwawayStore(ctx, "search", backend, pgDSN)
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintf(stdout, "%s: keeping %s\n", backend, dsn)
	} else {
		defer cleanup()
	}
	s, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer s.Close()

	start := time.Now()
	for i := 0; i < len(corpus); i += batch {
		if err := s.IndexDocuments(ctx, corpus[i:min(i+batch, len(corpus))]); err != nil {
			return err
		}
	}
	load := time.Since(start)
	fmt.Fprintf(stdout, "\n%s: loaded %d documents in %s (%.0f docs/s)\n", backend, len(corpus), load.Round(time.Millisecond),
		float64(len(corpus))/load.Seconds())
	if backend == "postgres" {
		// What autovacuum would do shortly after a bulk load.
		if err := analyze(ctx, dsn); err != nil {
			return err
		}
	}

	// Warm the caches as a running server would have them.
	for _, q := range qs[:min(len(qs), 20)] {
		if _, err := s.Search(ctx, q.q); err != nil {
			return err
		}
	}
	byClass := map[string][]time.Duration{}
	var all []time.Duration
	hits := map[string]int{}
	for _, q := range qs {
		t0 := time.Now()
		res, err := s.Search(ctx, q.q)
		d := time.Since(t0)
		if err != nil {
			return fmt.Errorf("query class %s: %w", q.class, err)
		}
		byClass[q.class] = append(byClass[q.class], d)
		all = append(all, d)
		hits[q.class] += res.Total
	}
	fmt.Fprintf(stdout, "%-10s %6s %10s %9s %9s %9s\n", "class", "n", "avg total", "p50", "p95", "p99")
	for _, c := range benchQueryClasses {
		ds := byClass[c]
		if len(ds) == 0 {
			continue
		}
		p50, p95, p99 := percentiles(ds)
		fmt.Fprintf(stdout, "%-10s %6d %10d %9s %9s %9s\n", c, len(ds), hits[c]/len(ds), ms(p50), ms(p95), ms(p99))
	}
	p50, p95, p99 := percentiles(all)
	fmt.Fprintf(stdout, "%-10s %6d %10s %9s %9s %9s\n", "overall", len(all), "", ms(p50), ms(p95), ms(p99))
	verdict := "meets"
	if p95 >= 100*time.Millisecond {
		verdict = "MISSES"
	}
	fmt.Fprintf(stdout, "%s: p95 %s %s the 100 ms target\n", backend, ms(p95), verdict)
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

func percentiles(ds []time.Duration) (p50, p95, p99 time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return at(0.50), at(0.95), at(0.99)
}

// parseBackends reads a bench's --backend: sqlite, postgres or both.
func parseBackends(bench, v string) ([]string, error) {
	switch v {
	case "both":
		return []string{"sqlite", "postgres"}, nil
	case "sqlite", "postgres":
		return []string{v}, nil
	}
	return nil, usageError{"bench " + bench + ": --backend must be sqlite, postgres or both"}
}

// throwawayStore names a database the bench may fill and drop: a file in a
// new temporary directory, or a new schema bench_search_<pid> reached via
// search_path. cleanup removes it.
func throwawayStore(ctx context.Context, name, backend, pgDSN string) (dsn string, cleanup func(), err error) {
	if backend == "sqlite" {
		dir, err := os.MkdirTemp("", "aktenfluss-bench-"+name+"-")
		if err != nil {
			return "", nil, err
		}
		return "sqlite:" + filepath.Join(dir, name+".db"), func() { _ = os.RemoveAll(dir) }, nil
	}
	u, err := url.Parse(pgDSN)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, usageError{"bench " + name + ": --dsn must be a postgres:// URL"}
	}
	admin, err := sql.Open("pgx", pgDSN)
	if err != nil {
		return "", nil, err
	}
	schema := fmt.Sprintf("bench_%s_%d", name, os.Getpid())
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		// A fresh context: the bench's may be cancelled by now.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = admin.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	}, nil
}

func analyze(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `ANALYZE search_docs`)
	return err
}

// ---- the synthetic corpus ------------------------------------------------------

var benchQueryClasses = []string{"common", "rare", "two-words", "phrase", "unit", "dates", "sender", "viewer"}

type benchQuery struct {
	class string
	q     store.SearchQuery
}

var (
	benchUnits   = []string{"10", "20", "30", "32", "37", "50", "60", "61", "63", "66"}
	benchTypes   = []string{"letter", "letter", "letter", "invoice", "notice", "reminder", "other"}
	benchPlan    = []string{"10.01", "20.1", "20.3", "30.02", "32.10", "50.20", "60.10.02", "61.04", "63.01", "66.30"}
	benchFirst   = []string{"Anna", "Bernd", "Claudia", "Dieter", "Elke", "Frank", "Gisela", "Hans", "Ingrid", "Jürgen", "Katrin", "Lutz", "Monika", "Norbert", "Olga", "Peter", "Renate", "Stefan", "Tanja", "Uwe", "Vera", "Wolfgang"}
	benchLast    = []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann"}
	benchFirms   = []string{"Stadtwerke Musterstadt GmbH", "Bauunternehmen Gruber & Söhne", "Elektro Lindner KG", "Ingenieurbüro Vogt", "Gebäudereinigung Sauber GmbH", "Autohaus am Ring", "Kanzlei Dr. Roth", "Wohnungsbau eG Nord", "Landesamt für Umwelt", "Finanzamt Musterstadt"}
	benchStreets = []string{"Hauptstraße", "Schulstraße", "Gartenstraße", "Bahnhofstraße", "Dorfstraße", "Bergstraße", "Birkenweg", "Lindenstraße", "Kirchstraße", "Waldstraße", "Ringstraße", "Am Markt", "Mühlenweg", "Rosenweg", "Feldstraße"}
	benchTopics  = []string{"Bauantrag", "Widerspruch", "Rechnung", "Grundsteuer", "Gewerbeanmeldung", "Baugenehmigung", "Mahnung", "Sondernutzung", "Abwassergebühr", "Hundesteuer", "Kitaplatz", "Wohngeld", "Fällgenehmigung", "Parkausweis", "Akteneinsicht"}
	benchCommon  = []string{"Bescheid", "Antrag", "Stadt", "Unterlagen", "Frist", "Schreiben"}
	// Rare words occur in about one document in a thousand each.
	benchRare    = []string{"Denkmalschutzbehörde", "Regenrückhaltebecken", "Zweckentfremdung", "Erschließungsbeitrag", "Altlastenverdacht", "Vorkaufsrecht", "Nutzungsänderung", "Lärmschutzwand", "Baulast", "Stellplatzablöse", "Streuobstwiese", "Ersatzpflanzung"}
	benchPhrases = []string{"Sehr geehrte Damen und Herren", "mit freundlichen Grüßen", "fristgerecht Widerspruch", "Bitte überweisen Sie", "Kopie des Bescheids", "unter dem Aktenzeichen", "zur Prüfung vorgelegt"}
)

// benchSentences are filled with a topic (%[1]s), a street (%[2]s), a
// number (%[3]d) and a person (%[4]s).
var benchSentences = []string{
	"Sehr geehrte Damen und Herren, hiermit reiche ich den %[1]s für das Grundstück %[2]s %[3]d ein.",
	"Bitte prüfen Sie die beigefügten Unterlagen und teilen Sie mir mit, ob noch etwas fehlt.",
	"Gegen den Bescheid vom %[3]d. März lege ich fristgerecht Widerspruch ein.",
	"Die Rechnung Nr. %[3]d über Leistungen in der %[2]s ist innerhalb von dreißig Tagen zu begleichen.",
	"Bitte überweisen Sie den offenen Betrag von %[3]d Euro auf das angegebene Konto.",
	"Zur Begründung verweise ich auf das Schreiben von %[4]s und die dort genannten Fristen.",
	"Das Vorhaben in der %[2]s entspricht nach meiner Auffassung dem Bebauungsplan.",
	"Die Grundsteuer für das Jahr wurde nach dem neuen Hebesatz festgesetzt.",
	"Ich bitte um Akteneinsicht und um eine Kopie des Bescheids unter dem Aktenzeichen.",
	"Der Antrag wurde am %[3]d. Mai zur Prüfung vorgelegt und ist noch nicht beschieden.",
	"Die Stadt hat die Frist zur Stellungnahme um vier Wochen verlängert.",
	"Für Rückfragen steht Ihnen %[4]s gern zur Verfügung.",
	"Anbei erhalten Sie die Lagepläne, die Bauzeichnungen und die Baubeschreibung.",
	"Wir erinnern an die Zahlung der Abwassergebühr, die seit dem %[3]d. fällig ist.",
	"Die Nachbarn in der %[2]s haben sich über Lärm und Staub beschwert.",
	"Der Bauherr %[4]s beantragt die Verlängerung der Baugenehmigung um ein Jahr.",
	"Bitte senden Sie uns die fehlenden Nachweise bis zum %[3]d. des Monats zu.",
	"Mit freundlichen Grüßen %[4]s",
	"Die Prüfung hat ergeben, dass der %[1]s vollständig ist.",
	"Wir bestätigen den Eingang Ihres Schreibens und werden es zeitnah bearbeiten.",
	"Die Stadtwerke berechnen für den Hausanschluss in der %[2]s pauschal %[3]d Euro.",
	"Eine Entscheidung über den %[1]s ergeht schriftlich.",
	"Der Kitaplatz kann ab dem %[3]d. August vergeben werden.",
	"Die Sondernutzung des Gehwegs vor dem Haus %[2]s %[3]d ist gebührenpflichtig.",
}

type corpusGen struct{ seed uint64 }

func newCorpusGen(seed uint64) corpusGen { return corpusGen{seed: seed} }

func (g corpusGen) rng(i int, salt uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed, uint64(i)<<8|salt))
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func (g corpusGen) person(r *rand.Rand) string { return pick(r, benchFirst) + " " + pick(r, benchLast) }

// doc is the i-th document, the same for the same seed.
func (g corpusGen) doc(i int) records.SearchDoc {
	r := g.rng(i, 1)
	topic := pick(r, benchTopics)
	street := pick(r, benchStreets)
	sender := g.person(r)
	if r.IntN(4) == 0 {
		sender = pick(r, benchFirms)
	}
	var body strings.Builder
	words := 150 + r.IntN(151)
	for n := 0; n < words; {
		s := fmt.Sprintf(pick(r, benchSentences), topic, pick(r, benchStreets), 1+r.IntN(2000), g.person(r))
		if r.IntN(80) == 0 {
			s += " Betroffen ist auch " + pick(r, benchRare) + "."
		}
		body.WriteString(s)
		body.WriteByte(' ')
		n += strings.Count(s, " ") + 1
	}
	plan := r.IntN(len(benchPlan))
	day := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(3*365))
	sum := sha256.Sum256([]byte(fmt.Sprintf("bench-search-%d-%d", g.seed, i)))
	return records.SearchDoc{
		DocumentSHA256: hex.EncodeToString(sum[:]),
		Title:          fmt.Sprintf("%s %s %d", topic, street, 1+r.IntN(120)),
		Type:           pick(r, benchTypes),
		Unit:           benchUnits[plan],
		FileNumber:     fmt.Sprintf("%s-%04d/%d", benchPlan[plan], 1+r.IntN(400), day.Year()),
		Sender:         sender,
		Date:           day.Format(time.DateOnly),
		Body:           body.String(),
	}
}

// queries is the mixed query set, the classes in turn.
func (g corpusGen) queries(n int) []benchQuery {
	r := g.rng(0, 2)
	all := store.Viewer{All: true}
	out := make([]benchQuery, 0, n)
	for i := range n {
		class := benchQueryClasses[i%len(benchQueryClasses)]
		q := store.SearchQuery{Viewer: all, Limit: 20}
		switch class {
		case "common":
			q.Text = pick(r, benchCommon)
		case "rare":
			q.Text = pick(r, benchRare)
		case "two-words":
			q.Text = pick(r, benchTopics) + " " + pick(r, benchStreets)
		case "phrase":
			q.Text = `"` + pick(r, benchPhrases) + `"`
		case "unit":
			q.Text = pick(r, benchTopics)
			q.Unit = pick(r, benchUnits)
		case "dates":
			q.Text = pick(r, benchTopics)
			from := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(3*365-90))
			q.From, q.To = from.Format(time.DateOnly), from.AddDate(0, 3, 0).Format(time.DateOnly)
		case "sender":
			q.Sender = strings.ToLower(pick(r, benchLast))
			if r.IntN(2) == 0 {
				q.Text = pick(r, benchTopics)
			}
		case "viewer":
			q.Text = pick(r, append(slices.Clone(benchTopics), benchCommon...))
			u := r.Perm(len(benchUnits))
			q.Viewer = store.Viewer{Units: []string{benchUnits[u[0]], benchUnits[u[1]]}}
		}
		out = append(out, benchQuery{class: class, q: q})
	}
	return out
}
