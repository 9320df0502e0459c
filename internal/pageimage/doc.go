// Package pageimage turns a scanned document (a scanner PDF, a multi-page
// TIFF, a PNG or a JPEG) into pages, each with two renditions of its image:
//
//   - Stream, the image data the archival PDF/A embeds. Wherever PDF can
//     carry the delivered compression, Stream is the delivered bytes,
//     unchanged: CCITT G4 stays G4, JPEG stays JPEG, a PNG's IDAT data
//     becomes a FlateDecode stream with the PNG predictor. Recompressing a
//     scan costs time, loses quality (JPEG) or grows the archive (G4 → Flate)
//     and makes the archived image differ from what the scanner produced.
//   - OCRImage, bytes Tesseract's image library (leptonica) reads quickly:
//     the JPEG as is, G4 in a minimal single-strip TIFF, Flate data with the
//     PNG predictor as a PNG (header, IDAT, trailer), Flate data without
//     predictor as a Deflate TIFF. None of these decodes or recompresses a
//     pixel here: leptonica inflates in C what it needs anyway. Only CCITT
//     G3 is decoded (into PBM). It is computed on demand from Stream, so a
//     page holds only the compressed image.
//
// Where the delivered compression cannot go into PDF/A unchanged (LZW or
// PackBits TIFF, multi-strip G4, G3, interlaced or 16-bit PNG, palettes,
// CMYK), the page is decoded and re-encoded losslessly: bilevel pages as G4
// (this package has its own T.6 encoder; G4 is several times smaller than
// Flate for text), grey and colour pages as Flate in PNG layout.
//
// Inputs are hostile. Every page's pixel count and decoded size are checked
// against Limits from the headers before anything is decoded, every
// decompressor is bounded by the expected output size, and a panic in a
// parser (pdfcpu, x/image or this package's own) is recovered into
// ErrBroken. All errors wrap one of the sentinel errors and are permanent:
// the same bytes fail the same way again.
//
// Orientation: pixels are never rotated. Page.Rotate says how far the
// stored image must be turned (clockwise) to stand upright, from the PDF
// page /Rotate and the image's placement, the TIFF Orientation tag or the
// EXIF orientation of a JPEG.
package pageimage
