package ocr

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/tiff"
)

// Helpers that turn the test page into the variants the tests need:
// rotated, and encoded as each supported format.

func decodeImage(t testing.TB, data []byte) *image.Gray {
	t.Helper()
	var (
		img image.Image
		err error
	)
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG")):
		img, err = png.Decode(bytes.NewReader(data))
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		img, err = tiff.Decode(bytes.NewReader(data))
	default:
		img, _, err = image.Decode(bytes.NewReader(data))
	}
	require.NoError(t, err)
	return toGray(img)
}

func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(g, g.Bounds(), img, b.Min, draw.Src)
	return g
}

// rotateCW turns the page content clockwise by deg (0, 90, 180, 270).
func rotateCW(g *image.Gray, deg int) *image.Gray {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	var out *image.Gray
	if deg == 90 || deg == 270 {
		out = image.NewGray(image.Rect(0, 0, h, w))
	} else {
		out = image.NewGray(image.Rect(0, 0, w, h))
	}
	for y := range h {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		for x, v := range row {
			switch deg {
			case 90:
				out.Pix[x*out.Stride+(h-1-y)] = v
			case 180:
				out.Pix[(h-1-y)*out.Stride+(w-1-x)] = v
			case 270:
				out.Pix[(w-1-x)*out.Stride+y] = v
			default:
				out.Pix[y*out.Stride+x] = v
			}
		}
	}
	return out
}

func encodePGM(g *image.Gray) []byte {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "P5\n# test page\n%d %d\n255\n", w, h)
	for y := range h {
		buf.Write(g.Pix[y*g.Stride : y*g.Stride+w])
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, g *image.Gray) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, g))
	return buf.Bytes()
}

func encodeJPEG(t testing.TB, g *image.Gray) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, g, &jpeg.Options{Quality: 85}))
	return buf.Bytes()
}

// encodeTIFF writes an uncompressed bilevel-looking grey TIFF; the CCITT G4
// path is covered by the test page itself.
func encodeTIFF(t testing.TB, g *image.Gray) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, tiff.Encode(&buf, g, &tiff.Options{Compression: tiff.Deflate}))
	return buf.Bytes()
}

// rotatePoint maps a point of an upright w×h page to the page turned
// clockwise by deg, in crack coordinates (as image.Rectangle).
func rotatePoint(x, y, w, h, deg int) (int, int) {
	switch deg {
	case 90:
		return h - y, x
	case 180:
		return w - x, h - y
	case 270:
		return y, w - x
	default:
		return x, y
	}
}
