package extracteval

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/aktenfluss/aktenfluss/internal/ocr"
	"github.com/aktenfluss/aktenfluss/internal/pageimage"
)

// Truth is the part of a scangen truth.json the scoring reads.
type Truth struct {
	Sender            string   `json:"sender"`
	SenderAddress     string   `json:"sender_address"`
	Date              string   `json:"date"`
	Aktenzeichen      string   `json:"aktenzeichen"`
	AktenzeichenLabel string   `json:"aktenzeichen_label"`
	OurReference      string   `json:"our_reference"`
	Subject           string   `json:"subject"`
	IBAN              *string  `json:"iban"`
	Amount            *float64 `json:"amount"`
	InvoiceNumber     *string  `json:"invoice_number"`
	ReceivedStamp     *string  `json:"received_stamp_date"`
	DocType           string   `json:"doc_type"`
}

// Doc is one document of the corpus.
type Doc struct {
	ID     string
	Dir    string
	Fields Truth
	// Pages is the exact text of each page, in reading order.
	Pages []string
}

// Text is the truth text as a born-digital PDF would give it: pages
// separated by form feeds.
func (d Doc) Text() string { return strings.Join(d.Pages, "\f") }

// Load reads every DIR/*/truth.json, sorted by folder name.
func Load(dir string) ([]Doc, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*", "truth.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var docs []Doc
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var t struct {
			ID     string `json:"id"`
			Fields Truth  `json:"fields"`
			Pages  []struct {
				Text string `json:"text"`
			} `json:"pages"`
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		d := Doc{ID: t.ID, Dir: filepath.Dir(p), Fields: t.Fields}
		if d.ID == "" {
			d.ID = filepath.Base(d.Dir)
		}
		for _, pg := range t.Pages {
			d.Pages = append(d.Pages, pg.Text)
		}
		docs = append(docs, d)
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("no documents (DIR/*/truth.json) in %s: %w", dir, os.ErrNotExist)
	}
	return docs, nil
}

// Recognizer is what OCR needs of an ocr.Engine.
type Recognizer interface {
	Recognize(ctx context.Context, img ocr.Image) (ocr.Page, error)
}

// OCR recognises every page of every document's scan.pdf, jobs pages at a
// time (pages of all documents share one queue, so one-page letters keep
// every engine busy). The result is indexed like docs.
func OCR(ctx context.Context, eng Recognizer, docs []Doc, jobs int) ([][]ocr.Page, error) {
	type job struct {
		doc  int
		page pageimage.Page
	}
	out := make([][]ocr.Page, len(docs))
	var all []job
	for i, d := range docs {
		f, err := os.Open(filepath.Join(d.Dir, "scan.pdf"))
		if err != nil {
			return nil, err
		}
		fi, err := f.Stat()
		if err != nil {
			_ = f.Close()
			return nil, err
		}
		pages, err := pageimage.Open(f, fi.Size(), "application/pdf", pageimage.DefaultLimits())
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.ID, err)
		}
		out[i] = make([]ocr.Page, len(pages))
		for _, p := range pages {
			all = append(all, job{doc: i, page: p})
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan job)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	for range max(jobs, 1) {
		wg.Go(func() {
			for j := range work {
				img, err := j.page.OCRImage()
				if err != nil {
					fail(fmt.Errorf("%s page %d: %w", docs[j.doc].ID, j.page.Index+1, err))
					continue
				}
				dpi := 300
				if j.page.DPIX >= 50 {
					dpi = int(math.Round(j.page.DPIX))
				}
				got, err := eng.Recognize(ctx, ocr.Image{Data: img.Data, Width: j.page.Width, Height: j.page.Height, DPI: dpi})
				if err != nil {
					fail(fmt.Errorf("%s: ocr page %d: %w", docs[j.doc].ID, j.page.Index+1, err))
					continue
				}
				out[j.doc][j.page.Index] = got
			}
		})
	}
	for _, j := range all {
		select {
		case work <- j:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, ctx.Err()
}
