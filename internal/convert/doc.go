// Package convert turns a scanned original into what the archive keeps: an
// archival PDF/A-2b whose page images are the scan as delivered, with an
// invisible text layer on the recognised words and the scan protocol
// (Transfervermerk) in its metadata, plus the plain text of every page.
//
// The steps are separate functions — split the original into pages,
// recognise one page, assemble the document — because the InboundDocument
// workflow runs them as activities (page OCR on its own task queue, resumable
// page by page), while `aktenfluss convert` runs them in one process. Both
// paths call the same functions.
package convert
