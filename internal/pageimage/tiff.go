package pageimage

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/bits"

	"golang.org/x/image/ccitt"
)

// TIFF tags this package reads (TIFF 6.0).
const (
	tagNewSubfileType  = 254
	tagImageWidth      = 256
	tagImageLength     = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagFillOrder       = 266
	tagStripOffsets    = 273
	tagOrientation     = 274
	tagSamplesPerPixel = 277
	tagRowsPerStrip    = 278
	tagStripByteCounts = 279
	tagPlanarConfig    = 284
	tagT4Options       = 292
	tagPredictor       = 317
	tagColorMap        = 320
	tagTileWidth       = 322
	tagTileLength      = 323
	tagTileOffsets     = 324
	tagTileByteCounts  = 325
	tagSampleFormat    = 339
	tagJPEGTables      = 347
)

// TIFF compression schemes.
const (
	compNone         = 1
	compCCITTRLE     = 2
	compG3           = 3
	compG4           = 4
	compLZW          = 5
	compOldJPEG      = 6
	compJPEG         = 7
	compDeflate      = 8
	compDeflateOld   = 32946
	compPackBits     = 32773
	photoWhiteIsZero = 0
	photoBlackIsZero = 1
	photoRGB         = 2
	photoPalette     = 3
	photoCMYK        = 5
	photoYCbCr       = 6
)

// openTIFF walks the IFD chain itself: image/tiff decoders (x/image/tiff,
// hhrutter/tiff) read only the first directory, and this package needs
// the compressed strips, not pixels. The chain is walked completely
// first, so a file with too many pages fails before any page is decoded.
func openTIFF(data []byte, lim Limits) ([]Page, error) {
	t, off, err := parseTIFFHeader(data)
	if err != nil {
		return nil, err
	}
	var dirs []tiffDir
	visited := make(map[uint64]bool)
	maxDirs := 2*lim.MaxPages + 16 // thumbnails and masks are directories too
	for n := 0; off != 0; n++ {
		if visited[off] {
			return nil, fmt.Errorf("tiff: directory chain loops at offset %d: %w", off, ErrBroken)
		}
		visited[off] = true
		if n >= maxDirs {
			return nil, fmt.Errorf("tiff has more than %d directories: %w", maxDirs, ErrTooManyPages)
		}
		dir, next, err := t.readIFD(off)
		if err != nil {
			return nil, fmt.Errorf("tiff directory %d: %w", n+1, err)
		}
		// NewSubfileType bit 0: reduced-resolution copy (thumbnail);
		// bit 2: transparency mask. Neither is a page.
		if sub, _ := dir.int(t, tagNewSubfileType, 0); sub&5 == 0 {
			dirs = append(dirs, dir)
			if len(dirs) > lim.MaxPages {
				return nil, fmt.Errorf("tiff has more than %d pages: %w", lim.MaxPages, ErrTooManyPages)
			}
		}
		off = next
	}
	pages := make([]Page, 0, len(dirs))
	for i, dir := range dirs {
		p, err := tiffPage(t, dir, lim)
		if err != nil {
			return nil, fmt.Errorf("tiff page %d: %w", i+1, err)
		}
		pages = append(pages, p)
	}
	return pages, nil
}

// tiffImage is one directory's image description.
type tiffImage struct {
	t               *tiffFile
	w, h            int
	bpc, spp        int
	compression     int
	photometric     int
	fillOrder       int
	planar          int
	predictor       int
	t4              int
	tiled           bool
	blockW, blockH  int // strip: w × RowsPerStrip; tile: TileWidth × TileLength
	offsets, counts []uint64
	jpegTables      []byte
	colorMap        []uint64
}

func tiffPage(t *tiffFile, dir tiffDir, lim Limits) (Page, error) {
	im, err := readTIFFImage(t, dir, lim)
	if err != nil {
		return Page{}, err
	}
	orientation, _ := dir.int(t, tagOrientation, 1)
	p := Page{Width: im.w, Height: im.h, Rotate: orientationRotate(orientation)}
	p.DPIX, p.DPIY = dir.resolution(t)

	if s, mode, ok, err := im.passthrough(p.DPIX, p.DPIY); err != nil {
		return Page{}, err
	} else if ok {
		p.Stream, p.Mode = s, mode
		return p, nil
	}
	r, err := im.decode()
	if err != nil {
		return Page{}, err
	}
	if p.Stream, err = r.stream(); err != nil {
		return Page{}, err
	}
	p.Mode = r.mode
	return p, nil
}

// readTIFFImage reads a directory's image description and checks it
// against the limits before it reads the block tables.
func readTIFFImage(t *tiffFile, dir tiffDir, lim Limits) (*tiffImage, error) {
	im := &tiffImage{t: t}
	var err error
	geti := func(tag uint16, def int) int {
		if err != nil {
			return def
		}
		var v int
		v, err = dir.int(t, tag, def)
		return v
	}
	im.w, im.h = geti(tagImageWidth, 0), geti(tagImageLength, 0)
	im.spp = geti(tagSamplesPerPixel, 1)
	im.compression = geti(tagCompression, compNone)
	im.fillOrder = geti(tagFillOrder, 1)
	im.planar = geti(tagPlanarConfig, 1)
	im.predictor = geti(tagPredictor, 1)
	im.t4 = geti(tagT4Options, 0)
	sampleFormat := geti(tagSampleFormat, 1)
	if err != nil {
		return nil, err
	}
	if im.w <= 0 || im.h <= 0 {
		return nil, fmt.Errorf("size %dx%d: %w", im.w, im.h, ErrBroken)
	}
	if im.spp < 1 || im.spp > 16 {
		return nil, fmt.Errorf("%d samples per pixel: %w", im.spp, ErrUnsupported)
	}
	bps, err := dir.ints(t, tagBitsPerSample, 16)
	if err != nil {
		return nil, err
	}
	im.bpc = 1
	for i, b := range bps {
		if i == 0 {
			im.bpc = int(b)
		} else if int(b) != im.bpc {
			return nil, fmt.Errorf("mixed bits per sample %v: %w", bps, ErrUnsupported)
		}
	}
	switch im.bpc {
	case 1, 2, 4, 8, 16:
	default:
		return nil, fmt.Errorf("%d bits per sample: %w", im.bpc, ErrUnsupported)
	}
	if sampleFormat != 1 {
		return nil, fmt.Errorf("sample format %d (not unsigned integer): %w", sampleFormat, ErrUnsupported)
	}
	if err := lim.checkPage(im.w, im.h, im.spp*im.bpc); err != nil {
		return nil, err
	}
	// Photometric is required, but fax software omits it: CCITT means
	// WhiteIsZero by convention (TIFF Class F).
	defPhoto := photoBlackIsZero
	switch {
	case im.compression == compG3 || im.compression == compG4 || im.compression == compCCITTRLE:
		defPhoto = photoWhiteIsZero
	case im.spp >= 3:
		defPhoto = photoRGB
	}
	if im.photometric, err = dir.int(t, tagPhotometric, defPhoto); err != nil {
		return nil, err
	}

	// Block counts are bounded by the image size, so hostile counts
	// cannot make large slices.
	maxBlocks := im.h * im.spp
	if _, ok := dir[tagTileWidth]; ok {
		im.tiled = true
		im.blockW, _ = dir.int(t, tagTileWidth, 0)
		im.blockH, _ = dir.int(t, tagTileLength, 0)
		if im.blockW <= 0 || im.blockH <= 0 || im.blockW > 1<<16 || im.blockH > 1<<16 {
			return nil, fmt.Errorf("tile size %dx%d: %w", im.blockW, im.blockH, ErrBroken)
		}
		if im.blockW%16 != 0 { // TIFF 6.0 requires it; tiles then start on whole bytes
			return nil, fmt.Errorf("tile width %d is not a multiple of 16: %w", im.blockW, ErrBroken)
		}
		maxBlocks = ((im.w + im.blockW - 1) / im.blockW) * ((im.h + im.blockH - 1) / im.blockH) * im.spp
		im.offsets, err = dir.ints(t, tagTileOffsets, maxBlocks)
		if err == nil {
			im.counts, err = dir.ints(t, tagTileByteCounts, maxBlocks)
		}
	} else {
		rps, err2 := dir.int(t, tagRowsPerStrip, im.h)
		if err2 != nil || rps <= 0 || rps > im.h {
			rps = im.h // 2^32-1 means "one strip"; nonsense means the same
		}
		im.blockW, im.blockH = im.w, rps
		im.offsets, err = dir.ints(t, tagStripOffsets, maxBlocks)
		if err == nil {
			im.counts, err = dir.ints(t, tagStripByteCounts, maxBlocks)
		}
	}
	if err != nil {
		return nil, err
	}
	if len(im.offsets) == 0 {
		return nil, fmt.Errorf("no image data offsets: %w", ErrBroken)
	}
	if len(im.counts) == 0 && im.compression == compNone && len(im.offsets) == 1 {
		// Old writers omit StripByteCounts for one uncompressed strip.
		if im.offsets[0] > uint64(len(t.b)) {
			return nil, fmt.Errorf("strip offset beyond end of file: %w", ErrBroken)
		}
		im.counts = []uint64{uint64(len(t.b)) - im.offsets[0]}
	}
	if len(im.counts) < len(im.offsets) {
		return nil, fmt.Errorf("%d data offsets but %d byte counts: %w", len(im.offsets), len(im.counts), ErrBroken)
	}
	for i, o := range im.offsets {
		if o > uint64(len(t.b)) || im.counts[i] > uint64(len(t.b))-o {
			return nil, fmt.Errorf("tiff truncated: data block %d at %d+%d beyond end of file (%d bytes): %w", i, o, im.counts[i], len(t.b), ErrBroken)
		}
	}
	im.jpegTables = dir.bytes(t, tagJPEGTables)
	if im.photometric == photoPalette {
		if im.colorMap, err = dir.ints(t, tagColorMap, 3<<16); err != nil {
			return nil, err
		}
	}
	return im, nil
}

// block returns the still-compressed bytes of block i, bit-reversed when
// FillOrder is 2 (LSB first). libtiff reverses raw data of every scheme
// that way, so do we. The input buffer is never modified: passthrough
// pages may share it.
func (im *tiffImage) block(i int) []byte {
	raw := im.t.b[im.offsets[i] : im.offsets[i]+im.counts[i]]
	if im.fillOrder != 2 {
		return raw
	}
	rev := make([]byte, len(raw))
	for j, c := range raw {
		rev[j] = bits.Reverse8(c)
	}
	return rev
}

// singleStrip: the whole image is one strip, the precondition for handing
// G4 or JPEG data to PDF unchanged.
func (im *tiffImage) singleStrip() bool {
	return !im.tiled && im.blockH >= im.h && im.planar == 1
}

// passthrough returns the page's data as a PDF stream without decoding
// when PDF can carry it: single-strip G4 and single-strip JPEG.
// Multi-strip G4 cannot be concatenated (each strip restarts the 2-D
// coding against an imaginary white line and ends with EOFB); it is
// decoded and re-encoded.
func (im *tiffImage) passthrough(dpiX, dpiY float64) (Stream, Mode, bool, error) {
	switch {
	case im.compression == compG4 && im.bpc == 1 && im.spp == 1 && im.singleStrip() &&
		(im.photometric == photoWhiteIsZero || im.photometric == photoBlackIsZero):
		parms := map[string]int{"K": -1, "Columns": im.w, "Rows": im.h}
		// CCITT white runs are 0 bits in TIFF. With BlackIsZero they are
		// black pixels, so PDF must map CCITT black to 1 (= white in
		// DeviceGray): BlackIs1 true. This is what libtiff (and so
		// leptonica, PIL, img2pdf) do; x/image/tiff does it the other way
		// round and shows such files inverted.
		if im.photometric == photoBlackIsZero {
			parms["BlackIs1"] = 1
		}
		return Stream{Filter: FilterCCITT, DecodeParms: parms, ColorSpace: ColorSpaceGray, BitsPerComponent: 1, Data: im.block(0)}, ModeBilevel, true, nil

	case im.compression == compJPEG && im.bpc == 8 && im.singleStrip() &&
		((im.spp == 1 && im.photometric == photoBlackIsZero) ||
			(im.spp == 3 && (im.photometric == photoRGB || im.photometric == photoYCbCr))):
		data, err := mergeJPEGTables(im.jpegTables, im.block(0), im.photometric, dpiX, dpiY)
		if err != nil {
			return Stream{}, "", false, err
		}
		info, err := parseJPEG(data)
		if err != nil {
			return Stream{}, "", false, fmt.Errorf("jpeg strip: %w", err)
		}
		if info.checkDCT() != nil || info.width != im.w || info.height != im.h || info.comps != im.spp {
			return Stream{}, "", false, nil // odd strip: decode instead
		}
		if im.spp == 1 {
			return Stream{Filter: FilterDCT, ColorSpace: ColorSpaceGray, BitsPerComponent: 8, Data: data}, ModeGray, true, nil
		}
		return Stream{Filter: FilterDCT, ColorSpace: ColorSpaceRGB, BitsPerComponent: 8, Data: data}, ModeColor, true, nil
	}
	return Stream{}, "", false, nil
}

// mergeJPEGTables rebuilds a standalone JPEG from a "new-style" TIFF JPEG
// strip (TIFF Technical Note 2): the strip is an abbreviated JPEG whose
// quantisation and Huffman tables live in the JPEGTables tag. A marker
// tells decoders the colour transform, which TIFF keeps in Photometric:
// Adobe APP14 with transform 0 for RGB, JFIF (which also carries the
// resolution for leptonica) for YCbCr and grey.
func mergeJPEGTables(tables, strip []byte, photometric int, dpiX, dpiY float64) ([]byte, error) {
	if len(strip) < 4 || strip[0] != 0xFF || strip[1] != 0xD8 {
		return nil, fmt.Errorf("jpeg strip without SOI: %w", ErrBroken)
	}
	if len(tables) > 0 {
		if len(tables) < 4 || tables[0] != 0xFF || tables[1] != 0xD8 {
			return nil, fmt.Errorf("JPEGTables without SOI: %w", ErrBroken)
		}
		tables = tables[2:]
		if n := len(tables); n >= 2 && tables[n-2] == 0xFF && tables[n-1] == 0xD9 {
			tables = tables[:n-2]
		}
	}
	out := make([]byte, 0, len(tables)+len(strip)+32)
	out = append(out, 0xFF, 0xD8)
	switch {
	case photometric == photoRGB:
		out = append(out, 0xFF, 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0)
	case !(strip[2] == 0xFF && strip[3] == 0xE0):
		units, x, y := byte(0), 1, 1
		if dpiX > 0 && dpiY > 0 && dpiX < 65536 && dpiY < 65536 {
			units, x, y = 1, int(dpiX+0.5), int(dpiY+0.5)
		}
		out = append(out, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, units, byte(x>>8), byte(x), byte(y>>8), byte(y), 0, 0)
	}
	out = append(out, tables...)
	return append(out, strip[2:]...), nil
}

// decode decompresses all blocks into one sample buffer and converts it.
func (im *tiffImage) decode() (*raster, error) {
	l := sampleLayout{w: im.w, h: im.h, bpc: im.bpc, spp: im.spp, littleEndian16: im.t.bo.Uint16([]byte{1, 0}) == 1}
	switch im.photometric {
	case photoWhiteIsZero, photoBlackIsZero:
		l.colors, l.inverted = 1, im.photometric == photoWhiteIsZero
	case photoRGB:
		l.colors = 3
	case photoPalette:
		if im.spp != 1 || im.bpc > 8 || len(im.colorMap) != 3<<im.bpc {
			return nil, fmt.Errorf("palette of %d entries for %d-bit samples: %w", len(im.colorMap), im.bpc, ErrBroken)
		}
		n := 1 << im.bpc
		l.colors, l.palette = 1, make([]byte, 3*n)
		for i := range n {
			for c := range 3 {
				l.palette[3*i+c] = byte(im.colorMap[c*n+i] >> 8)
			}
		}
	case photoCMYK:
		l.colors, l.cmyk = 4, true
	case photoYCbCr:
		if im.compression != compJPEG {
			return nil, fmt.Errorf("uncompressed YCbCr: %w", ErrUnsupported)
		}
		l.colors = 3 // the JPEG decoder returns RGB
	default:
		return nil, fmt.Errorf("photometric interpretation %d: %w", im.photometric, ErrUnsupported)
	}
	if l.spp < l.colors {
		return nil, fmt.Errorf("%d samples per pixel for photometric %d: %w", l.spp, im.photometric, ErrBroken)
	}
	if im.planar == 2 && im.spp > 1 {
		return nil, fmt.Errorf("separate colour planes: %w", ErrUnsupported)
	}
	if im.compression == compJPEG {
		if im.bpc != 8 || (l.colors != 1 && l.colors != 3) || l.inverted {
			return nil, fmt.Errorf("jpeg compression with %d-bit samples, photometric %d: %w", im.bpc, im.photometric, ErrUnsupported)
		}
		l.spp = l.colors // decoded blocks hold grey or RGB only
	}
	if im.predictor != 1 && (im.predictor != 2 || im.bpc < 8) {
		return nil, fmt.Errorf("predictor %d with %d-bit samples: %w", im.predictor, im.bpc, ErrUnsupported)
	}

	rb := l.rowBytes()
	samples := make([]byte, rb*im.h)
	across := (im.w + im.blockW - 1) / im.blockW
	down := (im.h + im.blockH - 1) / im.blockH
	if len(im.offsets) < across*down {
		return nil, fmt.Errorf("%d data blocks, the image needs %d: %w", len(im.offsets), across*down, ErrBroken)
	}
	for i := range across * down {
		x0, y0 := (i%across)*im.blockW, (i/across)*im.blockH
		bw, bh := im.blockW, im.blockH
		if !im.tiled {
			bh = min(bh, im.h-y0) // the last strip holds only the rows left
		}
		brb := (bw*l.spp*l.bpc + 7) / 8
		buf, err := im.decompress(im.block(i), bw, bh, brb, l.spp)
		if err != nil {
			return nil, fmt.Errorf("data block %d: %w", i, err)
		}
		if im.predictor == 2 {
			undoHorizontalPredictor(buf, brb, bh, l.spp, l.bpc, l.littleEndian16)
		}
		// Copy the part of the block inside the image. Tile widths are
		// multiples of 16 (TIFF 6.0), so x0 falls on a byte boundary.
		xb := x0 * l.spp * l.bpc / 8
		n := min(brb, rb-xb)
		for y := y0; y < min(y0+bh, im.h); y++ {
			copy(samples[y*rb+xb:y*rb+xb+n], buf[(y-y0)*brb:])
		}
	}
	return l.toRaster(samples)
}

// decompress returns bh rows of brb bytes. Every decoder reads exactly
// that much, which bounds decompression bombs to the checked page size.
func (im *tiffImage) decompress(raw []byte, bw, bh, brb, spp int) ([]byte, error) {
	want := brb * bh
	readAll := func(r io.Reader, what string) ([]byte, error) {
		buf := make([]byte, want)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("%s: %w: %w", what, ErrBroken, short(err))
		}
		return buf, nil
	}
	switch im.compression {
	case compNone:
		if len(raw) < want {
			return nil, fmt.Errorf("uncompressed block of %d bytes, want %d: %w", len(raw), want, ErrBroken)
		}
		return append([]byte(nil), raw[:want]...), nil
	case compLZW:
		buf := make([]byte, want)
		n, err := decodeLZW(raw, buf)
		if err != nil {
			return nil, err
		}
		if n < want {
			return nil, fmt.Errorf("lzw: %d of %d bytes: %w", n, want, ErrBroken)
		}
		return buf, nil
	case compDeflate, compDeflateOld:
		r, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("deflate: %w: %w", ErrBroken, short(err))
		}
		defer r.Close()
		return readAll(r, "deflate")
	case compPackBits:
		return unpackBits(raw, want)
	case compG3, compG4:
		if im.bpc != 1 || im.spp != 1 {
			return nil, fmt.Errorf("ccitt with %d samples of %d bits: %w", im.spp, im.bpc, ErrBroken)
		}
		sub := ccitt.Group4
		if im.compression == compG3 {
			if im.t4&1 != 0 {
				return nil, fmt.Errorf("ccitt group 3 with 2-d coding: %w", ErrUnsupported)
			}
			sub = ccitt.Group3
		}
		// Invert gives TIFF's raw convention: white runs are 0 bits.
		r := ccitt.NewReader(bytes.NewReader(raw), ccitt.MSB, sub, bw, bh, &ccitt.Options{Invert: true})
		return readAll(r, "ccitt")
	case compJPEG:
		return im.decodeJPEGBlock(raw, bw, bh, spp)
	case compCCITTRLE:
		return nil, fmt.Errorf("ccitt modified huffman (compression 2): %w", ErrUnsupported)
	case compOldJPEG:
		return nil, fmt.Errorf("old-style jpeg (compression 6): %w", ErrUnsupported)
	}
	return nil, fmt.Errorf("compression %d: %w", im.compression, ErrUnsupported)
}

func (im *tiffImage) decodeJPEGBlock(raw []byte, bw, bh, spp int) ([]byte, error) {
	data, err := mergeJPEGTables(im.jpegTables, raw, im.photometric, 0, 0)
	if err != nil {
		return nil, err
	}
	info, err := parseJPEG(data)
	if err != nil {
		return nil, err
	}
	if info.width > bw || info.height > bh+16 || info.comps != spp {
		return nil, fmt.Errorf("jpeg block %dx%dx%d, want %dx%dx%d: %w", info.width, info.height, info.comps, bw, bh, spp, ErrBroken)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("jpeg: %w: %w", ErrBroken, short(err))
	}
	buf := make([]byte, bw*bh*spp)
	b := img.Bounds()
	w, h := min(b.Dx(), bw), min(b.Dy(), bh)
	switch m := img.(type) {
	case *image.Gray:
		if spp != 1 {
			return nil, fmt.Errorf("grey jpeg in colour tiff: %w", ErrBroken)
		}
		for y := range h {
			copy(buf[y*bw:y*bw+w], m.Pix[y*m.Stride:])
		}
	case *image.YCbCr:
		for y := range h {
			for x := range w {
				c := m.YCbCrAt(b.Min.X+x, b.Min.Y+y)
				r, g, bl, _ := c.RGBA()
				o := (y*bw + x) * 3
				buf[o], buf[o+1], buf[o+2] = byte(r>>8), byte(g>>8), byte(bl>>8)
			}
		}
	case *image.RGBA:
		for y := range h {
			for x := range w {
				s, o := m.Pix[y*m.Stride+4*x:], (y*bw+x)*3
				buf[o], buf[o+1], buf[o+2] = s[0], s[1], s[2]
			}
		}
	default:
		return nil, fmt.Errorf("jpeg decodes to %T: %w", img, ErrUnsupported)
	}
	return buf, nil
}

// undoHorizontalPredictor reverses TIFF predictor 2: each sample was
// stored as the difference to the same sample of the pixel on its left.
func undoHorizontalPredictor(buf []byte, rb, h, spp, bpc int, littleEndian bool) {
	for y := range h {
		row := buf[y*rb : (y+1)*rb]
		if bpc == 8 {
			for i := spp; i < len(row); i++ {
				row[i] += row[i-spp]
			}
			continue
		}
		get := func(i int) uint16 {
			if littleEndian {
				return uint16(row[2*i]) | uint16(row[2*i+1])<<8
			}
			return uint16(row[2*i])<<8 | uint16(row[2*i+1])
		}
		for i := spp; 2*i+1 < len(row); i++ {
			v := get(i) + get(i-spp)
			if littleEndian {
				row[2*i], row[2*i+1] = byte(v), byte(v>>8)
			} else {
				row[2*i], row[2*i+1] = byte(v>>8), byte(v)
			}
		}
	}
}

// unpackBits decodes PackBits (TIFF 6.0 section 9) into exactly n bytes.
func unpackBits(src []byte, n int) ([]byte, error) {
	dst := make([]byte, 0, n+128)
	for len(dst) < n {
		if len(src) == 0 {
			return nil, fmt.Errorf("packbits: data ends after %d of %d bytes: %w", len(dst), n, ErrBroken)
		}
		c := int8(src[0])
		src = src[1:]
		switch {
		case c >= 0:
			k := int(c) + 1
			if len(src) < k {
				return nil, fmt.Errorf("packbits: literal run beyond data: %w", ErrBroken)
			}
			dst = append(dst, src[:k]...)
			src = src[k:]
		case c != -128: // -128 is a no-op
			if len(src) == 0 {
				return nil, fmt.Errorf("packbits: repeat run beyond data: %w", ErrBroken)
			}
			for range 1 - int(c) {
				dst = append(dst, src[0])
			}
			src = src[1:]
		}
	}
	return dst[:n], nil
}
