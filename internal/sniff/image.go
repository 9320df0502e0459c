package sniff

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// detectRaster reads the PNG or JPEG header only (no pixel data).
func detectRaster(r io.ReaderAt, size int64, f format, o Options) (Result, error) {
	if size > o.MaxImageBytes {
		return Result{}, fmt.Errorf("%s of %d bytes exceeds limit of %d: %w", f, size, o.MaxImageBytes, ErrTooLarge)
	}
	var (
		cfg  image.Config
		err  error
		name string
	)
	in := io.NewSectionReader(r, 0, size)
	if f == formatPNG {
		cfg, err = png.DecodeConfig(in)
		name = "PNG"
	} else {
		cfg, err = jpeg.DecodeConfig(in)
		name = "JPEG"
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s header: %w: %w", f, ErrBroken, short(err))
	}
	return Result{
		Kind:   records.KindScanImage,
		Detail: fmt.Sprintf("%s %dx%d", name, cfg.Width, cfg.Height),
		Pages:  1,
	}, nil
}

// TIFF tags read while walking the directory chain.
const (
	tiffTagNewSubfileType = 254
	tiffReducedResolution = 1 // NewSubfileType bit 0: a thumbnail, not a page
	tiffMaxEntries        = 4096
)

// detectTIFF walks the chain of image file directories (one per page)
// without touching strip or tile data. Classic TIFF and BigTIFF are
// supported; reduced-resolution directories (thumbnails) are not pages.
func detectTIFF(r io.ReaderAt, size int64, o Options) (Result, error) {
	if size > o.MaxImageBytes {
		return Result{}, fmt.Errorf("tiff of %d bytes exceeds limit of %d: %w", size, o.MaxImageBytes, ErrTooLarge)
	}
	t := tiffReader{r: r, size: size}
	hdr, err := t.read(0, 16)
	if err != nil {
		hdr, err = t.read(0, 8)
		if err != nil {
			return Result{}, fmt.Errorf("tiff header: %w", err)
		}
	}
	switch string(hdr[:2]) {
	case "II":
		t.bo = binary.LittleEndian
	case "MM":
		t.bo = binary.BigEndian
	default:
		return Result{}, fmt.Errorf("tiff: byte order %q: %w", hdr[:2], ErrBroken)
	}
	var next uint64
	switch t.bo.Uint16(hdr[2:4]) {
	case 42:
		next = uint64(t.bo.Uint32(hdr[4:8]))
	case 43:
		if len(hdr) < 16 || t.bo.Uint16(hdr[4:6]) != 8 {
			return Result{}, fmt.Errorf("tiff: bigtiff header: %w", ErrBroken)
		}
		t.big = true
		next = t.bo.Uint64(hdr[8:16])
	default:
		return Result{}, fmt.Errorf("tiff: version %d: %w", t.bo.Uint16(hdr[2:4]), ErrBroken)
	}
	if next == 0 {
		return Result{}, fmt.Errorf("tiff: no image directory: %w", ErrBroken)
	}

	seen := make(map[uint64]bool)
	dirs, pages := 0, 0
	for next != 0 {
		if seen[next] {
			return Result{}, fmt.Errorf("tiff: directory %d loops back to offset %d: %w", dirs+1, next, ErrBroken)
		}
		seen[next] = true
		dirs++
		if dirs > o.MaxPages {
			return Result{}, fmt.Errorf("tiff: more than %d directories: %w", o.MaxPages, ErrTooLarge)
		}
		var reduced bool
		next, reduced, err = t.directory(next)
		if err != nil {
			return Result{}, fmt.Errorf("tiff: directory %d: %w", dirs, err)
		}
		if !reduced {
			pages++
		}
	}
	if pages == 0 {
		// Only thumbnails flagged: count what is there rather than claim 0.
		pages = dirs
	}
	return Result{Kind: records.KindScanImage, Detail: "TIFF " + plural(pages, "page"), Pages: pages}, nil
}

type tiffReader struct {
	r    io.ReaderAt
	size int64
	bo   binary.ByteOrder
	big  bool
}

func (t *tiffReader) read(off uint64, n int) ([]byte, error) {
	if off > uint64(t.size) || uint64(n) > uint64(t.size)-off {
		return nil, fmt.Errorf("%d bytes at offset %d beyond end of file (%d bytes): %w", n, off, t.size, ErrBroken)
	}
	b := make([]byte, n)
	if _, err := t.r.ReadAt(b, int64(off)); err != nil {
		return nil, fmt.Errorf("read at %d: %w: %w", off, ErrBroken, short(err))
	}
	return b, nil
}

// directory reads one IFD at off and returns the offset of the next one
// and whether this directory is a reduced-resolution image.
func (t *tiffReader) directory(off uint64) (next uint64, reduced bool, err error) {
	countSize, entrySize, nextSize := 2, 12, 4
	if t.big {
		countSize, entrySize, nextSize = 8, 20, 8
	}
	b, err := t.read(off, countSize)
	if err != nil {
		return 0, false, err
	}
	var count uint64
	if t.big {
		count = t.bo.Uint64(b)
	} else {
		count = uint64(t.bo.Uint16(b))
	}
	if count == 0 || count > tiffMaxEntries {
		return 0, false, fmt.Errorf("%d entries: %w", count, ErrBroken)
	}
	b, err = t.read(off+uint64(countSize), int(count)*entrySize+nextSize)
	if err != nil {
		return 0, false, err
	}
	for i := 0; i < int(count); i++ {
		e := b[i*entrySize:]
		if t.bo.Uint16(e[0:2]) != tiffTagNewSubfileType {
			continue
		}
		valueOff := 8
		if t.big {
			valueOff = 12
		}
		var v uint32
		switch t.bo.Uint16(e[2:4]) {
		case 3: // SHORT
			v = uint32(t.bo.Uint16(e[valueOff:]))
		case 4: // LONG
			v = t.bo.Uint32(e[valueOff:])
		}
		reduced = v&tiffReducedResolution != 0
	}
	tail := b[int(count)*entrySize:]
	if t.big {
		next = t.bo.Uint64(tail)
	} else {
		next = uint64(t.bo.Uint32(tail))
	}
	return next, reduced, nil
}
