package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/browsertest"
	"github.com/aktenfluss/aktenfluss/workflows"
)

const e2ePassword = "ein Passwort für den Rundgang"

// TestWebWalkThrough drives the whole embedded stack — NATS, Temporal,
// the workers, SQLite, the web server with login — from headless
// Chromium, as the people who use it would:
//
//  1. the Poststelle uploads a scanned letter; it appears in the inbox of
//     the Ordnungsamt, where a clerk claims it, files it into a new case
//     file and finishes the task;
//  2. an XRechnung gets the factual approval (sachlich richtig) from the
//     clerk A; A's payment order is refused with the reason on the
//     invoice's page; the approver B orders the payment and the invoice is
//     booked;
//  3. the auditor sees the invoice's whole timeline with a verified chain.
//
// Each main page is saved as a screenshot and checked by axe-core.
func TestWebWalkThrough(t *testing.T) {
	ubl := corpusInvoice(t, "01.01a-INVOICE_ubl.xml")
	dir := t.TempDir()
	dev := startDev(t, dir, RunOptions{})
	st := openStore(t, dir)
	ctx := context.Background()
	seedDemo(t, st)
	for login, role := range map[string]auth.Role{"r.poststelle": auth.RoleMailroom, "s.fuchs": auth.RoleClerk,
		"a.schneider": auth.RoleClerk, "m.wolf": auth.RoleApprover, "i.pruefer": auth.RoleAuditor} {
		h, err := auth.HashPassword(e2ePassword, auth.DefaultArgon2Params)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.PutUser(ctx, store.User{Login: login, Name: login, PasswordHash: h, Roles: []string{string(role)}}); err != nil {
			t.Fatal(err)
		}
	}
	base := dev.info.HTTP
	b := browsertest.Start(t)
	check := func(name string) {
		t.Helper()
		b.Screenshot(name)
		vs := append(b.Axe(t), b.Axe(t, "wcag22aa", "best-practice")...)
		t.Run("axe "+name, func(t *testing.T) { browsertest.RequireNoSeriousViolations(t, vs) })
	}
	login := func(user string) {
		t.Helper()
		b.Visit(base + "/login")
		b.Do(t, chromedp.SendKeys(chromedp.CSS("#login"), user), chromedp.SendKeys(chromedp.CSS("#password"), e2ePassword),
			chromedp.Click(chromedp.CSS(`main button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("#angemeldet")))
	}
	logout := func() {
		t.Helper()
		b.Do(t, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#login")))
	}
	// submit clicks the button of the form posting to action and waits
	// until the page it leads to shows its message.
	submit := func(action string) {
		t.Helper()
		b.Eval(`document.querySelectorAll('.flash').forEach(e => e.remove()) || ""`)
		b.Do(t, chromedp.Click(chromedp.CSS(`form[action="`+action+`"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	}
	flash := func() string {
		t.Helper()
		return b.Text(".flash")
	}

	// 1. The Poststelle uploads a scanned letter.
	letter := TextPDF(
		"Erika Mustermann, Lindenallee 12, 12345 Musterstadt",
		"Stadt Musterstadt, Ordnungsamt, Rathausplatz 1, 12345 Musterstadt",
		"Musterstadt, 20. November 2026",
		"Beschwerde wegen Ruhestörung",
		"Sehr geehrte Damen und Herren,",
		"seit Wochen kommt es nachts zu erheblicher Ruhestörung durch laute Musik im Nachbarhaus.",
		"Ich bitte Sie, dagegen einzuschreiten.",
		"Mit freundlichen Gruessen",
		"Erika Mustermann")
	scan := filepath.Join(t.TempDir(), "beschwerde.pdf")
	if err := os.WriteFile(scan, letter, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(letter)
	sha := hex.EncodeToString(sum[:])

	login("r.poststelle")
	b.Visit(base + "/upload")
	check("mailroom-upload")
	b.Do(t, chromedp.SetUploadFiles(`main input[type="file"]`, []string{scan}),
		chromedp.Click(chromedp.CSS(`main form[enctype="multipart/form-data"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#stapel tr[data-sha256="`+sha+`"]`)))
	batch := b.Eval("location.href")
	task := waitTask(t, st, workflows.ClerkTaskIDPrefix+sha)
	if task.Unit != "32" || task.Status != records.TaskOpen {
		t.Fatalf("letter task %+v", task)
	}
	b.Visit(batch)
	check("mailroom-batch")
	if row := b.Text(`#stapel tr[data-sha256="` + sha + `"]`); !strings.Contains(row, "beschwerde.pdf") || !strings.Contains(row, "2026-") {
		t.Errorf("the batch page does not show the registered letter: %s", row)
	}
	b.Visit(base + "/")
	check("mailroom-register")
	logout()

	// The clerk of the Ordnungsamt finds it in the unit's inbox.
	login("s.fuchs")
	if got := b.Eval("location.pathname"); got != "/inbox" {
		t.Errorf("a clerk starts at %s, want /inbox", got)
	}
	b.Visit(base + "/inbox?scope=unit")
	check("clerk-unit-inbox")
	b.Do(t, chromedp.Click(chromedp.CSS(`a[href="/tasks/`+task.ID+`"]`)), chromedp.WaitVisible(chromedp.CSS(".viewer")))
	check("clerk-task")
	submit("/tasks/" + task.ID + "/claim")
	if f := flash(); !strings.Contains(f, "übernommen") {
		t.Fatalf("claim: %s", f)
	}
	b.Do(t, chromedp.Click(chromedp.CSS(`input[name="how"][value="new"]`)),
		chromedp.SendKeys(chromedp.CSS("#titel"), "Ruhestörung Lindenallee 12"))
	if got := b.Eval(`(document.querySelector('#plan').value = '32.01.01', document.querySelector('#plan').value)`); got != "32.01.01" {
		t.Fatalf("plan code 32.01.01 is not offered: %q", got)
	}
	submit("/tasks/" + task.ID + "/file")
	if f := flash(); !strings.Contains(f, "liegt jetzt in der Akte 32.01.01-") {
		t.Fatalf("file: %s", f)
	}
	check("clerk-task-filed")
	b.Do(t, chromedp.SendKeys(chromedp.CSS("#erl-notiz"), "Ortstermin vereinbart"))
	submit("/tasks/" + task.ID + "/done")
	if f := flash(); !strings.Contains(f, "erledigt") {
		t.Fatalf("done: %s", f)
	}
	filings, err := st.FilingsOf(ctx, sha)
	if err != nil || len(filings) != 1 {
		t.Fatalf("filings %+v, %v", filings, err)
	}
	file, err := st.File(ctx, filings[0].FileID)
	if err != nil || file.PlanCode != "32.01.01" || file.Unit != "32" || filings[0].FiledBy != "s.fuchs" {
		t.Fatalf("filed into %+v (%v) by %s", file, err, filings[0].FiledBy)
	}
	waitFor(t, "the task done", 30*time.Second, func() (bool, error) {
		tk, err := st.Task(ctx, task.ID)
		return err == nil && tk.Status == records.TaskDone && tk.Assignee == "s.fuchs", err
	})
	b.Visit(base + "/files/" + strings.ReplaceAll(file.Number, "/", "%2F"))
	check("clerk-file")
	logout()

	// 2. An XRechnung: factual approval by A, payment order refused for A,
	// given by B.
	pub, _ := dev.publisher(t)
	env := publish(t, pub, "rechnung.xml", ubl)
	inv := waitInvoiceRecord(t, st, env.SHA256, 60*time.Second)
	waitStage(t, st, inv.ID, approval.StageFactual)
	invPath := "/invoices/" + strconv.FormatInt(inv.ID, 10)

	login("a.schneider")
	b.Visit(base + "/invoices")
	check("clerk-invoices")
	b.Visit(base + invPath)
	check("clerk-invoice-factual")
	b.Do(t, chromedp.SendKeys(chromedp.CSS("#best-vermerk"), "Leistung vollständig erbracht"))
	submit(invPath + "/certify")
	if f := flash(); !strings.Contains(f, "Bestätigung ist eingetragen") {
		t.Fatalf("factual approval: %s", f)
	}
	waitStage(t, st, inv.ID, approval.StagePaymentOrder)
	b.Visit(base + invPath)
	submit(invPath + "/order")
	refusal := flash()
	if !strings.Contains(refusal, "Nicht ausgeführt") || !strings.Contains(refusal, "Keine Berechtigung") {
		t.Fatalf("A's payment order was not refused with a reason: %s", refusal)
	}
	check("clerk-invoice-order-refused")
	logout()

	login("m.wolf")
	b.Visit(base + "/invoices")
	if row := b.Text("tbody tr"); !strings.Contains(row, "Ihre Entscheidung") {
		t.Errorf("the approver's list does not put the invoice waiting for her first: %s", row)
	}
	b.Visit(base + invPath)
	check("approver-invoice")
	submit(invPath + "/order")
	if f := flash(); !strings.Contains(f, "angeordnet") {
		t.Fatalf("B's payment order: %s", f)
	}
	waitFor(t, "the invoice booked", 60*time.Second, func() (bool, error) {
		i, err := st.Invoice(ctx, inv.ID)
		return err == nil && i.Status == records.InvoiceBooked, err
	})
	approvals, err := st.Approvals(ctx, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	var deciders []string
	for _, a := range approvals {
		deciders = append(deciders, a.Stage+":"+a.User)
	}
	if got := strings.Join(deciders, " "); !strings.Contains(got, "factual:a.schneider") || !strings.Contains(got, "payment_order:m.wolf") {
		t.Fatalf("decisions %s", got)
	}
	logout()

	// 3. The auditor sees the invoice's whole timeline, with the chain
	// verified.
	login("i.pruefer")
	b.Visit(base + "/audit/timeline?kind=invoice&id=" + strconv.FormatInt(inv.ID, 10))
	check("auditor-timeline")
	if s := b.Text("#kettenstatus"); !strings.Contains(s, "unverändert") {
		t.Errorf("chain status %q", s)
	}
	timeline := b.Text("main")
	for _, want := range []string{"a.schneider", "m.wolf", "Sachlich richtig bestätigt", "Anordnung"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline does not show %q", want)
		}
	}
	b.Visit(base + "/audit/verify")
	check("auditor-verify")
	if s := b.Text("#kettenstatus"); !strings.Contains(s, "unverändert") {
		t.Errorf("verify: %q", s)
	}
}
