package pageimage

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/tiff"
)

// This file builds test inputs (PNG, JPEG, TIFF and PDF files) and decodes
// outputs with code other than the package's own: pdfcpu's filters for
// PDF streams, image/png, image/jpeg and x/image/tiff for OCR images.

// letterPage draws a tiny "letter": white paper, black bars of text and
// a grey or coloured box, so polarity and colour mistakes show.
func letterPage(w, h int, colorful bool) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 250
		if i%4 == 3 {
			img.Pix[i] = 255 // opaque
		}
	}
	for y := h / 8; y < h*7/8; y += 6 {
		for x := w / 10; x < w*9/10; x++ {
			if (x/7)%5 != 4 && y%6 < 3 {
				img.Set(x, y, color.RGBA{10, 10, 10, 255})
			}
		}
	}
	box := color.RGBA{128, 128, 128, 255}
	if colorful {
		box = color.RGBA{200, 30, 40, 255}
	}
	for y := 2; y < h/10; y++ {
		for x := 2; x < w/4; x++ {
			img.Set(x, y, box)
		}
	}
	return img
}

func toGray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	b := img.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	return g
}

// bitmap is a bilevel page in the raster convention (1 = black).
func bitmap(img image.Image) *raster {
	b := img.Bounds()
	r := newRaster(b.Dx(), b.Dy(), ModeBilevel)
	g := toGray(img)
	for y := range r.h {
		for x := range r.w {
			if g.GrayAt(x, y).Y < 128 {
				r.pix[y*r.stride+x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	return r
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// pngChunk builds a chunk with its CRC.
func pngChunk(typ string, body []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	out = append(out, typ...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(out[4:]))
}

// withPHYs inserts a pHYs chunk after IHDR (image/png writes none).
func withPHYs(b []byte, dpi float64) []byte {
	ppm := uint32(dpi/0.0254 + 0.5)
	body := binary.BigEndian.AppendUint32(nil, ppm)
	body = binary.BigEndian.AppendUint32(body, ppm)
	body = append(body, 1)
	at := 8 + 25 // signature + IHDR chunk
	return slices.Concat(b[:at], pngChunk("pHYs", body), b[at:])
}

// pngIDAT returns the concatenated IDAT data of a PNG file.
func pngIDAT(t testing.TB, b []byte) []byte {
	t.Helper()
	info, err := parsePNG(b)
	require.NoError(t, err)
	return info.idat
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}))
	return buf.Bytes()
}

// withJFIF inserts a JFIF APP0 with a resolution after SOI (image/jpeg
// writes none). units: 1 dpi, 2 dots per cm.
func withJFIF(b []byte, units byte, x, y uint16) []byte {
	app0 := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, units, byte(x >> 8), byte(x), byte(y >> 8), byte(y), 0, 0}
	return slices.Concat(b[:2], app0, b[2:])
}

// withEXIF inserts an EXIF APP1 with Orientation and a resolution.
func withEXIF(b []byte, orientation uint16, dpi uint32) []byte {
	tiffData := buildTIFFDir(binary.BigEndian, []tiffTag{
		{tag: 274, typ: 3, vals: []uint32{uint32(orientation)}},
		{tag: 282, typ: 5, vals: []uint32{dpi, 1}},
		{tag: 283, typ: 5, vals: []uint32{dpi, 1}},
		{tag: 296, typ: 3, vals: []uint32{2}},
	})
	body := append([]byte("Exif\x00\x00"), tiffData...)
	app1 := []byte{0xFF, 0xE1, byte((len(body) + 2) >> 8), byte(len(body) + 2)}
	return slices.Concat(b[:2], app1, body, b[2:])
}

// tiffTag is one directory entry for the TIFF builder. vals are SHORT,
// LONG or RATIONAL (numerator, denominator pairs) values; raw is for BYTE
// and UNDEFINED fields.
type tiffTag struct {
	tag, typ uint16
	vals     []uint32
	raw      []byte
}

// byteOrder is what binary.LittleEndian and BigEndian both are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// tiffPageSpec is one page: its tags (without strip offsets and counts)
// and its strips.
type tiffPageSpec struct {
	tags   []tiffTag
	strips [][]byte
	tiles  bool // strips are tiles: write TileOffsets/TileByteCounts
}

// buildTIFF writes a classic TIFF: all strip data first, then one IFD per
// page with its out-of-line values right after it.
func buildTIFF(bo byteOrder, pages []tiffPageSpec) []byte {
	out := []byte{'I', 'I', 42, 0, 0, 0, 0, 0}
	if bo == binary.BigEndian {
		out = []byte{'M', 'M', 0, 42, 0, 0, 0, 0}
	}
	var ifdPatch = 4 // where the next IFD offset goes
	for _, pg := range pages {
		var offs, counts []uint32
		for _, s := range pg.strips {
			offs = append(offs, uint32(len(out)))
			counts = append(counts, uint32(len(s)))
			out = append(out, s...)
		}
		tags := slices.Clone(pg.tags)
		offTag, cntTag := uint16(tagStripOffsets), uint16(tagStripByteCounts)
		if pg.tiles {
			offTag, cntTag = tagTileOffsets, tagTileByteCounts
		}
		if len(pg.strips) > 0 {
			tags = append(tags, tiffTag{tag: offTag, typ: 4, vals: offs}, tiffTag{tag: cntTag, typ: 4, vals: counts})
		}
		if len(out)%2 == 1 {
			out = append(out, 0)
		}
		bo.PutUint32(out[ifdPatch:], uint32(len(out)))
		var next int
		out, next = appendIFD(bo, out, tags)
		ifdPatch = next
	}
	return out
}

// buildTIFFDir writes a TIFF structure with one directory (EXIF blocks).
func buildTIFFDir(bo byteOrder, tags []tiffTag) []byte {
	return buildTIFF(bo, []tiffPageSpec{{tags: tags}})
}

// appendIFD appends a directory and its values; it returns the position
// of its next-IFD pointer.
func appendIFD(bo byteOrder, out []byte, tags []tiffTag) ([]byte, int) {
	slices.SortFunc(tags, func(a, b tiffTag) int { return int(a.tag) - int(b.tag) })
	start := len(out)
	extraAt := start + 2 + 12*len(tags) + 4
	var extra []byte
	out = bo.AppendUint16(out, uint16(len(tags)))
	for _, tg := range tags {
		var val []byte
		count := len(tg.vals)
		switch tg.typ {
		case 1, 7:
			val, count = tg.raw, len(tg.raw)
		case 3:
			for _, v := range tg.vals {
				val = bo.AppendUint16(val, uint16(v))
			}
		case 4:
			for _, v := range tg.vals {
				val = bo.AppendUint32(val, v)
			}
		case 5:
			for _, v := range tg.vals {
				val = bo.AppendUint32(val, v)
			}
			count /= 2
		}
		out = bo.AppendUint16(out, tg.tag)
		out = bo.AppendUint16(out, tg.typ)
		out = bo.AppendUint32(out, uint32(count))
		if len(val) <= 4 {
			out = append(out, val...)
			out = append(out, make([]byte, 4-len(val))...)
		} else {
			out = bo.AppendUint32(out, uint32(extraAt+len(extra)))
			extra = append(extra, val...)
			if len(extra)%2 == 1 {
				extra = append(extra, 0)
			}
		}
	}
	next := len(out)
	out = bo.AppendUint32(out, 0)
	return append(out, extra...), next
}

// tiffTags returns the usual tags of a page.
func tiffTags(w, h, bps, spp, compression, photometric, rowsPerStrip int, dpi uint32) []tiffTag {
	bpsVals := make([]uint32, spp)
	for i := range bpsVals {
		bpsVals[i] = uint32(bps)
	}
	return []tiffTag{
		{tag: tagImageWidth, typ: 4, vals: []uint32{uint32(w)}},
		{tag: tagImageLength, typ: 4, vals: []uint32{uint32(h)}},
		{tag: tagBitsPerSample, typ: 3, vals: bpsVals},
		{tag: tagCompression, typ: 3, vals: []uint32{uint32(compression)}},
		{tag: tagPhotometric, typ: 3, vals: []uint32{uint32(photometric)}},
		{tag: tagSamplesPerPixel, typ: 3, vals: []uint32{uint32(spp)}},
		{tag: tagRowsPerStrip, typ: 4, vals: []uint32{uint32(rowsPerStrip)}},
		{tag: 282, typ: 5, vals: []uint32{dpi, 1}},
		{tag: 283, typ: 5, vals: []uint32{dpi, 1}},
		{tag: 296, typ: 3, vals: []uint32{2}},
	}
}

// stripRows cuts packed rows into strips of rps rows and compresses each.
func stripRows(pix []byte, rowBytes, h, rps int, compress func([]byte) []byte) [][]byte {
	var strips [][]byte
	for y := 0; y < h; y += rps {
		strips = append(strips, compress(pix[y*rowBytes:min(h, y+rps)*rowBytes]))
	}
	return strips
}

func zlibBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// packBits encodes with literal runs only: valid PackBits, and enough to
// test the decoder's bounds.
func packBits(b []byte) []byte {
	var out []byte
	for len(b) > 0 {
		n := min(len(b), 128)
		out = append(out, byte(n-1))
		out = append(out, b[:n]...)
		b = b[n:]
	}
	return out
}

// lzwTIFF encodes TIFF-flavoured LZW (MSB first, code width grows one
// code early, Clear at the start and when the table is full).
func lzwTIFF(src []byte) []byte {
	var out []byte
	var acc uint64
	var nbits, width uint = 0, 9
	put := func(code int) {
		acc = acc<<width | uint64(code)
		nbits += width
		for nbits >= 8 {
			nbits -= 8
			out = append(out, byte(acc>>nbits))
		}
	}
	table := map[int]int{}
	next := 258
	reset := func() {
		clear(table)
		next, width = 258, 9
	}
	put(256)
	prefix := -1
	for _, c := range src {
		if prefix < 0 {
			prefix = int(c)
			continue
		}
		key := prefix<<8 | int(c)
		if code, ok := table[key]; ok {
			prefix = code
			continue
		}
		put(prefix)
		table[key] = next
		next++
		if next >= 1<<width && width < 12 {
			width++
		}
		if next >= 4094 {
			put(256)
			reset()
		}
		prefix = int(c)
	}
	if prefix >= 0 {
		put(prefix)
		next++
		if next >= 1<<width && width < 12 {
			width++
		}
	}
	put(257)
	if nbits > 0 {
		out = append(out, byte(acc<<(8-nbits)))
	}
	return out
}

// pdfBuilder writes a PDF with a classic xref table.
type pdfBuilder struct{ objs [][]byte }

// add adds an object; with stream != nil, dict gets /Length and the data.
func (b *pdfBuilder) add(dict string, stream []byte) int {
	var o []byte
	if stream == nil {
		o = []byte(dict)
	} else {
		o = fmt.Appendf(nil, "%s /Length %d >>\nstream\n", strings.TrimSuffix(strings.TrimSpace(dict), ">>"), len(stream))
		o = append(o, stream...)
		o = append(o, "\nendstream"...)
	}
	b.objs = append(b.objs, o)
	return len(b.objs)
}

// set replaces object n (for forward references).
func (b *pdfBuilder) set(n int, dict string) { b.objs[n-1] = []byte(dict) }

func (b *pdfBuilder) bytes(root int) []byte {
	out := []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(b.objs))
	for i, o := range b.objs {
		offs[i] = len(out)
		out = fmt.Appendf(out, "%d 0 obj\n", i+1)
		out = append(out, o...)
		out = append(out, "\nendobj\n"...)
	}
	xref := len(out)
	out = fmt.Appendf(out, "xref\n0 %d\n0000000000 65535 f \n", len(b.objs)+1)
	for _, o := range offs {
		out = fmt.Appendf(out, "%010d 00000 n \n", o)
	}
	out = fmt.Appendf(out, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(b.objs)+1, root, xref)
	return out
}

// pdfPageSpec describes one page of a built PDF. The image is /Im0;
// content defaults to painting it over the whole MediaBox.
type pdfPageSpec struct {
	imgDict  string // without /Length; "" for no image
	imgData  []byte
	content  string
	mediaBox [2]float64 // width, height in pt; default A4 from 2480x3508 at 300 dpi
	pageDict string     // extra page entries, e.g. "/Rotate 90"
	extraRes string     // extra resource entries, e.g. a font
}

func buildPDF(pages []pdfPageSpec) []byte {
	b := &pdfBuilder{}
	catalog := b.add("", nil)
	pagesObj := b.add("", nil)
	var kids []string
	for _, pg := range pages {
		mb := pg.mediaBox
		if mb == [2]float64{} {
			mb = [2]float64{595.2, 841.92}
		}
		content := pg.content
		if content == "" {
			content = fmt.Sprintf("q %g 0 0 %g 0 0 cm /Im0 Do Q", mb[0], mb[1])
		}
		res := pg.extraRes
		if pg.imgDict != "" {
			img := b.add(pg.imgDict, pg.imgData)
			res = fmt.Sprintf("/XObject << /Im0 %d 0 R >> %s", img, res)
		}
		c := b.add("<< >>", []byte(content))
		page := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %g %g] /Resources << %s >> /Contents %d 0 R %s >>",
			pagesObj, mb[0], mb[1], res, c, pg.pageDict), nil)
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	b.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj))
	b.set(pagesObj, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	return b.bytes(catalog)
}

// openBytesT runs Open on a byte slice.
func openT(data []byte, mediaType string, lim Limits) ([]Page, error) {
	return Open(bytes.NewReader(data), int64(len(data)), mediaType, lim)
}

// pdfPixels decodes a Stream the way a PDF reader does, with pdfcpu's
// filters (Flate, CCITT) and image/jpeg (DCT): one byte per sample, 0 is
// black; bilevel pages come out as 0 and 255.
func pdfPixels(t testing.TB, p Page) []byte {
	t.Helper()
	s := p.Stream
	comps := 1
	if s.ColorSpace == ColorSpaceRGB {
		comps = 3
	}
	switch s.Filter {
	case FilterDCT:
		img, err := jpeg.Decode(bytes.NewReader(s.Data))
		require.NoError(t, err)
		if comps == 1 {
			g, ok := img.(*image.Gray)
			require.True(t, ok, "grey jpeg decodes to %T", img)
			return packRows(g.Pix, g.Stride, p.Width, p.Height)
		}
		out := make([]byte, 0, 3*p.Width*p.Height)
		for y := range p.Height {
			for x := range p.Width {
				r, g, b, _ := img.At(x, y).RGBA()
				out = append(out, byte(r>>8), byte(g>>8), byte(b>>8))
			}
		}
		return out
	case FilterFlate, FilterCCITT:
		parms := s.DecodeParms
		if s.Filter == FilterCCITT && parms["Rows"] == 0 {
			parms = maps(parms, "Rows", p.Height)
		}
		f, err := filter.NewFilter(s.Filter, parms)
		require.NoError(t, err)
		r, err := f.Decode(bytes.NewReader(s.Data))
		require.NoError(t, err)
		raw, err := io.ReadAll(r)
		require.NoError(t, err)
		rb := (p.Width*comps*s.BitsPerComponent + 7) / 8
		require.GreaterOrEqual(t, len(raw), rb*p.Height, "decoded stream too short")
		if s.BitsPerComponent == 8 {
			return raw[:rb*p.Height]
		}
		out := make([]byte, p.Width*p.Height)
		for y := range p.Height {
			for x := range p.Width {
				if raw[y*rb+x/8]&(0x80>>(x%8)) != 0 {
					out[y*p.Width+x] = 255
				}
			}
		}
		return out
	}
	t.Fatalf("filter %q", s.Filter)
	return nil
}

func maps(m map[string]int, k string, v int) map[string]int {
	out := map[string]int{k: v}
	for kk, vv := range m {
		if kk != k {
			out[kk] = vv
		}
	}
	return out
}

// ocrPixels decodes an OCR image with the standard decoders into the form
// pdfPixels returns. x/image/tiff reads CCITT with BlackIsZero inverted
// (it treats CCITT white runs as white whatever the photometric says;
// libtiff, and so leptonica, treats them as 0 bits), so a BlackIsZero
// wrapper is flipped back here.
func ocrPixels(t testing.TB, img OCRImage, p Page) []byte {
	t.Helper()
	switch img.Format {
	case OCRFormatJPEG:
		return pdfPixels(t, Page{Width: p.Width, Height: p.Height, Stream: Stream{Filter: FilterDCT, ColorSpace: p.Stream.ColorSpace, Data: img.Data}})
	case OCRFormatPNG, OCRFormatTIFF:
		var (
			dec image.Image
			err error
		)
		if img.Format == OCRFormatPNG {
			dec, err = png.Decode(bytes.NewReader(img.Data))
		} else {
			dec, err = tiff.Decode(bytes.NewReader(img.Data))
		}
		require.NoError(t, err)
		require.Equal(t, image.Rect(0, 0, p.Width, p.Height), dec.Bounds())
		rgb := p.Stream.ColorSpace == ColorSpaceRGB
		var out []byte
		if g, ok := dec.(*image.Gray); ok && !rgb {
			out = bytes.Clone(packRows(g.Pix, g.Stride, p.Width, p.Height))
		} else {
			out = make([]byte, 0, p.Width*p.Height)
		}
		for y := range p.Height {
			for x := range p.Width {
				if len(out) == p.Width*p.Height && !rgb {
					break
				}
				r, g, b, _ := dec.At(x, y).RGBA()
				if rgb {
					out = append(out, byte(r>>8), byte(g>>8), byte(b>>8))
				} else {
					out = append(out, byte(r>>8))
				}
			}
		}
		if img.Format == OCRFormatTIFF && tiffTag1(t, img.Data, tagCompression) == compG4 && tiffTag1(t, img.Data, tagPhotometric) == photoBlackIsZero {
			invert(out)
		}
		return out
	case OCRFormatPNM:
		// Header: magic, width, height (and maxval but for P4), each
		// followed by one white-space byte; this package writes newlines.
		fields := 4
		if bytes.HasPrefix(img.Data, []byte("P4")) {
			fields = 3
		}
		at := 0
		var head []string
		for range fields {
			end := at + bytes.IndexAny(img.Data[at:], " \n")
			head = append(head, string(img.Data[at:end]))
			at = end + 1
		}
		magic := head[0]
		w, err1 := strconv.Atoi(head[1])
		h, err2 := strconv.Atoi(head[2])
		require.NoError(t, errors.Join(err1, err2))
		require.Equal(t, [2]int{p.Width, p.Height}, [2]int{w, h})
		if magic != "P4" {
			require.Equal(t, "255", head[3])
		}
		pix := img.Data[at:]
		if magic != "P4" {
			return pix
		}
		rb := (w + 7) / 8
		require.Len(t, pix, rb*h)
		out := make([]byte, w*h)
		for y := range h {
			for x := range w {
				if pix[y*rb+x/8]&(0x80>>(x%8)) == 0 { // PBM 1 is black
					out[y*w+x] = 255
				}
			}
		}
		return out
	}
	t.Fatalf("ocr format %q", img.Format)
	return nil
}

func tiffTag1(t testing.TB, b []byte, tag uint16) int {
	tf, off, err := parseTIFFHeader(b)
	require.NoError(t, err)
	dir, _, err := tf.readIFD(off)
	require.NoError(t, err)
	v, err := dir.int(tf, tag, -1)
	require.NoError(t, err)
	return v
}

// whiteShare is the share of samples brighter than mid-grey: a letter is
// mostly white paper.
func whiteShare(pix []byte) float64 {
	n := 0
	for _, v := range pix {
		if v >= 128 {
			n++
		}
	}
	return float64(n) / float64(max(1, len(pix)))
}
