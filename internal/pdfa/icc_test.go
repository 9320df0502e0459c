package pdfa

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSRGBICCStructure parses the generated profile the way a colour
// management module would and checks every structural rule of ICC.1:2001
// (v2) that a reader depends on.
func TestSRGBICCStructure(t *testing.T) {
	p := srgbICC()
	be := binary.BigEndian

	require.Equal(t, uint32(len(p)), be.Uint32(p[0:]), "declared size")
	require.Zero(t, len(p)%4, "profile size is a multiple of 4")
	require.Equal(t, uint32(0x02100000), be.Uint32(p[8:]), "version 2.1")
	require.Equal(t, "mntr", string(p[12:16]))
	require.Equal(t, "RGB ", string(p[16:20]))
	require.Equal(t, "XYZ ", string(p[20:24]))
	require.Equal(t, "acsp", string(p[36:40]))
	require.Equal(t, make([]byte, 16), p[84:100], "profile ID is zero in v2")
	require.Equal(t, make([]byte, 28), p[100:128], "reserved bytes are zero")
	s15 := func(b []byte) float64 { return float64(int32(be.Uint32(b))) / 65536 }
	require.InDelta(t, 0.9642, s15(p[68:]), 1e-4, "PCS illuminant D50 X")
	require.InDelta(t, 1.0, s15(p[72:]), 1e-4)
	require.InDelta(t, 0.8249, s15(p[76:]), 1e-4)

	h, err := parseICCHeader(p)
	require.NoError(t, err)
	require.Equal(t, 3, h.components)

	n := int(be.Uint32(p[128:]))
	tags := map[string][]byte{}
	offsets := map[string]uint32{}
	for i := range n {
		e := p[132+12*i:]
		sig, off, size := string(e[0:4]), be.Uint32(e[4:]), be.Uint32(e[8:])
		require.Zero(t, off%4, "tag %s aligned", sig)
		require.LessOrEqual(t, int(off+size), len(p), "tag %s inside profile", sig)
		require.GreaterOrEqual(t, int(off), 132+12*n, "tag %s after the tag table", sig)
		tags[sig] = p[off : off+size]
		offsets[sig] = off
	}
	for _, sig := range []string{"desc", "cprt", "wtpt", "rXYZ", "gXYZ", "bXYZ", "rTRC", "gTRC", "bTRC"} {
		require.Contains(t, tags, sig, "required tag of an RGB display profile")
	}
	require.Equal(t, offsets["rTRC"], offsets["gTRC"], "TRCs share one curve")

	xyz := func(sig string) [3]float64 {
		b := tags[sig]
		require.Equal(t, "XYZ ", string(b[:4]), sig)
		require.Len(t, b, 20, sig)
		return [3]float64{s15(b[8:]), s15(b[12:]), s15(b[16:])}
	}
	for sig, want := range map[string][3]float64{
		"wtpt": {0.9642, 1.0, 0.8249}, "rXYZ": {0.4361, 0.2225, 0.0139},
		"gXYZ": {0.3851, 0.7169, 0.0971}, "bXYZ": {0.1431, 0.0606, 0.7141},
	} {
		got := xyz(sig)
		for i := range got {
			require.InDelta(t, want[i], got[i], 1e-4, "%s[%d]", sig, i)
		}
	}
	// The colourants add up to the white point: white stays white.
	r, g, b := xyz("rXYZ"), xyz("gXYZ"), xyz("bXYZ")
	for i := range 3 {
		require.InDelta(t, xyz("wtpt")[i], r[i]+g[i]+b[i], 2e-3)
	}

	desc := tags["desc"]
	require.Equal(t, "desc", string(desc[:4]))
	count := be.Uint32(desc[8:])
	require.Equal(t, iccDescription+"\x00", string(desc[12:12+count]))
	require.Len(t, desc, int(12+count+4+4+2+1+67), "textDescriptionType layout")
	require.Equal(t, "text", string(tags["cprt"][:4]))
	require.Equal(t, byte(0), tags["cprt"][len(tags["cprt"])-1], "text is NUL-terminated")

	curv := tags["rTRC"]
	require.Equal(t, "curv", string(curv[:4]))
	points := int(be.Uint32(curv[8:]))
	require.Len(t, curv, 12+2*points)
	prev := -1
	for i := range points {
		v := int(be.Uint16(curv[12+2*i:]))
		require.Greater(t, v, prev, "curve strictly increasing")
		prev = v
		// Compare with the sRGB decoding function.
		x := float64(i) / float64(points-1)
		want := math.Pow((x+0.055)/1.055, 2.4)
		if x <= 0.04045 {
			want = x / 12.92
		}
		require.InDelta(t, want, float64(v)/65535, 1e-4)
	}
	require.Equal(t, 0, int(be.Uint16(curv[12:])))
	require.Equal(t, 65535, int(be.Uint16(curv[len(curv)-2:])))
}

func TestParseICCHeaderRejects(t *testing.T) {
	good := srgbICC()
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	tests := []struct {
		name string
		data []byte
	}{
		{"too short", good[:100]},
		{"no acsp", mutate(func(b []byte) []byte { copy(b[36:], "xxxx"); return b })},
		{"size mismatch", mutate(func(b []byte) []byte { return append(b, 0, 0, 0, 0) })},
		{"lab data space", mutate(func(b []byte) []byte { copy(b[16:], "Lab "); return b })},
		{"tag outside", mutate(func(b []byte) []byte { binary.BigEndian.PutUint32(b[136:], 1<<20); return b })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseICCHeader(tt.data)
			require.Error(t, err)
		})
	}
}
