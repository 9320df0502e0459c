// Package pdfa writes scanned letters as archival PDF/A and checks PDF files
// against the PDF/A rules that matter in a scan → OCR → archive pipeline.
//
// Write produces PDF/A-2b, or PDF/A-3b when files are attached (an
// e-invoice's XML, a capture original). The page images go into the file
// exactly as delivered — CCITT G4, JPEG or Flate streams are copied, never
// re-encoded — because the archive copy must show what the scanner saw and
// because re-encoding costs both time and quality. JPEG and G4 data may get
// a lossless Flate layer on top (4–5 % smaller for typical scanner output);
// undoing it gives back the delivered bytes, so a capture hash still
// verifies. On top of each image lies
// an invisible text layer built from the OCR words, drawn with a tiny embedded
// "glyphless" font (the technique Tesseract's PDF renderer uses): it makes the
// text searchable and copyable while adding only a few hundred bytes per
// document. Everything PDF/A demands of the container is generated here as
// well: the XMP packet (with an extension schema for the scan protocol,
// BSI TR-RESISCAN's Transfervermerk), an sRGB ICC profile for the output
// intent, consistent document information, and a trailer ID derived from the
// content so the same input always yields the same bytes.
//
// Check is the self-check behind `aktenfluss pdfa check`: it reads any PDF
// with pdfcpu and reports named rules (ISO 19005-2/-3 clause numbers) as
// passed or failed. It is not a full validator like veraPDF; it catches the
// failures that happen in practice (missing identification, output intent,
// unembedded fonts, encryption, JavaScript, forbidden actions, LZW,
// inconsistent metadata, undeclared attachments).
//
// NewImageFromGray, NewImageFromBilevel (a CCITT G4 encoder) and
// NewImageFromJPEG build page images for callers that hold pixels or a
// JPEG file rather than a ready PDF stream.
//
// ConvertWithGhostscript turns born-digital PDFs that are not yet PDF/A into
// PDF/A-2b with Ghostscript and verifies the result with Check.
//
// The package is pure domain code: no Temporal, NATS or HTTP. It never logs
// document text.
package pdfa
