package pageimage

import (
	"math/bits"
)

// This file is a CCITT Group 4 (ITU-T T.6) encoder. Go has decoders
// (golang.org/x/image/ccitt) but no encoder, and bilevel pages that arrive
// in a form PDF cannot carry as is (multi-strip G4 TIFF, G3, LZW, PackBits,
// 1-bit PNG with a palette) would otherwise become Flate, which is several
// times larger than G4 for text. G4 is lossless, so re-encoding changes no
// pixel.
//
// The coding follows T.6 section 2.2 and libtiff's Fax3Encode2DRow: the
// reference line of the first row is all white, a0 starts on an imaginary
// white pixel before the row, and the stream ends with EOFB.

// bitcode is a variable-length code: the low n bits of v, MSB first.
type bitcode struct {
	v uint32
	n uint8
}

// Mode codes (T.4 table 4 / T.6 table 1).
var (
	codePass       = bitcode{0b0001, 4}
	codeHorizontal = bitcode{0b001, 3}
	// codeVertical[d+3] codes a1 - b1 = d for d in -3..3 (VL3..V0..VR3).
	codeVertical = [7]bitcode{
		{0b0000010, 7}, {0b000010, 6}, {0b010, 3},
		{0b1, 1},
		{0b011, 3}, {0b000011, 6}, {0b0000011, 7},
	}
	codeEOL = bitcode{0b000000000001, 12}
)

// runCodes are the modified Huffman run-length codes of T.4 tables 2 and
// 3, as bit strings so they can be checked against the standard by eye.
type runCodes struct {
	term   [64]bitcode // run lengths 0..63
	makeup [40]bitcode // run lengths 64, 128, ..., 2560 (index n/64-1)
}

var whiteRuns, blackRuns = buildRunCodes()

func buildRunCodes() (white, black runCodes) {
	whiteTerm := [64]string{
		"00110101", "000111", "0111", "1000", "1011", "1100", "1110", "1111",
		"10011", "10100", "00111", "01000", "001000", "000011", "110100", "110101",
		"101010", "101011", "0100111", "0001100", "0001000", "0010111", "0000011", "0000100",
		"0101000", "0101011", "0010011", "0100100", "0011000", "00000010", "00000011", "00011010",
		"00011011", "00010010", "00010011", "00010100", "00010101", "00010110", "00010111", "00101000",
		"00101001", "00101010", "00101011", "00101100", "00101101", "00000100", "00000101", "00001010",
		"00001011", "01010010", "01010011", "01010100", "01010101", "00100100", "00100101", "01011000",
		"01011001", "01011010", "01011011", "01001010", "01001011", "00110010", "00110011", "00110100",
	}
	blackTerm := [64]string{
		"0000110111", "010", "11", "10", "011", "0011", "0010", "00011",
		"000101", "000100", "0000100", "0000101", "0000111", "00000100", "00000111", "000011000",
		"0000010111", "0000011000", "0000001000", "00001100111", "00001101000", "00001101100", "00000110111", "00000101000",
		"00000010111", "00000011000", "000011001010", "000011001011", "000011001100", "000011001101", "000001101000", "000001101001",
		"000001101010", "000001101011", "000011010010", "000011010011", "000011010100", "000011010101", "000011010110", "000011010111",
		"000001101100", "000001101101", "000011011010", "000011011011", "000001010100", "000001010101", "000001010110", "000001010111",
		"000001100100", "000001100101", "000001010010", "000001010011", "000000100100", "000000110111", "000000111000", "000000100111",
		"000000101000", "000001011000", "000001011001", "000000101011", "000000101100", "000001011010", "000001100110", "000001100111",
	}
	// Make-up codes 64..1728 differ by colour.
	whiteMakeup := [27]string{
		"11011", "10010", "010111", "0110111", "00110110", "00110111", "01100100", "01100101",
		"01101000", "01100111", "011001100", "011001101", "011010010", "011010011", "011010100", "011010101",
		"011010110", "011010111", "011011000", "011011001", "011011010", "011011011", "010011000", "010011001",
		"010011010", "011000", "010011011",
	}
	blackMakeup := [27]string{
		"0000001111", "000011001000", "000011001001", "000001011011", "000000110011", "000000110100", "000000110101", "0000001101100",
		"0000001101101", "0000001001010", "0000001001011", "0000001001100", "0000001001101", "0000001110010", "0000001110011", "0000001110100",
		"0000001110101", "0000001110110", "0000001110111", "0000001010010", "0000001010011", "0000001010100", "0000001010101", "0000001011010",
		"0000001011011", "0000001100100", "0000001100101",
	}
	// Extended make-up codes 1792..2560 (T.4 table 3a) are shared.
	extMakeup := [13]string{
		"00000001000", "00000001100", "00000001101", "000000010010", "000000010011", "000000010100", "000000010101",
		"000000010110", "000000010111", "000000011100", "000000011101", "000000011110", "000000011111",
	}
	parse := func(s string) bitcode {
		var v uint32
		for _, c := range s {
			v = v<<1 | uint32(c-'0')
		}
		return bitcode{v, uint8(len(s))}
	}
	for i := range 64 {
		white.term[i], black.term[i] = parse(whiteTerm[i]), parse(blackTerm[i])
	}
	for i := range 27 {
		white.makeup[i], black.makeup[i] = parse(whiteMakeup[i]), parse(blackMakeup[i])
	}
	for i := range 13 {
		white.makeup[27+i], black.makeup[27+i] = parse(extMakeup[i]), parse(extMakeup[i])
	}
	return white, black
}

// bitWriter appends codes MSB first.
type bitWriter struct {
	buf []byte
	acc uint64 // pending bits in the low n bits
	n   uint
}

func (w *bitWriter) put(c bitcode) {
	w.acc = w.acc<<c.n | uint64(c.v)
	w.n += uint(c.n)
	for w.n >= 8 {
		w.n -= 8
		w.buf = append(w.buf, byte(w.acc>>w.n))
	}
}

// flush pads the last byte with zero bits.
func (w *bitWriter) flush() {
	if w.n > 0 {
		w.buf = append(w.buf, byte(w.acc<<(8-w.n)))
		w.n = 0
	}
}

func (w *bitWriter) run(n int, black bool) {
	t := &whiteRuns
	if black {
		t = &blackRuns
	}
	for n >= 2560 {
		w.put(t.makeup[39])
		n -= 2560
	}
	if n >= 64 {
		w.put(t.makeup[n/64-1])
		n %= 64
	}
	w.put(t.term[n])
}

// pixelAt reports whether pixel x of a packed row is black (1).
func pixelAt(row []byte, x int) bool {
	return row[x>>3]&(0x80>>(x&7)) != 0
}

// nextChange returns the first position >= x whose pixel differs from
// black, or w if there is none. Whole bytes of the same colour are skipped
// at once: most of a page is white.
func nextChange(row []byte, x, w int, black bool) int {
	if x >= w {
		return w
	}
	var flip byte // XOR that turns the searched-for colour into 1 bits
	if black {
		flip = 0xFF
	}
	i := x >> 3
	v := (row[i] ^ flip) & (0xFF >> (x & 7))
	for v == 0 {
		i++
		if i >= len(row) {
			return w
		}
		v = row[i] ^ flip
	}
	if p := i<<3 + bits.LeadingZeros8(v); p < w {
		return p
	}
	return w
}

// encodeG4 encodes a bilevel image (rows of stride bytes, 1 bit per pixel
// MSB first, 1 = black) as a T.6 stream ending with EOFB. Decoded with
// CCITTFaxDecode /K -1 and the default BlackIs1 false, it shows black as
// black.
func encodeG4(pix []byte, w, h, stride int) []byte {
	rowBytes := (w + 7) / 8
	// Text pages compress about 30:1; start with room for that.
	bw := bitWriter{buf: make([]byte, 0, rowBytes*h/24+64)}
	white := make([]byte, rowBytes)
	ref := white
	for y := range h {
		cur := pix[y*stride : y*stride+rowBytes]
		encodeG4Row(&bw, cur, ref, w)
		ref = cur
	}
	bw.put(codeEOL) // EOFB is two EOLs
	bw.put(codeEOL)
	bw.flush()
	return bw.buf
}

func encodeG4Row(bw *bitWriter, cur, ref []byte, w int) {
	a0 := 0
	color := false // colour of a0; the imaginary pixel before the row is white
	a1 := nextChange(cur, 0, w, false)
	b1 := nextChange(ref, 0, w, false)
	for {
		b2 := nextChange(ref, b1, w, b1 < w && pixelAt(ref, b1))
		if b2 < a1 {
			bw.put(codePass)
			a0 = b2
		} else if d := a1 - b1; d >= -3 && d <= 3 {
			bw.put(codeVertical[d+3])
			a0 = a1
			color = !color
		} else {
			a2 := nextChange(cur, a1, w, a1 < w && pixelAt(cur, a1))
			bw.put(codeHorizontal)
			bw.run(a1-a0, color)
			bw.run(a2-a1, !color)
			a0 = a2
		}
		if a0 >= w {
			return
		}
		// b1: the first change on the reference line right of a0 to the
		// colour opposite a0's, i.e. the first pixel of a0's colour's
		// opposite run start after a0.
		a1 = nextChange(cur, a0, w, color)
		b1 = nextChange(ref, a0, w, !color)
		b1 = nextChange(ref, b1, w, color)
	}
}
