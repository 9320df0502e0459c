package pdfa

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
)

// NewImageFromGray stores an 8-bit grey image losslessly: Flate at the
// fastest level with the PNG "Up" predictor, which removes most of the
// redundancy of a scanned page between neighbouring rows at almost no cost.
func NewImageFromGray(img *image.Gray) Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var buf bytes.Buffer
	buf.Grow(w * h / 4)
	zw, _ := zlib.NewWriterLevel(&buf, flate.BestSpeed) // only fails for an invalid level
	row := make([]byte, 1+w)
	row[0] = 2 // PNG filter type Up
	prev := make([]byte, w)
	for y := range h {
		line := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):][:w]
		for x, v := range line {
			row[1+x] = v - prev[x]
		}
		copy(prev, line)
		zw.Write(row) // writes to a bytes.Buffer cannot fail
	}
	zw.Close()
	return Image{
		Width: w, Height: h, BitsPerComponent: 8, ColorSpace: "DeviceGray",
		Filter: "FlateDecode",
		DecodeParms: map[string]int{
			"Predictor": 15, "Colors": 1, "BitsPerComponent": 8, "Columns": w,
		},
		Data: buf.Bytes(),
	}
}

// NewImageFromBilevel encodes an image as CCITT Group 4, 1 bit per pixel:
// pixels darker than threshold (0–255 grey) become black. This is the form
// scanners deliver bi-level pages in, and the smallest lossless one a PDF
// reader can decode everywhere.
func NewImageFromBilevel(img image.Image, threshold uint8) Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	gray, _ := img.(*image.Gray)
	rows := func(y int, dst []int) []int {
		black := false
		if gray != nil {
			line := gray.Pix[gray.PixOffset(b.Min.X, b.Min.Y+y):][:w]
			for x, v := range line {
				if (v < threshold) != black {
					black = !black
					dst = append(dst, x)
				}
			}
			return dst
		}
		for x := range w {
			v := color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
			if (v < threshold) != black {
				black = !black
				dst = append(dst, x)
			}
		}
		return dst
	}
	return Image{
		Width: w, Height: h, BitsPerComponent: 1, ColorSpace: "DeviceGray",
		Filter:      "CCITTFaxDecode",
		DecodeParms: map[string]int{"K": -1, "Columns": w, "Rows": h, "BlackIs1": 0},
		Data:        encodeG4(w, h, rows),
	}
}

// NewImageFromJPEG wraps JPEG data for DCTDecode passthrough: the bytes go
// into the PDF unchanged, only the header is read for size and colour space.
// CMYK JPEGs are refused because the output intent is sRGB.
func NewImageFromJPEG(data []byte) (Image, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Image{}, fmt.Errorf("read jpeg header: %w", err)
	}
	img := Image{Width: cfg.Width, Height: cfg.Height, BitsPerComponent: 8, Filter: "DCTDecode", Data: data}
	switch cfg.ColorModel {
	case color.GrayModel:
		img.ColorSpace = "DeviceGray"
	case color.YCbCrModel, color.RGBAModel:
		img.ColorSpace = "DeviceRGB"
	default:
		return Image{}, fmt.Errorf("jpeg colour model %T: %w", cfg.ColorModel, ErrUnsupportedImage)
	}
	return img, nil
}
