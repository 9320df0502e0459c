package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/sniff"
)

// inspectResult is the JSON of `aktenfluss einvoice inspect --json`: the
// summary fields, whether the file is an e-invoice at all, the verdict and
// every finding.
type inspectResult struct {
	SHA256 string `json:"sha256"`
	einvoice.Summary
	IsEInvoice bool               `json:"is_einvoice"`
	Accepted   bool               `json:"accepted"`
	Findings   []einvoice.Finding `json:"findings"`
}

func cmdEInvoice(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "inspect" {
		return usageError{"einvoice: usage: aktenfluss einvoice inspect FILE [--json]"}
	}
	fs := flagSet("einvoice inspect", stderr)
	asJSON := fs.Bool("json", false, "JSON output")
	rest := args[1:]
	var path string
	if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		path, rest = rest[0], rest[1:]
	}
	if err := parse(fs, rest); err != nil {
		return err
	}
	if path == "" && fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	if path == "" {
		return usageError{"einvoice inspect: give one FILE (XML or PDF)"}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	res, err := inspectEInvoice(data, path)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return printInspect(stdout, res)
}

func inspectEInvoice(data []byte, name string) (inspectResult, error) {
	sum := sha256.Sum256(data)
	res := inspectResult{SHA256: hex.EncodeToString(sum[:]), Findings: []einvoice.Finding{}}
	mediaType, err := intake.DetectMediaType(data[:min(len(data), intake.HeadSize)], name)
	if err != nil {
		return res, err
	}
	xml := data
	if mediaType == intake.MediaTypePDF {
		_, embedded, err := sniff.EmbeddedInvoice(bytes.NewReader(data), int64(len(data)))
		if errors.Is(err, sniff.ErrNoEInvoice) {
			res.Summary = einvoice.Summary{IBANs: []string{}}
			return res, nil // a PDF without an invoice is not an error
		}
		if err != nil {
			return res, err
		}
		xml = embedded
	} else if mediaType != intake.MediaTypeXML {
		return res, fmt.Errorf("%s is neither XML nor PDF", mediaType)
	}
	inv, err := einvoice.Parse(bytes.NewReader(xml))
	if err != nil {
		return res, err
	}
	res.IsEInvoice = true
	res.Summary = einvoice.Inspect(inv)
	res.Findings = einvoice.Validate(inv)
	res.Accepted = einvoice.Accepted(res.Findings)
	return res, nil
}

func printInspect(w io.Writer, r inspectResult) error {
	if !r.IsEInvoice {
		_, err := fmt.Fprintln(w, "keine E-Rechnung / not an e-invoice")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	s := r.Summary
	row := func(k string, v *string) {
		if v != nil {
			fmt.Fprintf(tw, "%s\t%s\n", k, *v)
		}
	}
	row("Rechnungsnummer", s.InvoiceNumber)
	row("Rechnungsdatum", s.IssueDate)
	row("Fällig am", s.DueDate)
	row("Verkäufer", s.SellerName)
	row("Käufer", s.BuyerName)
	row("Leitweg-ID", s.BuyerReference)
	row("Zahlbetrag", s.PayableAmount)
	row("Währung", s.Currency)
	verdict := "angenommen / accepted"
	if !r.Accepted {
		verdict = "ABGELEHNT / rejected"
	}
	fmt.Fprintf(tw, "Ergebnis\t%s\n", verdict)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range r.Findings {
		fmt.Fprintf(w, "  %-11s %-14s %s (%s)\n", f.Severity, f.Rule, f.Message, f.Location)
	}
	return nil
}
