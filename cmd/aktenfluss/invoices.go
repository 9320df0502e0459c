package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// cmdInvoices lists and shows invoice records: what the formal check of
// each e-invoice found, which were returned to their senders and which
// look like duplicates.
func cmdInvoices(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"invoices: list, show, approve, reject or cancel?"}
	}
	fs := flagSet("invoices "+args[0], stderr)
	cf := addClientFlags(fs)
	status := fs.String("status", "", "status: accepted, rejected, returned")
	dups := fs.Bool("duplicates", false, "only likely duplicates")
	leitweg := fs.String("leitweg-id", "", "only invoices for this Leitweg-ID (buyer reference)")
	limit := fs.Int("limit", 100, "number of invoices")
	waiting := fs.String("waiting-for", "", "list: invoices whose current approval stage waits for this user")
	overdue := fs.Bool("overdue", false, "list: invoices in approval past their due date")
	as := fs.String("as", "", "approve/reject/cancel: who decides; show: who reads (login name)")
	stage := fs.String("stage", "", "approve/reject: the stage (default: the one waiting): factual, arithmetic, payment_order")
	comment := fs.String("comment", "", "approve: a comment for the history")
	reason := fs.String("reason", "", "reject/cancel: the reason (required)")
	toSender := fs.Bool("to-sender", false, "reject: send the invoice back to its sender (else: to correction in the receiving unit)")
	asJSON := fs.Bool("json", false, "JSON output")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "approve", "reject", "cancel":
		return decideInvoice(ctx, cf, args[0], fs.Args(), *as, *stage, *comment, *reason, *toSender, stdout)
	}
	cfg, s, err := openStore(ctx, cf)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()

	switch args[0] {
	case "list":
		var list []records.Invoice
		var err error
		switch {
		case *waiting != "":
			list, err = s.InvoicesWaitingFor(ctx, *waiting, *limit)
		case *overdue:
			list, err = s.OverdueInvoices(ctx, time.Now().In(records.RegisterLocation).Format(time.DateOnly), *limit)
		default:
			list, err = s.Invoices(ctx, store.InvoiceFilter{Status: records.InvoiceStatus(*status), DuplicatesOnly: *dups, BuyerReference: *leitweg, Limit: *limit})
		}
		if err != nil {
			return err
		}
		if *asJSON {
			if list == nil {
				list = []records.Invoice{}
			}
			return writeJSON(stdout, list)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tRECHNUNGSNR\tDATUM\tVERKÄUFER\tZAHLBETRAG\tLEITWEG-ID\tSTATUS\tFEHLER\tHINWEIS")
		for _, inv := range list {
			note := ""
			if inv.DuplicateOf != nil {
				note = fmt.Sprintf("Dublette von %d?", *inv.DuplicateOf)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s %s\t%s\t%s\t%d\t%s\n", inv.ID, inv.Number, inv.IssueDate, inv.SellerName,
				inv.Payable, inv.Currency, orDash(inv.BuyerReference), inv.Status, inv.Errors, note)
		}
		return tw.Flush()
	case "show":
		if fs.NArg() != 1 {
			return usageError{"invoices show: give one invoice id"}
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return usageError{"invoices show: the id is a number"}
		}
		inv, err := s.Invoice(ctx, id)
		if err != nil {
			return err
		}
		rep, err := readReport(ctx, cfg.Blob.Dir, inv.ReportSHA256)
		if err != nil {
			return err
		}
		if err := recordEvent(ctx, s, cliActor(*as), audit.ActionInvoiceRead, "invoice", strconv.FormatInt(inv.ID, 10),
			map[string]any{"via": "cli", "document": inv.DocumentSHA256}, nil); err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(stdout, struct {
				records.Invoice
				Report einvoice.Report `json:"report"`
			}{inv, rep})
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		row := func(k, v string) {
			if v != "" {
				fmt.Fprintf(tw, "%s\t%s\n", k, v)
			}
		}
		row("Rechnungsnummer", inv.Number)
		row("Rechnungsdatum", inv.IssueDate)
		row("Rechnungsart", inv.TypeCode)
		row("Verkäufer", inv.SellerName)
		row("USt-IdNr. Verkäufer", inv.SellerVATID)
		row("Käufer", inv.BuyerName)
		row("Leitweg-ID", inv.BuyerReference)
		row("Bestellnummer", inv.OrderReference)
		row("Netto", inv.NetTotal+" "+inv.Currency)
		row("Umsatzsteuer", inv.TaxTotal)
		row("Brutto", inv.GrossTotal+" "+inv.Currency)
		row("Zahlbetrag", inv.Payable+" "+inv.Currency)
		row("Fällig am", inv.DueDate)
		row("Zahlungsbedingungen", inv.PaymentTerms)
		for _, iban := range inv.IBANs {
			row("IBAN", iban)
		}
		row("Syntax / Szenario", inv.Syntax+" / "+inv.Scenario)
		row("Status", string(inv.Status))
		if inv.DuplicateOf != nil {
			row("Hinweis", fmt.Sprintf("mögliche Dublette von Rechnung %d", *inv.DuplicateOf))
		}
		row("Dokument", inv.DocumentSHA256)
		row("XML (Original)", inv.XMLSHA256)
		row("Prüfbericht", inv.ReportSHA256)
		row("Sichtansicht (PDF/A-3)", inv.ViewSHA256)
		if err := tw.Flush(); err != nil {
			return err
		}
		if st, err := s.InvoiceStage(ctx, inv.ID); err == nil && st.Stage != "" {
			fmt.Fprintf(stdout, "\nFreigabe: wartet seit %s auf %s (%s)\n", st.Since.In(records.RegisterLocation).Format("02.01.2006 15:04"), st.Stage, strings.Join(st.Assignees, ", "))
			if st.Terms.DiscountDate != "" {
				fmt.Fprintf(stdout, "  Skonto bis %s: %s %s\n", st.Terms.DiscountDate, st.Terms.DiscountAmount, inv.Currency)
			}
		}
		if aps, err := s.Approvals(ctx, inv.ID); err == nil && len(aps) > 0 {
			fmt.Fprintln(stdout, "\nEntscheidungen:")
			for _, ap := range aps {
				verdict := "freigegeben"
				if !ap.Approve {
					verdict = "abgelehnt"
				}
				who := ap.User
				if ap.OnBehalfOf != "" {
					who += " i. V. " + ap.OnBehalfOf
				}
				fmt.Fprintf(stdout, "  %s  %-14s %-11s %s  %s\n", ap.At.In(records.RegisterLocation).Format("02.01.2006 15:04"), ap.Stage, verdict, who, ap.Comment)
			}
		}
		fmt.Fprintf(stdout, "\nPrüfung: %d Fehler, %d Warnungen\n", inv.Errors, inv.Warnings)
		for _, f := range rep.Findings {
			fmt.Fprintf(stdout, "  %-11s %-16s %-22s %s\n", f.Severity, f.Rule, f.Location, f.Message)
		}
		for _, a := range rep.Attachments {
			state := "gespeichert " + a.SHA256
			if a.Problem != "" {
				state = "nicht gespeichert: " + a.ProblemGerman
			}
			fmt.Fprintf(stdout, "  Anhang %s %s (%d Bytes): %s\n", a.ID, a.Filename, a.Size, state)
		}
		return nil
	}
	return usageError{fmt.Sprintf("invoices: unknown subcommand %q", args[0])}
}

// decideInvoice sends an approver's decision to the invoice's approval
// workflow; a refusal comes back in the workflow's words.
func decideInvoice(ctx context.Context, cf clientFlags, verb string, args []string, as, stage, comment, reason string, toSender bool, stdout io.Writer) error {
	if len(args) != 1 || as == "" {
		return usageError{fmt.Sprintf("invoices %s ID --as USER", verb)}
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return usageError{"invoices: the id is a number (invoices list)"}
	}
	if stage == "" && verb != "cancel" {
		_, s, err := openStore(ctx, cf)
		if err != nil {
			return err
		}
		st, err := s.InvoiceStage(ctx, id)
		_ = s.Close()
		if err != nil || st.Stage == "" {
			return fmt.Errorf("Rechnung %d wartet auf keine Entscheidung", id)
		}
		stage = st.Stage
	}
	var state workflows.ApprovalState
	wf := workflows.InvoiceApprovalID(id)
	switch verb {
	case "approve":
		err = update(ctx, cf, wf, workflows.UpdateApprove, workflows.ApproveRequest{User: as, Stage: approval.StageKind(stage), Comment: comment}, &state)
	case "reject":
		err = update(ctx, cf, wf, workflows.UpdateReject, workflows.RejectRequest{User: as, Stage: approval.StageKind(stage), Reason: reason, ToSender: toSender}, &state)
	case "cancel":
		err = update(ctx, cf, wf, workflows.UpdateCancel, workflows.CancelRequest{User: as, Reason: reason}, &state)
	}
	if err != nil {
		return fmt.Errorf("abgelehnt: %w", err)
	}
	fmt.Fprintf(stdout, "Rechnung %d: %s", id, state.Status)
	if state.Stage != "" {
		fmt.Fprintf(stdout, ", wartet auf %s (%s)", state.StageName, strings.Join(state.Assignees, ", "))
	}
	fmt.Fprintln(stdout)
	return nil
}

func readReport(ctx context.Context, blobDir, sha string) (einvoice.Report, error) {
	var rep einvoice.Report
	blobs, err := blob.NewFS(blobDir)
	if err != nil {
		return rep, err
	}
	rc, err := blobs.Open(ctx, sha)
	if err != nil {
		return rep, fmt.Errorf("validation report %s: %w", sha, err)
	}
	defer func() { _ = rc.Close() }()
	if err := json.NewDecoder(rc).Decode(&rep); err != nil {
		return rep, fmt.Errorf("validation report %s: %w", sha, err)
	}
	return rep, nil
}
