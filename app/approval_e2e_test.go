package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// TestApprovalOutcomesOnTheRealServer takes three e-invoices through the
// approval on the embedded stack to its three ends — booked, rejected back
// to the sender, cancelled — and records their histories for the replay
// test (AKTENFLUSS_RECORD_HISTORY=1).
func TestApprovalOutcomesOnTheRealServer(t *testing.T) {
	ubl := corpusInvoice(t, "01.01a-INVOICE_ubl.xml")
	dir := t.TempDir()
	dev := startDev(t, dir, RunOptions{})
	st := openStore(t, dir)
	ctx := context.Background()
	seedDemo(t, st)
	pub, _ := dev.publisher(t)
	c, err := client.Dial(client.Options{HostPort: dev.info.Temporal})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	send := func(wf, name string, arg any) {
		t.Helper()
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wf, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			t.Fatalf("%s %+v: %v", name, arg, err)
		}
	}
	// Three deliveries of different invoices (the number differs, so they
	// are no duplicates of each other).
	var ids []int64
	for i, nr := range []string{"RE-A-1", "RE-A-2", "RE-A-3"} {
		xml := []byte(strings.Replace(string(ubl), "<cbc:ID>123456XX</cbc:ID>", "<cbc:ID>"+nr+"</cbc:ID>", 1))
		env := publish(t, pub, nr+".xml", xml)
		inv := waitInvoiceRecord(t, st, env.SHA256, 60*time.Second)
		if inv.DuplicateOf != nil {
			t.Fatalf("invoice %d (%d) flagged as duplicate", i, inv.ID)
		}
		ids = append(ids, inv.ID)
		waitStage(t, st, inv.ID, approval.StageFactual)
	}
	booked, rejected, cancelled := workflows.InvoiceApprovalID(ids[0]), workflows.InvoiceApprovalID(ids[1]), workflows.InvoiceApprovalID(ids[2])
	send(booked, workflows.UpdateApprove, workflows.ApproveRequest{User: "a.schneider", Stage: approval.StageFactual})
	waitStage(t, st, ids[0], approval.StagePaymentOrder)
	send(booked, workflows.UpdateApprove, workflows.ApproveRequest{User: "m.wolf", Stage: approval.StagePaymentOrder})
	send(rejected, workflows.UpdateReject, workflows.RejectRequest{User: "b.krause", Stage: approval.StageFactual, Reason: "nicht bestellt", ToSender: true})
	send(cancelled, workflows.UpdateCancel, workflows.CancelRequest{User: "m.wolf", Reason: "vom Absender zurückgezogen"})

	for wf, want := range map[string]records.InvoiceStatus{booked: records.InvoiceBooked, rejected: records.InvoiceRejectedInApproval, cancelled: records.InvoiceCancelled} {
		var res workflows.InvoiceApprovalResult
		if err := c.GetWorkflow(ctx, wf, "").Get(ctx, &res); err != nil {
			t.Fatal(err)
		}
		if res.Status != want {
			t.Fatalf("%s ended %s, want %s", wf, res.Status, want)
		}
	}
	recordHistory(t, dev.info.Temporal, booked, "approval_v1_booked.json")
	recordHistory(t, dev.info.Temporal, rejected, "approval_v1_rejected_to_sender.json")
	recordHistory(t, dev.info.Temporal, cancelled, "approval_v1_cancelled.json")
}

// TestPaperInvoiceApproval: a PDF invoice without XML is recognised by
// extraction, gets an invoice record from what was read, and goes through
// the approval with rechnerisch richtig by a person (there are no
// calculation rules to rely on) to the booking.
func TestPaperInvoiceApproval(t *testing.T) {
	dir := t.TempDir()
	dev := startDev(t, dir, RunOptions{})
	st := openStore(t, dir)
	ctx := context.Background()
	seedDemo(t, st)
	pub, _ := dev.publisher(t)
	env := publish(t, pub, "rechnung-papier.pdf", TextPDF(
		"Elektro Koehler e.K.",
		"Hauptstrasse 12, 39104 Magdeburg, Telefon 0391 123 4567",
		"Elektro Koehler e.K. - Hauptstrasse 12 - 39104 Magdeburg",
		"Gemeinde Barleben",
		"Kaemmerei",
		"Breiteweg 147",
		"39179 Barleben",
		"Rechnungsnr.: RE-2026-00815",
		"Datum: 12.11.2026",
		"Rechnung Wartung der Strassenbeleuchtung",
		"Sehr geehrte Damen und Herren,",
		"fuer die ausgefuehrten Arbeiten stellen wir Ihnen in Rechnung:",
		"Pos. Beschreibung Menge Einzelpreis Gesamt",
		"1 Wartung Leuchten 10 Stk. 100,00 1.000,00",
		"Nettobetrag 1.000,00 EUR",
		"zzgl. USt 19 % 190,00 EUR",
		"Gesamtbetrag 1.190,00 EUR",
		"Bitte ueberweisen Sie den Gesamtbetrag bis zum 12.12.2026 auf das Konto IBAN DE89 3704 0044 0532 0130 00.",
		"Mit freundlichen Gruessen",
		"Elektro Koehler e.K. - Bankverbindung: Commerzbank - IBAN DE89 3704 0044 0532 0130 00"))
	inv := waitInvoiceRecord(t, st, env.SHA256, 90*time.Second)
	if inv.Syntax != records.SyntaxPaper || inv.Payable != "1190.00" || inv.Number != "RE-2026-00815" || !inv.Accepted {
		t.Fatalf("paper invoice record %+v", inv)
	}
	c, err := client.Dial(client.Options{HostPort: dev.info.Temporal})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wf := workflows.InvoiceApprovalID(inv.ID)
	step := func(user string, stage approval.StageKind) {
		t.Helper()
		waitStage(t, st, inv.ID, stage)
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wf, UpdateName: workflows.UpdateApprove,
			Args: []any{workflows.ApproveRequest{User: user, Stage: stage}}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			t.Fatalf("%s by %s: %v", stage, user, err)
		}
	}
	step("a.schneider", approval.StageFactual)
	step("b.krause", approval.StageArithmetic)
	step("m.wolf", approval.StagePaymentOrder)
	var res workflows.InvoiceApprovalResult
	if err := c.GetWorkflow(ctx, wf, "").Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if res.Status != records.InvoiceBooked || len(res.Decisions) != 4 || res.Decisions[2].User != "b.krause" {
		t.Fatalf("result %+v", res)
	}
}

// waitInvoiceRecord waits for the invoice record of a delivered document.
func waitInvoiceRecord(t *testing.T, st store.Store, sha string, within time.Duration) records.Invoice {
	t.Helper()
	var inv records.Invoice
	waitFor(t, "the invoice record of "+sha, within, func() (bool, error) {
		var err error
		inv, err = st.InvoiceByDocument(context.Background(), sha)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	})
	return inv
}

// waitStage waits until the invoice's approval waits for stage.
func waitStage(t *testing.T, st store.Store, invoiceID int64, stage approval.StageKind) records.InvoiceStage {
	t.Helper()
	var s records.InvoiceStage
	waitFor(t, "the invoice waiting for "+string(stage), 60*time.Second, func() (bool, error) {
		var err error
		s, err = st.InvoiceStage(context.Background(), invoiceID)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil && s.Stage == string(stage), err
	})
	return s
}
