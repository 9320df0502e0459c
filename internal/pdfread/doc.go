// Package pdfread is for reading PDFs with pdfcpu without its side
// effects: a configuration built by hand (pdfcpu's default one writes a
// config directory under $HOME), and a content-stream lexer.
package pdfread
