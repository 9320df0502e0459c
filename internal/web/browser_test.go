package web

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/browsertest"
)

// TestPagesInBrowser signs in through the login form in headless Chromium,
// renders the register, a document and the quarantine, saves a screenshot
// of each (the login page too), and lets axe-core check them: no serious
// or critical WCAG 2.1 A/AA violation (BITV 2.0). It ends with the logout
// button in the header.
func TestPagesInBrowser(t *testing.T) {
	f := newAuthServer(t, nil)
	srv, st, blobs := f.srv, f.st, f.blobs
	ctx := context.Background()
	// Maria works in the Poststelle and as a clerk of 20.1, so that one
	// login sees every page.
	h, err := auth.HashPassword(matrixPassword, auth.DefaultArgon2Params)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutUser(ctx, store.User{Login: "maria", Name: "Maria Weber", PasswordHash: h, Roles: []string{"mailroom", "clerk"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.ReplaceOrganisation(ctx, records.Organisation{Units: []records.Unit{
		{Code: "20.1", Name: "Rechnungseingang", Lead: "anna", Members: []string{"anna", "maria"}}}}); err != nil {
		t.Fatal(err)
	}
	ref, err := blobs.Put(ctx, bytes.NewReader([]byte("%PDF-1.7 Widerspruch")), "")
	if err != nil {
		t.Fatal(err)
	}
	text, err := blobs.Put(ctx, strings.NewReader("Widerspruch gegen den Bescheid\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := st.Register(ctx, records.NewEntry{SHA256: ref.SHA256, Size: ref.Size, MediaType: "application/pdf",
		OriginalName: "Widerspruch Müller.pdf", Source: records.SourceMailroom,
		ReceivedAt: time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC), WorkflowID: "inbound-" + ref.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutDocumentMeta(ctx, records.DocumentMeta{DocumentSHA256: ref.SHA256, Type: "letter", Unit: "20.1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppendEvent(ctx, store.AuditEvent{Key: "k1", Actor: "system:inbound", Action: "document.registered",
		ObjectType: "document", ObjectID: ref.SHA256, Details: []byte(`{"register_number":"` + e.Number.String() + `"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.AddRendition(ctx, records.Rendition{DocumentSHA256: ref.SHA256, Kind: records.RenditionText,
		BlobSHA256: text.SHA256, Size: text.Size, MediaType: "text/plain; charset=utf-8"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddQuarantine(ctx, store.QuarantineItem{Reason: "empty", Message: "Dokument ist leer", Subject: "intake.upload"}); err != nil {
		t.Fatal(err)
	}

	// Beyond BITV's WCAG 2.1 AA: 2.2 AA (e.g. target size) and axe's best
	// practices (landmarks, heading order), held to the same bar.
	stricter := []string{"wcag22aa", "best-practice"}

	b := browsertest.Start(t)
	b.Visit(srv.URL + "/login")
	b.Screenshot("login")
	if h1 := b.Text("h1"); h1 != "Anmeldung" {
		t.Errorf("login: heading %q", h1)
	}
	vs := append(b.Axe(t), b.Axe(t, stricter...)...)
	t.Run("login", func(t *testing.T) { browsertest.RequireNoSeriousViolations(t, vs) })
	b.Do(t, chromedp.SendKeys(chromedp.CSS("#login"), "maria"), chromedp.SendKeys(chromedp.CSS("#password"), matrixPassword),
		chromedp.Click(chromedp.CSS(`main button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#angemeldet")))
	if who := b.Text("#angemeldet"); who != "Angemeldet: Maria Weber (maria) · Poststelle, Sachbearbeitung" {
		t.Errorf("header after login: %q", who)
	}

	pages := []struct {
		name, path, heading string
	}{
		{"register", "/", "Posteingangsbuch"},
		{"document", "/documents/" + e.Number.String(), "Eingang " + e.Number.String()},
		{"quarantine", "/quarantine", "Quarantäne"},
	}
	for _, p := range pages {
		b.Visit(srv.URL + p.path)
		b.Screenshot(p.name)
		if h1 := b.Text("h1"); h1 != p.heading {
			t.Errorf("%s: heading %q, want %q", p.path, h1, p.heading)
		}
		if title := b.Title(); title != p.heading+" – aktenfluss" {
			t.Errorf("%s: title %q", p.path, title)
		}
		// Keyboard users reach the content past the navigation at once.
		b.Do(t, chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter))
		if active := b.Eval(`document.activeElement.id`); active != "inhalt" {
			t.Errorf("%s: skip link leads to %q, want the main content", p.path, active)
		}
		if b.Eval(`document.querySelector('header form[action="/logout"] button').textContent`) != "Abmelden" {
			t.Errorf("%s: no logout button in the header", p.path)
		}
		vs := append(b.Axe(t), b.Axe(t, stricter...)...)
		t.Run(p.name, func(t *testing.T) { browsertest.RequireNoSeriousViolations(t, vs) })
	}

	// Logout ends the session: back at the login, and the register needs
	// a new one.
	b.Do(t, chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#password")))
	if h1 := b.Text("h1"); h1 != "Anmeldung" {
		t.Errorf("after logout: heading %q", h1)
	}
	b.Visit(srv.URL + "/")
	if h1 := b.Text("h1"); h1 != "Anmeldung" {
		t.Errorf("register after logout: heading %q, want the login", h1)
	}
}
