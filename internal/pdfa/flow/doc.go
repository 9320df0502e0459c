// Package flow lays out born-digital documents on pdfa canvases: text
// flows down the page from a cursor, a new page opens when content does
// not fit, tables keep their rows whole (splitting only a row taller than
// a page) and repeat their header row on every page they continue on, and
// page furniture ("Seite n von m", a short header and footer) is added
// once the number of pages is known.
//
// It is the one layout engine behind the readable renditions aktenfluss
// archives: the e-invoice visualisation (internal/invoicepdf) and the
// auditor's history of a case (internal/audit/auditpdf). The house style
// lives here too — A4 portrait geometry, the Go fonts compiled into the
// binary, heading colour and table shading — so both look alike and render
// to the same bytes on every host.
//
// Coordinates are PDF points with the origin at the bottom left, as on
// pdfa.Canvas. Text is measured with pdfa.Font.Width; wrapping breaks at
// spaces and, inside a word longer than the line, between characters.
//
// The package is pure domain code: no Temporal, NATS or HTTP, no logging.
package flow
