// Package ocr recognises the text of scanned pages with Tesseract, through
// a small binding to Tesseract's C API and leptonica (tess.go). It is the
// only package of the project that uses cgo.
//
// An Engine is a pool of Tesseract instances, one per CPU by default, each
// created once with its language models loaded and reused for every page.
// A page goes to Tesseract as the encoded bytes the scanner produced (PNG,
// JPEG, TIFF including CCITT G4, PNM): leptonica decodes them itself, and
// one recognition pass per page yields words with boxes and confidences,
// line structure, the skew of the lines and the plain text, all from the
// same hOCR. Pages scanned sideways or upside down are recognised again
// with Tesseract's orientation detection when the first pass looks wrong.
//
// Throughput is the point of the design: Tesseract alone needs about 1.5 s
// per A4 page at 300 dpi on one core, and the wrapper adds next to nothing
// to that. OpenMP inside Tesseract is kept to one thread per engine (see
// openmp.go), which on a small machine is several times faster than
// letting every engine spread over all cores.
//
// Inputs are untrusted: formats are checked by their headers, sizes are
// bounded by MaxPixels, a page leptonica cannot decode is an
// ErrInvalidImage, and panics on the Go side are recovered. A crash inside
// the C libraries cannot be recovered in-process.
//
// The package is a domain package: no Temporal, NATS or HTTP.
package ocr
