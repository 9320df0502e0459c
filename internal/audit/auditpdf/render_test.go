package auditpdf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/pdfa/pdfatest"
	"github.com/aktenfluss/aktenfluss/internal/pdfread"
)

const (
	docHash = "3fa41c0b9e2d77a1c4f0e8b6d5a3c2b1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5"
	// summary is the entry the text extraction must find.
	summary = "Schreiben der Bürgerin „Größe“ eingegangen – Zuordnung zur Akte geprüft"
	// longWord is a detail without any space: it can only be wrapped
	// between characters.
	longWord = "Übergabeprotokoll-Straßenbauamt-Außenstelle-Süd-Prüfvermerk-Änderungsnachweis"
)

// report is a history of about 400 entries from both sources, one of them
// with erased personal data and some with details that must wrap.
func report(ok bool, entries int) audit.Report {
	gen := time.Date(2026, 7, 14, 8, 30, 0, 0, time.UTC)
	r := audit.Report{
		Subject: audit.Subject{Kind: "file", ID: "63.01.02-0001/2026", Title: "Bauantrag Müller – Garage „Süd“"},
		Objects: []audit.Object{
			{Type: "file", ID: "63.01.02-0001/2026", Label: "Bauantrag Müller – Garage „Süd“"},
			{Type: "document", ID: docHash, Label: "Eingang 2026-000042"},
			{Type: "invoice", ID: "RE-2026-0815", Label: "Müller & Söhne GmbH"},
		},
		Workflows:   []string{"intake-" + docHash[:16], "approval-RE-2026-0815"},
		Generated:   gen,
		GeneratedBy: "prüferin.schäfer",
		Notes:       []string{"Die Workflow-Historie von „approval-RE-2026-0815“ war nicht mehr vollständig verfügbar."},
	}
	r.Verification = audit.Result{OK: true, Events: 1234, LastSeq: 1234, Erased: 1, Checkpoints: 3,
		LastCheckpoint: &audit.Checkpoint{Seq: 1200, Hash: docHash, Time: gen.Add(-2 * time.Hour), KeyID: "a1b2c3d4e5f60718"},
		CheckedAt:      gen}
	if !ok {
		r.Verification = audit.Result{OK: false, Events: 41, LastSeq: 41, Checkpoints: 1,
			Problem: &audit.Problem{Seq: 42, Kind: audit.ProblemEdited,
				Message: "Ereignis 42 (document.registered, 2026-03-02T13:05:07Z) wurde verändert: sein Inhalt ergibt nicht seinen Hash."},
			Warnings:  []string{"Kein signierter Checkpoint nach Ereignis 40."},
			CheckedAt: gen}
	}
	start := time.Date(2026, 3, 2, 13, 5, 7, 0, time.UTC)
	for i := range entries {
		e := audit.Entry{Time: start.Add(time.Duration(i) * 7 * time.Hour), Actor: "system:intake",
			Object: "document " + docHash}
		if i%3 == 2 {
			e.Source, e.Workflow, e.EventID = audit.SourceWorkflow, r.Workflows[0], int64(i)
			e.Action = "ActivityTaskScheduled"
			e.Summary = fmt.Sprintf("Aktivität OCRPage, Versuch %d (vorher: Zeitüberschreitung)", i%5+1)
			e.Details = json.RawMessage(fmt.Sprintf(`{"activity": "OCRPage", "attempt": %d}`, i%5+1))
		} else {
			e.Source, e.Seq, e.Action = audit.SourceTrail, int64(i+1), "document.annotated"
			e.Actor = "sachbearbeiter.jürgens"
			e.Summary = fmt.Sprintf("Vermerk Nr. %d zur Akte hinzugefügt: Prüfung der Unterlagen", i+1)
			e.Details = json.RawMessage(fmt.Sprintf(`{"nr": %d, "text": "Gemäß §%d BauO: Unterlagen vollständig"}`, i+1, i%90))
		}
		switch i {
		case 0:
			e.Action, e.Summary = "document.registered", summary
			e.Personal = json.RawMessage(`{"sender": "Erika Größe", "city": "Düsseldorf"}`)
		case 7:
			e.Erased = true
		case 11:
			e.Details = json.RawMessage(`{"note": "` + strings.Repeat(longWord+" ", 12) + `", "ref": "` + longWord + longWord + `"}`)
		}
		r.Entries = append(r.Entries, e)
	}
	return r
}

// requireArchival checks the PDF with the pdfa package's own gate and
// returns the embedded verlauf.json.
func requireArchival(t *testing.T, pdf []byte) (pages int, attached []byte) {
	t.Helper()
	rep, err := pdfa.Check(bytes.NewReader(pdf), int64(len(pdf)))
	require.NoError(t, err)
	require.True(t, rep.OK(), "pdfa check: %v", rep.Failed())
	require.Equal(t, 3, rep.Part)
	require.Equal(t, "B", rep.Conformance)
	require.Contains(t, string(pdf), "/AFRelationship /Data")

	pages, err = api.PageCount(bytes.NewReader(pdf), pdfread.Config(0, 0, 0))
	require.NoError(t, err)
	as, err := api.ExtractAttachmentsRaw(bytes.NewReader(pdf), "", []string{JSONName}, pdfread.Config(0, 0, 0))
	require.NoError(t, err)
	require.Len(t, as, 1, "embedded %s", JSONName)
	require.Equal(t, JSONName, as[0].FileName)
	attached, err = io.ReadAll(as[0])
	require.NoError(t, err)
	return pages, attached
}

func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
		want []string // in the extracted text
		not  []string
	}{
		{"chain ok", true, []string{
			"Kette unverändert: 1234 Ereignisse, letzter signierter Checkpoint Ereignis 1200 vom 14.07.2026 08:30 Uhr (Schlüssel a1b2c3d4e5f60718).",
			"Bei 1 Ereignis wurden personenbezogene Daten gelöscht.",
		}, []string{"KETTE BESCHÄDIGT"}},
		{"chain broken", false, []string{
			"KETTE BESCHÄDIGT – erstes fehlerhaftes Ereignis 42: Ereignis 42 (document.registered,",
			"Hinweis: Kein signierter Checkpoint nach Ereignis 40.",
		}, []string{"Kette unverändert"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := report(tc.ok, 400)
			js, err := json.Marshal(r)
			require.NoError(t, err)
			pdf, err := Render(r, Options{JSON: js, Creator: "aktenfluss test"})
			require.NoError(t, err)

			pages, attached := requireArchival(t, pdf)
			require.Greater(t, pages, 1)
			require.Equal(t, js, attached, "embedded json is the export, byte for byte")

			again, err := Render(r, Options{JSON: js, Creator: "aktenfluss test"})
			require.NoError(t, err)
			require.Equal(t, pdf, again, "deterministic")

			text := pdfatest.Text(t, pdf)
			all := flat(text)
			for _, w := range append(tc.want,
				"Prüfprotokoll",
				"Akte 63.01.02-0001/2026 – Bauantrag Müller – Garage „Süd“",
				"Prüfung der Protokollkette",
				"Erstellt am 14.07.2026 10:30 Uhr von prüferin.schäfer",
				"Einbezogene Workflows", "approval-RE-2026-0815",
				"Dokument 3fa41c0b9e2d…", "Eingang 2026-000042", "RE-2026-0815",
				"war nicht mehr vollständig verfügbar",
				summary,
				// Berlin time: winter (UTC+1) and, later, summer (UTC+2).
				"02.03.2026 14:05:07", "Protokoll #1", "Workflow",
				"Personenbezogen: {\"sender\":\"Erika Größe\",\"city\":\"Düsseldorf\"}",
				"[personenbezogene Daten gelöscht]",
				"Aktivität OCRPage, Versuch 3 (vorher: Zeitüberschreitung)", "ActivityTaskScheduled",
				"Seite 1 von",
			) {
				require.True(t, strings.Contains(all, w), "missing %q", w)
			}
			for _, n := range tc.not {
				require.NotContains(t, all, n)
			}
			// Entry 400 lies in summer time, 7 h × 399 after 2 March.
			last := time.Date(2026, 3, 2, 13, 5, 7, 0, time.UTC).Add(399 * 7 * time.Hour)
			require.Contains(t, all, last.Add(2*time.Hour).UTC().Format("02.01.2006 15:04:05"))

			// Every page has the subject and its number; the table header
			// is repeated on every page the timeline continues on.
			ps := strings.Split(strings.TrimRight(text, "\f"), "\f")
			require.Len(t, ps, pages)
			for i, p := range ps {
				require.Regexp(t, regexp.MustCompile(fmt.Sprintf(`Seite %d von %d`, i+1, pages)), p)
				require.Contains(t, flat(p), "Akte 63.01.02-0001/2026", "subject on page %d", i+1)
				if i > 0 {
					require.Contains(t, p, "Vorgang", "table header on page %d", i+1)
				}
			}
			// The long details wrap inside their column: the unbreakable
			// word comes out in pieces, none of them wider than the page.
			require.Contains(t, all, "Übergabeprotokoll-Straßen")
			require.NotContains(t, all, longWord+longWord)
		})
	}
}

func TestRenderEmpty(t *testing.T) {
	r := report(true, 0)
	r.Objects, r.Workflows, r.Notes = nil, nil, nil
	pdf, err := Render(r, Options{})
	require.NoError(t, err)
	pages, attached := requireArchival(t, pdf)
	require.Equal(t, 1, pages)
	var back audit.Report
	require.NoError(t, json.Unmarshal(attached, &back), "without Options.JSON the report itself is embedded")
	require.Equal(t, r.Subject, back.Subject)

	text := flat(pdfatest.Text(t, pdf))
	require.Contains(t, text, "Verlauf Keine Einträge")
	require.Contains(t, text, "Seite 1 von 1")
}

func TestRenderSubjects(t *testing.T) {
	for _, tc := range []struct {
		s    audit.Subject
		want string
	}{
		{audit.Subject{Kind: "file", ID: "63.01.02-0001/2026", Title: "Bauantrag"}, "Akte 63.01.02-0001/2026 – Bauantrag"},
		{audit.Subject{Kind: "document", ID: docHash}, "Dokument 3fa41c0b9e2d…"},
		{audit.Subject{Kind: "invoice", ID: "RE-4711"}, "Rechnung RE-4711"},
	} {
		require.Equal(t, tc.want, subjectLine(tc.s))
	}
}

func TestRenderRejectsReportWithoutTime(t *testing.T) {
	r := report(true, 1)
	r.Generated = time.Time{}
	_, err := Render(r, Options{})
	require.ErrorIs(t, err, ErrInvalidInput)
}

// TestRenderPassesPdfacheck runs the shared qpdf-based PDF/A gate over a
// rendering, an independent second opinion next to pdfa.Check.
func TestRenderPassesPdfacheck(t *testing.T) {
	for _, ok := range []bool{true, false} {
		pdf, err := Render(report(ok, 400), Options{})
		require.NoError(t, err)
		pdfatest.Gate(t, pdf, "3b")
	}
}

func TestExportFormats(t *testing.T) {
	r := audit.Report{Subject: audit.Subject{Kind: "document", ID: "ab"}, Generated: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC),
		Entries: []audit.Entry{{Time: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), Source: audit.SourceTrail, Seq: 1, Action: "document.registered", Summary: "Im Posteingangsbuch eingetragen"}}}
	js, err := Export(r, "json")
	if err != nil {
		t.Fatal(err)
	}
	var back audit.Report
	if err := json.Unmarshal(js, &back); err != nil || back.Subject.ID != "ab" || len(back.Entries) != 1 {
		t.Fatalf("json: %v %+v", err, back)
	}
	csv, err := Export(r, "csv")
	if err != nil || !strings.HasPrefix(string(csv), strings.Join(audit.CSVHeader, ",")+"\n") || !strings.Contains(string(csv), "document.registered") {
		t.Fatalf("csv: %v\n%s", err, csv)
	}
	pdf, err := Export(r, "pdf")
	if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte(JSONName)) {
		t.Fatalf("pdf: %v", err)
	}
	if _, err := Export(r, "xml"); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("xml: %v", err)
	}
	for f := range Formats {
		if _, err := Export(r, f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
