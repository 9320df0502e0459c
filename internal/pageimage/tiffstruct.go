package pageimage

import (
	"encoding/binary"
	"fmt"
	"math"
)

// This file reads the TIFF structure: header and image file directories
// (IFDs). It is used for TIFF files and for the EXIF block of JPEGs, which
// is a TIFF structure too. Every offset and count is checked against the
// buffer, so a hostile file can make it fail but not read out of bounds or
// allocate more than the file's size.

type tiffFile struct {
	b   []byte
	bo  binary.ByteOrder
	big bool // BigTIFF: 8-byte offsets and counts
}

// tiffMaxEntries bounds one IFD; real files have 10–30 entries.
const tiffMaxEntries = 4096

// parseTIFFHeader reads the byte order and returns the offset of the first
// IFD.
func parseTIFFHeader(b []byte) (*tiffFile, uint64, error) {
	if len(b) < 8 {
		return nil, 0, fmt.Errorf("tiff header: %d bytes: %w", len(b), ErrBroken)
	}
	t := &tiffFile{b: b}
	switch string(b[:2]) {
	case "II":
		t.bo = binary.LittleEndian
	case "MM":
		t.bo = binary.BigEndian
	default:
		return nil, 0, fmt.Errorf("tiff: byte order %q: %w", b[:2], ErrBroken)
	}
	switch t.bo.Uint16(b[2:4]) {
	case 42:
		return t, uint64(t.bo.Uint32(b[4:8])), nil
	case 43:
		if len(b) < 16 || t.bo.Uint16(b[4:6]) != 8 {
			return nil, 0, fmt.Errorf("tiff: bigtiff header: %w", ErrBroken)
		}
		t.big = true
		return t, t.bo.Uint64(b[8:16]), nil
	}
	return nil, 0, fmt.Errorf("tiff: version %d: %w", t.bo.Uint16(b[2:4]), ErrBroken)
}

// tiffEntry is one directory entry; at is the offset of its value bytes.
type tiffEntry struct {
	typ   uint16
	count uint64
	at    uint64
}

// TIFF field types (TIFF 6.0 section 2, BigTIFF).
var tiffTypeSize = map[uint16]uint64{
	1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8,
}

type tiffDir map[uint16]tiffEntry

// readIFD reads the directory at off and returns it with the offset of
// the next one (0 at the end of the chain).
func (t *tiffFile) readIFD(off uint64) (tiffDir, uint64, error) {
	countSize, entrySize, offSize := uint64(2), uint64(12), uint64(4)
	if t.big {
		countSize, entrySize, offSize = 8, 20, 8
	}
	n64, err := t.num(off, countSize)
	if err != nil {
		return nil, 0, fmt.Errorf("ifd at %d: %w", off, err)
	}
	if n64 == 0 || n64 > tiffMaxEntries {
		return nil, 0, fmt.Errorf("ifd at %d has %d entries: %w", off, n64, ErrBroken)
	}
	n := n64
	dir := make(tiffDir, n)
	base := off + countSize
	for i := range n {
		e := base + i*entrySize
		tag, err := t.num(e, 2)
		if err != nil {
			return nil, 0, fmt.Errorf("ifd at %d: %w", off, err)
		}
		typ, _ := t.num(e+2, 2)
		count, err := t.num(e+4, offSize)
		if err != nil {
			return nil, 0, fmt.Errorf("ifd at %d: %w", off, err)
		}
		size, ok := tiffTypeSize[uint16(typ)]
		if !ok {
			continue // unknown types are to be skipped (TIFF 6.0, section 2)
		}
		valueAt := e + 4 + offSize
		if total := size * count; count > uint64(len(t.b)) || total > offSize {
			if valueAt, err = t.num(valueAt, offSize); err != nil {
				return nil, 0, fmt.Errorf("ifd at %d: %w", off, err)
			}
			if count > uint64(len(t.b)) || valueAt > uint64(len(t.b)) || total > uint64(len(t.b))-valueAt {
				return nil, 0, fmt.Errorf("tiff tag %d: %d values at %d beyond end of file: %w", tag, count, valueAt, ErrBroken)
			}
		}
		dir[uint16(tag)] = tiffEntry{typ: uint16(typ), count: count, at: valueAt}
	}
	next, err := t.num(base+n*entrySize, offSize)
	if err != nil {
		// A missing next pointer at the very end of the file ends the
		// chain; several writers forget it.
		return dir, 0, nil
	}
	return dir, next, nil
}

// num reads an unsigned integer of size bytes at off.
func (t *tiffFile) num(off, size uint64) (uint64, error) {
	if off > uint64(len(t.b)) || size > uint64(len(t.b))-off {
		return 0, fmt.Errorf("tiff offset %d beyond end of file: %w", off, ErrBroken)
	}
	b := t.b[off : off+size]
	switch size {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(t.bo.Uint16(b)), nil
	case 4:
		return uint64(t.bo.Uint32(b)), nil
	}
	return t.bo.Uint64(b), nil
}

// ints returns the values of an integer field; max bounds the count so a
// hostile count cannot make a huge slice.
func (d tiffDir) ints(t *tiffFile, tag uint16, max int) ([]uint64, error) {
	e, ok := d[tag]
	if !ok {
		return nil, nil
	}
	var size uint64
	switch e.typ {
	case 1, 7:
		size = 1
	case 3:
		size = 2
	case 4, 13:
		size = 4
	case 16, 18:
		size = 8
	default:
		return nil, fmt.Errorf("tiff tag %d has type %d, want an integer: %w", tag, e.typ, ErrBroken)
	}
	if e.count > uint64(max) {
		return nil, fmt.Errorf("tiff tag %d has %d values, at most %d make sense: %w", tag, e.count, max, ErrBroken)
	}
	out := make([]uint64, e.count)
	for i := range out {
		v, err := t.num(e.at+uint64(i)*size, size)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// int returns the first value of an integer field, or def if absent.
func (d tiffDir) int(t *tiffFile, tag uint16, def int) (int, error) {
	v, err := d.ints(t, tag, 1<<20)
	if err != nil || len(v) == 0 {
		return def, err
	}
	if v[0] > math.MaxInt32 {
		return 0, fmt.Errorf("tiff tag %d = %d: %w", tag, v[0], ErrBroken)
	}
	return int(v[0]), nil
}

// rational returns the first value of a RATIONAL field (or an integer
// one, which some writers use), 0 if absent or malformed.
func (d tiffDir) rational(t *tiffFile, tag uint16) float64 {
	e, ok := d[tag]
	if !ok || e.count == 0 {
		return 0
	}
	switch e.typ {
	case 5:
		num, err1 := t.num(e.at, 4)
		den, err2 := t.num(e.at+4, 4)
		if err1 != nil || err2 != nil || den == 0 {
			return 0
		}
		return float64(num) / float64(den)
	case 3, 4:
		v, err := d.int(t, tag, 0)
		if err != nil {
			return 0
		}
		return float64(v)
	}
	return 0
}

// bytes returns the raw value bytes of a field (JPEGTables).
func (d tiffDir) bytes(t *tiffFile, tag uint16) []byte {
	e, ok := d[tag]
	if !ok || (e.typ != 1 && e.typ != 7) {
		return nil
	}
	return t.b[e.at : e.at+e.count]
}

// resolution converts X/YResolution and ResolutionUnit to dots per inch;
// unit 1 ("no absolute unit", an aspect ratio only) gives 0.
func (d tiffDir) resolution(t *tiffFile) (x, y float64) {
	unit, _ := d.int(t, 296, 2)
	x, y = d.rational(t, 282), d.rational(t, 283)
	switch unit {
	case 2:
	case 3:
		x, y = x*2.54, y*2.54
	default:
		return 0, 0
	}
	if y == 0 {
		y = x
	}
	return roundDPI(x), roundDPI(y)
}

// orientationRotate maps TIFF/EXIF Orientation to Page.Rotate. The
// mirrored orientations (2, 4, 5, 7) do not come out of scanners; their
// mirror is ignored and only the rotation kept.
func orientationRotate(o int) int {
	switch o {
	case 3, 4:
		return 180
	case 6, 5:
		return 90
	case 8, 7:
		return 270
	}
	return 0
}
