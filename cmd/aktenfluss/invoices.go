package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// cmdInvoices lists and shows invoice records: what the formal check of
// each e-invoice found, which were returned to their senders and which
// look like duplicates.
func cmdInvoices(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"invoices: list or show?"}
	}
	fs := flagSet("invoices "+args[0], stderr)
	cf := addClientFlags(fs)
	status := fs.String("status", "", "status: accepted, rejected, returned")
	dups := fs.Bool("duplicates", false, "only likely duplicates")
	leitweg := fs.String("leitweg-id", "", "only invoices for this Leitweg-ID (buyer reference)")
	limit := fs.Int("limit", 100, "number of invoices")
	asJSON := fs.Bool("json", false, "JSON output")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := cf.load(false)
	if err != nil {
		return err
	}
	s, err := store.Open(ctx, cfg.Database.URL)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()

	switch args[0] {
	case "list":
		list, err := s.Invoices(ctx, store.InvoiceFilter{Status: records.InvoiceStatus(*status), DuplicatesOnly: *dups, BuyerReference: *leitweg, Limit: *limit})
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
