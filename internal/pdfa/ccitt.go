package pdfa

// A CCITT Group 4 (ITU-T T.6) encoder. Bi-level scans compress to a tenth
// of their Flate size with G4, and every PDF reader decodes it, so pages the
// caller only has as pixels still come out as small as a scanner's own G4.
// golang.org/x/image/ccitt only decodes; the tests use it to verify us.

type g4Code struct {
	bits uint32
	n    uint8
}

// Mode codes of T.6 Table 1.
var (
	g4Pass  = g4Code{0x1, 4} // 0001
	g4Horiz = g4Code{0x1, 3} // 001
	// g4Vert is indexed by a1-b1+3: VL3, VL2, VL1, V0, VR1, VR2, VR3.
	g4Vert = [7]g4Code{{0x2, 7}, {0x2, 6}, {0x2, 3}, {0x1, 1}, {0x3, 3}, {0x3, 6}, {0x3, 7}}
	g4EOL  = g4Code{0x1, 12} // 000000000001
)

type bitWriter struct {
	out  []byte
	acc  uint64 // pending bits, left-aligned in the low nacc bits
	nacc uint
}

func (w *bitWriter) put(c g4Code) {
	w.acc = w.acc<<c.n | uint64(c.bits)
	w.nacc += uint(c.n)
	for w.nacc >= 8 {
		w.nacc -= 8
		w.out = append(w.out, byte(w.acc>>w.nacc))
	}
}

func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.out = append(w.out, byte(w.acc<<(8-w.nacc)))
		w.nacc = 0
	}
	return w.out
}

// putRun writes one run length in horizontal mode: make-up codes for the
// multiples of 64 (repeating the 2560 code for longer runs), then a
// terminating code.
func (w *bitWriter) putRun(run int, black bool) {
	term, makeup := g4WhiteTerm[:], g4WhiteMakeup[:]
	if black {
		term, makeup = g4BlackTerm[:], g4BlackMakeup[:]
	}
	for run >= 2560+64 {
		w.put(g4ExtMakeup[len(g4ExtMakeup)-1])
		run -= 2560
	}
	if run >= 64 {
		m := run / 64
		if m <= len(makeup) {
			w.put(makeup[m-1])
		} else {
			w.put(g4ExtMakeup[m-len(makeup)-1])
		}
		run -= m * 64
	}
	w.put(term[run])
}

// encodeG4 encodes a bi-level image given row by row as changing elements:
// rows(y) returns the ascending x positions where the colour flips, starting
// from white (a first entry 0 means the row starts black). width is the
// number of pixels per row.
func encodeG4(width, height int, rows func(y int, dst []int) []int) []byte {
	w := &bitWriter{out: make([]byte, 0, 4096)}
	// Three sentinels at width let every lookup below run without bounds
	// checks on the number of real changes.
	ref := []int{width, width, width}
	cur := make([]int, 0, 256)
	for y := range height {
		cur = rows(y, cur[:0])
		cur = append(cur, width, width, width)
		encodeG4Row(w, cur, ref, width)
		ref, cur = cur, ref
	}
	w.put(g4EOL) // EOFB
	w.put(g4EOL)
	return w.flush()
}

// encodeG4Row codes one row against its reference row (T.6, 2.2). Both
// slices hold changing elements followed by sentinels; an element at an even
// index turns the row black, at an odd index white.
func encodeG4Row(w *bitWriter, cur, ref []int, width int) {
	a0, black := -1, false
	ia, ib := 0, 0 // first indexes in cur and ref with a value > a0
	for a0 < width {
		for cur[ia] <= a0 {
			ia++
		}
		for ref[ib] <= a0 {
			ib++
		}
		a1 := cur[ia]
		// b1: first change on the reference row right of a0 towards the
		// colour opposite to a0's; even indexes turn black.
		jb := ib
		if (jb%2 == 1) != black {
			jb++
		}
		b1, b2 := ref[jb], ref[jb+1]
		switch {
		case b2 < a1: // pass mode
			w.put(g4Pass)
			a0 = b2
		case a1-b1 >= -3 && a1-b1 <= 3: // vertical mode
			w.put(g4Vert[a1-b1+3])
			a0 = a1
			black = !black
		default: // horizontal mode
			a2 := cur[ia+1]
			w.put(g4Horiz)
			w.putRun(a1-max(a0, 0), black)
			w.putRun(a2-a1, !black)
			a0 = a2
		}
	}
}
