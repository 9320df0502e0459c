package web

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/web/browsertest"
)

// TestMailroomPagesInBrowser signs in as the Poststelle in headless
// Chromium, uploads two files through the real form, watches the batch
// page follow a document into the register without a reload, retries a
// quarantined envelope, saves a screenshot of each page and lets axe-core
// check them: no serious or critical WCAG 2.1/2.2 AA violation.
func TestMailroomPagesInBrowser(t *testing.T) {
	f := newMailroomFixture(t)
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "Widerspruch.pdf"), filepath.Join(dir, "Anlage.png")}
	if err := os.WriteFile(files[0], []byte("%PDF-1.7 Widerspruch gegen den Bescheid"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files[1], []byte("\x89PNG\r\n\x1a\nAnlage"), 0o600); err != nil {
		t.Fatal(err)
	}
	stricter := []string{"wcag22aa", "best-practice"}
	b := browsertest.Start(t)
	check := func(name, heading string) {
		t.Helper()
		b.Screenshot(name)
		if h1 := b.Text("h1"); h1 != heading {
			t.Errorf("%s: heading %q, want %q", name, h1, heading)
		}
		vs := append(b.Axe(t), b.Axe(t, stricter...)...)
		t.Run(name, func(t *testing.T) { browsertest.RequireNoSeriousViolations(t, vs) })
	}

	b.Visit(f.srv.URL + "/login")
	b.Do(t, chromedp.SendKeys(chromedp.CSS("#login"), "paul"), chromedp.SendKeys(chromedp.CSS("#password"), matrixPassword),
		chromedp.Click(chromedp.CSS(`main button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#angemeldet")))

	b.Visit(f.srv.URL + "/upload")
	check("upload", "Einlieferung")
	b.Do(t, chromedp.SetUploadFiles(chromedp.CSS("#files"), files),
		chromedp.SetValue(chromedp.CSS("#operator"), "Paula Post"),
		chromedp.SendKeys(chromedp.CSS("#station"), "Scan-2"),
		chromedp.SendKeys(chromedp.CSS("#dpi"), "300"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#stapel")))
	if rows := b.Eval(`document.querySelectorAll('#stapel tbody tr').length`); rows != "2" {
		t.Fatalf("batch page: %s rows, want 2", rows)
	}
	if got := b.Text("#stapel-stand"); got != "2 Dokumente: 2 im Eingang." {
		t.Errorf("batch summary %q", got)
	}
	pub := f.cmds.published()
	if len(pub) != 2 || pub[0].Name != "Widerspruch.pdf" || pub[1].Name != "Anlage.png" ||
		pub[0].ScanProtocol == nil || pub[0].ScanProtocol.Operator != "Paula Post" || pub[0].ScanProtocol.DPI != 300 {
		t.Fatalf("published %+v", pub)
	}
	check("batch", "Einlieferung: Stand")

	// The workflow registers the first document; the page shows it
	// without being reloaded.
	sha := b.Eval(`document.querySelector('#stapel tbody tr').dataset.sha256`)
	e, _, err := f.st.Register(t.Context(), records.NewEntry{SHA256: sha, Size: 39, MediaType: "application/pdf",
		OriginalName: "Widerspruch.pdf", Source: records.SourceMailroom, ReceivedAt: time.Now(), WorkflowID: "inbound-" + sha})
	if err != nil {
		t.Fatal(err)
	}
	b.Eval(`window.mailroomSamePage = 'ja'`)
	b.Do(t, chromedp.Poll[chromedp.Void](fmt.Sprintf(
		`document.querySelector('tr[data-sha256="%s"] [data-field="number"]').textContent === %q`, sha, e.Number.String()),
		chromedp.WithPollingTimeout(20*time.Second)))
	if same := b.Eval(`window.mailroomSamePage`); same != "ja" {
		t.Errorf("the page was reloaded (%q)", same)
	}
	if got := b.Text("#stapel-stand"); got != "2 Dokumente: 1 im Eingang, 1 im Posteingangsbuch." {
		t.Errorf("live summary %q", got)
	}
	if got := b.Text(fmt.Sprintf(`tr[data-sha256="%s"] [data-field="label"]`, sha)); got != "registriert" {
		t.Errorf("live status %q", got)
	}
	check("batch-live", "Einlieferung: Stand")

	b.Visit(f.srv.URL + "/quarantine")
	check("quarantine", "Quarantäne")
	b.Do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action="/quarantine/%d/retry"] button`, f.q.ID))),
		chromedp.WaitVisible(chromedp.CSS(`.flash[role="status"]`)))
	if got := b.Text(`.flash[role="status"]`); !strings.Contains(got, fmt.Sprintf("Der Quarantäne-Eintrag %d wurde am", f.q.ID)) {
		t.Errorf("retry confirmation %q", got)
	}
	check("retried", "Einlieferung: Stand")
}
