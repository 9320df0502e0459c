package convert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/ocr"
	"github.com/aktenfluss/aktenfluss/internal/pageimage"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// ErrEmptyTextLayer is returned for a page that visibly carries text but
// for which OCR found no words: an archival PDF without the text would be
// a silent loss, so it is an error.
var ErrEmptyTextLayer = errors.New("page shows text but its text layer is empty")

// DefaultDPI is assumed when a source does not state its resolution.
const DefaultDPI = 300

// Recognizer is the OCR engine (ocr.Engine).
type Recognizer interface {
	Recognize(ctx context.Context, img ocr.Image) (ocr.Page, error)
}

// PageResult is what OCR found on one page. It is the unit the workflow
// stores per page (as JSON in the blob store), so its json tags are a wire
// format.
type PageResult struct {
	Page           int        `json:"page"`
	Width          int        `json:"width"`
	Height         int        `json:"height"`
	DPI            int        `json:"dpi"`
	Orientation    int        `json:"orientation,omitempty"`
	Skew           float64    `json:"skew,omitempty"`
	MeanConfidence float64    `json:"mean_confidence"`
	Blank          bool       `json:"blank,omitempty"`
	Words          []ocr.Word `json:"words"`
	Text           string     `json:"text"`
}

// Meta describes the document for the PDF's metadata.
type Meta struct {
	Title        string
	ReceivedAt   time.Time // dates the PDF: the same input gives the same bytes
	ScanProtocol *records.ScanProtocol
	Language     string // default "de-DE"
	// JPEGQuality for grey and colour pages delivered losslessly (PNG,
	// Flate, LZW); 0 means DefaultJPEGQuality. JPEG and bi-level pages are
	// always kept as delivered.
	JPEGQuality int
}

// DefaultJPEGQuality re-encodes losslessly delivered grey and colour scans.
// A noisy 300-dpi grey page is 2–5 MB as PNG; at this quality it is about a
// tenth of that, with the text sharp enough to read and to OCR again. It is
// about what Ghostscript's PDF/A output (which OCRmyPDF ships) uses on the
// same pages (its tables come out near IJG quality 55 with optimised
// Huffman coding, which Go's encoder does not do).
const DefaultJPEGQuality = 50

// Pages splits an original into its page images.
func Pages(r io.ReaderAt, size int64, mediaType string, lim pageimage.Limits) ([]pageimage.Page, error) {
	return pageimage.Open(r, size, mediaType, lim)
}

// pageDPI is the page's resolution, or DefaultDPI when the source is silent.
func pageDPI(p pageimage.Page) int {
	if p.DPIX >= 50 {
		return int(math.Round(p.DPIX))
	}
	return DefaultDPI
}

// RecognizePage runs OCR on one page. A page without words passes only when
// it is blank (a separator sheet, an empty reverse side).
func RecognizePage(ctx context.Context, eng Recognizer, p pageimage.Page) (PageResult, error) {
	img, err := p.OCRImage()
	if err != nil {
		return PageResult{}, fmt.Errorf("page %d: %w", p.Index+1, err)
	}
	dpi := pageDPI(p)
	got, err := eng.Recognize(ctx, ocr.Image{Data: img.Data, Width: p.Width, Height: p.Height, DPI: dpi})
	if err != nil {
		return PageResult{}, fmt.Errorf("ocr page %d: %w", p.Index+1, err)
	}
	res := PageResult{
		Page: p.Index, Width: p.Width, Height: p.Height, DPI: dpi, Orientation: got.Orientation, Skew: got.Skew,
		MeanConfidence: got.MeanConfidence, Words: got.Words, Text: got.Text,
	}
	if res.Words == nil {
		res.Words = []ocr.Word{}
	}
	if len(got.Words) == 0 {
		ink, err := inkRatio(img.Format, img.Data)
		if err != nil {
			return PageResult{}, fmt.Errorf("page %d: blank check: %w", p.Index+1, err)
		}
		if ink > blankInk {
			return PageResult{}, fmt.Errorf("page %d (%.1f%% ink): %w", p.Index+1, ink*100, ErrEmptyTextLayer)
		}
		res.Blank = true
	}
	return res, nil
}

// Assemble builds the archival PDF/A document from the pages and their OCR
// results (in page order).
func Assemble(pages []pageimage.Page, results []PageResult, meta Meta) (pdfa.Document, error) {
	if len(pages) != len(results) {
		return pdfa.Document{}, fmt.Errorf("assemble: %d pages but %d OCR results", len(pages), len(results))
	}
	lang := meta.Language
	if lang == "" {
		lang = "de-DE"
	}
	doc := pdfa.Document{
		Title:    meta.Title,
		Creator:  "aktenfluss convert",
		Producer: "aktenfluss",
		Created:  meta.ReceivedAt,
		Modified: meta.ReceivedAt,
		Language: lang,
		ExtraXMP: scanXMP(meta.ScanProtocol),
	}
	for i, p := range pages {
		r := results[i]
		if r.Page != p.Index {
			return pdfa.Document{}, fmt.Errorf("assemble: OCR result %d belongs to page %d", i+1, r.Page+1)
		}
		dpiX, dpiY := p.DPIX, p.DPIY
		if dpiX < 50 {
			dpiX = DefaultDPI
		}
		if dpiY < 50 {
			dpiY = dpiX
		}
		st, err := archivalStream(p, meta.JPEGQuality)
		if err != nil {
			return pdfa.Document{}, fmt.Errorf("assemble page %d: %w", p.Index+1, err)
		}
		page := pdfa.Page{
			WidthPt:  float64(p.Width) * 72 / dpiX,
			HeightPt: float64(p.Height) * 72 / dpiY,
			Image: pdfa.Image{
				Width: p.Width, Height: p.Height, BitsPerComponent: st.BitsPerComponent,
				ColorSpace: st.ColorSpace, Filter: st.Filter, DecodeParms: st.DecodeParms, Data: st.Data,
			},
			Words:  make([]pdfa.Word, 0, len(r.Words)),
			Rotate: p.Rotate,
		}
		for _, w := range r.Words {
			page.Words = append(page.Words, pdfa.Word{
				Text: w.Text, X0: float64(w.X0), Y0: float64(w.Y0), X1: float64(w.X1), Y1: float64(w.Y1),
				Angle: textAngle(r.Orientation, w.Angle),
			})
		}
		doc.Pages = append(doc.Pages, page)
	}
	return doc, nil
}

// maxUnrotatedSkew is the feed skew up to which the text layer is laid
// horizontally. Text extraction (poppler's, and so most viewers' search and
// copy) reads slightly rotated runs as separate fragments and breaks lines
// apart, while a horizontal run over a box a degree or two off still covers
// the printed word.
const maxUnrotatedSkew = 3.0

// textAngle is the direction of a word's baseline in the stored image,
// counter-clockwise degrees: the page's orientation plus the line's skew,
// the skew dropped when it is small.
func textAngle(orientation int, skew float64) float64 {
	if math.Abs(skew) < maxUnrotatedSkew {
		return float64(orientation)
	}
	return float64(orientation) + skew
}

// scanXMP writes the scan protocol into the PDF's metadata, so the
// Transfervermerk travels with the archival document.
func scanXMP(p *records.ScanProtocol) map[string]string {
	if p.IsZero() {
		return nil
	}
	m := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set("operator", p.Operator)
	set("station", p.Station)
	set("profile", p.Profile)
	if p.ScannedAt != nil {
		set("scanned_at", p.ScannedAt.UTC().Format(time.RFC3339))
	}
	if p.Pages > 0 {
		set("pages", strconv.Itoa(p.Pages))
	}
	if p.DPI > 0 {
		set("dpi", strconv.Itoa(p.DPI))
	}
	set("capture_sha256", p.CaptureSHA256)
	set("checks", strings.Join(p.Checks, ", "))
	return m
}

// Text is the text rendition: the pages' texts separated by form feeds.
func Text(results []PageResult) string {
	parts := make([]string, len(results))
	for i, r := range results {
		parts[i] = strings.TrimRight(r.Text, "\n")
	}
	return strings.Join(parts, "\f") + "\n"
}

// Result reports a conversion.
type Result struct {
	Pages   []PageResult
	PDF     []byte
	Elapsed time.Duration
}

// Convert runs the whole path in one process: split, recognise the pages in
// parallel (the engine's pool bounds how many run at once), assemble, write
// and self-check the PDF/A.
func Convert(ctx context.Context, eng Recognizer, jobs int, r io.ReaderAt, size int64, mediaType string, lim pageimage.Limits, meta Meta, w io.Writer) (Result, error) {
	start := time.Now()
	pages, err := Pages(r, size, mediaType, lim)
	if err != nil {
		return Result{}, err
	}
	results, err := recognizeAll(ctx, eng, jobs, pages)
	if err != nil {
		return Result{}, err
	}
	if meta.ScanProtocol != nil {
		p := *meta.ScanProtocol
		p.Pages = len(pages)
		if p.DPI == 0 && len(pages) > 0 {
			p.DPI = pageDPI(pages[0])
		}
		meta.ScanProtocol = &p
	}
	doc, err := Assemble(pages, results, meta)
	if err != nil {
		return Result{}, err
	}
	var buf bytes.Buffer
	if err := pdfa.Write(&buf, doc); err != nil {
		return Result{}, fmt.Errorf("write pdf/a: %w", err)
	}
	out := buf.Bytes()
	if err := SelfCheck(out); err != nil {
		return Result{}, err
	}
	if _, err := w.Write(out); err != nil {
		return Result{}, err
	}
	return Result{Pages: results, PDF: out, Elapsed: time.Since(start)}, nil
}

// SelfCheck runs the PDF/A self-check and turns failed rules into an error.
func SelfCheck(pdf []byte) error {
	rep, err := pdfa.Check(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		return fmt.Errorf("pdf/a self-check: %w", err)
	}
	if rep.OK() {
		return nil
	}
	var failed []string
	for _, r := range rep.Rules {
		if !r.Passed {
			failed = append(failed, r.ID+": "+r.Detail)
		}
	}
	sort.Strings(failed)
	return fmt.Errorf("pdf/a self-check failed: %s", strings.Join(failed, "; "))
}

func recognizeAll(ctx context.Context, eng Recognizer, jobs int, pages []pageimage.Page) ([]PageResult, error) {
	if jobs < 1 {
		jobs = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]PageResult, len(pages))
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	for range min(jobs, len(pages)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r, err := RecognizePage(ctx, eng, pages[i])
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					continue
				}
				results[i] = r
			}
		}()
	}
feed:
	for i := range pages {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return results, ctx.Err()
}

// ExtractText reads the text layer of a born-digital PDF with pdftotext
// (poppler-utils), pages separated by form feeds, as the text rendition of
// a document that needs no OCR.
func ExtractText(ctx context.Context, path string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pdftotext", "-enc", "UTF-8", "-layout", path, "-")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("pdftotext: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}
