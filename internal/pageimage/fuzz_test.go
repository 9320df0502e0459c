package pageimage

import (
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to every format. Open must return pages
// or an error wrapping one of the sentinels, and this package's own
// parsers must not panic (a recovered panic would hide a bug here).
func FuzzOpen(f *testing.F) {
	gray := toGray(letterPage(24, 16, false))
	bits1 := bitmap(letterPage(24, 16, false))
	f.Add(byte(0), encodeJPEG(f, gray, 50))
	f.Add(byte(1), encodePNG(f, gray))
	f.Add(byte(2), buildTIFF(binary.LittleEndian, []tiffPageSpec{{tags: tiffTags(24, 16, 1, 1, compG4, 0, 16, 300), strips: [][]byte{encodeG4(bits1.pix, 24, 16, bits1.stride)}}}))
	f.Add(byte(2), buildTIFF(binary.BigEndian, []tiffPageSpec{{tags: tiffTags(24, 16, 8, 1, compLZW, 1, 8, 300), strips: stripRows(gray.Pix, 24, 16, 8, lzwTIFF)}}))
	if g3, err := os.ReadFile("testdata/g3-1d.tif"); err == nil {
		f.Add(byte(2), g3)
	}
	f.Add(byte(3), buildPDF([]pdfPageSpec{{imgDict: imageDict(24, 16, "/DeviceGray", 8, "/FlateDecode", "", ""), imgData: zlibBytes(gray.Pix), mediaBox: [2]float64{24, 16}}}))
	types := []string{"image/jpeg", "image/png", "image/tiff", "application/pdf"}
	sentinels := []error{ErrEncrypted, ErrBroken, ErrTooLarge, ErrTooManyPages, ErrUnsupported, ErrNotAScan}
	f.Fuzz(func(t *testing.T, kind byte, data []byte) {
		mt := types[int(kind)%len(types)]
		pages, err := openT(data, mt, Limits{MaxPixels: 1 << 20, MaxDecodedBytes: 4 << 20, MaxPages: 8})
		if err != nil {
			classified := false
			for _, s := range sentinels {
				classified = classified || errors.Is(err, s)
			}
			if !classified {
				t.Fatalf("unclassified error: %v", err)
			}
			if strings.Contains(err.Error(), "parser panic") && mt != "application/pdf" {
				t.Fatalf("panic in this package's parser: %v", err)
			}
			return
		}
		for _, p := range pages {
			if _, _, err := p.OCR(); err != nil && strings.Contains(err.Error(), "parser panic") {
				t.Fatalf("panic making the OCR image: %v", err)
			}
		}
	})
}
