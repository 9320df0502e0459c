package intake

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// Media types intake accepts. They cover scans (TIFF, PNG, JPEG, PDF),
// born-digital PDFs and e-invoice XML (XRechnung UBL/CII); hybrid
// ZUGFeRD/Factur-X invoices are PDFs.
const (
	MediaTypePDF  = "application/pdf"
	MediaTypeTIFF = "image/tiff"
	MediaTypePNG  = "image/png"
	MediaTypeJPEG = "image/jpeg"
	MediaTypeXML  = "application/xml"
)

// HeadSize is how many leading bytes DetectMediaType needs at most.
const HeadSize = 512

// DetectMediaType tells the media type from the first bytes of a document
// (up to HeadSize). The content decides, never the name: names are typed by
// people and lie. name is used only to make the error message helpful (its
// extension, never the name itself, because names can carry personal data).
func DetectMediaType(head []byte, name string) (string, error) {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return MediaTypePDF, nil
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return MediaTypeTIFF, nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return MediaTypePNG, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return MediaTypeJPEG, nil
	case looksLikeXML(head):
		return MediaTypeXML, nil
	}
	ext := strings.ToLower(filepath.Ext(name))
	if ext == "" {
		ext = "none"
	}
	if len(head) == 0 {
		return "", fmt.Errorf("%w: no content to inspect (extension %s)", ErrUnknownMediaType, ext)
	}
	return "", fmt.Errorf("%w: content is none of PDF, TIFF, PNG, JPEG or XML (extension %s)", ErrUnknownMediaType, ext)
}

// looksLikeXML accepts a '<' after an optional byte-order mark and
// whitespace. UTF-16 XML is accepted too: the e-invoice parser decides later
// whether the encoding is acceptable. HTML is refused although it starts with
// '<': it is a common wrong upload and no step downstream can use it.
func looksLikeXML(head []byte) bool {
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		head = head[3:]
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}): // UTF-16 LE
		return utf16Starts(head[2:], false)
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}): // UTF-16 BE
		return utf16Starts(head[2:], true)
	}
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) < 2 || head[0] != '<' {
		return false
	}
	if bytes.HasPrefix(head, []byte("<?xml")) {
		return true
	}
	lower := bytes.ToLower(head[:min(len(head), 14)])
	if bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")) {
		return false
	}
	// An element, a comment or a processing instruction: '<' followed by a
	// name start character, '!' or '?'.
	c := head[1]
	return c == '!' || c == '?' || c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

// utf16Starts reports whether UTF-16 text starts with optional whitespace and
// then '<'.
func utf16Starts(b []byte, bigEndian bool) bool {
	for len(b) >= 2 {
		hi, lo := b[1], b[0]
		if bigEndian {
			hi, lo = b[0], b[1]
		}
		if hi != 0 {
			return false
		}
		switch lo {
		case ' ', '\t', '\r', '\n':
			b = b[2:]
			continue
		case '<':
			return true
		}
		return false
	}
	return false
}

// Allowed reports whether the consumer accepts documents of mediaType.
func Allowed(mediaType string) bool {
	switch mediaType {
	case MediaTypePDF, MediaTypeTIFF, MediaTypePNG, MediaTypeJPEG, MediaTypeXML:
		return true
	}
	return false
}
