package web

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/aktenfluss/aktenfluss/internal/web/browsertest"
)

// TestAdminPagesInBrowser signs in as the administrator through the login
// form in headless Chromium, opens every administration page, and two
// forms refused with their message beside the field (a short password, a
// rule set the parser rejects); it saves a screenshot of each and lets
// axe-core check them: no serious or critical WCAG 2.1/2.2 AA violation.
func TestAdminPagesInBrowser(t *testing.T) {
	f := newAdminFixture(t)
	b := browsertest.Start(t)
	b.Visit(f.srv.URL + "/login")
	b.Do(t, chromedp.SendKeys(chromedp.CSS("#login"), "adam"), chromedp.SendKeys(chromedp.CSS("#password"), matrixPassword),
		chromedp.Click(chromedp.CSS(`main button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#angemeldet")))

	check := func(name, heading string) {
		t.Helper()
		b.Screenshot(name)
		if h1 := b.Text("h1"); h1 != heading {
			t.Errorf("%s: heading %q, want %q", name, h1, heading)
		}
		if title := b.Title(); title != heading+" – aktenfluss" {
			t.Errorf("%s: title %q", name, title)
		}
		vs := append(b.Axe(t), b.Axe(t, "wcag22aa", "best-practice")...)
		t.Run(name, func(t *testing.T) { browsertest.RequireNoSeriousViolations(t, vs) })
	}
	pages := []struct{ name, path, heading string }{
		{"admin", "/admin", "Verwaltung"},
		{"admin-users", "/admin/users", "Benutzerkonten"},
		{"admin-user", "/admin/users/anna", "Benutzerkonto anna"},
		{"admin-units", "/admin/units", "Organisationseinheiten"},
		{"admin-unit", "/admin/units/63", "Organisationseinheit 63"},
		{"admin-fileplan", "/admin/fileplan", "Aktenplan verwalten"},
		{"admin-routing", "/admin/routing", "Zuordnungsregeln"},
	}
	for _, p := range pages {
		b.Visit(f.srv.URL + p.path)
		check(p.name, p.heading)
	}

	// A refused form: the message is beside the field, the field says so.
	b.Visit(f.srv.URL + "/admin/users")
	b.Do(t, chromedp.SendKeys(chromedp.CSS("#login"), "eva"), chromedp.SendKeys(chromedp.CSS("#name"), "Eva Weber"),
		chromedp.SendKeys(chromedp.CSS("#password"), "kurz"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#password-fehler")))
	check("admin-users-refused", "Benutzerkonten")
	if got := b.Eval(`document.querySelector('#password').getAttribute('aria-describedby')`); got != "password-hilfe password-fehler" {
		t.Errorf("password field described by %q", got)
	}

	b.Visit(f.srv.URL + "/admin/routing")
	b.Do(t, chromedp.SetValue(chromedp.CSS("#content"), "rules:\n  - name: x\n    then: [{kind: fly}]\n"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/routing"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#content-fehler")))
	check("admin-routing-refused", "Zuordnungsregeln")
	if got := b.Eval(`document.querySelector('#content').getAttribute('aria-invalid')`); got != "true" {
		t.Errorf("rules field aria-invalid %q", got)
	}

	// A change done: the page says what was done.
	b.Visit(f.srv.URL + "/admin/units")
	b.Do(t, chromedp.SendKeys(chromedp.CSS("#a-user"), "anna"), chromedp.SetValue(chromedp.CSS("#a-from"), "2026-12-24"),
		chromedp.SetValue(chromedp.CSS("#a-until"), "2026-12-31"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/absences"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	check("admin-units-absence", "Organisationseinheiten")
	if got := b.Text(".flash"); got != "Erledigt: Die Abwesenheit von anna vom 24.12.2026 bis 31.12.2026 wurde eingetragen." {
		t.Errorf("flash %q", got)
	}
}
