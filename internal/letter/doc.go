// Package letter renders German letters as page images the way a scanner
// would capture them: Go's own fonts (BSD-licensed, part of x/image), 300 dpi
// grey, with a slight skew and noise. The demo's sample documents, the
// intake benchmark and the OCR tests use it so that they run on any machine
// without a scan corpus, and so that OCR has real words to find.
package letter
