package web

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/aktenfluss/aktenfluss/internal/web/browsertest"
)

// TestFilePagesInBrowser signs in as the registrar through the login form
// in headless Chromium, opens the Aktenplan, the files, a file and a
// search with hits, saves a screenshot of each, and lets axe-core check
// them: no serious or critical WCAG 2.1/2.2 AA violation.
func TestFilePagesInBrowser(t *testing.T) {
	f := newFilesFixture(t)
	b := browsertest.Start(t)
	b.Visit(f.srv.URL + "/login")
	b.Do(t, chromedp.SendKeys(chromedp.CSS("#login"), "rita"), chromedp.SendKeys(chromedp.CSS("#password"), matrixPassword),
		chromedp.Click(chromedp.CSS(`main button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#angemeldet")))

	pages := []struct{ name, path, heading string }{
		{"fileplan", "/fileplan", "Aktenplan"},
		{"files", "/files", "Akten"},
		{"file", fileHref(f.file63.Number), "Akte " + f.file63.Number},
		{"search", "/search?q=Baugenehmigung", "Suche"},
	}
	for _, p := range pages {
		b.Visit(f.srv.URL + p.path)
		b.Screenshot(p.name)
		if h1 := b.Text("h1"); h1 != p.heading {
			t.Errorf("%s: heading %q, want %q", p.path, h1, p.heading)
		}
		if title := b.Title(); title != p.heading+" – aktenfluss" {
			t.Errorf("%s: title %q", p.path, title)
		}
		vs := append(b.Axe(t), b.Axe(t, "wcag22aa", "best-practice")...)
		t.Run(p.name, func(t *testing.T) { browsertest.RequireNoSeriousViolations(t, vs) })
	}
	if n := b.Eval(`String(document.querySelectorAll('ol.hits mark').length)`); n == "0" {
		t.Errorf("search: no highlighted match")
	}
}
