package sniff

import (
	"errors"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// ErrNoEInvoice is returned by EmbeddedInvoice for a PDF that carries no
// e-invoice XML: a plain PDF, not a failure.
var ErrNoEInvoice = errors.New("pdf carries no e-invoice xml")

// EmbeddedInvoice returns the e-invoice XML a hybrid PDF (ZUGFeRD 2.x,
// Factur-X, XRechnung in PDF/A-3) carries as an associated or embedded file,
// with its attachment name. The PDF itself stays the rendering; the XML is
// the legal original. Sizes are bounded by o (zero fields: defaults).
func (o Options) EmbeddedInvoice(r io.ReaderAt, size int64) (name string, xml []byte, err error) {
	o = o.withDefaults()
	if size > o.MaxPDFBytes {
		return "", nil, fmt.Errorf("pdf of %d bytes exceeds limit of %d: %w", size, o.MaxPDFBytes, ErrTooLarge)
	}
	if err := checkEOFMarker(r, size); err != nil {
		return "", nil, err
	}
	defer func() {
		var res Result
		recoverParser(&res, &err, "pdf attachment")
		if err != nil {
			name, xml = "", nil
		}
	}()

	ctx, err := api.ReadContext(io.NewSectionReader(r, 0, size), pdfConfig(o))
	if err != nil {
		return "", nil, classifyPDFReadError(err)
	}
	name, spec := findEInvoiceAttachment(ctx.XRefTable)
	if name == "" {
		return "", nil, ErrNoEInvoice
	}
	xml, err = embeddedFileContent(ctx.XRefTable, spec, o.MaxXMLBytes)
	if err != nil {
		return "", nil, fmt.Errorf("embedded %s: %w", truncate(name, 100), err)
	}
	return name, xml, nil
}

// EmbeddedInvoice is Options.EmbeddedInvoice with the default limits.
func EmbeddedInvoice(r io.ReaderAt, size int64) (string, []byte, error) {
	return DefaultOptions().EmbeddedInvoice(r, size)
}

// embeddedFileContent decodes the stream a file specification embeds
// (/EF /F, or /UF when /F is absent), refusing more than limit bytes.
func embeddedFileContent(xt *model.XRefTable, spec types.Dict, limit int64) ([]byte, error) {
	efObj, ok := spec.Find("EF")
	if !ok {
		return nil, fmt.Errorf("no /EF: %w", ErrBroken)
	}
	ef, err := xt.DereferenceDict(efObj)
	if err != nil || ef == nil {
		return nil, fmt.Errorf("/EF: %w", ErrBroken)
	}
	obj, ok := ef.Find("F")
	if !ok {
		if obj, ok = ef.Find("UF"); !ok {
			return nil, fmt.Errorf("/EF has no /F: %w", ErrBroken)
		}
	}
	sd, _, err := xt.DereferenceStreamDict(obj)
	if err != nil || sd == nil {
		return nil, fmt.Errorf("embedded file stream: %w", ErrBroken)
	}
	if l := sd.StreamLength; l != nil && *l > limit {
		return nil, fmt.Errorf("embedded file of %d bytes exceeds %d: %w", *l, limit, ErrTooLarge)
	}
	// Decode with the limit, not after it: a few kilobytes of Flate can
	// inflate to gigabytes.
	if err := sd.DecodeWithLimit(limit); err != nil {
		if errors.Is(err, filter.ErrDecodeLimitExceeded) {
			return nil, fmt.Errorf("embedded file decodes to more than %d bytes: %w", limit, ErrTooLarge)
		}
		return nil, fmt.Errorf("decode embedded file: %w: %w", ErrBroken, short(err))
	}
	if int64(len(sd.Content)) > limit {
		return nil, fmt.Errorf("embedded file of %d bytes exceeds %d: %w", len(sd.Content), limit, ErrTooLarge)
	}
	return sd.Content, nil
}
