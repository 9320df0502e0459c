package auditpdf

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/aktenfluss/aktenfluss/internal/audit"
)

// Formats are the export formats of a report, with file extension and
// media type.
var Formats = map[string]struct{ Ext, MediaType string }{
	"json": {"json", "application/json"},
	"csv":  {"csv", "text/csv; charset=utf-8"},
	"pdf":  {"pdf", "application/pdf"},
}

// Export is the report in one of Formats: the report itself as indented
// JSON, its entries as CSV (audit.WriteCSV), or the PDF/A-3b with that JSON
// embedded. The command line and the web pages export through it alike.
func Export(r audit.Report, format string) ([]byte, error) {
	if _, ok := Formats[format]; !ok {
		return nil, fmt.Errorf("export format %q: %w (json, csv or pdf)", format, ErrInvalidInput)
	}
	if format == "csv" {
		var b bytes.Buffer
		err := audit.WriteCSV(&b, r)
		return b.Bytes(), err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	if format == "pdf" {
		return Render(r, Options{JSON: js, Creator: "aktenfluss"})
	}
	return append(js, '\n'), nil
}
