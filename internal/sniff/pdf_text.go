package sniff

import (
	"bytes"
	"fmt"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/aktenfluss/aktenfluss/internal/pdfread"
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

// scanContent runs a PDF content stream (ISO 32000-1, 7.8.2 and 9.4)
// through pdfread's lexer. It does not build operand objects; it only
// tracks what decides whether text is shown: BT/ET, Tf, Tr, q/Q, the
// text-show operators Tj, TJ, ' and " with a non-empty string operand, Do
// and inline images.
func scanContent(b []byte, ts textState, stats *contentStats, onDo func(name string, ts textState) error) error {
	lx := pdfread.NewLexer(b)
	var (
		stack      pdfread.GStateStack[textState]
		inText     bool
		nonEmpty   bool // a non-empty string among the current operands
		lastName   string
		lastNumber float64
	)
	for {
		t := lx.Next()
		switch t.Kind {
		case pdfread.TokenEOF:
			return nil
		case pdfread.TokenString:
			nonEmpty = nonEmpty || t.NonEmpty
			continue
		case pdfread.TokenName:
			lastName = t.Text
			continue
		case pdfread.TokenNumber:
			lastNumber = t.Number
			continue
		case pdfread.TokenOperator:
		default:
			continue
		}
		switch t.Text {
		case "BT":
			inText = true
		case "ET":
			inText = false
		case "Tf":
			ts.font = true
		case "Tr":
			ts.render = int(lastNumber)
		case "q":
			stack.Save(ts)
		case "Q":
			ts = stack.Restore(ts)
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
			lx.SkipInlineImage()
			stats.images++
		}
		nonEmpty, lastName, lastNumber = false, "", 0
	}
}
