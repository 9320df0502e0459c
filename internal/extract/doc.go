// Package extract reads what the inbound mail room needs from a document's
// text: what kind of document it is (invoice, letter, reminder, official
// notice), who sent it, when it is dated, which of our file numbers it
// quotes, and for payments the IBAN, the total and the invoice number.
//
// It works on OCR output with word boxes (ocr.Page), on plain text from
// born-digital PDFs, and on a parsed e-invoice, whose structured data wins
// over anything read from text. On scans it rebuilds visual lines from the
// word positions: Tesseract's plain text often separates the label of an
// information block ("Ihr Zeichen:") from its value, which stands on the
// same baseline 3 cm further right, and interleaves it with the address
// field beside it.
//
// The rules are those of German business letters (DIN 5008): letterhead
// and return line, address field, information block or reference line,
// "Ort, Datum", Betreff, salutation, the total line of an invoice, the bank
// details in the footer. Everything found is checked where a check exists
// (IBAN and Leitweg-ID checksums, calendar dates); a value that fails is
// dropped, or kept with a warning where the caller must decide.
//
// MatchFile ties the quoted references to existing files. It never
// guesses: it returns only a number the caller's lookup confirms.
//
// The package is pure computation: no I/O, no logging, safe for
// concurrent use.
package extract
