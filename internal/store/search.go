package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// Search runs on SQLite's FTS5 (bm25 ranking, snippet) or on PostgreSQL's
// text search (german configuration, ts_rank_cd, ts_headline). Both read
// SearchQuery.Text as web-search syntax; on SQLite it is translated into a
// MATCH expression in which every term is quoted (websearch.go), on
// PostgreSQL websearch_to_tsquery reads it and never fails.

func validateSearchDoc(d records.SearchDoc) error {
	if err := validateSHA256(d.DocumentSHA256); err != nil {
		return err
	}
	if d.Date != "" {
		if _, err := time.Parse(time.DateOnly, d.Date); err != nil {
			return fmt.Errorf("%w: date %q: want YYYY-MM-DD", ErrInvalid, d.Date)
		}
	}
	return nil
}

func (s *sqlStore) IndexDocument(ctx context.Context, d records.SearchDoc) error {
	if err := s.IndexDocuments(ctx, []records.SearchDoc{d}); err != nil {
		return err
	}
	return nil
}

func (s *sqlStore) IndexDocuments(ctx context.Context, docs []records.SearchDoc) error {
	for _, d := range docs {
		if err := validateSearchDoc(d); err != nil {
			return fmt.Errorf("index document %s: %w", d.DocumentSHA256, err)
		}
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		for _, d := range docs {
			if err := s.indexDoc(ctx, tx, d); err != nil {
				return fmt.Errorf("index document %s: %w", d.DocumentSHA256, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index %d documents: %w", len(docs), err)
	}
	return nil
}

func (s *sqlStore) indexDoc(ctx context.Context, tx *sql.Tx, d records.SearchDoc) error {
	for _, f := range []*string{&d.Title, &d.Type, &d.Unit, &d.FileNumber, &d.Sender, &d.Body} {
		*f = cleanText(*f)
	}
	fold := strings.ToLower(d.Sender)
	if s.d.name == "postgres" {
		// tsv is a generated column and follows the update.
		_, err := tx.ExecContext(ctx, `
			INSERT INTO search_docs (document_sha256, title, type, unit, file_number, sender, sender_fold, date, body)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (document_sha256) DO UPDATE SET title = excluded.title, type = excluded.type,
				unit = excluded.unit, file_number = excluded.file_number, sender = excluded.sender,
				sender_fold = excluded.sender_fold, date = excluded.date, body = excluded.body`,
			d.DocumentSHA256, d.Title, d.Type, d.Unit, d.FileNumber, d.Sender, fold, d.Date, d.Body)
		return err
	}
	// SQLite: the row keeps its id, the FTS row (rowid = id) is replaced.
	var id int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO search_docs (document_sha256, title, type, unit, file_number, sender, sender_fold, date)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (document_sha256) DO UPDATE SET title = excluded.title, type = excluded.type,
			unit = excluded.unit, file_number = excluded.file_number, sender = excluded.sender,
			sender_fold = excluded.sender_fold, date = excluded.date
		RETURNING id`,
		d.DocumentSHA256, d.Title, d.Type, d.Unit, d.FileNumber, d.Sender, fold, d.Date).Scan(&id)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_fts WHERE rowid = $1`, id); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO search_fts (rowid, title, sender, body, file_number) VALUES ($1, $2, $3, $4, $5)`,
		id, d.Title, d.Sender, d.Body, d.FileNumber)
	return err
}

const searchDocColumns = `d.id, d.document_sha256, d.title, d.type, d.unit, d.file_number, d.sender, d.date`

// searchFilters is the WHERE part every search shares: the filters of the
// query and what the viewer may see. ok is false when the viewer may see
// nothing at all.
func searchFilters(q SearchQuery, w *where, col func(string) string) (ok bool, err error) {
	for _, day := range []string{q.From, q.To} {
		if day == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, day); err != nil {
			return false, fmt.Errorf("%w: date %q: want YYYY-MM-DD", ErrInvalid, day)
		}
	}
	if !q.Viewer.All {
		var units []string
		for _, u := range q.Viewer.Units {
			// A document without a unit is visible to readers of everything only.
			if u != "" {
				units = append(units, u)
			}
		}
		if len(units) == 0 {
			return false, nil
		}
		w.in(col("d.unit"), units)
	}
	if q.Type != "" {
		w.add(col("d.type")+" = $?", q.Type)
	}
	if q.Unit != "" {
		w.add(col("d.unit")+" = $?", q.Unit)
	}
	if q.FileNumber != "" {
		w.add(col("d.file_number")+" = $?", q.FileNumber)
	}
	if q.Sender != "" {
		w.add(`d.sender_fold LIKE $? ESCAPE '\'`, "%"+escapeLike(strings.ToLower(q.Sender))+"%")
	}
	if q.From != "" {
		w.add(col("d.date")+" >= $?", q.From)
	}
	if q.To != "" {
		w.add(col("d.date")+" <= $?", q.To)
	}
	return true, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (s *sqlStore) Search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	res, err := s.search(ctx, q)
	if err != nil {
		// The query text is the user's and may name a person; it stays out.
		return SearchResult{}, fmt.Errorf("search: %w", err)
	}
	return res, nil
}

// cleanText makes text storable and searchable on both backends:
// PostgreSQL refuses NUL bytes and invalid UTF-8 in text.
func cleanText(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "")
}

func (s *sqlStore) search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	for _, f := range []*string{&q.Text, &q.Type, &q.Unit, &q.FileNumber, &q.Sender} {
		*f = cleanText(*f)
	}
	empty := SearchResult{Hits: []SearchHit{}}
	var w where
	ok, err := searchFilters(q, &w, func(c string) string { return c })
	if err != nil || !ok {
		return empty, err
	}
	limit, offset := page(q.Limit, q.Offset)
	text := strings.TrimSpace(q.Text)
	if text == "" {
		return s.listByDate(ctx, w, limit, offset)
	}
	if s.d.name == "postgres" {
		return s.searchPostgres(ctx, text, q, limit, offset)
	}
	wq := parseWebSearch(text)
	if wq.empty() {
		// Only punctuation: nothing can match, as on PostgreSQL.
		return empty, nil
	}
	match, exclude := wq.fts5()
	if match == "" {
		// Excluded terms only: everything else, newest first.
		w.add("d.id NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH $?)", exclude)
		return s.listByDate(ctx, w, limit, offset)
	}
	return s.searchSQLite(ctx, match, w, limit, offset)
}

// listByDate lists the documents matching the filters, newest first.
func (s *sqlStore) listByDate(ctx context.Context, w where, limit, offset int) (SearchResult, error) {
	res := SearchResult{Hits: []SearchHit{}}
	if err := s.countCapped(ctx, `SELECT 1 FROM search_docs d`+w.clause(), w.args, &res); err != nil {
		return res, err
	}
	if res.Total == 0 {
		return res, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+searchDocColumns+` FROM search_docs d`+w.clause()+
		` ORDER BY d.date DESC, d.id DESC`+w.page(limit, offset), w.args...)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	for rows.Next() {
		var h SearchHit
		var id int64
		if err := scanSearchDoc(rows, &id, &h); err != nil {
			return res, err
		}
		res.Hits = append(res.Hits, h)
	}
	return res, rows.Err()
}

func scanSearchDoc(r rowScanner, id *int64, h *SearchHit, more ...any) error {
	return r.Scan(append([]any{id, &h.DocumentSHA256, &h.Title, &h.Type, &h.Unit, &h.FileNumber, &h.Sender, &h.Date}, more...)...)
}

func (s *sqlStore) limits() (window, total int) {
	window, total = SearchRankWindow, MaxSearchTotal
	if s.rankWindow > 0 {
		window = s.rankWindow
	}
	if s.totalCap > 0 {
		total = s.totalCap
	}
	return window, total
}

// countCapped counts the rows of a query up to the cap.
func (s *sqlStore) countCapped(ctx context.Context, query string, args []any, res *SearchResult) error {
	_, limit := s.limits()
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (`+query+` LIMIT `+strconv.Itoa(limit+1)+`) x`, args...).Scan(&res.Total)
	if res.Total > limit {
		res.Total, res.Capped = limit, true
	}
	return err
}

// The candidates are the newest matches (by rowid, descending, which FTS5
// walks without sorting) up to the rank window; only they are ranked.
// CROSS JOIN keeps the FTS table the outer loop: probing it per row of
// search_docs would evaluate the MATCH once per document.
func (s *sqlStore) searchSQLite(ctx context.Context, match string, w where, limit, offset int) (SearchResult, error) {
	res := SearchResult{Hits: []SearchHit{}}
	window, _ := s.limits()
	window = max(window, offset+limit)
	args := append([]any{match}, w.args...)
	// The filters' placeholders move up by one behind the MATCH argument.
	cond := renumber(w.and(), 1)
	from := ` FROM search_fts CROSS JOIN search_docs d ON d.id = search_fts.rowid WHERE search_fts MATCH $1` + cond
	// With filters, the count takes the matches as a set and narrows by
	// the filters (a unit) through search_docs' indexes, instead of
	// joining every match to its document.
	if cond == "" {
		if err := s.countCapped(ctx, `SELECT 1 FROM search_fts WHERE search_fts MATCH $1`, args, &res); err != nil {
			return res, err
		}
	} else if err := s.countCapped(ctx, `SELECT 1 FROM search_docs d WHERE d.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH $1)`+cond, args, &res); err != nil {
		return res, err
	}
	if res.Total == 0 {
		return res, nil
	}
	n := len(args)
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, document_sha256, title, type, unit, file_number, sender, date, -r FROM (
			SELECT `+searchDocColumns+`, search_fts.rank AS r`+from+`
			ORDER BY search_fts.rowid DESC LIMIT `+strconv.Itoa(window)+`
		) c ORDER BY r, id DESC
		LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2),
		append(args, limit, offset)...)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var h SearchHit
		var id int64
		if err := scanSearchDoc(rows, &id, &h, &h.Rank); err != nil {
			return res, err
		}
		ids = append(ids, id)
		res.Hits = append(res.Hits, h)
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	rows.Close()
	if len(ids) == 0 {
		return res, nil
	}
	// Snippets for the page only.
	snipArgs := []any{match}
	ph := make([]string, len(ids))
	for i, id := range ids {
		snipArgs = append(snipArgs, id)
		ph[i] = "$" + strconv.Itoa(i+2)
	}
	srows, err := s.db.QueryContext(ctx, `SELECT rowid, snippet(search_fts, -1, '[', ']', '…', 24) FROM search_fts
		WHERE search_fts MATCH $1 AND rowid IN (`+strings.Join(ph, ", ")+`)`, snipArgs...)
	if err != nil {
		return res, err
	}
	defer srows.Close()
	snippets := make(map[int64]string, len(ids))
	for srows.Next() {
		var id int64
		var snip string
		if err := srows.Scan(&id, &snip); err != nil {
			return res, err
		}
		snippets[id] = snip
	}
	if err := srows.Err(); err != nil {
		return res, err
	}
	for i, id := range ids {
		res.Hits[i].Snippet = snippets[id]
	}
	return res, nil
}

// renumber shifts the $n placeholders of a fragment by k.
func renumber(frag string, k int) string {
	var b strings.Builder
	for i := 0; i < len(frag); i++ {
		if frag[i] != '$' {
			b.WriteByte(frag[i])
			continue
		}
		j := i + 1
		for j < len(frag) && frag[j] >= '0' && frag[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(frag[i+1 : j])
		if err != nil {
			b.WriteByte('$')
			continue
		}
		b.WriteString("$" + strconv.Itoa(n+k))
		i = j - 1
	}
	return b.String()
}

// headlineOptions: matches in [brackets], a short excerpt.
const headlineOptions = `StartSel=[, StopSel=], MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`

// pgNoIndex writes a filter column so that no B-tree index can serve it:
// a text search must find its matches through the GIN index. Given a
// unit, a type or a date range, the planner would otherwise walk that
// index and test the tsvector of every row it finds, and every such test
// reads the tsvector out of TOAST (4 µs a row: 40 ms for a unit of 10,000
// documents). The file number stays indexable: it is selective enough
// that testing its few documents is the cheapest plan.
func pgNoIndex(col string) string {
	if col == "d.file_number" {
		return col
	}
	return "(" + col + " || '')"
}

// relaxPhrases turns the text form of a tsquery into one that matches a
// superset of its documents without phrase operators: 'a' <-> 'b' becomes
// 'a' & 'b'. That query the GIN index answers exactly, without reading a
// single tsvector; a phrase needs every candidate's positions. Replacing
// <-> and <N> by & keeps the tree (& binds next weaker, and is
// associative). Under a negation the relaxed query would match fewer
// documents, not more: ok is false then.
func relaxPhrases(tsq string) (relaxed string, ok bool) {
	var b strings.Builder
	for i := 0; i < len(tsq); i++ {
		c := tsq[i]
		switch {
		case c == '\'':
			// A quoted lexeme, '' inside is a quote.
			j := i + 1
			for j < len(tsq) {
				if tsq[j] == '\'' {
					if j+1 < len(tsq) && tsq[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(tsq) {
				return "", false
			}
			b.WriteString(tsq[i : j+1])
			i = j
		case c == '!':
			return "", false
		case c == '<':
			j := strings.IndexByte(tsq[i:], '>')
			if j < 0 {
				return "", false
			}
			b.WriteByte('&')
			i += j
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// searchPostgres finds the matches through the GIN index only (enable_seqscan
// off, filters the B-tree indexes cannot serve: see pgNoIndex), counts
// them, and ranks the newest up to the rank window.
//
// A query with a phrase is run in two steps: its words, ANDed, select the
// candidates through the index (exactly, no tsvector read), and the phrase
// is checked on the newest rank-window candidates only, which are then
// ranked. When there are more candidates than the window, Total is an
// estimate — the share of checked candidates that hold the phrase, times
// the candidates (capped at MaxSearchTotal) — and Capped is set, as it is
// not an exact count. When the checked window holds fewer matches than the
// page asks for, every candidate is checked (as a query without phrases
// is), so a page is never short of matches that exist.
func (s *sqlStore) searchPostgres(ctx context.Context, text string, q SearchQuery, limit, offset int) (SearchResult, error) {
	pr := &pgResult{SearchResult: SearchResult{Hits: []SearchHit{}}}
	if err := s.searchPostgresTx(ctx, text, q, limit, offset, pr); err != nil {
		return SearchResult{Hits: []SearchHit{}}, err
	}
	return pr.SearchResult, nil
}

// pgResult is a result with the ids of its hits, for the headlines.
type pgResult struct {
	SearchResult
	ids []int64
}

func (s *sqlStore) searchPostgresTx(ctx context.Context, text string, q SearchQuery, limit, offset int, res *pgResult) error {
	if len(text) > maxQueryText {
		text = text[:maxQueryText]
	}
	var w where
	if _, err := searchFilters(q, &w, pgNoIndex); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	// The planner counts a tsvector test as cheap; it is not (TOAST), so a
	// sequential scan of a common word's matches costs 20 times the index.
	// A generic plan (pgx prepares the statements; PostgreSQL switches to
	// one after five runs) cannot tell a phrase's candidates from its
	// matches and tests the phrase on every candidate: plans are made for
	// the query at hand.
	if _, err := tx.ExecContext(ctx, `SELECT set_config('enable_seqscan', 'off', true),
		set_config('plan_cache_mode', 'force_custom_plan', true)`); err != nil {
		return err
	}
	var tsq string
	if err := tx.QueryRowContext(ctx, `SELECT websearch_to_tsquery('german', $1)::text`, text).Scan(&tsq); err != nil {
		return err
	}
	if strings.TrimSpace(tsq) == "" {
		// Stop words only: nothing matches.
		return nil
	}
	if relaxed, ok := relaxPhrases(tsq); ok && relaxed != tsq {
		done, err := s.searchPhrasePostgres(ctx, tx, tsq, relaxed, w, limit, offset, res)
		if err != nil || done {
			return err
		}
		*res = pgResult{SearchResult: SearchResult{Hits: []SearchHit{}}}
	}
	if err := s.searchTsqueryPostgres(ctx, tx, tsq, w, limit, offset, res); err != nil {
		return err
	}
	return s.headlinesPostgres(ctx, tx, tsq, res)
}

// searchTsqueryPostgres collects every match once through the GIN index
// (MATERIALIZED keeps the planner from walking the primary key backwards
// and testing the tsvector of every row on the way), counts them there,
// and ranks the newest up to the rank window.
func (s *sqlStore) searchTsqueryPostgres(ctx context.Context, tx *sql.Tx, tsq string, w where, limit, offset int, res *pgResult) error {
	window, most := s.limits()
	window = max(window, offset+limit)
	args := append([]any{tsq}, w.args...)
	cond := renumber(w.and(), 1)
	n := len(args)
	rows, err := tx.QueryContext(ctx, `
		WITH m AS MATERIALIZED (
			SELECT d.id FROM search_docs d WHERE d.tsv @@ $1::tsquery`+cond+`
		), c AS (SELECT id FROM m ORDER BY id DESC LIMIT `+strconv.Itoa(window)+`)
		SELECT `+searchDocColumns+`, ts_rank_cd(d.tsv, $1::tsquery) AS score, (SELECT count(*) FROM m) AS total
		FROM c JOIN search_docs d ON d.id = c.id
		ORDER BY score DESC, d.id DESC
		LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2),
		append(args, limit, offset)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h SearchHit
		var id int64
		if err := scanSearchDoc(rows, &id, &h, &h.Rank, &res.Total); err != nil {
			return err
		}
		res.Hits = append(res.Hits, h)
		res.ids = append(res.ids, id)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	if len(res.Hits) == 0 && offset > 0 {
		// Past the last page: count on its own.
		return countCappedTx(ctx, tx, most, `SELECT 1 FROM search_docs d WHERE d.tsv @@ $1::tsquery`+cond, args, &res.SearchResult)
	}
	// Counted exactly in m, reported as on SQLite.
	if res.Total > most {
		res.Total, res.Capped = most, true
	}
	return nil
}

// searchPhrasePostgres is the two-step search of a query with phrases (see
// searchPostgres). done is false when the caller has to check every
// candidate instead.
func (s *sqlStore) searchPhrasePostgres(ctx context.Context, tx *sql.Tx, tsq, relaxed string, w where, limit, offset int, res *pgResult) (done bool, err error) {
	window, most := s.limits()
	window = max(window, offset+limit)
	args := append([]any{tsq, relaxed}, w.args...)
	cond := renumber(w.and(), 2)
	n := len(args)
	rows, err := tx.QueryContext(ctx, `
		WITH cand AS MATERIALIZED (
			SELECT d.id FROM search_docs d WHERE d.tsv @@ $2::tsquery`+cond+`
		), c AS (SELECT id FROM cand ORDER BY id DESC LIMIT `+strconv.Itoa(window)+`),
		m AS MATERIALIZED (
			SELECT d.id, ts_rank_cd(d.tsv, $1::tsquery) AS score
			FROM c JOIN search_docs d ON d.id = c.id WHERE d.tsv @@ $1::tsquery
		)
		SELECT `+searchDocColumns+`, m.score, (SELECT count(*) FROM m), (SELECT count(*) FROM cand)
		FROM m JOIN search_docs d ON d.id = m.id
		ORDER BY m.score DESC, d.id DESC
		LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2),
		append(args, limit, offset)...)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	var matched, candidates int
	for rows.Next() {
		var h SearchHit
		var id int64
		if err := scanSearchDoc(rows, &id, &h, &h.Rank, &matched, &candidates); err != nil {
			return false, err
		}
		res.Hits = append(res.Hits, h)
		res.ids = append(res.ids, id)
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	rows.Close()
	switch {
	case len(res.Hits) == 0:
		// No match in the window, or past the last page: check them all.
		return false, nil
	case candidates <= window:
		// Every candidate was checked: the count is exact.
		res.Total = matched
	case len(res.Hits) < limit:
		// Matches beyond the window may fill the page.
		return false, nil
	default:
		est := int(float64(matched) * float64(min(candidates, most+1)) / float64(window))
		res.Total, res.Capped = min(max(est, offset+len(res.Hits)), most), true
	}
	if res.Total > most {
		res.Total, res.Capped = most, true
	}
	return true, s.headlinesPostgres(ctx, tx, tsq, res)
}

// countCappedTx is countCapped inside a transaction.
func countCappedTx(ctx context.Context, tx *sql.Tx, most int, query string, args []any, res *SearchResult) error {
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (`+query+` LIMIT `+strconv.Itoa(most+1)+`) x`, args...).Scan(&res.Total)
	if res.Total > most {
		res.Total, res.Capped = most, true
	}
	return err
}

// headlinesPostgres adds the page's headlines: ts_headline re-parses the
// body, so it runs for the page only.
func (s *sqlStore) headlinesPostgres(ctx context.Context, tx *sql.Tx, tsq string, res *pgResult) error {
	if len(res.ids) == 0 {
		return nil
	}
	hlArgs := []any{tsq}
	ph := make([]string, len(res.ids))
	for i, id := range res.ids {
		hlArgs = append(hlArgs, id)
		ph[i] = "$" + strconv.Itoa(i+2)
	}
	hrows, err := tx.QueryContext(ctx, `SELECT d.id, ts_headline('german', d.body, $1::tsquery, '`+headlineOptions+`')
		FROM search_docs d WHERE d.id IN (`+strings.Join(ph, ", ")+`)`, hlArgs...)
	if err != nil {
		return err
	}
	defer hrows.Close()
	heads := make(map[int64]string, len(res.ids))
	for hrows.Next() {
		var id int64
		var h string
		if err := hrows.Scan(&id, &h); err != nil {
			return err
		}
		heads[id] = h
	}
	if err := hrows.Err(); err != nil {
		return err
	}
	for i, id := range res.ids {
		res.Hits[i].Snippet = heads[id]
	}
	return nil
}
