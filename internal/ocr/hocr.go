package ocr

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// hOCR is the one output we take from Tesseract per page, after a single
// recognition pass: it carries words, confidences, line and paragraph
// structure, baselines and the text angle of rotated blocks, so one result
// string (freed at once, see tess.go) gives everything a Page holds.

// hocrLine is one ocr_line (or ocr_header, ocr_caption, ocr_textfloat).
type hocrLine struct {
	bbox        [4]int
	slope       float64 // baseline slope dy/dx in image coordinates (y down)
	hasBaseline bool
	textAngle   int // 0, 90, 180, 270 from "textangle"; set when the block is rotated
	words       []hocrWord
}

type hocrWord struct {
	text string
	bbox [4]int
	conf float64
}

type hocrPar struct {
	lines []hocrLine
}

type hocrPage struct {
	width, height int
	pars          []hocrPar
}

// errEmptyHOCR means Tesseract produced no page at all. An image leptonica
// cannot read is refused before recognition, so this is not expected.
var errEmptyHOCR = errors.New("no ocr_page in hocr")

// parseHOCR reads the hOCR of one page as produced by TessBaseAPI::GetHOCRText.
// It is tolerant of attribute order and quoting, HTML entities and inline
// markup inside words (<strong>, <em> when font info is on).
func parseHOCR(doc string) (hocrPage, error) {
	var page hocrPage
	dec := xml.NewDecoder(strings.NewReader(doc))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity

	// Element stack: for each open element, what kind of hOCR node it is, so
	// that end tags close the right thing even with nested inline markup.
	type kind int
	const (
		kOther kind = iota
		kPage
		kPar
		kLine
		kWord
	)
	var stack []kind
	var (
		sawPage bool
		inWord  int // depth of open word spans (0 or 1)
		word    hocrWord
		text    strings.Builder
	)
	curPar := func() *hocrPar {
		if len(page.pars) == 0 {
			// Lines outside an ocr_par: Tesseract does not do this, but
			// keep the words rather than drop them.
			page.pars = append(page.pars, hocrPar{})
		}
		return &page.pars[len(page.pars)-1]
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return hocrPage{}, fmt.Errorf("parse hocr: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var class, title string
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "class":
					class = a.Value
				case "title":
					title = a.Value
				}
			}
			k := kOther
			switch class {
			case "ocr_page":
				k = kPage
				sawPage = true
				if bb, ok := titleInts(title, "bbox", 4); ok {
					page.width, page.height = bb[2]-bb[0], bb[3]-bb[1]
				}
			case "ocr_par":
				k = kPar
				page.pars = append(page.pars, hocrPar{})
			case "ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat":
				k = kLine
				var l hocrLine
				if bb, ok := titleInts(title, "bbox", 4); ok {
					copy(l.bbox[:], bb)
				}
				if bl, ok := titleFloats(title, "baseline", 2); ok {
					l.slope, l.hasBaseline = bl[0], true
				}
				if ta, ok := titleInts(title, "textangle", 1); ok {
					l.textAngle = ((ta[0] % 360) + 360) % 360
				}
				p := curPar()
				p.lines = append(p.lines, l)
			case "ocrx_word":
				k = kWord
				word = hocrWord{}
				if bb, ok := titleInts(title, "bbox", 4); ok {
					copy(word.bbox[:], bb)
				}
				if c, ok := titleFloats(title, "x_wconf", 1); ok {
					word.conf = c[0]
				}
				text.Reset()
				inWord++
			}
			stack = append(stack, k)
		case xml.CharData:
			if inWord > 0 {
				text.Write(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			k := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if k == kWord && inWord > 0 {
				inWord--
				word.text = strings.TrimSpace(text.String())
				p := curPar()
				if len(p.lines) == 0 {
					p.lines = append(p.lines, hocrLine{})
				}
				l := &p.lines[len(p.lines)-1]
				l.words = append(l.words, word)
			}
		}
	}
	if !sawPage {
		return hocrPage{}, errEmptyHOCR
	}
	return page, nil
}

// titleInts reads "key n1 n2 ..." from an hOCR title ("bbox 1 2 3 4; x_wconf 95").
func titleInts(title, key string, n int) ([]int, bool) {
	f, ok := titleFloats(title, key, n)
	if !ok {
		return nil, false
	}
	out := make([]int, n)
	for i, v := range f {
		out[i] = int(math.Round(v))
	}
	return out, true
}

func titleFloats(title, key string, n int) ([]float64, bool) {
	for _, prop := range strings.Split(title, ";") {
		fields := strings.Fields(prop)
		if len(fields) != n+1 || fields[0] != key {
			continue
		}
		out := make([]float64, n)
		for i := range n {
			v, err := strconv.ParseFloat(fields[i+1], 64)
			if err != nil {
				return nil, false
			}
			out[i] = v
		}
		return out, true
	}
	return nil, false
}

// toPage turns parsed hOCR into a Page. Word boxes from Tesseract are
// already in the coordinates of the image it was given; rotated blocks
// (orientation detection) are mapped back by Tesseract itself.
func (h hocrPage) toPage() Page {
	p := Page{Width: h.width, Height: h.height}
	p.Orientation = h.orientation()

	// Line angles first: the page skew is their median, and lines without
	// a baseline from Tesseract take the page skew, which is more accurate
	// than what a few word boxes of one line can tell.
	type lineInfo struct {
		la   lineAngle
		from int // index of the line's first word in p.Words
	}
	var (
		text        bytes.Buffer
		confSum     float64
		confWeight  float64
		lineAngles  []weighted
		lines       []lineInfo
		wroteAnyPar bool
	)
	for _, par := range h.pars {
		wrotePar := false
		for _, l := range par.lines {
			if len(l.words) == 0 {
				continue
			}
			la := l.angle(p.Orientation, h.width, h.height)
			if la.ok && la.turn == 0 {
				lineAngles = append(lineAngles, weighted{la.skew, float64(lineLength(l))})
			}
			lines = append(lines, lineInfo{la: la, from: len(p.Words)})
			if !wrotePar && wroteAnyPar {
				// Blank line between paragraphs, as in Tesseract's text output.
				text.WriteByte('\n')
			}
			for i, w := range l.words {
				// Mirror TessBaseAPI::GetUTF8Text: words separated by one
				// space, lines ended by a newline, paragraphs by another.
				if i > 0 {
					text.WriteByte(' ')
				}
				text.WriteString(w.text)
				if w.text == "" {
					continue
				}
				n := float64(len([]rune(w.text)))
				confSum += w.conf * n
				confWeight += n
				p.Words = append(p.Words, Word{
					Text:       w.text,
					X0:         clamp(w.bbox[0], 0, h.width),
					Y0:         clamp(w.bbox[1], 0, h.height),
					X1:         clamp(w.bbox[2], 0, h.width),
					Y1:         clamp(w.bbox[3], 0, h.height),
					Confidence: w.conf,
					Line:       len(lines) - 1,
				})
			}
			text.WriteByte('\n')
			wrotePar, wroteAnyPar = true, true
		}
	}
	p.Text = strings.TrimRight(text.String(), "\n")
	if confWeight > 0 {
		p.MeanConfidence = confSum / confWeight
	}
	p.Skew = weightedMedian(lineAngles)

	for i, li := range lines {
		to := len(p.Words)
		if i+1 < len(lines) {
			to = lines[i+1].from
		}
		angle := li.la.turn + p.Skew
		if li.la.fromBaseline {
			angle = li.la.turn + li.la.skew
		}
		for j := li.from; j < to; j++ {
			p.Words[j].Angle = angle
		}
	}
	return p
}

// orientation is the text direction most of the page's characters agree
// on, as the clockwise rotation that makes the content upright.
func (h hocrPage) orientation() int {
	var votes [4]int
	for _, par := range h.pars {
		for _, l := range par.lines {
			o, ok := l.orientation()
			if !ok {
				continue
			}
			n := 0
			for _, w := range l.words {
				n += len(w.text)
			}
			votes[o/90] += n
		}
	}
	best := 0
	for i := 1; i < 4; i++ {
		if votes[i] > votes[best] {
			best = i
		}
	}
	return best * 90
}

// orientation of one line. With orientation detection Tesseract marks
// lines of rotated blocks with a "textangle". Without it, Tesseract still
// reads text that runs top to bottom (a page turned clockwise) as vertical
// text, but reports neither a text angle nor a usable baseline; the order
// of the words along the line then gives the direction.
func (l hocrLine) orientation() (int, bool) {
	if l.textAngle != 0 {
		return l.textAngle, true
	}
	if len(l.words) < 2 {
		// A single word says nothing about the direction of reading.
		return 0, l.hasBaseline && math.Abs(l.slope) < 1
	}
	first, last := l.words[0].bbox, l.words[len(l.words)-1].bbox
	dx := float64(last[0]+last[2]-first[0]-first[2]) / 2
	dy := float64(last[1]+last[3]-first[1]-first[3]) / 2
	switch {
	case math.Abs(dx) >= math.Abs(dy) && dx >= 0:
		return 0, true
	case math.Abs(dx) >= math.Abs(dy):
		return 180, true
	case dy > 0:
		// Reading downwards: the content was turned clockwise, so it
		// takes 270° clockwise to make it upright.
		return 270, true
	default:
		return 90, true
	}
}

// lineAngle describes the direction of a text line in the page's upright
// frame, in degrees counter-clockwise: turn is 0 for ordinary lines and
// ±90 or 180 for a line running in another direction than the page (a
// vertical note at the margin); skew is the small tilt on top of that.
type lineAngle struct {
	turn, skew   float64
	fromBaseline bool // skew is Tesseract's baseline, not an estimate
	ok           bool // skew is known
}

// angle measures a line. Tesseract gives a baseline for upright lines; for
// rotated text it gives none, or one in another frame, so the skew is then
// estimated from the word boxes turned upright.
func (l hocrLine) angle(pageOrientation, width, height int) lineAngle {
	lineOrientation, ok := l.orientation()
	if !ok {
		lineOrientation = pageOrientation
	}
	var la lineAngle
	la.turn = float64((lineOrientation - pageOrientation + 360) % 360)
	if la.turn > 180 {
		la.turn -= 360
	}
	if lineOrientation == 0 && l.hasBaseline && math.Abs(l.slope) < 1 {
		// Image y grows downwards: a positive slope is a clockwise tilt.
		la.skew, la.fromBaseline, la.ok = -math.Atan(l.slope)*180/math.Pi, true, true
		return la
	}
	if len(l.words) < 2 {
		return la
	}
	// Theil–Sen over word bottoms in the line's upright frame: robust
	// against descenders and punctuation-only words.
	type pt struct{ x, y float64 }
	pts := make([]pt, 0, len(l.words))
	for _, w := range l.words {
		x0, _, x1, y1 := rotateBox(w.bbox, lineOrientation, width, height)
		pts = append(pts, pt{float64(x0+x1) / 2, float64(y1)})
	}
	var slopes []float64
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			dx := pts[j].x - pts[i].x
			if math.Abs(dx) < 1 {
				continue
			}
			slopes = append(slopes, (pts[j].y-pts[i].y)/dx)
		}
	}
	if len(slopes) == 0 {
		return la
	}
	sort.Float64s(slopes)
	la.skew = -math.Atan(slopes[len(slopes)/2]) * 180 / math.Pi
	la.ok = math.Abs(la.skew) < 45
	return la
}

// rotateBox maps a box of a width×height image into the frame of that image
// rotated clockwise by deg (0, 90, 180, 270). Coordinates are pixel cracks,
// as in image.Rectangle, so no ±1 corrections are needed.
func rotateBox(b [4]int, deg, width, height int) (x0, y0, x1, y1 int) {
	switch deg {
	case 90:
		return height - b[3], b[0], height - b[1], b[2]
	case 180:
		return width - b[2], height - b[3], width - b[0], height - b[1]
	case 270:
		return b[1], width - b[2], b[3], width - b[0]
	default:
		return b[0], b[1], b[2], b[3]
	}
}

func lineLength(l hocrLine) int {
	w, h := l.bbox[2]-l.bbox[0], l.bbox[3]-l.bbox[1]
	return max(w, h)
}

type weighted struct{ v, w float64 }

// weightedMedian of line angles weighted by line length: long body lines
// carry the page skew, short lines (a date, a signature) are noisy.
func weightedMedian(xs []weighted) float64 {
	if len(xs) == 0 {
		return 0
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].v < xs[j].v })
	var total float64
	for _, x := range xs {
		total += x.w
	}
	var acc float64
	for _, x := range xs {
		acc += x.w
		if acc >= total/2 {
			return x.v
		}
	}
	return xs[len(xs)-1].v
}

func clamp(v, lo, hi int) int {
	return min(max(v, lo), hi)
}
