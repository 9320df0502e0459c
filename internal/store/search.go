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
func searchFilters(q SearchQuery, w *where) (ok bool, err error) {
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
		w.in("d.unit", units)
	}
	if q.Type != "" {
		w.add("d.type = $?", q.Type)
	}
	if q.Unit != "" {
		w.add("d.unit = $?", q.Unit)
	}
	if q.FileNumber != "" {
		w.add("d.file_number = $?", q.FileNumber)
	}
	if q.Sender != "" {
		w.add(`d.sender_fold LIKE $? ESCAPE '\'`, "%"+escapeLike(strings.ToLower(q.Sender))+"%")
	}
	if q.From != "" {
		w.add("d.date >= $?", q.From)
	}
	if q.To != "" {
		w.add("d.date <= $?", q.To)
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
	ok, err := searchFilters(q, &w)
	if err != nil || !ok {
		return empty, err
	}
	limit, offset := page(q.Limit, q.Offset)
	text := strings.TrimSpace(q.Text)
	if text == "" {
		return s.listByDate(ctx, w, limit, offset)
	}
	if s.d.name == "postgres" {
		return s.searchPostgres(ctx, text, w, limit, offset)
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
	if cond == "" {
		if err := s.countCapped(ctx, `SELECT 1 FROM search_fts WHERE search_fts MATCH $1`, args, &res); err != nil {
			return res, err
		}
	} else if err := s.countCapped(ctx, `SELECT 1`+from, args, &res); err != nil {
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

func (s *sqlStore) searchPostgres(ctx context.Context, text string, w where, limit, offset int) (SearchResult, error) {
	res := SearchResult{Hits: []SearchHit{}}
	if len(text) > maxQueryText {
		text = text[:maxQueryText]
	}
	window, _ := s.limits()
	window = max(window, offset+limit)
	args := append([]any{text}, w.args...)
	cond := renumber(w.and(), 1)
	// The matches are collected once through the GIN index (MATERIALIZED
	// keeps the planner from walking the primary key or the date index
	// backwards and testing the tsvector of every row on the way); they
	// are counted there, and the newest up to the rank window are ranked.
	n := len(args)
	rows, err := s.db.QueryContext(ctx, `
		WITH m AS MATERIALIZED (
			SELECT d.id FROM search_docs d, websearch_to_tsquery('german', $1) q WHERE d.tsv @@ q`+cond+`
		), c AS (SELECT id FROM m ORDER BY id DESC LIMIT `+strconv.Itoa(window)+`)
		SELECT `+searchDocColumns+`, ts_rank_cd(d.tsv, q) AS score, (SELECT count(*) FROM m) AS total
		FROM c JOIN search_docs d ON d.id = c.id, websearch_to_tsquery('german', $1) q
		ORDER BY score DESC, d.id DESC
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
		if err := scanSearchDoc(rows, &id, &h, &h.Rank, &res.Total); err != nil {
			return res, err
		}
		ids = append(ids, id)
		res.Hits = append(res.Hits, h)
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	rows.Close()
	// Counted exactly in m, reported as on SQLite.
	if _, most := s.limits(); res.Total > most {
		res.Total, res.Capped = most, true
	}
	if len(ids) == 0 {
		if offset > 0 {
			// Past the last page: count on its own.
			err := s.countCapped(ctx, `SELECT 1 FROM search_docs d, websearch_to_tsquery('german', $1) q WHERE d.tsv @@ q`+cond, args, &res)
			return res, err
		}
		return res, nil
	}
	// Headlines for the page only: ts_headline re-parses the body.
	hlArgs := []any{text}
	ph := make([]string, len(ids))
	for i, id := range ids {
		hlArgs = append(hlArgs, id)
		ph[i] = "$" + strconv.Itoa(i+2)
	}
	hrows, err := s.db.QueryContext(ctx, `SELECT d.id, ts_headline('german', d.body, websearch_to_tsquery('german', $1), '`+headlineOptions+`')
		FROM search_docs d WHERE d.id IN (`+strings.Join(ph, ", ")+`)`, hlArgs...)
	if err != nil {
		return res, err
	}
	defer hrows.Close()
	heads := make(map[int64]string, len(ids))
	for hrows.Next() {
		var id int64
		var h string
		if err := hrows.Scan(&id, &h); err != nil {
			return res, err
		}
		heads[id] = h
	}
	if err := hrows.Err(); err != nil {
		return res, err
	}
	for i, id := range ids {
		res.Hits[i].Snippet = heads[id]
	}
	return res, nil
}
