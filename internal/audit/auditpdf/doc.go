// Package auditpdf renders the readable history of one case
// (audit.Report) as the PDF/A-3b an auditor exports: the case, the result
// of the chain verification in a box that stands out, who made the export
// and when, the objects and workflow runs it covers, caveats, and then
// every entry of the history in a table whose header comes back on every
// page. Times are shown in German notation in Europe/Berlin. The
// machine-readable export (the report as JSON) is embedded as the
// associated file verlauf.json (AFRelationship Data), so the archive copy
// carries both the readable and the checkable form.
//
// Layout is internal/pdfa/flow, the engine of the e-invoice rendition.
// Equal reports render to equal bytes: the PDF's dates are the report's
// generation time, never the clock.
//
// The package is pure domain code: no database, Temporal, NATS or HTTP, no
// logging.
package auditpdf
