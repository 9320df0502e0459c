package pdfread

import (
	"bytes"
	"strconv"
)

// Lexer reads PDF content streams (ISO 32000-1, 7.2 and 7.8.2) without
// building objects: numbers, names and operators are what a scan of
// painting operators needs, plus whether a string operand is empty.
// Strings, arrays and dictionaries are not assembled; their delimiters
// come as TokenDelim. Malformed input never fails: an unterminated string
// runs to the end, and the end of the input is TokenEOF, again and again.
type Lexer struct {
	b []byte
	i int
}

// TokenKind says what a Token is.
type TokenKind int

// The kinds of Token.
const (
	TokenEOF      TokenKind = iota // end of the input
	TokenOperator                  // any other run of regular characters, e.g. "Tj", "true", "null"
	TokenNumber                    // an integer or real
	TokenName                      // "/Name"
	TokenString                    // a literal (...) or hex <...> string
	TokenDelim                     // [ ] << >> { } and stray delimiters such as ")" or ">"
)

// Token is one lexical element of a content stream.
type Token struct {
	Kind TokenKind
	// Text is the operator, or the name without "/" and with its #xx
	// escapes decoded.
	Text   string
	Number float64
	// NonEmpty reports, for strings, at least one byte between the
	// parentheses or at least one hex digit between the angle brackets.
	NonEmpty bool
}

// NewLexer returns a lexer reading b from its start. b is not copied and
// must not change while the lexer is in use.
func NewLexer(b []byte) *Lexer { return &Lexer{b: b} }

func isSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isRegular(c byte) bool { return !isSpace(c) && !isDelim(c) }

// Next returns the next token, skipping white space and comments.
func (lx *Lexer) Next() Token {
	for lx.i < len(lx.b) {
		c := lx.b[lx.i]
		switch {
		case isSpace(c):
			lx.i++
		case c == '%':
			for lx.i < len(lx.b) && lx.b[lx.i] != '\n' && lx.b[lx.i] != '\r' {
				lx.i++
			}
		case c == '(':
			return lx.literalString()
		case c == '<':
			if lx.i+1 < len(lx.b) && lx.b[lx.i+1] == '<' {
				lx.i += 2
				return Token{Kind: TokenDelim}
			}
			return lx.hexString()
		case c == '/':
			lx.i++
			start := lx.i
			for lx.i < len(lx.b) && isRegular(lx.b[lx.i]) {
				lx.i++
			}
			return Token{Kind: TokenName, Text: decodeName(lx.b[start:lx.i])}
		case isDelim(c):
			lx.i++
			if c == '>' && lx.i < len(lx.b) && lx.b[lx.i] == '>' {
				lx.i++
			}
			return Token{Kind: TokenDelim}
		default:
			start := lx.i
			for lx.i < len(lx.b) && isRegular(lx.b[lx.i]) {
				lx.i++
			}
			word := lx.b[start:lx.i]
			if c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') {
				if f, err := strconv.ParseFloat(string(word), 64); err == nil {
					return Token{Kind: TokenNumber, Number: f}
				}
			}
			return Token{Kind: TokenOperator, Text: string(word)}
		}
	}
	return Token{Kind: TokenEOF}
}

// literalString skips a (...) string with balanced parentheses and
// backslash escapes.
func (lx *Lexer) literalString() Token {
	lx.i++ // (
	start, depth := lx.i, 1
	for lx.i < len(lx.b) {
		switch lx.b[lx.i] {
		case '\\':
			lx.i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				n := lx.i - start
				lx.i++
				return Token{Kind: TokenString, NonEmpty: n > 0}
			}
		}
		lx.i++
	}
	lx.i = len(lx.b)
	return Token{Kind: TokenString, NonEmpty: len(lx.b) > start}
}

// hexString skips a <...> string.
func (lx *Lexer) hexString() Token {
	lx.i++ // <
	digits := false
	for lx.i < len(lx.b) && lx.b[lx.i] != '>' {
		c := lx.b[lx.i]
		if (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') {
			digits = true
		}
		lx.i++
	}
	if lx.i < len(lx.b) {
		lx.i++ // >
	}
	return Token{Kind: TokenString, NonEmpty: digits}
}

// decodeName resolves #xx escapes in a name; a "#" not followed by two
// hex digits stays as it is.
func decodeName(raw []byte) string {
	if bytes.IndexByte(raw, '#') < 0 {
		return string(raw)
	}
	out := make([]byte, 0, len(raw))
	for j := 0; j < len(raw); j++ {
		if raw[j] == '#' && j+2 < len(raw) {
			if v, err := strconv.ParseUint(string(raw[j+1:j+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				j += 2
				continue
			}
		}
		out = append(out, raw[j])
	}
	return string(out)
}

// SkipInlineImage skips "<dict> ID <data> EI"; call it after the BI
// operator. The data is binary and has no length, so its end is the first
// "EI" between white space (or at the end of the input), as in viewers.
// Without ID or such an EI the rest of the input is skipped.
func (lx *Lexer) SkipInlineImage() {
	for {
		t := lx.Next()
		if t.Kind == TokenEOF {
			return
		}
		if t.Kind == TokenOperator && t.Text == "ID" {
			break
		}
	}
	lx.i++ // the single white-space byte after ID
	for lx.i < len(lx.b) {
		j := bytes.Index(lx.b[lx.i:], []byte("EI"))
		if j < 0 {
			lx.i = len(lx.b)
			return
		}
		at := lx.i + j
		before := at > 0 && isSpace(lx.b[at-1])
		after := at+2 >= len(lx.b) || isSpace(lx.b[at+2])
		lx.i = at + 2
		if before && after {
			return
		}
	}
}
