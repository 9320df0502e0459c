package pdfa

import (
	"bytes"
	"compress/zlib"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const pdfacheckPath = "../../../shared/tools/pdfacheck/pdfacheck.py"

func TestConformance(t *testing.T) {
	part, level := Document{}.Conformance()
	require.Equal(t, 2, part)
	require.Equal(t, "B", level)
	part, level = Document{Attachments: []Attachment{{Name: "a.xml"}}}.Conformance()
	require.Equal(t, 3, part)
	require.Equal(t, "B", level)
}

// TestWritePassesPdfacheck is the external gate: the shared lean checker
// (qpdf-based) must accept a PDF/A-2b with CCITT, JPEG and Flate pages, OCR
// words with umlauts and the scan protocol in XMP, and the same document
// with attachments as PDF/A-3b.
func TestWritePassesPdfacheck(t *testing.T) {
	needTool(t, "/usr/bin/python3", pdfacheckPath, "qpdf")
	tests := []struct {
		name string
		doc  Document
		want string
	}{
		{"pdfa-2b", testDocument(t), `"pdfaid": "2b"`},
		{"pdfa-3b with attachments", withAttachment(testDocument(t)), `"pdfaid": "3b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := writeTemp(t, tt.doc)
			out, err := exec.Command("/usr/bin/python3", pdfacheckPath, path).CombinedOutput()
			t.Logf("pdfacheck: %s", out)
			require.NoError(t, err, "pdfacheck must exit 0")
			require.Contains(t, string(out), "PASS:")
			require.Contains(t, string(out), tt.want)
			require.NotContains(t, string(out), "warn")
		})
	}
}

func TestWritePassesCheck(t *testing.T) {
	tests := []struct {
		name        string
		doc         Document
		part        int
		attachments int
	}{
		{"pdfa-2b", testDocument(t), 2, 0},
		{"pdfa-3b", withAttachment(testDocument(t)), 3, 2},
		{"minimal blank page", Document{Pages: []Page{{WidthPt: a4W, HeightPt: a4H}}}, 2, 0},
		{"page turned upright", rotated(testDocument(t)), 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, b := writeTemp(t, tt.doc)
			rep, err := Check(bytes.NewReader(b), int64(len(b)))
			require.NoError(t, err)
			require.True(t, rep.OK(), "failed rules: %+v", rep.Failed())
			require.Equal(t, tt.part, rep.Part)
			require.Equal(t, "B", rep.Conformance)
			tu, ok := rep.Rule(ruleToUnicode)
			require.True(t, ok)
			require.True(t, tu.Passed, "our font has a ToUnicode CMap")
			require.Equal(t, tt.attachments, bytes.Count(b, []byte("/Type /EmbeddedFile ")))
		})
	}
}

func rotated(d Document) Document {
	d.Pages[0].Rotate = 90
	return d
}

func TestWriteRotate(t *testing.T) {
	_, b := writeTemp(t, rotated(testDocument(t)))
	require.Equal(t, 1, bytes.Count(b, []byte("/Rotate 90")))
	d := testDocument(t)
	d.Pages[0].Rotate = 45
	require.ErrorIs(t, Write(io.Discard, d), ErrInvalidDocument)
}

// TestWriteFileStructure checks what PDF/A asks of the bytes themselves.
func TestWriteFileStructure(t *testing.T) {
	_, b := writeTemp(t, testDocument(t))
	require.True(t, bytes.HasPrefix(b, []byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")))
	require.True(t, bytes.HasSuffix(b, []byte("%%EOF\n")))
	require.Regexp(t, `/ID \[<[0-9a-f]{32}><[0-9a-f]{32}>\]`, string(b))
	for _, forbidden := range []string{"/SMask", "/Group", "/Encrypt", "/JavaScript", "/LZWDecode", "/AA", "/OpenAction", "/Interpolate"} {
		require.NotContains(t, string(b), forbidden)
	}
	// The images go in as delivered (at most wrapped in lossless Flate).
	doc := testDocument(t)
	stored := imageStreams(t, b)
	require.Len(t, stored, len(doc.Pages))
	for i, p := range doc.Pages {
		require.Equal(t, p.Image.Data, stored[i], "image data of %s kept byte for byte", p.Image.Filter)
	}
	require.Regexp(t, `/Filter (/CCITTFaxDecode|\[/FlateDecode /CCITTFaxDecode\]) /DecodeParms (\[null )?<< /BlackIs1 false /Columns `, string(b))
	require.Contains(t, string(b), "/Lang (de-DE)")

	// The XMP packet is uncompressed and carries the scan protocol with its
	// extension schema.
	xmp := regexp.MustCompile(`(?s)<\?xpacket begin.*?<\?xpacket end="w"\?>`).Find(b)
	require.NotNil(t, xmp)
	for _, want := range []string{
		"<pdfaid:part>2</pdfaid:part>", "<pdfaid:conformance>B</pdfaid:conformance>",
		`<rdf:li xml:lang="x-default">Eingang 2026-000123: Anfrage Grundsteuer (Größe)</rdf:li>`,
		"<xmp:CreateDate>2026-03-14T09:30:00+01:00</xmp:CreateDate>",
		"<xmp:ModifyDate>2026-03-14T09:31:00+01:00</xmp:ModifyDate>",
		"<pdf:Producer>aktenfluss</pdf:Producer>",
		"<pdf:Keywords>Grundsteuer, Bauamt</pdf:Keywords>",
		"<pdfaSchema:namespaceURI>https://aktenfluss.de/ns/scan/1.0/</pdfaSchema:namespaceURI>",
		"<pdfaProperty:name>capture_sha256</pdfaProperty:name>",
		"<akscan:operator>M. Müller</akscan:operator>",
		"<akscan:checks>count&lt;ok&gt;&amp;readable</akscan:checks>",
	} {
		require.Contains(t, string(xmp), want)
	}
	// Keys in sorted order, whatever the map iteration order.
	require.Less(t, bytes.Index(xmp, []byte("<akscan:capture_sha256>")), bytes.Index(xmp, []byte("<akscan:checks>")))
	require.Less(t, bytes.Index(xmp, []byte("<akscan:scanned_at>")), bytes.Index(xmp, []byte("<akscan:station>")))

	parsed, err := parseXMP(xmp)
	require.NoError(t, err)
	require.Empty(t, parsed.undeclared())
	v, ok := parsed.value(XMPNamespace, "dpi")
	require.True(t, ok)
	require.Equal(t, "100", v)

	require.Contains(t, string(b), "/CreationDate (D:20260314093000+01'00')")
	require.Contains(t, string(b), "/ModDate (D:20260314093100+01'00')")
}

// imageStreams returns the image XObjects' data in file order with any
// Flate wrapping undone, i.e. the data as handed to Write.
func imageStreams(t *testing.T, pdf []byte) [][]byte {
	t.Helper()
	re := regexp.MustCompile(`(?s)<< /Type /XObject /Subtype /Image [^\n]*?/Length (\d+) >>\nstream\n`)
	var out [][]byte
	for _, m := range re.FindAllSubmatchIndex(pdf, -1) {
		n, err := strconv.Atoi(string(pdf[m[2]:m[3]]))
		require.NoError(t, err)
		data := pdf[m[1] : m[1]+n]
		if bytes.Contains(pdf[m[0]:m[1]], []byte("[/FlateDecode ")) {
			zr, err := zlib.NewReader(bytes.NewReader(data))
			require.NoError(t, err)
			data, err = io.ReadAll(zr)
			require.NoError(t, err)
		}
		out = append(out, data)
	}
	return out
}

func TestWriteDeterministic(t *testing.T) {
	doc := testDocument(t)
	_, a := writeTemp(t, doc)
	_, b := writeTemp(t, doc)
	require.Equal(t, a, b, "same document, same bytes")

	doc.Title = "anderer Titel"
	_, c := writeTemp(t, doc)
	id := regexp.MustCompile(`/ID \[<([0-9a-f]+)>`)
	require.NotEqual(t, id.FindSubmatch(a)[1], id.FindSubmatch(c)[1], "different content, different ID")
}

func TestWriteRejects(t *testing.T) {
	page := func() Page { return testPages(t, 20)[0] }
	tests := []struct {
		name string
		mod  func(d *Document)
		want error
	}{
		{"no pages", func(d *Document) { d.Pages = nil }, ErrInvalidDocument},
		{"zero page size", func(d *Document) { d.Pages[0].WidthPt = 0 }, ErrInvalidDocument},
		{"page too large", func(d *Document) { d.Pages[0].HeightPt = 20000 }, ErrInvalidDocument},
		{"lzw image", func(d *Document) { d.Pages[0].Image.Filter = "LZWDecode" }, ErrUnsupportedImage},
		{"cmyk image", func(d *Document) { d.Pages[0].Image.ColorSpace = "DeviceCMYK" }, ErrUnsupportedImage},
		{"8-bit ccitt", func(d *Document) { d.Pages[0].Image.BitsPerComponent = 8 }, ErrUnsupportedImage},
		{"bad decode parameter", func(d *Document) { d.Pages[0].Image.DecodeParms["K /JS"] = 1 }, ErrUnsupportedImage},
		{"words without image", func(d *Document) { d.Pages[0].Image = Image{} }, ErrInvalidDocument},
		{"word at NaN", func(d *Document) { d.Pages[0].Words[0].X1 = nanValue() }, ErrInvalidDocument},
		{"xmp key not a name", func(d *Document) { d.ExtraXMP = map[string]string{"scan date": "x"} }, ErrInvalidDocument},
		{"duplicate attachment", func(d *Document) {
			d.Attachments = []Attachment{{Name: "a.xml"}, {Name: "a.xml"}}
		}, ErrInvalidDocument},
		{"unknown relationship", func(d *Document) {
			d.Attachments = []Attachment{{Name: "a.xml", Relationship: "Original"}}
		}, ErrInvalidDocument},
		{"attachment without any date", func(d *Document) {
			d.Created, d.Modified = time.Time{}, time.Time{}
			d.Attachments = []Attachment{{Name: "a.xml"}}
		}, ErrInvalidDocument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Document{Pages: []Page{page()}, Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
			tt.mod(&d)
			err := Write(io.Discard, d)
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func nanValue() float64 { return math.NaN() }

type failingWriter struct{ after int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.after -= len(p); f.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteReportsWriterErrors(t *testing.T) {
	err := Write(&failingWriter{after: 100}, testDocument(t))
	require.ErrorContains(t, err, "disk full")
}

// TestWriteTextExtraction runs poppler's pdftotext over the output: the
// words come back in order, with umlauts, ß, € and §, one line per OCR
// line, separated by spaces.
func TestWriteTextExtraction(t *testing.T) {
	needTool(t, "pdftotext")
	path, _ := writeTemp(t, testDocument(t))
	for _, mode := range []string{"-layout", "-raw"} {
		out, err := exec.Command("pdftotext", mode, "-f", "1", "-l", "1", path, "-").Output()
		require.NoError(t, err)
		var lines []string
		for _, l := range strings.Split(string(out), "\n") {
			if l = strings.Join(strings.Fields(l), " "); l != "" {
				lines = append(lines, l)
			}
		}
		var want []string
		for _, l := range letterLines {
			want = append(want, strings.Join(l, " "))
		}
		require.Equal(t, want, lines, "pdftotext %s", mode)
	}
}

// TestWriteRotatedWords: words with a baseline angle keep their text (an
// upside-down or vertical word still extracts as the word).
func TestWriteRotatedWords(t *testing.T) {
	needTool(t, "pdftotext")
	gray := image.NewGray(image.Rect(0, 0, 850, 1100))
	for i := range gray.Pix {
		gray.Pix[i] = 255
	}
	tests := []struct {
		name  string
		angle float64
		box   [4]float64
	}{
		{"skewed", -0.7, [4]float64{100, 100, 400, 130}},
		{"vertical up", 90, [4]float64{100, 200, 130, 600}},
		{"upside down", 180, [4]float64{300, 700, 700, 730}},
		{"vertical down", -90, [4]float64{700, 200, 730, 600}},
		// Poppler splits text at angles other than multiples of 90° into
		// single characters; the characters still come back in order.
		{"steep", 30, [4]float64{100, 800, 400, 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := Document{Pages: []Page{{
				WidthPt: 612, HeightPt: 792, Image: NewImageFromGray(gray),
				Words: []Word{
					{Text: "Grüße", X0: tt.box[0], Y0: tt.box[1], X1: tt.box[2], Y1: tt.box[3], Angle: tt.angle},
				},
			}}}
			path, b := writeTemp(t, doc)
			out, err := exec.Command("pdftotext", "-raw", path, "-").Output()
			require.NoError(t, err)
			require.Equal(t, "Grüße", strings.Join(strings.Fields(string(out)), ""))
			rep, err := Check(bytes.NewReader(b), int64(len(b)))
			require.NoError(t, err)
			require.True(t, rep.OK())
		})
	}
}

func TestBaselineBox(t *testing.T) {
	tests := []struct {
		name         string
		bw, bh, deg  float64
		wantL, wantH float64
	}{
		{"upright", 100, 20, 0, 100, 20},
		{"vertical", 20, 100, 90, 100, 20},
		{"upside down", 100, 20, 180, 100, 20},
		{"slight skew", 100*cosd(2) + 20*sind(2), 100*sind(2) + 20*cosd(2), 2, 100, 20},
		{"30 degrees", 100*cosd(30) + 20*sind(30), 100*sind(30) + 20*cosd(30), 30, 100, 20},
		{"45 degrees falls back", 80, 80, 45, 80, 80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, h := baselineBox(tt.bw, tt.bh, tt.deg*math.Pi/180)
			require.InDelta(t, tt.wantL, l, 1e-6)
			require.InDelta(t, tt.wantH, h, 1e-6)
		})
	}
}

func TestNewImageFromGrayRoundTrip(t *testing.T) {
	src := image.NewGray(image.Rect(5, 7, 105, 57))
	for i := range src.Pix {
		src.Pix[i] = uint8(i*7 + i/100)
	}
	img := NewImageFromGray(src)
	require.Equal(t, 100, img.Width)
	require.Equal(t, 50, img.Height)
	zr, err := zlib.NewReader(bytes.NewReader(img.Data))
	require.NoError(t, err)
	raw, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Len(t, raw, 50*101)
	prev := make([]byte, 100)
	for y := range 50 {
		row := raw[y*101 : (y+1)*101]
		require.Equal(t, byte(2), row[0], "PNG Up filter")
		for x := range 100 {
			v := row[1+x] + prev[x]
			require.Equal(t, src.GrayAt(5+x, 7+y).Y, v)
			prev[x] = v
		}
	}
}

func TestNewImageFromJPEG(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 40, 30))
	rgb := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range rgb.Pix {
		rgb.Pix[i] = uint8(i)
	}
	rgb.Set(3, 3, color.RGBA{200, 10, 10, 255})
	tests := []struct {
		name  string
		img   image.Image
		space string
	}{
		{"gray", gray, "DeviceGray"},
		{"colour", rgb, "DeviceRGB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			require.NoError(t, jpeg.Encode(&b, tt.img, nil))
			img, err := NewImageFromJPEG(b.Bytes())
			require.NoError(t, err)
			require.Equal(t, tt.space, img.ColorSpace)
			require.Equal(t, 40, img.Width)
			require.Equal(t, 30, img.Height)
			require.Equal(t, b.Bytes(), img.Data)
		})
	}
	_, err := NewImageFromJPEG([]byte("not a jpeg"))
	require.Error(t, err)
}

// TestWriteSizeOverhead measures what the PDF/A container costs: an empty
// one-page document, and the bytes each further page adds beyond its image
// data and text. The bounds guard against a regression (a font or profile
// suddenly growing), not against a few bytes.
func TestWriteSizeOverhead(t *testing.T) {
	size := func(d Document) int {
		var b bytes.Buffer
		require.NoError(t, Write(&b, d))
		return b.Len()
	}
	blank := Page{WidthPt: a4W, HeightPt: a4H}
	empty := size(Document{Pages: []Page{blank}})
	twoBlank := size(Document{Pages: []Page{blank, blank}})

	pages := testPages(t, 100)
	one := size(Document{Pages: pages[:1]})
	pg := pages[0]
	two := size(Document{Pages: []Page{pg, pg}})
	perPage := two - one - len(pg.Image.Data)
	t.Logf("empty 1-page document: %d bytes; blank page adds %d bytes; page with %d words adds %d bytes beyond its %d-byte image; font+text first page costs %d",
		empty, twoBlank-empty, len(pg.Words), perPage, len(pg.Image.Data), one-empty-len(pg.Image.Data))
	require.Less(t, empty, 3000)
	require.Less(t, twoBlank-empty, 300)
	require.Less(t, perPage, 600+40*len(pg.Words))
}

// TestWrite20PagesIsFast: writing is copying plus a little formatting; 20
// pages with full text layers must take milliseconds.
func TestWrite20PagesIsFast(t *testing.T) {
	doc := twentyPages(t)
	start := time.Now()
	var b bytes.Buffer
	require.NoError(t, Write(&b, doc))
	elapsed := time.Since(start)
	t.Logf("20 pages, %d bytes, written in %v", b.Len(), elapsed)
	require.Less(t, elapsed, time.Second, "generous bound for a loaded CI machine; typical is a few ms")
}

func BenchmarkWrite20Pages(b *testing.B) {
	doc := twentyPages(b)
	for b.Loop() {
		if err := Write(io.Discard, doc); err != nil {
			b.Fatal(err)
		}
	}
}

// twentyPages is a realistic 20-page letter: 300 dpi A4 bi-level pages
// with 300 words each, the words drawn as strokes of random height and
// spacing so that the G4 data is as large as a typed page's (≈ 40 KB).
func twentyPages(t testing.TB) Document {
	w, h := 2480, 3508
	rng := rand.New(rand.NewPCG(3, 4))
	doc := testDocument(t)
	doc.Pages = nil
	for range 20 {
		gray := image.NewGray(image.Rect(0, 0, w, h))
		for i := range gray.Pix {
			gray.Pix[i] = 255
		}
		var words []Word
		for line := range 30 {
			y := 300 + line*100
			x := 200
			for x < 2200 {
				n := 3 + rng.IntN(9)
				ww := n * 22
				words = append(words, Word{Text: "Verwaltung"[:min(n, 10)], X0: float64(x), Y0: float64(y), X1: float64(x + ww), Y1: float64(y + 45)})
				for c := range n {
					top := y + rng.IntN(15)
					sx := x + c*22 + rng.IntN(6)
					for py := top; py < y+40+rng.IntN(6); py++ {
						for px := sx; px < sx+3+rng.IntN(3); px++ {
							gray.Pix[py*w+px] = 0
						}
					}
				}
				x += ww + 30
			}
		}
		doc.Pages = append(doc.Pages, Page{WidthPt: a4W, HeightPt: a4H, Image: NewImageFromBilevel(gray, 128), Words: words})
	}
	return doc
}

// BenchmarkWrite20JPEGPages shows the cost of the Flate wrapping of JPEG
// pages: 20 pages of a 300 dpi grey scan with stock Huffman tables.
func BenchmarkWrite20JPEGPages(b *testing.B) {
	gray := image.NewGray(image.Rect(0, 0, 2480, 3508))
	words := letterWords(gray)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(max(0, min(255, int(gray.Pix[i])+rng.IntN(9)-4)))
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, gray, &jpeg.Options{Quality: 80}); err != nil {
		b.Fatal(err)
	}
	img, err := NewImageFromJPEG(jb.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	doc := testDocument(b)
	doc.Pages = nil
	for range 20 {
		doc.Pages = append(doc.Pages, Page{WidthPt: a4W, HeightPt: a4H, Image: img, Words: words})
	}
	var out bytes.Buffer
	for b.Loop() {
		out.Reset()
		if err := Write(&out, doc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(jb.Bytes())), "jpeg-bytes/page")
	b.ReportMetric(float64(out.Len())/20, "pdf-bytes/page")
}

func cosd(d float64) float64 { return math.Cos(d * math.Pi / 180) }
func sind(d float64) float64 { return math.Sin(d * math.Pi / 180) }

// TestWriteRendersCleanly: poppler renders every page without complaint and
// qpdf decodes every stream, including the Flate layer over JPEG and G4.
func TestWriteRendersCleanly(t *testing.T) {
	needTool(t, "pdftoppm", "qpdf")
	path, _ := writeTemp(t, withAttachment(testDocument(t)))
	out, err := exec.Command("qpdf", "--check", path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "No syntax or stream encoding errors")
	cmd := exec.Command("pdftoppm", "-r", "20", "-png", path, filepath.Join(t.TempDir(), "page"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run())
	require.Empty(t, stderr.String())
}

func TestPDFString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Brief", "(Brief)"},
		{"a(b)c\\d", `(a\(b\)c\\d)`},
		{"Größe", `(Gr\366\337e)`},                        // PDFDocEncoding = Latin-1 here
		{"12,50 €", "<FEFF00310032002C00350030002020AC>"}, // € is 0xA0 in PDFDocEncoding, not Latin-1: UTF-16
		{"„Zitat“", "<FEFF201E005A0069007400610074201C>"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, pdfString(tt.in), tt.in)
	}
	require.Equal(t, "/text#2Fxml", pdfName("text/xml"))
	require.Equal(t, "/a#20b#23", pdfName("a b#"))
}
