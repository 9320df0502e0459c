package pdfa

import (
	"encoding/binary"
	"hash/adler32"
	"math/bits"
	"sort"
)

// imageZlib compresses already-encoded image data (JPEG, CCITT G4) into a
// zlib stream for the Flate layer over page images. That data has skewed
// byte frequencies (stock JPEG Huffman tables, G4 run codes) and short
// repeats (runs of empty JPEG blocks over blank paper), which a greedy LZ77
// with 3-byte matches plus per-block Huffman codes recovers: about 5 % on
// scanner JPEGs at a few milliseconds per page, close to zlib's level 1.
// compress/flate does worse here: its fast modes store a block unless it
// shrinks by 1/16, and its LZ levels need 4-byte matches and cost several
// times the time.
func imageZlib(src []byte) []byte {
	w := &lsbWriter{out: make([]byte, 0, len(src)+len(src)/64+64)}
	w.out = append(w.out, 0x78, 0x01)    // zlib header: deflate, 32K window, no dictionary
	head := make([]int32, 1<<lzHashBits) // last position+1 of each 3-byte hash
	tokens := make([]uint32, 0, lzBlockBytes)
	start := 0
	for i := 0; i < len(src); {
		tok, n := uint32(src[i]), 1
		if i+4 <= len(src) {
			// Three bytes compared and hashed at once through a 32-bit load.
			x := binary.LittleEndian.Uint32(src[i:]) & 0xFFFFFF
			h := x * 2654435761 >> (32 - lzHashBits)
			cand := int(head[h]) - 1
			head[h] = int32(i + 1)
			if cand >= 0 && i-cand <= lzWindow && binary.LittleEndian.Uint32(src[cand:])&0xFFFFFF == x {
				n = lzExtend(src, cand, i)
				tok = matchFlag | uint32(n)<<16 | uint32(i-cand)
				if n <= lzMaxInsert {
					for j := i + 1; j < i+n && j+4 <= len(src); j++ {
						y := binary.LittleEndian.Uint32(src[j:]) & 0xFFFFFF
						head[y*2654435761>>(32-lzHashBits)] = int32(j + 1)
					}
				}
			}
		}
		tokens = append(tokens, tok)
		i += n
		if i-start >= lzBlockBytes {
			w.block(tokens, src[start:i], i == len(src))
			tokens, start = tokens[:0], i
		}
	}
	if start < len(src) || len(src) == 0 {
		w.block(tokens, src[start:], true)
	}
	w.flush()
	return binary.BigEndian.AppendUint32(w.out, adler32.Checksum(src))
}

// lzExtend returns the length of the match at i against cand (at least 3).
func lzExtend(src []byte, cand, i int) int {
	n, limit := 3, min(lzMaxMatch, len(src)-i)
	for n < limit && src[cand+n] == src[i+n] {
		n++
	}
	return n
}

// LZ77 parameters, zlib level 1 in spirit: one hash probe, greedy. Far
// 3-byte matches are kept: on JPEG data they still beat three literals.
const (
	lzHashBits   = 15
	lzWindow     = 32 << 10
	lzMaxMatch   = 258
	lzMaxInsert  = 4        // hash positions inside matches up to this length
	lzBlockBytes = 32 << 10 // input per block: adaptivity vs. ≈ 80-byte block headers
	matchFlag    = 1 << 31
)

// lengthCode maps a match length (3–258) to its DEFLATE symbol, extra bits
// and extra value (RFC 1951 3.2.5).
func lengthCode(n int) (sym int, nextra uint, extra uint32) {
	l := n - 3
	switch {
	case l < 8:
		return 257 + l, 0, 0
	case l == 255:
		return 285, 0, 0
	}
	nb := bits.Len(uint(l)) - 1
	return 257 + 4*(nb-1) + (l>>(nb-2))&3, uint(nb - 2), uint32(l & (1<<(nb-2) - 1))
}

// distCode maps a distance (1–32768) to its symbol and extra bits.
func distCode(dist int) (sym int, nextra uint, extra uint32) {
	d := dist - 1
	if d < 4 {
		return d, 0, 0
	}
	nb := bits.Len(uint(d)) - 1
	return 2*nb + (d>>(nb-1))&1, uint(nb - 1), uint32(d & (1<<(nb-1) - 1))
}

// lsbWriter packs bits the DEFLATE way: least significant bit first.
type lsbWriter struct {
	out  []byte
	acc  uint64
	nacc uint
}

// put appends the n low bits of bits (n ≤ 16); whole 32-bit words go out
// at once, which keeps the per-symbol cost low.
func (w *lsbWriter) put(bits uint32, n uint) {
	w.acc |= uint64(bits) << w.nacc
	w.nacc += n
	if w.nacc >= 32 {
		w.out = binary.LittleEndian.AppendUint32(w.out, uint32(w.acc))
		w.acc >>= 32
		w.nacc -= 32
	}
}

// flush writes the pending bits, padding the last byte with zeros.
func (w *lsbWriter) flush() {
	for w.nacc > 0 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nacc -= min(w.nacc, 8)
	}
	w.acc = 0
}

// codeLengthOrder is the order in which code length code lengths are sent.
var codeLengthOrder = [19]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// block writes one DEFLATE block for tokens, which cover raw: with
// dynamic Huffman codes, or stored when coding would not make it smaller.
func (w *lsbWriter) block(tokens []uint32, raw []byte, final bool) {
	var last uint32
	if final {
		last = 1
	}
	var litFreq [286]int
	var distFreq [30]int
	extraBits := 0
	for _, t := range tokens {
		if t&matchFlag == 0 {
			litFreq[t]++
			continue
		}
		ls, le, _ := lengthCode(int(t >> 16 & 0x1FF))
		ds, de, _ := distCode(int(t & 0xFFFF))
		litFreq[ls]++
		distFreq[ds]++
		extraBits += int(le + de)
	}
	litFreq[256] = 1 // end of block
	litLen := huffmanLengths(litFreq[:], 15)
	distLen := huffmanLengths(distFreq[:], 15)
	hlit, hdist := 286, 30
	for hlit > 257 && litLen[hlit-1] == 0 {
		hlit--
	}
	for hdist > 1 && distLen[hdist-1] == 0 {
		hdist--
	}
	litCodes, distCodes := canonicalCodes(litLen), canonicalCodes(distLen)

	// Code length sequence (RFC 1951 3.2.7), run-length coded. A single
	// distance code of length zero means "literals only".
	seq := append(append(make([]uint8, 0, hlit+hdist), litLen[:hlit]...), distLen[:hdist]...)
	type rl struct{ sym, extra, nextra uint8 }
	var rle []rl
	var clFreq [19]int
	for i := 0; i < len(seq); {
		v, run := seq[i], 1
		for i+run < len(seq) && seq[i+run] == v {
			run++
		}
		i += run
		for run > 0 {
			switch {
			case v == 0 && run >= 11:
				n := min(run, 138)
				rle = append(rle, rl{18, uint8(n - 11), 7})
				run -= n
			case v == 0 && run >= 3:
				rle = append(rle, rl{17, uint8(run - 3), 3})
				run = 0
			case v != 0 && run >= 4:
				rle = append(rle, rl{v, 0, 0}) // the value once, then repeats
				clFreq[v]++
				n := min(run-1, 6)
				rle = append(rle, rl{16, uint8(n - 3), 2})
				run -= 1 + n
			default:
				rle = append(rle, rl{v, 0, 0})
				run--
			}
			clFreq[rle[len(rle)-1].sym]++
		}
	}
	clLen := huffmanLengths(clFreq[:], 7)
	clCodes := canonicalCodes(clLen)
	hclen := 19
	for hclen > 4 && clLen[codeLengthOrder[hclen-1]] == 0 {
		hclen--
	}

	size := 3 + 5 + 5 + 4 + 3*hclen + extraBits
	for _, r := range rle {
		size += int(clLen[r.sym]) + int(r.nextra)
	}
	for s, f := range litFreq {
		size += f * int(litLen[s])
	}
	for s, f := range distFreq {
		size += f * int(distLen[s])
	}
	if size >= 8*(len(raw)+5)-3 {
		// Nothing to gain: a stored block (aligned, LEN, NLEN, bytes).
		w.put(last, 3)
		w.flush()
		w.out = binary.LittleEndian.AppendUint16(w.out, uint16(len(raw)))
		w.out = binary.LittleEndian.AppendUint16(w.out, ^uint16(len(raw)))
		w.out = append(w.out, raw...)
		return
	}

	w.put(last|2<<1, 3) // BFINAL, BTYPE=10 (dynamic Huffman)
	w.put(uint32(hlit-257), 5)
	w.put(uint32(hdist-1), 5)
	w.put(uint32(hclen-4), 4)
	for _, s := range codeLengthOrder[:hclen] {
		w.put(uint32(clLen[s]), 3)
	}
	for _, r := range rle {
		w.put(clCodes[r.sym], uint(clLen[r.sym]))
		if r.nextra > 0 {
			w.put(uint32(r.extra), uint(r.nextra))
		}
	}
	for _, t := range tokens {
		if t&matchFlag == 0 {
			w.put(litCodes[t], uint(litLen[t]))
			continue
		}
		ls, le, lx := lengthCode(int(t >> 16 & 0x1FF))
		w.put(litCodes[ls], uint(litLen[ls]))
		if le > 0 {
			w.put(lx, le)
		}
		ds, de, dx := distCode(int(t & 0xFFFF))
		w.put(distCodes[ds], uint(distLen[ds]))
		if de > 0 {
			w.put(dx, de)
		}
	}
	w.put(litCodes[256], uint(litLen[256]))
}

// huffmanLengths returns Huffman code lengths of at most maxBits for the
// given frequencies (zero frequency, zero length). When the optimal tree is
// too deep, frequencies are flattened and the tree rebuilt; that costs a
// fraction of a percent and happens only for extremely skewed blocks.
func huffmanLengths(freq []int, maxBits int) []uint8 {
	lengths := make([]uint8, len(freq))
	f := append([]int(nil), freq...)
	for {
		syms := make([]int, 0, len(f))
		for s, v := range f {
			if v > 0 {
				syms = append(syms, s)
			}
		}
		switch len(syms) {
		case 0:
			return lengths
		case 1:
			// A complete code needs two codes; the unused one is harmless.
			lengths[syms[0]] = 1
			return lengths
		}
		sort.SliceStable(syms, func(i, j int) bool { return f[syms[i]] < f[syms[j]] })
		// Two-queue Huffman construction: leaves in ascending order, and
		// internal nodes, created in ascending order too.
		n := len(syms)
		weight := make([]int, 0, 2*n)
		parent := make([]int, 2*n)
		for _, s := range syms {
			weight = append(weight, f[s])
		}
		li, ii := 0, n // next leaf, next internal node
		pick := func() int {
			if li < n && (ii >= len(weight) || weight[li] <= weight[ii]) {
				li++
				return li - 1
			}
			ii++
			return ii - 1
		}
		for len(weight) < 2*n-1 {
			a, b := pick(), pick()
			parent[a], parent[b] = len(weight), len(weight)
			weight = append(weight, weight[a]+weight[b])
		}
		depth := make([]int, len(weight))
		maxDepth := 0
		for i := len(weight) - 2; i >= 0; i-- {
			depth[i] = depth[parent[i]] + 1
		}
		for i := range n {
			maxDepth = max(maxDepth, depth[i])
		}
		if maxDepth <= maxBits {
			for i, s := range syms {
				lengths[s] = uint8(depth[i])
			}
			return lengths
		}
		for s := range f {
			if f[s] > 0 {
				f[s] = f[s]/2 + 1
			}
		}
	}
}

// canonicalCodes assigns DEFLATE's canonical codes (RFC 1951 3.2.2),
// bit-reversed for the LSB-first bit writer.
func canonicalCodes(lengths []uint8) []uint32 {
	var count [16]int
	for _, l := range lengths {
		if l > 0 {
			count[l]++
		}
	}
	var next [16]uint32
	code := uint32(0)
	for bits := 1; bits < 16; bits++ {
		code = (code + uint32(count[bits-1])) << 1
		next[bits] = code
	}
	codes := make([]uint32, len(lengths))
	for s, l := range lengths {
		if l == 0 {
			continue
		}
		c := next[l]
		next[l]++
		var r uint32
		for range l {
			r = r<<1 | c&1
			c >>= 1
		}
		codes[s] = r
	}
	return codes
}
