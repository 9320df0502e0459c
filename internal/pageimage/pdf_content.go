package pageimage

import (
	"fmt"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/aktenfluss/aktenfluss/internal/pdfread"
)

// Walk limits for page content, independent of Limits because they guard
// against malicious structure only: a scanner page is "q cm /Im0 Do Q".
const (
	maxFormDepth   = 8
	maxFormsPerDoc = 256
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
	lx := pdfread.NewLexer(content)
	var (
		stack    pdfread.GStateStack[gstate]
		nums     [6]float64
		nnums    int
		inText   bool
		nonEmpty bool
		lastName string
	)
	for !s.decided() {
		t := lx.Next()
		switch t.Kind {
		case pdfread.TokenEOF:
			return nil
		case pdfread.TokenNumber:
			copy(nums[:], nums[1:])
			nums[5] = t.Number
			nnums++
			continue
		case pdfread.TokenString:
			nonEmpty = nonEmpty || t.NonEmpty
			continue
		case pdfread.TokenName:
			lastName = t.Text
			continue
		case pdfread.TokenDelim:
			continue
		}
		switch t.Text {
		case "q":
			stack.Save(gs)
		case "Q":
			gs = stack.Restore(gs)
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
			lx.SkipInlineImage()
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
