// Package invoicepdf renders an e-invoice (EN 16931 model from
// internal/einvoice) as a readable PDF/A-3b, the way the KoSIT
// visualisation shows an XRechnung: header data, parties, references,
// lines, allowances and charges, VAT breakdown, totals, payment details,
// notes and the list of attachments, with German labels, German number
// and date formats, page numbers and a short header repeated on every
// page. The original XML is embedded as an associated file
// (AFRelationship Source): the XML is the legal original, the PDF only
// its rendering for clerks and for the archive.
//
// Amounts are formatted from the decimal literals as written (never via
// floats), so the rendition shows exactly what the seller sent. Text is set
// in the Go fonts compiled into the binary and embedded as subsets, so the
// output is the same on every host and needs no installed fonts.
//
// The package is pure domain code: no Temporal, NATS or HTTP, no logging.
package invoicepdf
