// Package sniff decides what kind of document a blob is before anything
// else touches it: a scanned image (TIFF, PNG, JPEG), a PDF with or without
// a text layer, a hybrid PDF carrying an e-invoice XML (ZUGFeRD/Factur-X),
// or an XML file that is a UBL or CII e-invoice or something else.
//
// The answer is a records.Kind; it decides the route a document takes
// (OCR, e-invoice validation, plain filing). Detect reads only as much as it
// needs: image headers and the TIFF directory chain, the XML prolog and
// element structure, the PDF object graph and the content streams of the
// first pages. It never renders, decodes pixel data or resolves external
// references.
//
// Inputs are hostile: every input is bounded by an explicit limit (Options),
// DTDs are refused, and a panic inside the third-party PDF parser is
// recovered and reported as ErrBroken. All errors returned by Detect wrap one
// of the sentinel errors below and are permanent: retrying the same bytes
// gives the same answer, so callers quarantine instead of retrying.
package sniff
