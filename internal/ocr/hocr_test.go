package ocr

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An hOCR page as Tesseract 5.3 writes it: two blocks, the first with two
// paragraphs, entities and inline markup in words, a separator block.
const sampleHOCR = `  <div class='ocr_page' id='page_1' title='image ""; bbox 0 0 2480 3508; ppageno 0; scan_res 300 300'>
   <div class='ocr_carea' id='block_1_1' title="bbox 295 163 1505 286">
    <p class='ocr_par' id='par_1_1' lang='deu' title="bbox 295 163 1505 227">
     <span class='ocr_line' id='line_1_1' title="bbox 295 163 1505 227; baseline 0.012 -13; x_size 61; x_descenders 8; x_ascenders 16">
      <span class='ocrx_word' id='word_1_1' title='bbox 295 165 631 221; x_wconf 93'>Müller</span>
      <span class='ocrx_word' id='word_1_2' title='bbox 660 165 800 221; x_wconf 91'>&amp;</span>
      <span class='ocrx_word' id='word_1_3' title='bbox 830 165 1505 221; x_wconf 89'><strong>Söhne</strong></span>
     </span>
    </p>
    <p class='ocr_par' id='par_1_2' lang='deu' title="bbox 292 244 1620 286">
     <span class='ocr_header' id='line_1_2' title="bbox 292 244 1620 286; baseline -0.012 -16; x_size 33; x_descenders 5; x_ascenders 10">
      <span class='ocrx_word' id='word_1_4' title='bbox 292 244 500 286; x_wconf 50'>&lt;Az.&gt;</span>
      <span class='ocrx_word' id='word_1_5' title='bbox 520 244 1620 286; x_wconf 70'>BA-44/22</span>
     </span>
     <span class='ocr_line' id='line_1_3' title="bbox 292 300 700 340; baseline 0.012 -10; x_size 33; x_descenders 5; x_ascenders 10">
      <span class='ocrx_word' id='word_1_6' title='bbox 292 300 700 340; x_wconf 96'>Anlagen</span>
     </span>
    </p>
   </div>
   <div class='ocr_separator' id='block_1_2' title="bbox 290 283 2217 311"></div>
   <div class='ocr_carea' id='block_1_3' title="bbox 295 400 900 450">
    <p class='ocr_par' id='par_1_3' lang='eng' title="bbox 295 400 900 450">
     <span class='ocr_line' id='line_1_4' title="bbox 295 400 900 450; baseline 0.012 -10; x_size 33; x_descenders 5; x_ascenders 10">
      <span class='ocrx_word' id='word_1_7' title='bbox 295 400 500 450; x_wconf 90' lang='eng'>Page</span>
      <span class='ocrx_word' id='word_1_8' title='bbox 520 400 900 450; x_wconf 90' lang='eng'>2</span>
     </span>
    </p>
   </div>
  </div>
`

func TestParseHOCR(t *testing.T) {
	h, err := parseHOCR(sampleHOCR)
	require.NoError(t, err)
	p := h.toPage()

	assert.Equal(t, 2480, p.Width)
	assert.Equal(t, 3508, p.Height)
	assert.Equal(t, 0, p.Orientation)
	assert.Equal(t, "Müller & Söhne\n\n<Az.> BA-44/22\nAnlagen\n\nPage 2", p.Text)
	require.Len(t, p.Words, 8)
	assert.Equal(t, Word{Text: "Müller", X0: 295, Y0: 165, X1: 631, Y1: 221, Confidence: 93, Line: 0, Angle: p.Words[0].Angle}, p.Words[0])
	assert.Equal(t, "Söhne", p.Words[2].Text)
	assert.Equal(t, "<Az.>", p.Words[3].Text)
	assert.Equal(t, []int{0, 0, 0, 1, 1, 2, 3, 3}, lines(p))
	// Baseline slope 0.012 (descending to the right) is a clockwise tilt.
	assert.InDelta(t, -0.6875, p.Words[0].Angle, 0.001)
	assert.InDelta(t, 0.6875, p.Words[3].Angle, 0.001)
	// Median weighted by line length: the long first lines decide.
	assert.InDelta(t, -0.6875, p.Skew, 0.001)
	// Character-weighted mean: (93*6 + 91*1 + 89*5 + 50*5 + 70*8 + 96*7 + 90*4 + 90*1) / 37.
	assert.InDelta(t, (93.0*6+91+89*5+50*5+70*8+96*7+90*4+90)/37, p.MeanConfidence, 0.001)
}

func lines(p Page) []int {
	var out []int
	for _, w := range p.Words {
		out = append(out, w.Line)
	}
	return out
}

func TestParseHOCRRotated(t *testing.T) {
	// A page turned clockwise by 90° (3508 wide): Tesseract with
	// orientation detection marks the lines with textangle 270.
	doc := `<div class='ocr_page' id='page_1' title='image ""; bbox 0 0 3508 2480; ppageno 0'>
   <div class='ocr_carea' id='block_1_1' title="bbox 3281 295 3345 1505">
    <p class='ocr_par' id='par_1_1' lang='deu' title="bbox 3281 295 3345 1505">
     <span class='ocr_line' id='line_1_1' title="bbox 3281 295 3345 1505; textangle 270; x_size 63">
      <span class='ocrx_word' id='word_1_1' title='bbox 3289 295 3345 713; x_wconf 92'>Stadtwerke</span>
      <span class='ocrx_word' id='word_1_2' title='bbox 3283 739 3339 1200; x_wconf 91'>Wolmirstedt</span>
      <span class='ocrx_word' id='word_1_3' title='bbox 3281 1227 3333 1459; x_wconf 96'>GmbH</span>
     </span>
    </p>
   </div>
  </div>`
	h, err := parseHOCR(doc)
	require.NoError(t, err)
	p := h.toPage()
	assert.Equal(t, 270, p.Orientation)
	assert.Equal(t, "Stadtwerke Wolmirstedt GmbH", p.Text)
	// Word bottoms in the upright frame: 3508-3289=219, 225, 227 over
	// x = 504, 969.5, 1343; a slight clockwise tilt.
	assert.Less(t, p.Skew, 0.0)
	assert.Greater(t, p.Skew, -2.0)

	// The same line as Tesseract without orientation detection reports it:
	// no text angle, a meaningless baseline, words running downwards.
	doc = strings.Replace(doc, "textangle 270", "baseline -80.667 -161.333", 1)
	h, err = parseHOCR(doc)
	require.NoError(t, err)
	assert.Equal(t, 270, h.toPage().Orientation)
	assert.InDelta(t, p.Skew, h.toPage().Skew, 1e-9)
}

func TestParseHOCREmpty(t *testing.T) {
	_, err := parseHOCR("")
	assert.ErrorIs(t, err, errEmptyHOCR)

	h, err := parseHOCR(`<div class='ocr_page' id='page_1' title='image ""; bbox 0 0 64 64; ppageno 0'></div>`)
	require.NoError(t, err)
	p := h.toPage()
	assert.Equal(t, Page{Width: 64, Height: 64}, p)
}

func TestRotateBox(t *testing.T) {
	const w, h = 100, 50
	box := [4]int{10, 5, 30, 15}
	for _, deg := range []int{0, 90, 180, 270} {
		x0, y0, x1, y1 := rotateBox(box, deg, w, h)
		assert.True(t, x0 < x1 && y0 < y1, "%d: %d %d %d %d", deg, x0, y0, x1, y1)
		// Turning back by the rest of the circle gives the box again.
		rw, rh := w, h
		if deg%180 != 0 {
			rw, rh = h, w
		}
		bx0, by0, bx1, by1 := rotateBox([4]int{x0, y0, x1, y1}, (360-deg)%360, rw, rh)
		assert.Equal(t, box, [4]int{bx0, by0, bx1, by1}, "deg %d", deg)
	}
}

func TestPNMSize(t *testing.T) {
	tests := []struct {
		in   string
		w, h int
		ok   bool
	}{
		{"P5 2480 3508 255\n", 2480, 3508, true},
		{"P4\n# scanner\n# two comments\n1240\r\n1754\n", 1240, 1754, true},
		{"P6 12", 0, 0, false},
		{"P5 x 10 255", 0, 0, false},
		{"P5 99999999999999 10", 0, 0, false},
	}
	for _, tt := range tests {
		w, h, err := pnmSize([]byte(tt.in))
		if !tt.ok {
			assert.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, [2]int{tt.w, tt.h}, [2]int{w, h})
	}
}

func TestLanguageNames(t *testing.T) {
	assert.Equal(t, "tesseract-ocr-deu", debianPackage("deu"))
	assert.Equal(t, "tesseract-ocr-chi-sim", debianPackage("chi_sim"))
	assert.Equal(t, "a tesseract-ocr-script-* package", debianPackage("script/Latin"))

	got, err := splitLanguages("deu+eng")
	require.NoError(t, err)
	assert.Equal(t, []string{"deu", "eng"}, got)
	for _, bad := range []string{"", "deu+", "../x", "/etc/x", "a\x00b"} {
		_, err := splitLanguages(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestTesseractDPI(t *testing.T) {
	assert.Equal(t, "300", tesseractDPI(300))
	assert.Equal(t, "0", tesseractDPI(0))
	assert.Equal(t, "0", tesseractDPI(-5))
	assert.Equal(t, "0", tesseractDPI(10))
	assert.Equal(t, "0", tesseractDPI(10000))
}
