package sniff

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/aktenfluss/aktenfluss/internal/pdfread"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// eInvoiceAttachments are the file names under which hybrid invoices embed
// their XML (compared case-insensitively): Factur-X / ZUGFeRD 2.1+,
// the ZUGFeRD XRECHNUNG profile, ZUGFeRD 2.0 and ZUGFeRD 1.0
// ("ZUGFeRD-invoice.xml" is the 1.0 spelling of the same name).
var eInvoiceAttachments = []string{"factur-x.xml", "xrechnung.xml", "zugferd-invoice.xml"}

// Walk limits for the PDF object graph, independent of Options because they
// only guard against malicious structure, never against real documents.
const (
	maxNameTreeDepth = 32
	maxNameTreeNodes = 10000
	maxFormDepth     = 8
	maxFormsPerDoc   = 256
)

// pdfConfig is the pdfcpu configuration for Detect, bounded by o.
func pdfConfig(o Options) *model.Configuration {
	return pdfread.Config(o.MaxPDFBytes, o.MaxPDFDecodeBytes, o.MaxPDFDecodeBytes)
}

// detectPDF reads the PDF with pdfcpu (relaxed validation, no password),
// looks for an embedded e-invoice XML and otherwise searches the first
// pages for a text layer.
func detectPDF(r io.ReaderAt, size int64, o Options) (res Result, err error) {
	if size > o.MaxPDFBytes {
		return Result{}, fmt.Errorf("pdf of %d bytes exceeds limit of %d: %w", size, o.MaxPDFBytes, ErrTooLarge)
	}
	if err := checkEOFMarker(r, size); err != nil {
		return Result{}, err
	}
	defer recoverParser(&res, &err, "pdf")

	ctx, err := api.ReadContext(io.NewSectionReader(r, 0, size), pdfConfig(o))
	if err != nil {
		return Result{}, classifyPDFReadError(err)
	}
	xt := ctx.XRefTable
	if err := xt.EnsurePageCount(); err != nil {
		return Result{}, fmt.Errorf("pdf page tree: %w: %w", ErrBroken, short(err))
	}
	pages := xt.PageCount
	if pages <= 0 {
		return Result{}, fmt.Errorf("pdf declares %d pages: %w", pages, ErrBroken)
	}
	if pages > o.MaxPages {
		return Result{}, fmt.Errorf("pdf has %d pages, limit is %d: %w", pages, o.MaxPages, ErrTooLarge)
	}
	pagesDetail := "PDF " + plural(pages, "page")

	if name, _ := findEInvoiceAttachment(xt); name != "" {
		return Result{
			Kind:        records.KindPDFEInvoice,
			Detail:      pagesDetail + ", embedded " + truncate(name, 100),
			Pages:       pages,
			EmbeddedXML: name,
		}, nil
	}

	s := textScan{xt: xt, maxDecode: o.MaxPDFDecodeBytes, formBudget: maxFormsPerDoc}
	for nr := 1; nr <= min(pages, o.TextScanPages); nr++ {
		if err := s.page(nr); err != nil {
			return Result{}, fmt.Errorf("pdf: %w: %w", ErrBroken, short(err))
		}
		if s.stats.visibleText+s.stats.invisibleText > 0 {
			break
		}
	}
	switch {
	case s.stats.visibleText > 0:
		return Result{Kind: records.KindPDFText, Detail: pagesDetail + ", text layer", Pages: pages}, nil
	case s.stats.invisibleText > 0:
		// An OCR'd scan: the image is what one sees, invisible text
		// (render mode 3) on top makes it searchable. It has a text layer.
		return Result{Kind: records.KindPDFText, Detail: pagesDetail + ", invisible text layer (OCR)", Pages: pages}, nil
	}
	return Result{Kind: records.KindPDFScan, Detail: pagesDetail + ", no text layer", Pages: pages}, nil
}

// checkEOFMarker rejects truncated files. pdfcpu repairs a missing
// cross-reference table by scanning for objects, which turns a file cut off
// in transit into a PDF with blank pages; Acrobat instead requires %%EOF
// within the last 1024 bytes (PDF Reference 1.7, implementation note 18),
// and so do we.
func checkEOFMarker(r io.ReaderAt, size int64) error {
	n := min(size, 1024)
	tail := make([]byte, n)
	if _, err := r.ReadAt(tail, size-n); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("pdf read trailer: %w: %w", ErrBroken, short(err))
	}
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return fmt.Errorf("pdf truncated: no %%%%EOF in the last %d bytes: %w", n, ErrBroken)
	}
	return nil
}

// recoverParser turns a panic inside pdfcpu into ErrBroken: the parser is
// third-party code fed hostile input, and one bad file must not take the
// worker down.
func recoverParser(res *Result, err *error, what string) {
	if p := recover(); p != nil {
		*res = Result{}
		*err = fmt.Errorf("%s parser panic: %s: %w", what, truncate(fmt.Sprint(p), 200), ErrBroken)
	}
}

func classifyPDFReadError(err error) error {
	switch {
	case errors.Is(err, pdfcpu.ErrWrongPassword),
		errors.Is(err, pdfcpu.ErrEncrypted),
		errors.Is(err, pdfcpu.ErrPermissionDenied):
		return fmt.Errorf("pdf needs a password to open: %w: %w", ErrEncrypted, short(err))
	case errors.Is(err, pdfcpu.ErrUnsupportedEncryptionFeature):
		return fmt.Errorf("pdf security handler not supported: %w: %w", ErrEncrypted, short(err))
	}
	return fmt.Errorf("pdf read: %w: %w", ErrBroken, short(err))
}

// findEInvoiceAttachment returns the name of an embedded e-invoice XML, or
// "". It looks at the catalog's associated files (/AF, PDF/A-3) and the
// EmbeddedFiles name tree; ZUGFeRD and Factur-X require both, but real
// producers sometimes write only one. Malformed attachment structures are
// skipped, not fatal: they do not stop the PDF from being a PDF.
func findEInvoiceAttachment(xt *model.XRefTable) (string, types.Dict) {
	cat, err := xt.Catalog()
	if err != nil || cat == nil {
		return "", nil
	}
	f := attachmentFinder{xt: xt, visited: make(map[int]bool)}

	if o, ok := cat.Find("AF"); ok {
		if a, err := xt.DereferenceArray(o); err == nil {
			for _, fs := range a {
				if name, spec := f.fileSpecMatch(fs, ""); name != "" {
					return name, spec
				}
			}
		}
	}
	if o, ok := cat.Find("Names"); ok {
		if names, err := xt.DereferenceDict(o); err == nil && names != nil {
			if tree, ok := names.Find("EmbeddedFiles"); ok {
				return f.nameTree(tree, 0)
			}
		}
	}
	return "", nil
}

type attachmentFinder struct {
	xt      *model.XRefTable
	visited map[int]bool // name tree nodes by object number
	nodes   int
}

// nameTree walks a name tree node (ISO 32000-1, 7.9.6) depth-first.
func (f *attachmentFinder) nameTree(o types.Object, depth int) (string, types.Dict) {
	if depth > maxNameTreeDepth || f.nodes >= maxNameTreeNodes {
		return "", nil
	}
	f.nodes++
	if ref, ok := o.(types.IndirectRef); ok {
		nr := ref.ObjectNumber.Value()
		if f.visited[nr] {
			return "", nil
		}
		f.visited[nr] = true
	}
	d, err := f.xt.DereferenceDict(o)
	if err != nil || d == nil {
		return "", nil
	}
	if o, ok := d.Find("Names"); ok {
		if a, err := f.xt.DereferenceArray(o); err == nil {
			for i := 0; i+1 < len(a); i += 2 {
				key, _ := f.xt.DereferenceStringOrHexLiteral(a[i], model.V10, nil)
				if name, spec := f.fileSpecMatch(a[i+1], key); name != "" {
					return name, spec
				}
			}
		}
	}
	if o, ok := d.Find("Kids"); ok {
		if a, err := f.xt.DereferenceArray(o); err == nil {
			for _, kid := range a {
				if name, spec := f.nameTree(kid, depth+1); name != "" {
					return name, spec
				}
			}
		}
	}
	return "", nil
}

// fileSpecMatch returns the first of the name tree key, /UF and /F that is
// an e-invoice attachment name, provided the file specification really
// embeds a file (/EF); a reference to an external file does not count.
func (f *attachmentFinder) fileSpecMatch(o types.Object, key string) (string, types.Dict) {
	d, err := f.xt.DereferenceDict(o)
	if err != nil || d == nil {
		return "", nil
	}
	if _, ok := d.Find("EF"); !ok {
		return "", nil
	}
	candidates := []string{key}
	for _, k := range []string{"UF", "F"} {
		if v, ok := d.Find(k); ok {
			if s, err := f.xt.DereferenceStringOrHexLiteral(v, model.V10, nil); err == nil {
				candidates = append(candidates, s)
			}
		}
	}
	for _, c := range candidates {
		base := c[strings.LastIndexAny(c, `/\`)+1:]
		for _, want := range eInvoiceAttachments {
			if strings.EqualFold(base, want) {
				return base, d
			}
		}
	}
	return "", nil
}
