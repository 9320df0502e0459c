package sniff

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// contentStats counts what the scanned content streams paint.
type contentStats struct {
	visibleText   int // text-show operators with a font, render mode other than 3/7
	invisibleText int // the same in render mode 3 (invisible) or 7 (clip only): OCR layers
	images        int // image XObjects and inline images painted
}

// textState is the part of the graphics state that decides whether shown
// text exists: a font has been selected (Tf) and the render mode (Tr).
// Both survive ET and are saved and restored by q/Q.
type textState struct {
	font   bool
	render int
}

// textScan searches page content streams, following form XObjects, for
// text-show operators.
type textScan struct {
	xt         *model.XRefTable
	maxDecode  int64
	formBudget int
	stats      contentStats
}

func (s *textScan) page(nr int) error {
	d, _, inherited, err := s.xt.PageDict(nr, false)
	if err != nil {
		return fmt.Errorf("page %d: %w", nr, err)
	}
	res := s.dict(d, "Resources")
	if res == nil && inherited != nil {
		res = inherited.Resources
	}
	content, err := s.pageContent(d)
	if err != nil {
		return fmt.Errorf("page %d: %w", nr, err)
	}
	return s.scan(content, res, textState{}, 0)
}

// pageContent concatenates the decoded content streams of a page. A page
// without /Contents is blank, not broken.
func (s *textScan) pageContent(d types.Dict) ([]byte, error) {
	o, ok := d.Find("Contents")
	if !ok || o == nil {
		return nil, nil
	}
	o, err := s.xt.Dereference(o)
	if err != nil || o == nil {
		return nil, err
	}
	var streams []types.Object
	switch v := o.(type) {
	case types.StreamDict:
		streams = []types.Object{v}
	case types.Array:
		streams = v
	default:
		return nil, fmt.Errorf("contents is a %T", o)
	}
	var buf bytes.Buffer
	for i, so := range streams {
		if so == nil {
			continue
		}
		sd, _, err := s.xt.DereferenceStreamDict(so)
		if err != nil {
			return nil, fmt.Errorf("content stream %d: %w", i, err)
		}
		if sd == nil {
			continue
		}
		b, err := s.decode(sd)
		if err != nil {
			return nil, fmt.Errorf("content stream %d: %w", i, err)
		}
		if int64(buf.Len()+len(b)) > s.maxDecode {
			return nil, fmt.Errorf("page content exceeds %d bytes", s.maxDecode)
		}
		buf.Write(b)
		buf.WriteByte('\n') // streams of an array split only between tokens
	}
	return buf.Bytes(), nil
}

func (s *textScan) decode(sd *types.StreamDict) ([]byte, error) {
	if err := sd.DecodeWithLimit(s.maxDecode); err != nil {
		return nil, err
	}
	return sd.Content, nil
}

// dict returns d[key] dereferenced as a dictionary, or nil.
func (s *textScan) dict(d types.Dict, key string) types.Dict {
	if d == nil {
		return nil
	}
	o, ok := d.Find(key)
	if !ok {
		return nil
	}
	v, err := s.xt.DereferenceDict(o)
	if err != nil {
		return nil
	}
	return v
}

// scan runs one content stream and descends into form XObjects it paints.
func (s *textScan) scan(content []byte, res types.Dict, ts textState, depth int) error {
	return scanContent(content, ts, &s.stats, func(name string, ts textState) error {
		return s.xobject(name, res, ts, depth)
	})
}

// xobject handles "/name Do": images are counted, forms are scanned with
// the text state in effect at the Do (a form inherits the graphics state).
func (s *textScan) xobject(name string, res types.Dict, ts textState, depth int) error {
	xobjs := s.dict(res, "XObject")
	if xobjs == nil {
		return nil
	}
	o, ok := xobjs.Find(name)
	if !ok || o == nil {
		return nil
	}
	sd, _, err := s.xt.DereferenceStreamDict(o)
	if err != nil || sd == nil {
		// A dangling or mistyped XObject paints nothing; viewers skip it.
		return nil
	}
	switch sub := sd.Subtype(); {
	case sub == nil:
		return nil
	case *sub == "Image":
		s.stats.images++
		return nil
	case *sub != "Form":
		return nil
	}
	if depth >= maxFormDepth || s.formBudget <= 0 {
		return nil
	}
	s.formBudget--
	b, err := s.decode(sd)
	if err != nil {
		return fmt.Errorf("form xobject %s: %w", name, err)
	}
	formRes := s.dict(sd.Dict, "Resources")
	if formRes == nil {
		formRes = res // a form without resources uses its parent's (ISO 32000-1, 7.8.3)
	}
	return s.scan(b, formRes, ts, depth+1)
}

// scanContent is a small lexer for PDF content streams (ISO 32000-1, 7.8.2
// and 9.4). It does not build operand objects; it only tracks what decides
// whether text is shown: BT/ET, Tf, Tr, q/Q, the text-show operators Tj,
// TJ, ' and " with a non-empty string operand, Do and inline images.
func scanContent(b []byte, ts textState, stats *contentStats, onDo func(name string, ts textState) error) error {
	lx := lexer{b: b}
	var (
		stack      []textState
		overflow   int // q beyond the stack cap, so Q stays balanced
		inText     bool
		nonEmpty   bool // a non-empty string among the current operands
		lastName   string
		lastNumber float64
	)
	const maxStack = 64
	for {
		t := lx.next()
		switch t.kind {
		case tokEOF:
			return nil
		case tokString:
			nonEmpty = nonEmpty || t.nonEmpty
			continue
		case tokName:
			lastName = t.text
			continue
		case tokNumber:
			lastNumber = t.number
			continue
		case tokOperator:
		default:
			continue
		}
		switch t.text {
		case "BT":
			inText = true
		case "ET":
			inText = false
		case "Tf":
			ts.font = true
		case "Tr":
			ts.render = int(lastNumber)
		case "q":
			if len(stack) < maxStack {
				stack = append(stack, ts)
			} else {
				overflow++
			}
		case "Q":
			switch {
			case overflow > 0:
				overflow--
			case len(stack) > 0:
				ts = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
		case "Tj", "TJ", "'", `"`:
			if inText && ts.font && nonEmpty {
				if ts.render == 3 || ts.render == 7 {
					stats.invisibleText++
				} else {
					stats.visibleText++
				}
			}
		case "Do":
			if lastName != "" {
				if err := onDo(lastName, ts); err != nil {
					return err
				}
			}
		case "BI":
			lx.skipInlineImage()
			stats.images++
		}
		nonEmpty, lastName, lastNumber = false, "", 0
	}
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokOperator
	tokNumber
	tokName
	tokString
	tokDelim // [ ] << >> and stray delimiters
)

type token struct {
	kind     tokKind
	text     string // operator or name (without "/")
	number   float64
	nonEmpty bool // strings: at least one byte / hex digit
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
		case c == '>':
			lx.i++
			if lx.i < len(lx.b) && lx.b[lx.i] == '>' {
				lx.i++
			}
			return token{kind: tokDelim}
		case c == '/':
			lx.i++
			return token{kind: tokName, text: lx.name()}
		case isDelim(c):
			lx.i++
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
				return token{kind: tokString, nonEmpty: n > 0}
			}
		}
		lx.i++
	}
	lx.i = len(lx.b)
	return token{kind: tokString, nonEmpty: len(lx.b) > start}
}

func (lx *lexer) hexString() token {
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
	return token{kind: tokString, nonEmpty: digits}
}

// name reads a name after "/", decoding #xx escapes.
func (lx *lexer) name() string {
	start := lx.i
	for lx.i < len(lx.b) && isRegular(lx.b[lx.i]) {
		lx.i++
	}
	raw := lx.b[start:lx.i]
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

// skipInlineImage skips "<dict> ID <data> EI" after BI. The data is
// binary and has no length, so the end is the first "EI" surrounded by
// white space (what viewers do, too).
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
