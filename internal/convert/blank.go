package convert

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for the blank check
	_ "image/png"

	_ "golang.org/x/image/tiff"
)

// blankInk is the share of dark pixels in the inner part of a page above
// which a page is taken to carry text. Scanner noise and speckles on an
// empty sheet stay well below it; a single line of 10 pt text is above.
const blankInk = 0.002

// inkRatio measures the share of dark pixels in the inner 80 % of a page
// image (the border is skipped: scanners leave edge shadows). It samples
// every third pixel; it runs only for pages where OCR found nothing.
func inkRatio(format string, data []byte) (float64, error) {
	img, err := decodeImage(format, data)
	if err != nil {
		return 0, err
	}
	b := img.Bounds()
	x0, x1 := b.Min.X+b.Dx()/10, b.Max.X-b.Dx()/10
	y0, y1 := b.Min.Y+b.Dy()/10, b.Max.Y-b.Dy()/10
	var dark, total int
	for y := y0; y < y1; y += 3 {
		for x := x0; x < x1; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			lum := (299*r + 587*g + 114*bl) / 1000 >> 8
			if lum < 128 {
				dark++
			}
			total++
		}
	}
	if total == 0 {
		return 0, nil
	}
	return float64(dark) / float64(total), nil
}

// decodeImage decodes the bytes a page hands to OCR.
func decodeImage(format string, data []byte) (image.Image, error) {
	if format == "pnm" || bytes.HasPrefix(data, []byte("P5")) || bytes.HasPrefix(data, []byte("P6")) {
		return decodePNM(data)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", format, err)
	}
	return img, nil
}

// decodePNM reads binary PGM (P5) and PPM (P6) with maxval 255.
func decodePNM(data []byte) (image.Image, error) {
	var magic string
	var w, h, maxval int
	r := bytes.NewReader(data)
	if _, err := fmt.Fscan(r, &magic, &w, &h, &maxval); err != nil {
		return nil, fmt.Errorf("pnm header: %w", err)
	}
	if _, err := r.ReadByte(); err != nil { // the single whitespace after maxval
		return nil, fmt.Errorf("pnm header: %w", err)
	}
	if maxval != 255 || w <= 0 || h <= 0 {
		return nil, fmt.Errorf("pnm: unsupported maxval %d or size %dx%d", maxval, w, h)
	}
	pix := data[len(data)-r.Len():]
	switch magic {
	case "P5":
		if len(pix) < w*h {
			return nil, fmt.Errorf("pnm: short pixel data")
		}
		return &image.Gray{Pix: pix[:w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}, nil
	case "P6":
		if len(pix) < 3*w*h {
			return nil, fmt.Errorf("pnm: short pixel data")
		}
		rgba := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := 0; i < w*h; i++ {
			rgba.Pix[4*i], rgba.Pix[4*i+1], rgba.Pix[4*i+2], rgba.Pix[4*i+3] = pix[3*i], pix[3*i+1], pix[3*i+2], 255
		}
		return rgba, nil
	}
	return nil, fmt.Errorf("pnm: unsupported magic %q", magic)
}
