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

func TestReadinessReportsFailingChecks(t *testing.T) {
	srv, _, _ := newServer(t,
		Check{Name: "database", Check: func(context.Context) error { return nil }},
		Check{Name: "nats", Check: func(context.Context) error { return errors.New("not connected") }})
	status, body := get(t, srv.URL+"/readyz")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "nats: not connected") || !strings.Contains(body, "database: ok") {
		t.Fatalf("readyz = %d %q", status, body)
	}
}
