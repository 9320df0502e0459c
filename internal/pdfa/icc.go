package pdfa

import (
	"encoding/binary"
	"math"
)

// sRGB colourants and white point, chromatically adapted to the D50 profile
// connection space as published with IEC 61966-2-1 (the values every sRGB
// ICC v2 profile carries). The profile is generated rather than shipped so
// that the package has no binary assets of unknown provenance.
var (
	iccRedXYZ   = [3]float64{0.4361, 0.2225, 0.0139}
	iccGreenXYZ = [3]float64{0.3851, 0.7169, 0.0971}
	iccBlueXYZ  = [3]float64{0.1431, 0.0606, 0.7141}
	iccD50      = [3]float64{0.9642, 1.0, 0.8249}
)

// iccTRCPoints is the length of the tone curve table. 64 samples of the sRGB
// decoding function keep the interpolation error far below one 8-bit step
// while the profile stays under 600 bytes.
const iccTRCPoints = 64

const (
	iccDescription = "sRGB IEC61966-2.1 (aktenfluss)"
	iccCopyright   = "No copyright, use freely"
)

// srgbICC builds a minimal, valid ICC v2.1 display profile for sRGB:
// header, tag table, desc, cprt, wtpt, r/g/bXYZ and one curv table shared by
// r/g/bTRC (tags may share data, which keeps the profile small).
func srgbICC() []byte {
	type tag struct {
		sig  string
		data []byte
	}
	curve := iccCurve()
	tags := []tag{
		{"desc", iccDesc(iccDescription)},
		{"cprt", iccText(iccCopyright)},
		{"wtpt", iccXYZ(iccD50)},
		{"rXYZ", iccXYZ(iccRedXYZ)},
		{"gXYZ", iccXYZ(iccGreenXYZ)},
		{"bXYZ", iccXYZ(iccBlueXYZ)},
		{"rTRC", curve},
		{"gTRC", nil}, // shares rTRC's data
		{"bTRC", nil},
	}
	const headerSize = 128
	tableSize := 4 + 12*len(tags)
	out := make([]byte, headerSize+tableSize, 1024)
	binary.BigEndian.PutUint32(out[headerSize:], uint32(len(tags)))
	var curveOff, curveLen uint32
	for i, t := range tags {
		entry := out[headerSize+4+12*i:]
		copy(entry[0:4], t.sig)
		off, size := uint32(len(out)), uint32(len(t.data))
		if t.data == nil {
			off, size = curveOff, curveLen
		} else {
			out = append(out, t.data...)
			for len(out)%4 != 0 { // every tag starts on a 4-byte boundary
				out = append(out, 0)
			}
			if t.sig == "rTRC" {
				curveOff, curveLen = off, size
			}
		}
		binary.BigEndian.PutUint32(entry[4:8], off)
		binary.BigEndian.PutUint32(entry[8:12], size)
	}

	h := out[:headerSize]
	binary.BigEndian.PutUint32(h[0:], uint32(len(out))) // profile size
	// 4: preferred CMM type, left zero
	binary.BigEndian.PutUint32(h[8:], 0x02100000) // version 2.1.0
	copy(h[12:16], "mntr")
	copy(h[16:20], "RGB ")
	copy(h[20:24], "XYZ ")
	// Creation date fixed, so that identical input yields identical PDFs.
	for i, v := range []uint16{2026, 1, 1, 0, 0, 0} {
		binary.BigEndian.PutUint16(h[24+2*i:], v)
	}
	copy(h[36:40], "acsp")
	// 40 platform, 44 flags, 48 manufacturer, 52 model, 56 attributes: zero.
	binary.BigEndian.PutUint32(h[64:], 0) // perceptual rendering intent
	putS15Fixed16(h[68:], iccD50[0])      // PCS illuminant
	putS15Fixed16(h[72:], iccD50[1])
	putS15Fixed16(h[76:], iccD50[2])
	// 80 creator, 84..99 profile ID (reserved and zero in v2), rest reserved.
	return out
}

func putS15Fixed16(b []byte, v float64) {
	binary.BigEndian.PutUint32(b, uint32(int32(math.Round(v*65536))))
}

func iccXYZ(v [3]float64) []byte {
	b := make([]byte, 20)
	copy(b, "XYZ ")
	for i := range v {
		putS15Fixed16(b[8+4*i:], v[i])
	}
	return b
}

func iccText(s string) []byte {
	b := make([]byte, 8, 8+len(s)+1)
	copy(b, "text")
	b = append(b, s...)
	return append(b, 0)
}

// iccDesc writes the v2 textDescriptionType: ASCII part, an empty Unicode
// part and an empty 67-byte ScriptCode part.
func iccDesc(s string) []byte {
	b := make([]byte, 12, 12+len(s)+1+4+4+2+1+67)
	copy(b, "desc")
	binary.BigEndian.PutUint32(b[8:], uint32(len(s)+1))
	b = append(b, s...)
	b = append(b, 0)
	b = append(b, make([]byte, 4+4+2+1+67)...)
	return b
}

// iccCurve samples the sRGB decoding function (IEC 61966-2-1) into a curv
// table; v2 has no parametric curves.
func iccCurve() []byte {
	b := make([]byte, 12+2*iccTRCPoints)
	copy(b, "curv")
	binary.BigEndian.PutUint32(b[8:], iccTRCPoints)
	for i := range iccTRCPoints {
		v := float64(i) / (iccTRCPoints - 1)
		var lin float64
		if v <= 0.04045 {
			lin = v / 12.92
		} else {
			lin = math.Pow((v+0.055)/1.055, 2.4)
		}
		binary.BigEndian.PutUint16(b[12+2*i:], uint16(math.Round(lin*65535)))
	}
	return b
}
