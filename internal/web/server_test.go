package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

func newServer(t *testing.T, checks ...Check) (*httptest.Server, store.Store, *blob.FS) {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "records.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "aktenfluss_test_total", Help: "test"}))
	blobs, err := blob.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&Server{Register: st, Blobs: blobs, Checks: checks, Metrics: reg}).Handler())
	t.Cleanup(srv.Close)
	return srv, st, blobs
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestPages(t *testing.T) {
	srv, st, testBlobs := newServer(t)
	ctx := context.Background()
	original := []byte("%PDF-1.7 Widerspruch")
	ref, err := testBlobs.Put(ctx, bytes.NewReader(original), "")
	if err != nil {
		t.Fatal(err)
	}
	sha := ref.SHA256
	textRef, err := testBlobs.Put(ctx, strings.NewReader("Widerspruch gegen den Bescheid\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	received := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	e, _, err := st.Register(ctx, records.NewEntry{SHA256: sha, Size: 1234, MediaType: "application/pdf",
		OriginalName: "Widerspruch <Müller>.pdf", Source: records.SourceMailroom, ReceivedAt: received, WorkflowID: "inbound-" + sha})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendEvent(ctx, store.AuditEvent{Key: "k1", Actor: "system:inbound", Action: "document.registered",
		ObjectType: "document", ObjectID: sha, Details: []byte(`{"register_number":"2026-000001"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AddRendition(ctx, records.Rendition{DocumentSHA256: sha, Kind: records.RenditionText,
		BlobSHA256: textRef.SHA256, Size: textRef.Size, MediaType: "text/plain; charset=utf-8"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddQuarantine(ctx, store.QuarantineItem{Reason: "empty", Message: "Dokument ist leer", Subject: "intake.upload"}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		path   string
		status int
		want   []string
		not    []string
	}{
		{"/healthz", 200, []string{"ok"}, nil},
		{"/readyz", 200, nil, nil},
		{"/metrics", 200, []string{"aktenfluss_test_total"}, nil},
		{"/", 200, []string{"Posteingangsbuch", e.Number.String(), "24.11.2026 10:30:00", "1 in Quarantäne", "Widerspruch &lt;Müller&gt;.pdf"}, []string{"<Müller>"}},
		{"/?quelle=email", 200, []string{"Noch keine Eingänge"}, []string{e.Number.String() + "</a>"}},
		{"/?jahr=abc", 400, []string{"Ungültiges Jahr"}, nil},
		{"/documents/" + e.Number.String(), 200, []string{sha, "document.registered", "system:inbound", "Protokoll", "/original", "/text"}, nil},
		{"/documents/" + e.Number.String() + "/original", 200, []string{"%PDF-1.7 Widerspruch"}, nil},
		{"/documents/" + e.Number.String() + "/text", 200, []string{"Widerspruch gegen den Bescheid"}, nil},
		{"/documents/" + e.Number.String() + "/archival-pdf", 404, []string{"gibt es (noch) nicht"}, nil},
		{"/documents/2026-999999", 404, []string{"Kein Eintrag"}, nil},
		{"/documents/kaputt", 400, []string{"Ungültige Eingangsnummer"}, nil},
		{"/quarantine", 200, []string{"empty", "Dokument ist leer"}, nil},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			status, body := get(t, srv.URL+c.path)
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, body)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(body, n) {
					t.Errorf("body contains %q", n)
				}
			}
		})
	}
}

// TestReadsAreAudited: every view and download of a document through the
// pages is in the audit trail, with the client address as personal data;
// a download that fails (no such rendition) is not.
func TestReadsAreAudited(t *testing.T) {
	srv, st, testBlobs := newServer(t)
	ctx := context.Background()
	ref, err := testBlobs.Put(ctx, strings.NewReader("%PDF-1.7 Antrag"), "")
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := st.Register(ctx, records.NewEntry{SHA256: ref.SHA256, Size: ref.Size, MediaType: "application/pdf",
		OriginalName: "antrag.pdf", Source: records.SourceMailroom, ReceivedAt: time.Now(), WorkflowID: "inbound-" + ref.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"", "/original", "/archival-pdf"} {
		get(t, srv.URL+"/documents/"+e.Number.String()+path)
	}
	evs, err := st.Events(ctx, "document", ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range evs {
		got = append(got, ev.Action)
		if ev.Actor != actorWeb || !strings.Contains(string(ev.Personal), "127.0.0.1") || strings.Contains(string(ev.Details), "127.0.0.1") {
			t.Errorf("event %+v", ev)
		}
	}
	if strings.Join(got, ",") != "document.read,document.downloaded" {
		t.Fatalf("audited %v", got)
	}
	if !strings.Contains(string(evs[1].Details), `"rendition":"original"`) {
		t.Errorf("download details %s", evs[1].Details)
	}
}

func TestReadinessReportsFailingChecks(t *testing.T) {
	srv, _, _ := newServer(t,
		Check{Name: "database", Check: func(context.Context) error { return nil }},
		Check{Name: "nats", Check: func(context.Context) error { return errors.New("not connected") }})
	status, body := get(t, srv.URL+"/readyz")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "nats: not connected") || !strings.Contains(body, "database: ok") {
		t.Fatalf("readyz = %d %q", status, body)
	}
}

// TestInvoiceOnDocumentPage shows the e-invoice verdict, the duplicate
// hint and the invoice renditions on the document page.
func TestInvoiceOnDocumentPage(t *testing.T) {
	srv, st, testBlobs := newServer(t)
	ctx := context.Background()
	var entries []records.RegisterEntry
	for i, body := range []string{"<Invoice>1</Invoice>", "<Invoice>1 again</Invoice>"} {
		ref, err := testBlobs.Put(ctx, strings.NewReader(body), "")
		if err != nil {
			t.Fatal(err)
		}
		e, _, err := st.Register(ctx, records.NewEntry{SHA256: ref.SHA256, Size: ref.Size, MediaType: "application/xml",
			OriginalName: "rechnung.xml", Source: records.SourceEInvoice, ReceivedAt: time.Date(2026, 11, 24, 9, i, 0, 0, time.UTC),
			WorkflowID: "inbound-" + ref.SHA256})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetStatus(ctx, ref.SHA256, records.StatusRejected); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.AddRendition(ctx, records.Rendition{DocumentSHA256: ref.SHA256, Kind: records.RenditionInvoiceXML,
			BlobSHA256: ref.SHA256, Size: ref.Size, MediaType: "application/xml"}); err != nil {
			t.Fatal(err)
		}
		inv := records.Invoice{DocumentSHA256: ref.SHA256, XMLSHA256: ref.SHA256, ReportSHA256: ref.SHA256, WorkflowID: "inbound-" + ref.SHA256,
			Syntax: "UBL-Invoice", Scenario: "XR-UBL-Invoice", Number: "R-4711", IssueDate: "2026-11-20", Currency: "EUR",
			SellerName: "Müller & Söhne GmbH", BuyerName: "Stadt Musterstadt", BuyerReference: "04011000-12345-03",
			Payable: "1234.5", Errors: 1, Status: records.InvoiceRejected,
			DuplicateKey: records.InvoiceDuplicateKey("", "Müller & Söhne GmbH", "R-4711", "2026-11-20", "1234.5")}
		if _, _, err := st.AddInvoice(ctx, inv); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	status, body := get(t, srv.URL+"/documents/"+entries[1].Number.String())
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	for _, want := range []string{"E-Rechnung", "R-4711", "Müller &amp; Söhne GmbH", "04011000-12345-03", "1234.5 EUR", "abgewiesen",
		"Mögliche Dublette", "Rechnungs-XML (rechtliches Original)", "/einvoice-xml", "E-Rechnung abgewiesen (Rücksendung)"} {
		if !strings.Contains(body, want) {
			t.Errorf("document page lacks %q", want)
		}
	}
	if _, body := get(t, srv.URL+"/documents/"+entries[0].Number.String()); strings.Contains(body, "Mögliche Dublette") {
		t.Error("the first invoice is no duplicate")
	}
	status, body = get(t, srv.URL+"/documents/"+entries[1].Number.String()+"/einvoice-xml")
	if status != 200 || body != "<Invoice>1 again</Invoice>" {
		t.Errorf("download of the invoice XML: %d %q", status, body)
	}
}
