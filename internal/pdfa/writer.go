package pdfa

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// staticParts are the byte blobs every document shares: the ICC profile,
// the glyphless font and its CIDToGIDMap, already compressed. They depend on
// nothing but this source file, so they are built once per process (the
// best-compression pass over the 128 KiB CID map would otherwise dominate
// the time of writing a short document). Never mutated after construction.
type staticParts struct {
	icc, iccZ       []byte
	font, fontZ     []byte
	cidMapZ         []byte
	outputCondition string
}

var static = sync.OnceValue(func() staticParts {
	icc := srgbICC()
	font := glyphlessTrueType()
	cmap := cidToGIDMap()
	return staticParts{
		icc: icc, iccZ: deflate(icc, flate.BestCompression),
		font: font, fontZ: deflate(font, flate.BestCompression),
		cidMapZ:         deflate(cmap, flate.BestCompression),
		outputCondition: "sRGB IEC61966-2.1",
	}
})

func deflate(b []byte, level int) []byte {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, level) // only fails for an invalid level
	zw.Write(b)                               // writes to a bytes.Buffer cannot fail
	zw.Close()
	return buf.Bytes()
}

// Write writes doc as PDF/A-2b (PDF/A-3b with attachments) to w. The output
// depends only on doc: the same document yields the same bytes, trailer ID
// included.
func Write(w io.Writer, doc Document) error {
	if err := doc.validate(); err != nil {
		return err
	}
	doc = doc.cleaned()
	part, level := doc.Conformance()

	pw := newPDFWriter(w)
	st := static()
	pw.raw("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")

	catalog, pagesRef, info, meta, icc := pw.alloc(), pw.alloc(), pw.alloc(), pw.alloc(), pw.alloc()
	hasText := false
	for _, p := range doc.Pages {
		hasText = hasText || len(p.Words) > 0
	}
	var font0, cidFont, fontDesc, fontFile, cidMap, toUnicode int
	if hasText {
		font0, cidFont, fontDesc, fontFile, cidMap, toUnicode = pw.alloc(), pw.alloc(), pw.alloc(), pw.alloc(), pw.alloc(), pw.alloc()
	}

	vfonts, vindex := collectVectorFonts(doc.Pages)
	for _, vf := range vfonts {
		vf.type0, vf.cid, vf.desc, vf.file, vf.toUnicode = pw.alloc(), pw.alloc(), pw.alloc(), pw.alloc(), pw.alloc()
	}

	enc := newCIDEncoder()
	z := newDeflater()
	done := make(chan struct{})
	defer close(done)
	wrapped := wrapImagesAhead(doc.Pages, done)
	kids := make([]int, len(doc.Pages))
	var content []byte
	for i, p := range doc.Pages {
		pageRef, contentRef := pw.alloc(), pw.alloc()
		kids[i] = pageRef
		imgRef := 0
		if len(p.Image.Data) == 0 {
			wrapped.next() // keep the page index in step
		} else {
			imgRef = pw.alloc()
			pw.imageXObject(imgRef, p.Image, wrapped.next())
		}
		content = content[:0]
		if imgRef != 0 {
			content = append(content, "q "...)
			content = appendNum(content, p.WidthPt, 3)
			content = append(content, " 0 0 "...)
			content = appendNum(content, p.HeightPt, 3)
			content = append(content, " 0 0 cm /Im0 Do Q\n"...)
		}
		content = appendTextLayer(content, p, enc)
		if p.Canvas != nil && len(p.Canvas.buf) > 0 {
			content = append(content, "q\n"...)
			content = append(content, p.Canvas.buf...)
			content = append(content, "Q\n"...)
		}
		pw.stream(contentRef, "/Filter /FlateDecode", z.compress(content))

		var d strings.Builder
		d.WriteString("<< /Type /Page /Parent " + ref(pagesRef) + " /MediaBox [0 0 ")
		d.Write(appendNum(nil, p.WidthPt, 3))
		d.WriteByte(' ')
		d.Write(appendNum(nil, p.HeightPt, 3))
		d.WriteString("]")
		if r := ((p.Rotate % 360) + 360) % 360; r != 0 {
			d.WriteString(" /Rotate " + strconv.Itoa(r))
		}
		d.WriteString(" /Resources <<")
		if imgRef != 0 {
			d.WriteString(" /XObject << /Im0 " + ref(imgRef) + " >>")
		}
		textLayer := hasText && len(p.Words) > 0
		if textLayer || p.Canvas != nil && len(p.Canvas.fonts) > 0 {
			d.WriteString(" /Font <<")
			if textLayer {
				d.WriteString(" /F1 " + ref(font0))
			}
			if p.Canvas != nil {
				for j, f := range p.Canvas.fonts {
					d.WriteString(" /V" + strconv.Itoa(j+1) + " " + ref(vindex[f].type0))
				}
			}
			d.WriteString(" >>")
		}
		d.WriteString(" >> /Contents " + ref(contentRef) + " >>")
		pw.object(pageRef, d.String())
	}

	if hasText {
		pw.object(font0, "<< /Type /Font /Subtype /Type0 /BaseFont /"+glyphFontName+
			" /Encoding /Identity-H /DescendantFonts ["+ref(cidFont)+"] /ToUnicode "+ref(toUnicode)+" >>")
		pw.object(cidFont, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /"+glyphFontName+
			" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"+
			" /FontDescriptor "+ref(fontDesc)+" /DW "+strconv.Itoa(glyphAdvance)+" /CIDToGIDMap "+ref(cidMap)+" >>")
		pw.object(fontDesc, fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 5 /FontBBox [0 %d %d %d]"+
			" /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV 80 /FontFile2 %s >>",
			glyphFontName, glyphDescent, glyphAdvance, glyphAscent, glyphAscent, glyphDescent, glyphAscent-100, ref(fontFile)))
		pw.stream(fontFile, "/Length1 "+strconv.Itoa(len(st.font))+" /Filter /FlateDecode", st.fontZ)
		pw.stream(cidMap, "/Filter /FlateDecode", st.cidMapZ)
		pw.stream(toUnicode, "/Filter /FlateDecode", z.compress(enc.toUnicodeCMap()))
	}

	for _, vf := range vfonts {
		vf.write(pw, z)
	}

	var afRefs []int
	var names []nameEntry
	for _, a := range doc.Attachments {
		if a.Modified.IsZero() {
			a.Modified = doc.Modified // validate made sure one of them is set
		}
		fs, ef := pw.alloc(), pw.alloc()
		pw.embeddedFile(ef, a, z)
		rel := a.Relationship
		if rel == "" {
			rel = "Unspecified"
		}
		d := "<< /Type /Filespec /F " + pdfString(asciiFileName(a.Name)) + " /UF " + pdfString(a.Name)
		if a.Description != "" {
			d += " /Desc " + pdfString(a.Description)
		}
		d += " /AFRelationship /" + rel + " /EF << /F " + ref(ef) + " /UF " + ref(ef) + " >> >>"
		pw.object(fs, d)
		afRefs = append(afRefs, fs)
		names = append(names, nameEntry{key: textStringBytes(a.Name), ref: fs})
	}

	pw.stream(meta, "/Type /Metadata /Subtype /XML", buildXMP(doc, part, level))
	pw.stream(icc, "/N 3 /Filter /FlateDecode", st.iccZ)
	pw.object(info, infoDict(doc))

	var c strings.Builder
	c.WriteString("<< /Type /Catalog /Pages " + ref(pagesRef) + " /Metadata " + ref(meta))
	c.WriteString(" /OutputIntents [<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier " +
		pdfString(st.outputCondition) + " /RegistryName (http://www.color.org) /Info " +
		pdfString(st.outputCondition) + " /DestOutputProfile " + ref(icc) + " >>]")
	if doc.Language != "" {
		c.WriteString(" /Lang " + pdfString(doc.Language))
	}
	if doc.Title != "" {
		c.WriteString(" /ViewerPreferences << /DisplayDocTitle true >>")
	}
	if len(afRefs) > 0 {
		// Name tree keys must be sorted by their bytes (PDF 32000-1, 7.9.6).
		sort.Slice(names, func(i, j int) bool { return names[i].key < names[j].key })
		c.WriteString(" /AF [")
		for i, r := range afRefs {
			if i > 0 {
				c.WriteByte(' ')
			}
			c.WriteString(ref(r))
		}
		c.WriteString("] /Names << /EmbeddedFiles << /Names [")
		for i, n := range names {
			if i > 0 {
				c.WriteByte(' ')
			}
			c.WriteString(pdfStringBytes(n.key) + " " + ref(n.ref))
		}
		c.WriteString("] >> >>")
	}
	c.WriteString(" >>")
	pw.object(catalog, c.String())

	var k strings.Builder
	k.WriteString("<< /Type /Pages /Kids [")
	for i, r := range kids {
		if i > 0 {
			k.WriteByte(' ')
		}
		k.WriteString(ref(r))
	}
	k.WriteString("] /Count " + strconv.Itoa(len(kids)) + " >>")
	pw.object(pagesRef, k.String())

	return pw.finish(catalog, info)
}

type nameEntry struct {
	key string // raw bytes of the PDF text string
	ref int
}

// cleaned returns a copy with defaults applied and metadata reduced to
// characters that both the Info dictionary and XMP can carry.
func (d Document) cleaned() Document {
	d.Title, d.Author, d.Subject = cleanText(d.Title), cleanText(d.Author), cleanText(d.Subject)
	d.Creator, d.Producer, d.Language = cleanText(d.Creator), cleanText(d.Producer), cleanText(d.Language)
	if d.Producer == "" {
		d.Producer = DefaultProducer
	}
	if len(d.Keywords) > 0 {
		kw := make([]string, 0, len(d.Keywords))
		for _, k := range d.Keywords {
			if k = cleanText(k); k != "" {
				kw = append(kw, k)
			}
		}
		d.Keywords = kw
	}
	if len(d.ExtraXMP) > 0 {
		x := make(map[string]string, len(d.ExtraXMP))
		for k, v := range d.ExtraXMP {
			x[k] = cleanText(v)
		}
		d.ExtraXMP = x
	}
	if d.Modified.IsZero() {
		d.Modified = d.Created
	}
	// PDF dates have one-second resolution; XMP would keep nanoseconds
	// and the two would disagree.
	d.Created, d.Modified = d.Created.Truncate(time.Second), d.Modified.Truncate(time.Second)
	return d
}

func infoDict(d Document) string {
	var b strings.Builder
	b.WriteString("<<")
	add := func(key, val string) {
		if val != "" {
			b.WriteString(" /" + key + " " + pdfString(val))
		}
	}
	add("Title", d.Title)
	add("Author", d.Author)
	add("Subject", d.Subject)
	add("Keywords", joinKeywords(d.Keywords))
	add("Creator", d.Creator)
	add("Producer", d.Producer)
	if !d.Created.IsZero() {
		add("CreationDate", pdfDate(d.Created))
	}
	if !d.Modified.IsZero() {
		add("ModDate", pdfDate(d.Modified))
	}
	b.WriteString(" >>")
	return b.String()
}

// pdfWriter writes numbered objects and remembers their offsets for the
// cross-reference table. Everything written also goes through SHA-256, from
// which the trailer ID is taken: deterministic, and different for every
// different file.
type pdfWriter struct {
	bw      *bufio.Writer
	cw      *countingWriter
	offsets []int64 // by object number; 0 is the free-list head
	hdr     []byte
}

type countingWriter struct {
	w   io.Writer
	h   hash.Hash
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	c.h.Write(p)
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

func newPDFWriter(w io.Writer) *pdfWriter {
	cw := &countingWriter{w: w, h: sha256.New()}
	return &pdfWriter{bw: bufio.NewWriterSize(cw, 64<<10), cw: cw, offsets: []int64{0}}
}

func (p *pdfWriter) offset() int64 { return p.cw.n + int64(p.bw.Buffered()) }

func (p *pdfWriter) raw(s string) { p.bw.WriteString(s) }

func (p *pdfWriter) alloc() int {
	p.offsets = append(p.offsets, -1)
	return len(p.offsets) - 1
}

func (p *pdfWriter) begin(num int) {
	p.offsets[num] = p.offset()
	p.hdr = strconv.AppendInt(p.hdr[:0], int64(num), 10)
	p.hdr = append(p.hdr, " 0 obj\n"...)
	p.bw.Write(p.hdr)
}

func (p *pdfWriter) object(num int, body string) {
	p.begin(num)
	p.bw.WriteString(body)
	p.bw.WriteString("\nendobj\n")
}

// stream writes a stream object; dict holds the entries besides /Length.
func (p *pdfWriter) stream(num int, dict string, data []byte) {
	p.begin(num)
	p.bw.WriteString("<< ")
	if dict != "" {
		p.bw.WriteString(dict)
		p.bw.WriteByte(' ')
	}
	p.hdr = strconv.AppendInt(append(p.hdr[:0], "/Length "...), int64(len(data)), 10)
	p.bw.Write(p.hdr)
	p.bw.WriteString(" >>\nstream\n")
	p.bw.Write(data)
	p.bw.WriteString("\nendstream\nendobj\n")
}

var booleanDecodeParms = map[string]bool{"BlackIs1": true, "EncodedByteAlign": true, "EndOfLine": true, "EndOfBlock": true}

// imageXObject writes a page image. JPEG and CCITT data stay byte for byte
// as delivered, but may come wrapped in an extra Flate layer (see
// wrapImage) — lossless and reversible, the way OCRmyPDF stores JPEGs.
func (p *pdfWriter) imageXObject(num int, im Image, w wrapResult) {
	var d strings.Builder
	fmt.Fprintf(&d, "/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /%s /BitsPerComponent %d",
		im.Width, im.Height, im.ColorSpace, im.BitsPerComponent)
	data, wrapped := im.Data, w.ok
	if wrapped {
		data = w.data
	}
	switch {
	case wrapped:
		d.WriteString(" /Filter [/FlateDecode /" + im.Filter + "]")
	case im.Filter != "":
		d.WriteString(" /Filter /" + im.Filter)
	}
	if len(im.DecodeParms) > 0 {
		keys := make([]string, 0, len(im.DecodeParms))
		for k := range im.DecodeParms {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d.WriteString(" /DecodeParms ")
		if wrapped {
			d.WriteString("[null ")
		}
		d.WriteString("<<")
		for _, k := range keys {
			v := im.DecodeParms[k]
			if booleanDecodeParms[k] {
				d.WriteString(" /" + k + " " + strconv.FormatBool(v != 0))
			} else {
				d.WriteString(" /" + k + " " + strconv.Itoa(v))
			}
		}
		d.WriteString(" >>")
		if wrapped {
			d.WriteString("]")
		}
	}
	p.stream(num, d.String(), data)
}

func (p *pdfWriter) embeddedFile(num int, a Attachment, z *deflater) {
	mt := a.MediaType
	if mt == "" {
		mt = "application/octet-stream"
	}
	sum := md5.Sum(a.Data) // /CheckSum is defined as MD5 (PDF 32000-1, table 46)
	params := "/Size " + strconv.Itoa(len(a.Data)) + " /ModDate " + pdfString(pdfDate(a.Modified))
	params += " /CheckSum <" + hex.EncodeToString(sum[:]) + ">"
	dict := "/Type /EmbeddedFile /Subtype " + pdfName(mt) + " /Params << " + params + " >>"
	data := z.compress(a.Data)
	if len(data) < len(a.Data) {
		dict += " /Filter /FlateDecode"
	} else {
		data = a.Data // already compressed formats gain nothing
	}
	p.stream(num, dict, data)
}

// finish writes the cross-reference table and trailer and flushes.
func (p *pdfWriter) finish(root, info int) error { return p.finishTrailer(root, info, true) }

// finishPlain writes a trailer without /ID, as non-PDF/A producers do
// (tests use it to build files that must fail the check).
func (p *pdfWriter) finishPlain(root, info int) error { return p.finishTrailer(root, info, false) }

func (p *pdfWriter) finishTrailer(root, info int, withID bool) error {
	if err := p.bw.Flush(); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	sum := p.cw.h.Sum(nil)
	id := hex.EncodeToString(sum[:16])
	xref := p.offset()
	var b []byte
	b = append(b, "xref\n0 "...)
	b = strconv.AppendInt(b, int64(len(p.offsets)), 10)
	b = append(b, "\n0000000000 65535 f \n"...)
	for _, off := range p.offsets[1:] {
		if off < 0 {
			return fmt.Errorf("write pdf: object allocated but never written")
		}
		b = fmt.Appendf(b, "%010d 00000 n \n", off)
	}
	b = fmt.Appendf(b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R", len(p.offsets), root, info)
	if withID {
		b = fmt.Appendf(b, " /ID [<%s><%s>]", id, id)
	}
	b = fmt.Appendf(b, " >>\nstartxref\n%d\n%%%%EOF\n", xref)
	p.bw.Write(b)
	if err := p.bw.Flush(); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// deflater reuses zlib writers for all streams of a document: allocating
// a new one costs more than compressing a page's text. FlateDecode is the
// zlib format.
type deflater struct {
	buf bytes.Buffer
	zw  *zlib.Writer // text, CMaps, attachments
}

func newDeflater() *deflater {
	d := &deflater{}
	d.zw, _ = zlib.NewWriterLevel(&d.buf, flate.DefaultCompression) // only fails for an invalid level
	return d
}

// compress returns a fresh slice (the internal buffer is reused).
func (d *deflater) compress(b []byte) []byte {
	d.buf.Reset()
	d.zw.Reset(&d.buf)
	d.zw.Write(b) // writes to a bytes.Buffer cannot fail
	d.zw.Close()
	return bytes.Clone(d.buf.Bytes())
}

// Image wrapping thresholds. Scanner JPEGs with stock Huffman tables lose
// about 5 % to Flate, G4 pages 4–5 %; JPEGs with optimised tables gain
// nothing, which a 64 KiB sample shows for the price of a millisecond.
const (
	wrapMinBytes    = 4 << 10
	wrapSampleBytes = 64 << 10
	wrapSampleRatio = 0.98 // sample must shrink by 2 % to try the whole image
	wrapKeepRatio   = 0.99 // whole image must shrink by 1 % to be kept
)

type wrapResult struct {
	data []byte
	ok   bool
}

// wrapImage Flate-compresses JPEG or CCITT data when that pays off.
func wrapImage(im Image) wrapResult {
	b := im.Data
	if (im.Filter != "DCTDecode" && im.Filter != "CCITTFaxDecode") || len(b) < wrapMinBytes {
		return wrapResult{}
	}
	if len(b) > 2*wrapSampleBytes {
		if float64(len(imageZlib(b[:wrapSampleBytes]))) > wrapSampleRatio*wrapSampleBytes {
			return wrapResult{}
		}
	}
	z := imageZlib(b)
	if float64(len(z)) > wrapKeepRatio*float64(len(b)) {
		return wrapResult{}
	}
	return wrapResult{data: z, ok: true}
}

// wrapQueue hands out the wrapped images in page order.
type wrapQueue struct {
	results []chan wrapResult
	slots   chan struct{}
	i       int
}

// wrapImagesAhead compresses page images on all cores while the writer is
// still busy with earlier pages: wrapping is the only work in Write that
// costs milliseconds per page. At most GOMAXPROCS+1 results wait at a time,
// so memory stays bounded for long documents; closing done stops the
// producer when Write returns early. Results are independent per page, so
// the output stays deterministic.
func wrapImagesAhead(pages []Page, done <-chan struct{}) *wrapQueue {
	q := &wrapQueue{results: make([]chan wrapResult, len(pages)), slots: make(chan struct{}, runtime.GOMAXPROCS(0)+1)}
	for i := range q.results {
		q.results[i] = make(chan wrapResult, 1)
	}
	go func() {
		for i, p := range pages {
			select {
			case q.slots <- struct{}{}:
			case <-done:
				return
			}
			go func() { q.results[i] <- wrapImage(p.Image) }()
		}
	}()
	return q
}

func (q *wrapQueue) next() wrapResult {
	r := <-q.results[q.i]
	q.i++
	<-q.slots
	return r
}

func ref(n int) string { return strconv.Itoa(n) + " 0 R" }

// pdfDate formats a PDF date string, D:YYYYMMDDHHmmSS with the UTC offset.
func pdfDate(t time.Time) string {
	s := t.Format("D:20060102150405")
	_, off := t.Zone()
	if off == 0 {
		return s + "Z"
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%s%c%02d'%02d'", s, sign, off/3600, off/60%60)
}

// textStringBytes encodes a PDF text string: in PDFDocEncoding when every
// character has a code there that equals its Latin-1 code (ASCII and
// U+00A1–U+00FF: German umlauts and ß take one byte instead of two), else
// as UTF-16BE with byte order mark.
func textStringBytes(s string) string {
	doc := true
	for _, r := range s {
		if !(r >= 0x20 && r < 0x7F || r == '\t' || r == '\n' || r == '\r' || r >= 0xA1 && r <= 0xFF) {
			doc = false
			break
		}
	}
	if doc {
		b := make([]byte, 0, len(s))
		for _, r := range s {
			b = append(b, byte(r))
		}
		return string(b)
	}
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2, 2+2*len(u))
	b[0], b[1] = 0xFE, 0xFF
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return string(b)
}

// pdfString encodes s as a PDF text string object.
func pdfString(s string) string { return pdfStringBytes(textStringBytes(s)) }

// pdfStringBytes writes raw string bytes: UTF-16 as hex, anything else as
// a literal with octal escapes for bytes outside printable ASCII.
func pdfStringBytes(raw string) string {
	if strings.HasPrefix(raw, "\xFE\xFF") {
		return "<" + strings.ToUpper(hex.EncodeToString([]byte(raw))) + ">"
	}
	var b strings.Builder
	b.WriteByte('(')
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7F:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// pdfName writes a name object, escaping delimiters and non-regular
// characters as #xx (so "text/xml" becomes /text#2Fxml).
func pdfName(s string) string {
	var b strings.Builder
	b.WriteByte('/')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7E || strings.IndexByte("#/()<>[]{}%", c) >= 0 {
			fmt.Fprintf(&b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// asciiFileName is the /F fallback for readers that ignore /UF.
func asciiFileName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 0x20 && r < 0x7F:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}
