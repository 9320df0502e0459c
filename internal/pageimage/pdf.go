package pageimage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/aktenfluss/aktenfluss/internal/pdfread"
)

// minCoverage is the share of the visible page the one image must cover.
// Scanners paint the image over the whole MediaBox; half leaves room for
// software that puts a scan on a page with margins, and still rejects a
// born-digital page with a logo.
const minCoverage = 0.5

// pdfConfig is the pdfcpu configuration for Open, bounded by lim.
func pdfConfig(lim Limits) *model.Configuration {
	return pdfread.Config(lim.MaxBytes, lim.MaxDecodedBytes, lim.MaxDecodedBytes)
}

// openPDF reads a scanner PDF: one image per page, no text. All pages are
// checked for that before any image is touched, so a born-digital PDF is
// ErrNotAScan even if one of its images is of an unsupported kind.
func openPDF(data []byte, lim Limits) ([]Page, error) {
	if err := checkEOFMarker(data); err != nil {
		return nil, err
	}
	ctx, err := api.ReadContext(bytes.NewReader(data), pdfConfig(lim))
	if err != nil {
		return nil, classifyPDFReadError(err)
	}
	xt := ctx.XRefTable
	if err := xt.EnsurePageCount(); err != nil {
		return nil, fmt.Errorf("pdf page tree: %w: %w", ErrBroken, short(err))
	}
	n := xt.PageCount
	if n <= 0 {
		return nil, fmt.Errorf("pdf declares %d pages: %w", n, ErrBroken)
	}
	if n > lim.MaxPages {
		return nil, fmt.Errorf("pdf has %d pages, limit is %d: %w", n, lim.MaxPages, ErrTooManyPages)
	}
	scan := contentScan{xt: xt, maxDecode: lim.MaxDecodedBytes, forms: maxFormsPerDoc}
	placed := make([]placedImage, n)
	for nr := 1; nr <= n; nr++ {
		if placed[nr-1], err = findPageImage(&scan, nr); err != nil {
			return nil, fmt.Errorf("pdf page %d: %w", nr, err)
		}
	}
	pages := make([]Page, n)
	for i, pi := range placed {
		if pages[i], err = pdfImagePage(xt, pi, lim); err != nil {
			return nil, fmt.Errorf("pdf page %d: %w", i+1, err)
		}
	}
	return pages, nil
}

// checkEOFMarker rejects truncated files. pdfcpu repairs a missing
// cross-reference table by scanning for objects, which turns a file cut off
// in transit into a PDF with missing pages; Acrobat instead requires %%EOF
// within the last 1024 bytes (PDF Reference 1.7, implementation note 18),
// and so do we (as internal/sniff does).
func checkEOFMarker(data []byte) error {
	if !bytes.HasPrefix(data, []byte("%PDF-")) && !bytes.Contains(data[:min(len(data), 1024)], []byte("%PDF-")) {
		return fmt.Errorf("pdf: no %%PDF- header: %w", ErrBroken)
	}
	if !bytes.Contains(data[max(0, len(data)-1024):], []byte("%%EOF")) {
		return fmt.Errorf("pdf truncated: no %%%%EOF in the last 1024 bytes: %w", ErrBroken)
	}
	return nil
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

// placedImage is a page's one image with where it is painted.
type placedImage struct {
	img    *types.StreamDict
	ctm    matrix
	rotate int // page /Rotate
}

// findPageImage runs the page's content and returns its single image.
func findPageImage(scan *contentScan, nr int) (placedImage, error) {
	xt := scan.xt
	d, _, inh, err := xt.PageDict(nr, false)
	if err != nil {
		return placedImage{}, fmt.Errorf("page dict: %w: %w", ErrBroken, short(err))
	}
	if inh == nil || inh.MediaBox == nil {
		return placedImage{}, fmt.Errorf("no MediaBox: %w", ErrBroken)
	}
	visible := *inh.MediaBox
	if inh.CropBox != nil {
		visible = intersect(visible, *inh.CropBox)
	}
	res := inh.Resources
	if res == nil {
		res = dictEntry(xt, d, "Resources")
	}
	content, err := pageContent(xt, d, scan.maxDecode)
	if err != nil {
		return placedImage{}, err
	}
	scan.paints, scan.text = scan.paints[:0], false
	if err := scan.run(content, res, gstate{ctm: identity}, 0); err != nil {
		return placedImage{}, err
	}
	switch {
	case scan.text:
		return placedImage{}, fmt.Errorf("text layer: %w", ErrNotAScan)
	case len(scan.paints) == 0:
		return placedImage{}, fmt.Errorf("no image: %w", ErrNotAScan)
	case len(scan.paints) > 1:
		return placedImage{}, fmt.Errorf("more than one image: %w", ErrNotAScan)
	}
	p := scan.paints[0]
	pageArea := visible.Width() * visible.Height()
	if cov := intersectArea(imageBounds(p.ctm), visible); pageArea <= 0 || cov < minCoverage*pageArea {
		return placedImage{}, fmt.Errorf("the image covers %.0f%% of the page: %w", 100*cov/math.Max(pageArea, 1), ErrNotAScan)
	}
	if p.inline {
		return placedImage{}, fmt.Errorf("page image is an inline image: %w", ErrUnsupported)
	}
	return placedImage{img: p.img, ctm: p.ctm, rotate: inh.Rotate}, nil
}

// pageContent concatenates the decoded content streams of a page.
func pageContent(xt *model.XRefTable, d types.Dict, maxDecode int64) ([]byte, error) {
	o, ok := d.Find("Contents")
	if !ok || o == nil {
		return nil, nil
	}
	o, err := xt.Dereference(o)
	if err != nil || o == nil {
		return nil, fmt.Errorf("page contents: %w: %w", ErrBroken, short(err))
	}
	var streams []types.Object
	switch v := o.(type) {
	case types.StreamDict:
		streams = []types.Object{v}
	case types.Array:
		streams = v
	default:
		return nil, fmt.Errorf("page contents is a %T: %w", o, ErrBroken)
	}
	var buf bytes.Buffer
	for i, so := range streams {
		sd, _, err := xt.DereferenceStreamDict(so)
		if err != nil {
			return nil, fmt.Errorf("content stream %d: %w: %w", i, ErrBroken, short(err))
		}
		if sd == nil {
			continue
		}
		if err := sd.DecodeWithLimit(maxDecode); err != nil {
			return nil, fmt.Errorf("content stream %d: %w: %w", i, ErrBroken, short(err))
		}
		if int64(buf.Len()+len(sd.Content)) > maxDecode {
			return nil, fmt.Errorf("page content exceeds %d bytes: %w", maxDecode, ErrTooLarge)
		}
		buf.Write(sd.Content)
		buf.WriteByte('\n') // streams of an array split only between tokens
	}
	return buf.Bytes(), nil
}

// imageBounds is the bounding box of the unit square under m.
func imageBounds(m matrix) types.Rectangle {
	r := types.Rectangle{LL: types.Point{X: math.Inf(1), Y: math.Inf(1)}, UR: types.Point{X: math.Inf(-1), Y: math.Inf(-1)}}
	for _, c := range [4][2]float64{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
		x, y := m.apply(c[0], c[1])
		r.LL.X, r.LL.Y = math.Min(r.LL.X, x), math.Min(r.LL.Y, y)
		r.UR.X, r.UR.Y = math.Max(r.UR.X, x), math.Max(r.UR.Y, y)
	}
	return r
}

func intersect(a, b types.Rectangle) types.Rectangle {
	norm := func(r types.Rectangle) types.Rectangle {
		return types.Rectangle{
			LL: types.Point{X: math.Min(r.LL.X, r.UR.X), Y: math.Min(r.LL.Y, r.UR.Y)},
			UR: types.Point{X: math.Max(r.LL.X, r.UR.X), Y: math.Max(r.LL.Y, r.UR.Y)},
		}
	}
	a, b = norm(a), norm(b)
	return types.Rectangle{
		LL: types.Point{X: math.Max(a.LL.X, b.LL.X), Y: math.Max(a.LL.Y, b.LL.Y)},
		UR: types.Point{X: math.Min(a.UR.X, b.UR.X), Y: math.Min(a.UR.Y, b.UR.Y)},
	}
}

func intersectArea(a, b types.Rectangle) float64 {
	r := intersect(a, b)
	return math.Max(0, r.UR.X-r.LL.X) * math.Max(0, r.UR.Y-r.LL.Y)
}

// placement derives resolution and orientation from the CTM the image is
// painted with: the unit square's x axis carries the image's columns, its
// y axis the rows (row 0 at y = 1).
func placement(m matrix, w, h, pageRotate int) (dpiX, dpiY float64, rotate int, err error) {
	lx, ly := math.Hypot(m[0], m[1]), math.Hypot(m[2], m[3])
	if lx == 0 || ly == 0 {
		return 0, 0, 0, fmt.Errorf("image painted with a degenerate matrix: %w", ErrNotAScan)
	}
	if m[0]*m[3]-m[1]*m[2] < 0 {
		return 0, 0, 0, fmt.Errorf("image painted mirrored: %w", ErrUnsupported)
	}
	// Clockwise angle of the image's x axis on the page (PDF's y axis
	// points up, so clockwise is negative).
	deg := -math.Atan2(m[1], m[0]) * 180 / math.Pi
	q := math.Round(deg / 90)
	if math.Abs(deg-90*q) > 2 {
		return 0, 0, 0, fmt.Errorf("image painted at %.1f°: %w", deg, ErrUnsupported)
	}
	rotate = ((int(q)*90+pageRotate)%360 + 360) % 360
	if rotate%90 != 0 {
		return 0, 0, 0, fmt.Errorf("page /Rotate %d: %w", pageRotate, ErrBroken)
	}
	return roundDPI(float64(w) * 72 / lx), roundDPI(float64(h) * 72 / ly), rotate, nil
}

// pdfColor is an image's colour space reduced to what the conversion
// needs.
type pdfColor struct {
	comps   int    // samples per pixel
	cmyk    bool   // DeviceCMYK or ICCBased N=4
	palette []byte // /Indexed: RGB triples
}

// resolveColorSpace maps the image's /ColorSpace. ICCBased profiles with
// 1 or 3 components are treated as DeviceGray/DeviceRGB: scanner profiles
// are sRGB or grey gamma, and PDF/A gets one output intent anyway.
func resolveColorSpace(xt *model.XRefTable, o types.Object, indexedOK bool) (pdfColor, error) {
	o, err := xt.Dereference(o)
	if err != nil {
		return pdfColor{}, fmt.Errorf("colour space: %w: %w", ErrBroken, short(err))
	}
	switch v := o.(type) {
	case types.Name:
		switch v {
		case "DeviceGray", "G", "CalGray":
			return pdfColor{comps: 1}, nil
		case "DeviceRGB", "RGB", "CalRGB":
			return pdfColor{comps: 3}, nil
		case "DeviceCMYK", "CMYK":
			return pdfColor{comps: 4, cmyk: true}, nil
		}
		return pdfColor{}, fmt.Errorf("colour space %s: %w", truncate(string(v), 40), ErrUnsupported)
	case types.Array:
		if len(v) == 0 {
			return pdfColor{}, fmt.Errorf("empty colour space array: %w", ErrBroken)
		}
		family, err := xt.DereferenceName(v[0], model.V10, nil)
		if err != nil {
			return pdfColor{}, fmt.Errorf("colour space family: %w: %w", ErrBroken, short(err))
		}
		switch family {
		case "DeviceGray", "DeviceRGB", "DeviceCMYK", "CalGray", "CalRGB":
			return resolveColorSpace(xt, family, indexedOK)
		case "ICCBased":
			if len(v) < 2 {
				return pdfColor{}, fmt.Errorf("ICCBased without profile: %w", ErrBroken)
			}
			sd, _, err := xt.DereferenceStreamDict(v[1])
			if err != nil || sd == nil {
				return pdfColor{}, fmt.Errorf("ICC profile stream: %w", ErrBroken)
			}
			switch n, _ := intEntry(xt, sd.Dict, "N"); n {
			case 1:
				return pdfColor{comps: 1}, nil
			case 3:
				return pdfColor{comps: 3}, nil
			case 4:
				return pdfColor{comps: 4, cmyk: true}, nil
			default:
				return pdfColor{}, fmt.Errorf("ICCBased with N=%d: %w", n, ErrBroken)
			}
		case "Indexed", "I":
			if !indexedOK || len(v) < 4 {
				return pdfColor{}, fmt.Errorf("malformed Indexed colour space: %w", ErrBroken)
			}
			return indexedColorSpace(xt, v)
		}
		return pdfColor{}, fmt.Errorf("colour space %s: %w", truncate(string(family), 40), ErrUnsupported)
	}
	return pdfColor{}, fmt.Errorf("colour space is a %T: %w", o, ErrBroken)
}

// indexedColorSpace expands [/Indexed base hival lookup] into RGB triples.
func indexedColorSpace(xt *model.XRefTable, v types.Array) (pdfColor, error) {
	base, err := resolveColorSpace(xt, v[1], false)
	if err != nil {
		return pdfColor{}, err
	}
	hival, err := xt.DereferenceInteger(v[2])
	if err != nil || hival == nil || *hival < 0 || *hival > 255 {
		return pdfColor{}, fmt.Errorf("indexed hival: %w", ErrBroken)
	}
	n := hival.Value() + 1
	var lookup []byte
	o, err := xt.Dereference(v[3])
	if err != nil {
		return pdfColor{}, fmt.Errorf("indexed lookup: %w: %w", ErrBroken, short(err))
	}
	switch l := o.(type) {
	case types.StringLiteral:
		lookup, err = types.Unescape(l.Value())
	case types.HexLiteral:
		lookup, err = l.Bytes()
	case types.StreamDict:
		if err = l.DecodeWithLimit(1 << 20); err == nil {
			lookup = l.Content
		}
	default:
		err = fmt.Errorf("lookup is a %T", o)
	}
	if err != nil {
		return pdfColor{}, fmt.Errorf("indexed lookup: %w: %w", ErrBroken, short(err))
	}
	if len(lookup) < n*base.comps {
		return pdfColor{}, fmt.Errorf("indexed lookup has %d bytes, %d colours need %d: %w", len(lookup), n, n*base.comps, ErrBroken)
	}
	// Convert the palette through sampleLayout: one row of n pixels.
	l := sampleLayout{w: n, h: 1, bpc: 8, spp: base.comps, colors: base.comps, cmyk: base.cmyk}
	if base.comps == 1 {
		l.colors, l.spp = 3, 3
		rgb := make([]byte, 3*n)
		for i := range n {
			rgb[3*i], rgb[3*i+1], rgb[3*i+2] = lookup[i], lookup[i], lookup[i]
		}
		lookup = rgb
	}
	r, err := l.toRaster(lookup)
	if err != nil {
		return pdfColor{}, err
	}
	return pdfColor{comps: 1, palette: r.pix}, nil
}

// intEntry returns an integer entry, following indirect references.
func intEntry(xt *model.XRefTable, d types.Dict, key string) (int, bool) {
	o, ok := d.Find(key)
	if !ok || o == nil {
		return 0, false
	}
	i, err := xt.DereferenceInteger(o)
	if err != nil || i == nil {
		return 0, false
	}
	return i.Value(), true
}

// decodeArray classifies /Decode: the default, or inverted ([1 0] for
// every component); anything else is an error (no scanner writes it).
func decodeArray(xt *model.XRefTable, d types.Dict, comps, bpc int, indexed bool) (inverted bool, err error) {
	o, ok := d.Find("Decode")
	if !ok || o == nil {
		return false, nil
	}
	a, err := xt.DereferenceArray(o)
	if err != nil || len(a) != 2*comps {
		return false, fmt.Errorf("/Decode array: %w", ErrBroken)
	}
	vals := make([]float64, len(a))
	for i, v := range a {
		if vals[i], err = xt.DereferenceNumber(v); err != nil {
			return false, fmt.Errorf("/Decode array: %w", ErrBroken)
		}
	}
	hi := 1.0
	if indexed {
		hi = float64(int(1)<<bpc - 1)
	}
	def, inv := true, true
	for i := 0; i < len(vals); i += 2 {
		def = def && vals[i] == 0 && vals[i+1] == hi
		inv = inv && vals[i] == hi && vals[i+1] == 0
	}
	switch {
	case def:
		return false, nil
	case inv && !indexed:
		return true, nil
	}
	return false, fmt.Errorf("/Decode %v: %w", vals, ErrUnsupported)
}

// filterParms turns a filter's DecodeParms into the Stream form: integers
// as they are, booleans as 0/1; other values (JBIG2Globals) are dropped.
func filterParms(xt *model.XRefTable, d types.Dict) map[string]int {
	if len(d) == 0 {
		return nil
	}
	m := make(map[string]int, len(d))
	for k, v := range d {
		v, err := xt.Dereference(v)
		if err != nil {
			continue
		}
		switch v := v.(type) {
		case types.Integer:
			m[k] = v.Value()
		case types.Boolean:
			m[k] = 0
			if v.Value() {
				m[k] = 1
			}
		}
	}
	return m
}

// pdfImagePage turns a page's image XObject into a Page: the stream as it
// is when its final filter is CCITT, DCT or Flate in a layout PDF/A and
// the OCR side can use, decoded and re-encoded otherwise.
func pdfImagePage(xt *model.XRefTable, pi placedImage, lim Limits) (Page, error) {
	d := pi.img.Dict
	w, okW := intEntry(xt, d, "Width")
	h, okH := intEntry(xt, d, "Height")
	if !okW || !okH {
		return Page{}, fmt.Errorf("image without Width/Height: %w", ErrBroken)
	}
	imageMask := false
	if o, ok := d.Find("ImageMask"); ok {
		if b, err := xt.DereferenceBoolean(o, model.V10); err == nil && b != nil {
			imageMask = b.Value()
		}
	}
	bpc, _ := intEntry(xt, d, "BitsPerComponent")
	var cs pdfColor
	if imageMask {
		// A stencil mask paints the fill colour (black in scans) where a
		// sample is 0 and leaves the page white elsewhere: as an image,
		// it is 1-bit DeviceGray.
		bpc, cs = 1, pdfColor{comps: 1}
	} else {
		o, ok := d.Find("ColorSpace")
		if !ok {
			return Page{}, fmt.Errorf("image without ColorSpace: %w", ErrBroken)
		}
		var err error
		if cs, err = resolveColorSpace(xt, o, true); err != nil {
			return Page{}, err
		}
	}
	switch bpc {
	case 1, 2, 4, 8, 16:
	default:
		return Page{}, fmt.Errorf("image with %d bits per component: %w", bpc, ErrBroken)
	}
	if err := lim.checkPage(w, h, cs.comps*bpc); err != nil {
		return Page{}, err
	}
	inverted, err := decodeArray(xt, d, cs.comps, bpc, cs.palette != nil)
	if err != nil {
		return Page{}, err
	}
	p := Page{Width: w, Height: h}
	if p.DPIX, p.DPIY, p.Rotate, err = placement(pi.ctm, w, h, pi.rotate); err != nil {
		return Page{}, err
	}

	// Decode all filters but the last; the last one decides.
	fpl := pi.img.FilterPipeline
	data := pi.img.Raw
	for i := 0; i+1 < len(fpl); i++ {
		if data, err = runFilter(xt, fpl[i], data, -1, lim.MaxDecodedBytes); err != nil {
			return Page{}, err
		}
	}
	var last types.PDFFilter
	if len(fpl) > 0 {
		last = fpl[len(fpl)-1]
	}
	parms := filterParms(xt, last.DecodeParms)
	layout := sampleLayout{w: w, h: h, bpc: bpc, spp: cs.comps, colors: cs.comps, cmyk: cs.cmyk, palette: cs.palette, inverted: inverted}
	if cs.palette != nil {
		layout.colors = 1
	}
	plain := cs.palette == nil && !cs.cmyk && !inverted && (cs.comps == 1 || cs.comps == 3)

	switch last.Name {
	case filter.DCT:
		info, err := parseJPEG(data)
		if err != nil {
			return Page{}, err
		}
		if info.width != w || info.height != h {
			return Page{}, fmt.Errorf("jpeg is %dx%d, image dictionary says %dx%d: %w", info.width, info.height, w, h, ErrBroken)
		}
		// CMYK and inverted JPEGs would have to be decoded and converted;
		// scanners write neither into PDFs.
		if err := info.checkDCT(); err != nil {
			return Page{}, fmt.Errorf("dct image: %w", err)
		}
		switch {
		case cs.cmyk:
			return Page{}, fmt.Errorf("cmyk jpeg: %w", ErrUnsupported)
		case inverted:
			return Page{}, fmt.Errorf("jpeg with /Decode [1 0]: %w", ErrUnsupported)
		case cs.palette != nil || info.comps != cs.comps || bpc != 8:
			return Page{}, fmt.Errorf("jpeg with %d components in a %d-component colour space: %w", info.comps, cs.comps, ErrBroken)
		}
		var dp map[string]int
		if ct, ok := parms["ColorTransform"]; ok {
			dp = map[string]int{"ColorTransform": ct}
		}
		p.Stream = Stream{Filter: FilterDCT, DecodeParms: dp, ColorSpace: colorSpaceName(cs.comps), BitsPerComponent: 8, Data: data}
		p.Mode = ModeGray
		if cs.comps == 3 {
			p.Mode = ModeColor
		}
		return p, nil

	case filter.CCITTFax:
		if bpc != 1 || cs.comps != 1 || cs.palette != nil {
			return Page{}, fmt.Errorf("ccitt image with %d components of %d bits: %w", cs.comps, bpc, ErrBroken)
		}
		if parms == nil {
			parms = map[string]int{}
		}
		if c, ok := parms["Columns"]; (ok && c != w) || (!ok && w != 1728) {
			return Page{}, fmt.Errorf("ccitt Columns %d, image is %d wide: %w", c, w, ErrBroken)
		}
		if inverted { // /Decode [1 0] on 1-bit CCITT output is BlackIs1 flipped
			parms["BlackIs1"] = 1 - parms["BlackIs1"]
		}
		if parms["K"] >= 0 || parms["EncodedByteAlign"] != 0 {
			// Not plain G4: OCR has to decode it, so make sure now that it
			// can, instead of failing after archiving.
			probe := Stream{Filter: FilterCCITT, DecodeParms: parms, BitsPerComponent: 1}
			if _, err := decodeCCITTForOCR(probe, w, h); err != nil {
				return Page{}, fmt.Errorf("ccitt group 3 variant: %w", errors.Join(ErrUnsupported, short(err)))
			}
		}
		p.Stream = Stream{Filter: FilterCCITT, DecodeParms: parms, ColorSpace: ColorSpaceGray, BitsPerComponent: 1, Data: data}
		p.Mode = ModeBilevel
		return p, nil

	case filter.Flate:
		if plain && (bpc == 8 || (bpc == 1 && cs.comps == 1)) {
			s := Stream{Filter: FilterFlate, DecodeParms: parms, ColorSpace: colorSpaceName(cs.comps), BitsPerComponent: bpc, Data: data}
			if pred := parms["Predictor"]; pred <= 1 || pngLayout(s, w) {
				p.Stream = s
				p.Mode = modeOf(bpc, cs.comps)
				return p, nil
			}
		}
	case "", filter.LZW, filter.RunLength, filter.ASCII85, filter.ASCIIHex:
	case filter.JBIG2, filter.JPX:
		return Page{}, fmt.Errorf("%s image: %w", last.Name, ErrUnsupported)
	default:
		return Page{}, fmt.Errorf("image filter %s: %w", truncate(last.Name, 40), ErrUnsupported)
	}

	// Decode the last filter too and re-encode the samples.
	want := int64(layout.rowBytes()) * int64(h)
	if last.Name != "" {
		if data, err = runFilter(xt, last, data, want, lim.MaxDecodedBytes); err != nil {
			return Page{}, err
		}
	}
	r, err := layout.toRaster(data)
	if err != nil {
		return Page{}, err
	}
	if p.Stream, err = r.stream(); err != nil {
		return Page{}, err
	}
	p.Mode = r.mode
	return p, nil
}

// runFilter decodes data with one PDF filter; want >= 0 stops after that
// many bytes (and requires them).
func runFilter(xt *model.XRefTable, f types.PDFFilter, data []byte, want, limit int64) ([]byte, error) {
	fi, err := filter.NewFilter(f.Name, filterParms(xt, f.DecodeParms), limit)
	if err != nil {
		if errors.Is(err, filter.ErrUnsupportedFilter) {
			return nil, fmt.Errorf("filter %s: %w", truncate(f.Name, 40), ErrUnsupported)
		}
		return nil, fmt.Errorf("filter %s: %w: %w", truncate(f.Name, 40), ErrUnsupported, short(err))
	}
	var out []byte
	if want >= 0 {
		r, err := fi.DecodeLength(bytes.NewReader(data), want)
		if err != nil {
			return nil, fmt.Errorf("filter %s: %w: %w", f.Name, ErrBroken, short(err))
		}
		out, err = readAllLimited(r, want)
		if err != nil || int64(len(out)) < want {
			return nil, fmt.Errorf("filter %s: image data ends early: %w", f.Name, ErrBroken)
		}
		return out, nil
	}
	r, err := fi.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("filter %s: %w: %w", f.Name, ErrBroken, short(err))
	}
	if out, err = readAllLimited(r, limit); err != nil {
		return nil, fmt.Errorf("filter %s: %w", f.Name, err)
	}
	return out, nil
}

func colorSpaceName(comps int) string {
	if comps == 3 {
		return ColorSpaceRGB
	}
	return ColorSpaceGray
}

func modeOf(bpc, comps int) Mode {
	switch {
	case comps == 3:
		return ModeColor
	case bpc == 1:
		return ModeBilevel
	}
	return ModeGray
}

// readAllLimited reads r to the end, failing beyond limit bytes.
func readAllLimited(r io.Reader, limit int64) ([]byte, error) {
	if b, ok := r.(*bytes.Buffer); ok && int64(b.Len()) <= limit {
		return b.Bytes(), nil
	}
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBroken, short(err))
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("decoded data exceeds %d bytes: %w", limit, ErrTooLarge)
	}
	return out, nil
}
