package convert

import (
	"bytes"
	"fmt"
	"image/jpeg"

	"github.com/aktenfluss/aktenfluss/internal/pageimage"
)

// archivalStream is the image stream the archival PDF embeds for a page:
// JPEG and CCITT pages as delivered (never recompressed: no added loss, no
// time spent), losslessly delivered grey and colour pages as JPEG, because
// a page of scanner noise compresses badly without loss.
func archivalStream(p pageimage.Page, quality int) (pageimage.Stream, error) {
	s := p.Stream
	if s.Filter != pageimage.FilterFlate || s.BitsPerComponent != 8 {
		return s, nil
	}
	if quality <= 0 {
		quality = DefaultJPEGQuality
	}
	ocrImg, err := p.OCRImage()
	if err != nil {
		return s, err
	}
	img, err := decodeImage(ocrImg.Format, ocrImg.Data)
	if err != nil {
		return s, fmt.Errorf("decode page for jpeg: %w", err)
	}
	var buf bytes.Buffer
	buf.Grow(len(ocrImg.Data) / 8)
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return s, fmt.Errorf("encode jpeg: %w", err)
	}
	return pageimage.Stream{
		Filter: pageimage.FilterDCT, ColorSpace: s.ColorSpace, BitsPerComponent: 8, Data: buf.Bytes(),
	}, nil
}
