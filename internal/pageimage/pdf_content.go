package pageimage

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Walk limits for page content, independent of Limits because they guard
// against malicious structure only: a scanner page is "q cm /Im0 Do Q".
const (
	maxFormDepth   = 8
	maxFormsPerDoc = 256
	maxGStateDepth = 64
)

// matrix is a PDF transformation matrix [a b c d e f].
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n: m applied first, then n (PDF's "cm" sets CTM to
// M × CTM).
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

func (m matrix) apply(x, y float64) (float64, float64) {
	return m[0]*x + m[2]*y + m[4], m[1]*x + m[3]*y + m[5]
}

// paint is one image painted on a page, with the CTM that maps the unit
// square onto the page.
type paint struct {
	ctm    matrix
	img    *types.StreamDict // nil for an inline image
	inline bool
}

// contentScan runs page content streams far enough to find what a page
// paints: images (with their CTM, following form XObjects) and shown text.
// It stops as soon as the page is known not to be a plain scan.
type contentScan struct {
	xt        *model.XRefTable
	maxDecode int64
	forms     int // form XObjects left to follow in the whole document
	paints    []paint
	text      bool
}

// decided: text, or more than one image, makes the page not a scan.
func (s *contentScan) decided() bool { return s.text || len(s.paints) > 1 }

// gstate is the part of the graphics state the scan needs. A font must
// be selected (Tf) for shown text to exist; the render mode does not
// matter: invisible text (mode 3) is an OCR layer, and a PDF with one is
// not this package's business either.
type gstate struct {
	ctm  matrix
	font bool
}

func (s *contentScan) run(content []byte, res types.Dict, gs gstate, depth int) error {
	lx := lexer{b: content}
	var (
		stack    []gstate
		overflow int // q beyond maxGStateDepth, so Q stays balanced
		nums     [6]float64
		nnums    int
		inText   bool
		nonEmpty bool
		lastName string
	)
	for !s.decided() {
		t := lx.next()
		switch t.kind {
		case tokEOF:
			return nil
		case tokNumber:
			copy(nums[:], nums[1:])
			nums[5] = t.number
			nnums++
			continue
		case tokString:
			nonEmpty = nonEmpty || t.nonEmpty
			continue
		case tokName:
			lastName = t.text
			continue
		case tokDelim:
			continue
		}
		switch t.text {
		case "q":
			if len(stack) < maxGStateDepth {
				stack = append(stack, gs)
			} else {
				overflow++
			}
		case "Q":
			switch {
			case overflow > 0:
				overflow--
			case len(stack) > 0:
				gs = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case "cm":
			if nnums >= 6 {
				gs.ctm = matrix(nums).mul(gs.ctm)
			}
		case "BT":
			inText = true
		case "ET":
			inText = false
		case "Tf":
			gs.font = true
		case "Tj", "TJ", "'", `"`:
			if inText && gs.font && nonEmpty {
				s.text = true
			}
		case "Do":
			if lastName != "" {
				if err := s.xobject(lastName, res, gs, depth); err != nil {
					return err
				}
			}
		case "BI":
			lx.skipInlineImage()
			s.paints = append(s.paints, paint{ctm: gs.ctm, inline: true})
		}
		nnums, nonEmpty, lastName = 0, false, ""
	}
	return nil
}

// xobject handles "/name Do": images are recorded, forms are run with
// their matrix and resources.
func (s *contentScan) xobject(name string, res types.Dict, gs gstate, depth int) error {
	o, ok := dictEntry(s.xt, res, "XObject").Find(name)
	if !ok || o == nil {
		return nil // a missing XObject paints nothing; viewers skip it
	}
	sd, _, err := s.xt.DereferenceStreamDict(o)
	if err != nil || sd == nil {
		return nil
	}
	sub := sd.Subtype()
	switch {
	case sub == nil:
		return nil
	case *sub == "Image":
		s.paints = append(s.paints, paint{ctm: gs.ctm, img: sd})
		return nil
	case *sub != "Form":
		return nil
	}
	if depth >= maxFormDepth || s.forms <= 0 {
		return fmt.Errorf("form xobjects nested too deep or too many: %w", ErrBroken)
	}
	s.forms--
	if err := sd.DecodeWithLimit(s.maxDecode); err != nil {
		return fmt.Errorf("form xobject %s: %w: %w", truncate(name, 40), ErrBroken, short(err))
	}
	fm := identity
	if a, err := s.xt.DereferenceArray(sd.Dict["Matrix"]); err == nil && len(a) == 6 {
		for i, v := range a {
			if f, err := s.xt.DereferenceNumber(v); err == nil {
				fm[i] = f
			}
		}
	}
	formRes := dictEntry(s.xt, sd.Dict, "Resources")
	if formRes == nil {
		formRes = res // a form without resources uses its parent's (ISO 32000-1, 7.8.3)
	}
	return s.run(sd.Content, formRes, gstate{ctm: fm.mul(gs.ctm), font: gs.font}, depth+1)
}

// dictEntry returns d[key] dereferenced as a dictionary, or nil.
func dictEntry(xt *model.XRefTable, d types.Dict, key string) types.Dict {
	if d == nil {
		return nil
	}
	o, ok := d.Find(key)
	if !ok || o == nil {
		return nil
	}
	v, err := xt.DereferenceDict(o)
	if err != nil {
		return nil
	}
	return v
}

// The lexer below reads PDF content streams (ISO 32000-1, 7.2 and 7.8.2)
// without building objects: numbers, names and operators are all the scan
// needs, plus whether a string operand is empty.

type tokKind int

const (
	tokEOF tokKind = iota
	tokOperator
	tokNumber
	tokName
	tokString
	tokDelim // [ ] << >> { } and stray delimiters
)

type token struct {
	kind     tokKind
	text     string // operator, or name without "/"
	number   float64
	nonEmpty bool // strings: at least one byte or hex digit
}

type lexer struct {
	b []byte
	i int
}

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

func (lx *lexer) next() token {
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
				return token{kind: tokDelim}
			}
			return lx.hexString()
		case c == '/':
			lx.i++
			start := lx.i
			for lx.i < len(lx.b) && isRegular(lx.b[lx.i]) {
				lx.i++
			}
			return token{kind: tokName, text: decodeName(lx.b[start:lx.i])}
		case isDelim(c):
			lx.i++
			if c == '>' && lx.i < len(lx.b) && lx.b[lx.i] == '>' {
				lx.i++
			}
			return token{kind: tokDelim}
		default:
			start := lx.i
			for lx.i < len(lx.b) && isRegular(lx.b[lx.i]) {
				lx.i++
			}
			word := lx.b[start:lx.i]
			if c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') {
				if f, err := strconv.ParseFloat(string(word), 64); err == nil {
					return token{kind: tokNumber, number: f}
				}
			}
			return token{kind: tokOperator, text: string(word)}
		}
	}
	return token{kind: tokEOF}
}

// literalString skips a (...) string with balanced parentheses and
// backslash escapes.
func (lx *lexer) literalString() token {
	lx.i++
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
				return token{kind: tokString, nonEmpty: n > 0}
			}
		}
		lx.i++
	}
	lx.i = len(lx.b)
	return token{kind: tokString, nonEmpty: len(lx.b) > start}
}

func (lx *lexer) hexString() token {
	lx.i++
	digits := false
	for lx.i < len(lx.b) && lx.b[lx.i] != '>' {
		c := lx.b[lx.i]
		if (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') {
			digits = true
		}
		lx.i++
	}
	if lx.i < len(lx.b) {
		lx.i++
	}
	return token{kind: tokString, nonEmpty: digits}
}

// decodeName resolves #xx escapes in a name.
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

// skipInlineImage skips "<dict> ID <data> EI" after BI. The data has no
// length; its end is the first "EI" between white space, as in viewers.
func (lx *lexer) skipInlineImage() {
	for {
		t := lx.next()
		if t.kind == tokEOF {
			return
		}
		if t.kind == tokOperator && t.text == "ID" {
			break
		}
	}
	lx.i++ // the white-space byte after ID
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
