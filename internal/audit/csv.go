package audit

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"
)

// CSVHeader names the columns of WriteCSV.
var CSVHeader = []string{"zeit", "quelle", "seq", "workflow", "workflow_event", "akteur", "aktion", "objekt", "beschreibung", "details", "personenbezogen", "geloescht", "hash"}

// WriteCSV writes the report's entries as CSV (RFC 4180, UTF-8, times in
// UTC RFC 3339), one line per entry under CSVHeader; spreadsheet tools
// and the auditor's own scripts read it as it is.
func WriteCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, e := range r.Entries {
		num := func(n int64) string {
			if n == 0 {
				return ""
			}
			return strconv.FormatInt(n, 10)
		}
		erased := ""
		if e.Erased {
			erased = "ja"
		}
		if err := cw.Write([]string{e.Time.UTC().Format(time.RFC3339Nano), e.Source, num(e.Seq), e.Workflow, num(e.EventID),
			e.Actor, e.Action, e.Object, e.Summary, string(e.Details), string(e.Personal), erased, e.Hash}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
