package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/browsertest"
)

const auditSHA = "3fa41c0b9e2d7a5581e2f0c4b6d8a9e1f2a3b4c5d6e7f8091a2b3c4d5e6f7a8b"

// fixedReport is the history the fake AuditTimeline returns: a trail
// entry with personal data, one whose personal data was erased, and a
// workflow entry; the id "kaputt" gives the same case with a broken chain.
func fixedReport(kind, id, actor string) audit.Report {
	at := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	r := audit.Report{
		Subject:     audit.Subject{Kind: "document", ID: auditSHA, Title: "Widerspruch gegen den Bescheid"},
		Objects:     []audit.Object{{Type: "document", ID: auditSHA, Label: "2026-000001"}, {Type: "task", ID: "task-7", Label: "Bearbeiten"}},
		Workflows:   []string{"inbound-" + auditSHA},
		Generated:   at.Add(time.Hour),
		GeneratedBy: actor,
		Notes:       []string{"Der Workflow-Verlauf war nicht mehr verfügbar."},
		Verification: audit.Result{OK: true, Events: 42, LastSeq: 42, Erased: 1, Checkpoints: 1, CheckedAt: at.Add(time.Hour),
			LastCheckpoint: &audit.Checkpoint{Seq: 40, Time: at, KeyID: "k-2026"}},
		Entries: []audit.Entry{
			{Time: at, Source: audit.SourceTrail, Seq: 1, Actor: "system:inbound", Action: "document.registered",
				Object: "document " + auditSHA, Summary: "Eingang registriert als 2026-000001",
				Details: json.RawMessage(`{"register_number": "2026-000001"}`), Personal: json.RawMessage(`{"sender":"Erika Mustermann"}`)},
			{Time: at.Add(time.Minute), Source: audit.SourceWorkflow, Workflow: "inbound-" + auditSHA, EventID: 5,
				Action: "TimerFired", Object: "document " + auditSHA, Summary: "Frist abgelaufen"},
			{Time: at.Add(2 * time.Minute), Source: audit.SourceTrail, Seq: 3, Actor: "anna", Action: "document.read",
				Object: "document " + auditSHA, Summary: "Dokument gelesen", Erased: true},
		},
	}
	_ = kind
	if id == "kaputt" {
		r.Verification = audit.Result{OK: false, Events: 16, CheckedAt: at,
			Problem:  &audit.Problem{Seq: 17, Kind: audit.ProblemEdited, Message: "Ereignis 17 (document.read, 2026-11-24T09:30:00Z) wurde verändert: sein Inhalt ergibt nicht seinen Hash."},
			Warnings: []string{"Kein signierter Checkpoint."}}
	}
	return r
}

// newAuditServer is the login fixture with fake audit functions, the
// auditor pia and the clerk anna.
func newAuditServer(t *testing.T) (*authFixture, *[]string) {
	t.Helper()
	var asked []string
	f := newAuthServer(t, func(s *Server, _ string) {
		s.AuditTimeline = func(_ context.Context, kind, id, actor string) (audit.Report, error) {
			asked = append(asked, kind+" "+id+" "+actor)
			if id == "63.99" {
				return audit.Report{}, fmt.Errorf("Akte %s: file %s: %w", id, id, store.ErrNotFound)
			}
			return fixedReport(kind, id, actor), nil
		}
		s.AuditVerify = func(context.Context) (audit.Result, error) {
			return fixedReport("", "", "").Verification, nil
		}
	})
	h, err := auth.HashPassword(matrixPassword, auth.DefaultArgon2Params)
	require.NoError(t, err)
	_, err = f.st.PutUser(t.Context(), store.User{Login: "pia", Name: "Pia Prüfer", PasswordHash: h, Roles: []string{string(auth.RoleAuditor)}})
	require.NoError(t, err)
	return f, &asked
}

func TestAuditPages(t *testing.T) {
	f, asked := newAuditServer(t)
	c := browser(t)
	require.Equal(t, http.StatusSeeOther, f.login(t, c, "pia", matrixPassword, "/").StatusCode)

	cases := []struct {
		name, path string
		status     int
		want, not  []string
	}{
		{"index", "/audit", 200, []string{`<h1>Prüfprotokoll</h1>`, `action="/audit/timeline"`, `value="document" checked`,
			`action="/audit/verify"`, `href="/audit" aria-current="page">Prüfprotokoll</a>`}, []string{"Kette unverändert"}},
		{"verify", "/audit/verify", 200, []string{"Kette unverändert: 42 Ereignisse, letzter signierter Checkpoint Ereignis 40 vom 24.11.2026 10:30:00 (Schlüssel k-2026).",
			"Bei 1 Ereignis wurden personenbezogene Daten gelöscht."}, []string{"BESCHÄDIGT"}},
		{"timeline", "/audit/timeline?kind=document&id=2026-000001", 200, []string{
			"Dokument " + auditSHA + " – Widerspruch gegen den Bescheid",
			"Kette unverändert: 42 Ereignisse",
			"<td>24.11.2026 10:30:00</td><td>Protokoll #1</td>", "<td>Workflow</td>",
			"Eingang registriert als 2026-000001", `<code>document.registered</code>`, `{&#34;register_number&#34;:&#34;2026-000001&#34;}`,
			`<span class="badge">[personenbezogen]</span> <span class="small"><code>{&#34;sender&#34;:&#34;Erika Mustermann&#34;}</code>`,
			`<span class="badge">[gelöscht]</span>`, "Dokument 3fa41c0b9e2d…", "Aufgabe", "inbound-" + auditSHA,
			"Der Workflow-Verlauf war nicht mehr verfügbar.",
			`href="/audit/export?kind=document&amp;id=2026-000001&amp;format=pdf"`}, []string{"BESCHÄDIGT"}},
		{"broken chain", "/audit/timeline?kind=file&id=kaputt", 200, []string{
			`class="chain broken"`, "KETTE BESCHÄDIGT – erstes fehlerhaftes Ereignis 17: Ereignis 17 (document.read, 2026-11-24T09:30:00Z) wurde verändert",
			"Bis dahin geprüft: 16 Ereignisse.", "Hinweis: Kein signierter Checkpoint."}, []string{"Kette unverändert"}},
		{"unknown case", "/audit/timeline?kind=file&id=63.99", 404, []string{"Akte „63.99“ nicht gefunden (Akte 63.99: file 63.99: not found).",
			`value="file" checked`}, nil},
		{"no id", "/audit/timeline?kind=invoice&id=", 400, []string{"Bitte geben Sie an, welche Rechnung Sie prüfen möchten."}, nil},
		{"invoice not a number", "/audit/timeline?kind=invoice&id=RE-1", 400, []string{"Die Nummer einer Rechnung im System ist eine Zahl."}, nil},
		{"bad kind", "/audit/timeline?kind=user&id=x", 400, []string{"Bitte wählen Sie Akte, Dokument oder Rechnung."}, nil},
		{"bad format", "/audit/export?kind=file&id=x&format=xlsx", 400, []string{"Format json, csv oder pdf"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := do(t, c, http.MethodGet, f.srv.URL+tc.path, nil, nil)
			require.Equal(t, tc.status, resp.StatusCode, resp.body)
			for _, w := range tc.want {
				require.Contains(t, resp.body, w)
			}
			for _, n := range tc.not {
				require.NotContains(t, resp.body, n)
			}
		})
	}
	require.Contains(t, *asked, "document 2026-000001 pia", "the report is made for the login")

	// The auditor's views are in the trail, with the query.
	evs, err := f.st.Events(t.Context(), "page", "/audit/timeline")
	require.NoError(t, err)
	require.NotEmpty(t, evs)
	require.Equal(t, "pia", evs[0].Actor)
	require.Equal(t, string(auth.ActAuditRead), evs[0].Action)

	// The navigation offers the page to the auditor, the document page
	// links to the timeline.
	resp := do(t, c, http.MethodGet, f.srv.URL+"/", nil, nil)
	require.Contains(t, resp.body, `<a href="/audit">Prüfprotokoll</a>`)
	ref, err := f.blobs.Put(t.Context(), strings.NewReader("%PDF-1.7 Widerspruch"), "")
	require.NoError(t, err)
	e, _, err := f.st.Register(t.Context(), records.NewEntry{SHA256: ref.SHA256, Size: ref.Size, MediaType: "application/pdf",
		OriginalName: "w.pdf", Source: records.SourceMailroom, ReceivedAt: time.Now(), WorkflowID: "inbound-" + ref.SHA256})
	require.NoError(t, err)
	resp = do(t, c, http.MethodGet, f.srv.URL+"/documents/"+e.Number.String(), nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.body, `<a href="/audit/timeline?kind=document&amp;id=`+ref.SHA256+`">`)
}

func TestAuditPagesRefuseClerk(t *testing.T) {
	f, asked := newAuditServer(t)
	c := browser(t)
	require.Equal(t, http.StatusSeeOther, f.login(t, c, "anna", annaPassword, "/").StatusCode)
	for _, p := range []string{"/audit", "/audit/verify", "/audit/timeline?kind=document&id=2026-000001",
		"/audit/export?kind=document&id=2026-000001&format=json", "/audit/export?kind=document&id=2026-000001&format=pdf"} {
		resp := do(t, c, http.MethodGet, f.srv.URL+p, nil, nil)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, p)
		require.Contains(t, resp.body, "Keine Berechtigung: ", p)
		require.NotContains(t, resp.body, `href="/audit"`, p)
	}
	require.Empty(t, *asked, "no report is made for a refused request")
	evs, err := f.st.Events(t.Context(), "document", auditSHA)
	require.NoError(t, err)
	require.Empty(t, evs)
}

func TestAuditExport(t *testing.T) {
	f, _ := newAuditServer(t)
	c := browser(t)
	require.Equal(t, http.StatusSeeOther, f.login(t, c, "pia", matrixPassword, "/").StatusCode)
	for i, tc := range []struct {
		format, id, mediaType, filename string
	}{
		{"json", "2026-000001", "application/json", "pruefprotokoll-document-" + auditSHA + ".json"},
		{"csv", auditSHA, "text/csv; charset=utf-8", "pruefprotokoll-document-" + auditSHA + ".csv"},
		{"pdf", "2026-000001", "application/pdf", "pruefprotokoll-document-" + auditSHA + ".pdf"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			resp := do(t, c, http.MethodGet, f.srv.URL+"/audit/export?kind=document&id="+tc.id+"&format="+tc.format, nil, nil)
			require.Equal(t, http.StatusOK, resp.StatusCode, resp.body)
			require.Equal(t, tc.mediaType, resp.Header.Get("Content-Type"))
			disp, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
			require.NoError(t, err)
			require.Equal(t, "attachment", disp)
			require.Equal(t, tc.filename, params["filename"])
			switch tc.format {
			case "json":
				var rep audit.Report
				require.NoError(t, json.Unmarshal([]byte(resp.body), &rep))
				require.Len(t, rep.Entries, 3)
				require.Equal(t, "pia", rep.GeneratedBy)
			case "csv":
				rows, err := csv.NewReader(strings.NewReader(resp.body)).ReadAll()
				require.NoError(t, err)
				require.Len(t, rows, 4)
				require.Equal(t, audit.CSVHeader, rows[0])
			case "pdf":
				require.True(t, strings.HasPrefix(resp.body, "%PDF"))
				rep, err := pdfa.Check(bytes.NewReader([]byte(resp.body)), int64(len(resp.body)))
				require.NoError(t, err)
				require.True(t, rep.OK(), "pdfa check: %v", rep.Failed())
			}

			// Logged as audit.exported by the login, one per export.
			evs, err := f.st.Events(t.Context(), "document", auditSHA)
			require.NoError(t, err)
			var exported []store.AuditEvent
			for _, ev := range evs {
				if ev.Action == audit.ActionTrailExported {
					exported = append(exported, ev)
				}
			}
			require.Len(t, exported, i+1)
			last := exported[i]
			require.Equal(t, "pia", last.Actor)
			var details map[string]any
			require.NoError(t, json.Unmarshal(last.Details, &details))
			require.Equal(t, tc.format, details["format"])
			require.Equal(t, true, details["chain_ok"])
		})
	}
}

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"63.01.02-0001/2026": "63.01.02-0001-2026",
		"../../etc/passwd":   "etc-passwd",
		"Rechnung Ä 7":       "Rechnung---7",
		"":                   "unbenannt",
		`a"b;c`:              "a-b-c",
	} {
		require.Equal(t, want, safeFileName(in), in)
	}
}

// TestAuditPagesInBrowser: the auditor signs in through the form, sees
// the choice of case and a timeline; screenshots of both, and axe finds
// no serious or critical violation.
func TestAuditPagesInBrowser(t *testing.T) {
	f, _ := newAuditServer(t)
	stricter := []string{"wcag22aa", "best-practice"}
	b := browsertest.Start(t)
	b.Visit(f.srv.URL + "/login")
	b.Do(t, chromedp.SendKeys(chromedp.CSS("#login"), "pia"), chromedp.SendKeys(chromedp.CSS("#password"), matrixPassword),
		chromedp.Click(chromedp.CSS(`main button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#angemeldet")))
	for _, p := range []struct{ name, path, heading string }{
		{"audit", "/audit", "Prüfprotokoll"},
		{"audit-verify", "/audit/verify", "Prüfung der Protokollkette"},
		{"audit-timeline", "/audit/timeline?kind=document&id=2026-000001", "Prüfprotokoll"},
		{"audit-timeline-broken", "/audit/timeline?kind=file&id=kaputt", "Prüfprotokoll"},
	} {
		b.Visit(f.srv.URL + p.path)
		b.Screenshot(p.name)
		if h1 := b.Text("h1"); h1 != p.heading {
			t.Errorf("%s: heading %q, want %q", p.path, h1, p.heading)
		}
		vs := append(b.Axe(t), b.Axe(t, stricter...)...)
		t.Run(p.name, func(t *testing.T) { browsertest.RequireNoSeriousViolations(t, vs) })
	}
}
