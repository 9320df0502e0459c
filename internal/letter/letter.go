package letter

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Options shape a rendered page.
type Options struct {
	DPI      int     // default 300
	PointSz  float64 // default 11
	SkewDeg  float64 // rotation of the page content, counter-clockwise
	Noise    float64 // standard deviation of grey noise, 0 for none
	Seed     uint64
	WidthMM  float64 // default 210 (A4)
	HeightMM float64 // default 297
}

func (o *Options) defaults() {
	if o.DPI == 0 {
		o.DPI = 300
	}
	if o.PointSz == 0 {
		o.PointSz = 11
	}
	if o.WidthMM == 0 {
		o.WidthMM = 210
	}
	if o.HeightMM == 0 {
		o.HeightMM = 297
	}
}

// Render draws the lines top-down on a white page with DIN 5008-like
// margins (25 mm left, 45 mm top) and returns the grey page.
func Render(lines []string, o Options) (*image.Gray, error) {
	o.defaults()
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("parse font: %w", err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: o.PointSz, DPI: float64(o.DPI), Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("font face: %w", err)
	}
	defer func() { _ = face.Close() }()
	mm := float64(o.DPI) / 25.4
	w, h := int(o.WidthMM*mm), int(o.HeightMM*mm)
	page := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(page, page.Bounds(), image.NewUniform(color.Gray{Y: 250}), image.Point{}, draw.Src)
	d := font.Drawer{Dst: page, Src: image.NewUniform(color.Gray{Y: 25}), Face: face}
	lineH := int(o.PointSz * 1.5 * float64(o.DPI) / 72)
	y := int(45 * mm)
	for _, l := range lines {
		d.Dot = fixed.P(int(25*mm), y)
		d.DrawString(l)
		y += lineH
		if y > h-int(20*mm) {
			break
		}
	}
	if o.SkewDeg != 0 {
		page = rotate(page, o.SkewDeg)
	}
	if o.Noise > 0 {
		r := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
		for i, v := range page.Pix {
			n := float64(v) + r.NormFloat64()*o.Noise
			page.Pix[i] = uint8(math.Max(0, math.Min(255, n)))
		}
	}
	return page, nil
}

// rotate turns the page content by deg around its centre (nearest
// neighbour: a scanner's feed skew, not a photo edit).
func rotate(src *image.Gray, deg float64) *image.Gray {
	b := src.Bounds()
	dst := image.NewGray(b)
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			dx, dy := float64(x)-cx, float64(y)-cy
			sx := int(cos*dx - sin*dy + cx)
			sy := int(sin*dx + cos*dy + cy)
			v := uint8(250)
			if sx >= 0 && sy >= 0 && sx < b.Dx() && sy < b.Dy() {
				v = src.Pix[sy*src.Stride+sx]
			}
			dst.Pix[y*dst.Stride+x] = v
		}
	}
	return dst
}

// JPEG encodes a page as a scanner's JPEG at the given quality.
func JPEG(img image.Image, quality int) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PNG encodes a page losslessly.
func PNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
