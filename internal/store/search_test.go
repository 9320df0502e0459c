package store

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

var searchDocs = []records.SearchDoc{
	{DocumentSHA256: sum("s1"), Title: "Bauantrag Schulstraße 4", Type: "letter", Unit: "63", FileNumber: "60.10.02-0001/2026",
		Sender: "Jörg Schröder", Date: "2026-01-10",
		Body: "Sehr geehrte Damen und Herren, hiermit stelle ich den Bauantrag für den Neubau Einfamilienhaus Waldrand. Pläne liegen bei."},
	{DocumentSHA256: sum("s2"), Title: "Widerspruch gegen den Gebührenbescheid", Type: "letter", Unit: "63", FileNumber: "60.10.02-0002/2026",
		Sender: "Maria Müller", Date: "2026-02-01",
		Body: "Gegen den Bescheid lege ich Widerspruch ein. Mein Bauantrag für das Einfamilienhaus Neubau wurde zu Unrecht abgelehnt."},
	{DocumentSHA256: sum("s3"), Title: "Rechnung Stadtwerke", Type: "invoice", Unit: "20", FileNumber: "20.1-0001/2025",
		Sender: "Stadtwerke Musterstadt GmbH", Date: "2025-12-01",
		Body: "Rechnung Nr. 4711 für Wasser und Abwasser. Grundsteuer und Gebühr für die Prüfung Bauantrag 2025."},
	{DocumentSHA256: sum("s4"), Title: "Anfrage ohne Zuordnung", Type: "letter", Unit: "",
		Sender: "100% Sicher_GmbH", Date: "2026-03-01",
		Body: "Eine Frage zur Grundsteuer für mein Grundstück."},
}

// docKeys names hits by the key of searchDocs (s1…s4).
func docKeys(res SearchResult) []string {
	names := map[string]string{}
	for _, k := range []string{"s1", "s2", "s3", "s4"} {
		names[sum(k)] = k
	}
	out := []string{}
	for _, h := range res.Hits {
		out = append(out, names[h.DocumentSHA256])
	}
	return out
}

func testSearch(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	for _, d := range searchDocs {
		require.NoError(t, s.IndexDocument(ctx, d))
	}
	all := Viewer{All: true}
	search := func(q SearchQuery) SearchResult {
		t.Helper()
		res, err := s.Search(ctx, q)
		require.NoError(t, err)
		return res
	}

	res := search(SearchQuery{Text: "Bauantrag", Viewer: all})
	require.Equal(t, 3, res.Total)
	require.ElementsMatch(t, []string{"s1", "s2", "s3"}, docKeys(res))
	require.Equal(t, "s1", docKeys(res)[0], "a match in the title ranks first")
	require.Greater(t, res.Hits[0].Rank, res.Hits[2].Rank, "higher rank is better")
	require.Contains(t, res.Hits[0].Snippet, "[Bauantrag]")
	require.Equal(t, searchDocs[0].Title, res.Hits[0].Title)
	require.Equal(t, searchDocs[0].FileNumber, res.Hits[0].FileNumber)
	require.Equal(t, searchDocs[0].Sender, res.Hits[0].Sender)
	require.Equal(t, searchDocs[0].Date, res.Hits[0].Date)

	cases := []struct {
		name string
		q    SearchQuery
		want []string // in order when ordered is set
		ord  bool
	}{
		{"viewer sees own units only", SearchQuery{Text: "Bauantrag", Viewer: Viewer{Units: []string{"63"}}}, []string{"s1", "s2"}, false},
		{"clerk of 63 never sees unit 20", SearchQuery{Text: "Rechnung Stadtwerke", Viewer: Viewer{Units: []string{"63"}}}, []string{}, false},
		{"no units, nothing", SearchQuery{Text: "Bauantrag", Viewer: Viewer{}}, []string{}, false},
		{"empty unit visible to all only", SearchQuery{Text: "Grundsteuer", Viewer: all}, []string{"s3", "s4"}, false},
		{"empty unit hidden", SearchQuery{Text: "Grundsteuer", Viewer: Viewer{Units: []string{"20", "63", ""}}}, []string{"s3"}, false},
		{"two words anded", SearchQuery{Text: "Neubau Einfamilienhaus", Viewer: all}, []string{"s1", "s2"}, false},
		{"phrase", SearchQuery{Text: `"Neubau Einfamilienhaus"`, Viewer: all}, []string{"s1"}, false},
		{"exclusion", SearchQuery{Text: "Bauantrag -Widerspruch", Viewer: all}, []string{"s1", "s3"}, false},
		{"excluded phrase", SearchQuery{Text: `Bauantrag -"Neubau Einfamilienhaus"`, Viewer: all}, []string{"s2", "s3"}, false},
		{"or", SearchQuery{Text: "Widerspruch OR Rechnung", Viewer: all}, []string{"s2", "s3"}, false},
		{"exclusion only", SearchQuery{Text: "-Bauantrag", Viewer: all}, []string{"s4"}, false},
		{"diacritics folded", SearchQuery{Text: "Schroder", Viewer: all}, []string{"s1"}, false},
		{"case and umlaut", SearchQuery{Text: "MÜLLER", Viewer: all}, []string{"s2"}, false},
		{"file number", SearchQuery{Text: "60.10.02-0002/2026", Viewer: all}, []string{"s2"}, false},
		{"type filter", SearchQuery{Text: "Bauantrag", Type: "invoice", Viewer: all}, []string{"s3"}, false},
		{"unit filter", SearchQuery{Text: "Bauantrag", Unit: "63", Viewer: all}, []string{"s1", "s2"}, false},
		{"date range", SearchQuery{Text: "Bauantrag", From: "2026-01-01", To: "2026-01-31", Viewer: all}, []string{"s1"}, false},
		{"list by date", SearchQuery{Viewer: all}, []string{"s4", "s2", "s1", "s3"}, true},
		{"list with filters", SearchQuery{Unit: "63", Viewer: all}, []string{"s2", "s1"}, true},
		{"sender substring, any case", SearchQuery{Sender: "SCHRÖD", Viewer: all}, []string{"s1"}, true},
		{"sender wildcards are literal", SearchQuery{Sender: "0% s", Viewer: all}, []string{"s4"}, true},
		{"sender underscore literal", SearchQuery{Sender: "r_g", Viewer: all}, []string{"s4"}, true},
		{"sender no match", SearchQuery{Sender: "%", Text: "Bauantrag", Viewer: all}, []string{}, true},
		{"file number filter", SearchQuery{FileNumber: "20.1-0001/2025", Viewer: all}, []string{"s3"}, true},
		{"from only", SearchQuery{From: "2026-02-01", Viewer: Viewer{Units: []string{"63"}}}, []string{"s2"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := search(c.q)
			if c.ord {
				require.Equal(t, c.want, docKeys(res))
			} else {
				require.ElementsMatch(t, c.want, docKeys(res))
			}
			require.Equal(t, len(c.want), res.Total)
		})
	}

	if b.name == "postgres" {
		// German stemming: the plural finds the singular.
		res := search(SearchQuery{Text: "Bauanträge", Viewer: all})
		require.ElementsMatch(t, []string{"s1", "s2", "s3"}, docKeys(res))
	}

	// Pagination: Total counts every match.
	p := search(SearchQuery{Text: "Bauantrag", Viewer: all, Limit: 1, Offset: 1})
	require.Len(t, p.Hits, 1)
	require.Equal(t, 3, p.Total)
	require.Equal(t, docKeys(res)[1], docKeys(p)[0])
	p = search(SearchQuery{Text: "Bauantrag", Viewer: all, Limit: 2, Offset: 10})
	require.Empty(t, p.Hits)
	require.Equal(t, 3, p.Total)
	p = search(SearchQuery{Viewer: all, Limit: 3, Offset: 3})
	require.Len(t, p.Hits, 1)
	require.Equal(t, 4, p.Total)

	// Re-indexing replaces the document.
	d := searchDocs[0]
	d.Title, d.Body, d.Unit = "Baugenehmigung Schulstraße 4", "Die Baugenehmigung wird erteilt.", "60"
	require.NoError(t, s.IndexDocument(ctx, d))
	res = search(SearchQuery{Text: "Bauantrag", Viewer: all})
	require.ElementsMatch(t, []string{"s2", "s3"}, docKeys(res))
	res = search(SearchQuery{Text: "Baugenehmigung", Viewer: Viewer{Units: []string{"60"}}})
	require.Equal(t, []string{"s1"}, docKeys(res))
	res = search(SearchQuery{Viewer: all})
	require.Equal(t, 4, res.Total)

	// Bounded work: counting stops at the cap, only the newest matches
	// (within the rank window) are ranked.
	ss := s.(*sqlStore)
	ss.rankWindow, ss.totalCap = 1, 2
	res = search(SearchQuery{Text: "Grundsteuer OR Bauantrag OR Baugenehmigung", Viewer: all, Limit: 1})
	require.Equal(t, 2, res.Total)
	require.True(t, res.Capped)
	require.Equal(t, []string{"s4"}, docKeys(res), "the most recently added match is ranked")
	ss.rankWindow, ss.totalCap = 0, 0
	res = search(SearchQuery{Text: "Grundsteuer OR Bauantrag OR Baugenehmigung", Viewer: all, Limit: 1})
	require.Equal(t, 4, res.Total)
	require.False(t, res.Capped)

	_, err := s.Search(ctx, SearchQuery{Text: "x", From: "2026-13-01", Viewer: all})
	require.ErrorIs(t, err, ErrInvalid)
	require.ErrorIs(t, s.IndexDocument(ctx, records.SearchDoc{DocumentSHA256: "x"}), ErrInvalid)
}

func testSearchHostile(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	require.NoError(t, s.IndexDocuments(ctx, searchDocs))
	for _, text := range []string{
		`"`, `""`, `"""`, `*`, `**`, `Bau*`, `NEAR(`, `NEAR(Bauantrag Widerspruch, 2)`, `OR`, `OR OR`, `Bauantrag OR`,
		`OR Bauantrag`, `AND`, `NOT`, `Bauantrag NOT Widerspruch`, `-`, `--`, `- -`, `-"`, `"Bauantrag`, `Bauantrag"`,
		`"Neubau Einfamilienhaus`, `'`, `''; DROP TABLE search_docs; --`, `Robert'); DROP TABLE search_docs;--`,
		`title:Bauantrag`, `{title}: Bauantrag`, `^Bauantrag`, `(Bauantrag`, `Bauantrag)`, `+Bauantrag`, `\`, `\"`,
		`%`, `_`, "Bau\x00antrag", "\t\n", `: : :`, `!Bauantrag`, `Bauantrag & | !`, `<->`, `a:*`, `60.10.02-0001/2026`,
		`"" OR ""`, `-"" Bauantrag`, `🙂`, `ﾟ`, string([]byte{0xff, 0xfe}),
	} {
		for _, v := range []Viewer{{All: true}, {Units: []string{"63"}}} {
			res, err := s.Search(ctx, SearchQuery{Text: text, Viewer: v, Sender: text})
			require.NoError(t, err, "query %q", text)
			require.NotNil(t, res.Hits)
			res, err = s.Search(ctx, SearchQuery{Text: text, Viewer: v})
			require.NoError(t, err, "query %q", text)
			require.LessOrEqual(t, len(res.Hits), res.Total)
		}
	}
	// A quoted operator is a word: no hit, no error.
	res, err := s.Search(ctx, SearchQuery{Text: `Bauantrag NEAR`, Viewer: Viewer{All: true}})
	require.NoError(t, err)
	require.Empty(t, res.Hits)
	// The table is still there.
	res, err = s.Search(ctx, SearchQuery{Viewer: Viewer{All: true}})
	require.NoError(t, err)
	require.Equal(t, 4, res.Total)
}
