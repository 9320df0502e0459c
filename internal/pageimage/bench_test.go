package pageimage

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"os"
	"testing"
	"time"
)

// BenchmarkOpenOCR measures what a page costs this package in the
// pipeline: Open plus the OCR bytes, per page. Inputs come from the scan
// corpus where present (real scanner noise compresses like real scans),
// from testdata or synthetic pages otherwise.
func BenchmarkOpenOCR(b *testing.B) {
	corpus := func(name string) []byte {
		data, err := os.ReadFile(corpusDir + "/" + name)
		if err != nil {
			return nil
		}
		return data
	}
	testdata := func(name string) []byte {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	// A real grey 300 dpi page for the re-encode cases.
	grayPage := func() *image.Gray {
		if data := corpus("doc-009/page-1.png"); data != nil {
			if img, err := png.Decode(bytes.NewReader(data)); err == nil {
				if g, ok := img.(*image.Gray); ok {
					return g
				}
			}
		}
		return toGray(letterPage(2480, 3508, false))
	}()
	const w, h = 2480, 3508
	grayPix := packRows(grayPage.Pix, grayPage.Stride, w, h)

	cases := []struct {
		name, mediaType string
		in              []byte
	}{
		{"jpeg 300dpi A4 (passthrough)", "image/jpeg", corpus("doc-001/page-1.jpg")},
		{"jpeg scanner pdf 200dpi", "application/pdf", testdata("jpeg-page-200dpi.pdf")},
		{"flate grey scanner pdf 300dpi (passthrough)", "application/pdf", corpus("doc-009/scan.pdf")},
		{"png grey 300dpi (passthrough)", "image/png", corpus("doc-009/page-1.png")},
		{"g4 scanner pdf 300dpi (passthrough)", "application/pdf", testdata("g4-page-img2pdf.pdf")},
		{"g4 tiff multi-strip 300dpi (re-encode)", "image/tiff", testdata("g4-multistrip-300dpi.tif")},
		{"flate grey pdf without predictor 300dpi (deflate tiff)", "application/pdf", buildPDF([]pdfPageSpec{{
			imgDict: imageDict(w, h, "/DeviceGray", 8, "/FlateDecode", "", ""), imgData: zlibBytes(grayPix)}})},
		{"lzw grey tiff 300dpi (re-encode)", "image/tiff", buildTIFF(binary.LittleEndian, []tiffPageSpec{{
			tags: tiffTags(w, h, 8, 1, compLZW, 1, 64, 300), strips: stripRows(grayPix, w, h, 64, lzwTIFF)}})},
	}
	for _, c := range cases {
		if c.in == nil {
			continue // corpus absent
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.in)))
			pages := 0
			start := time.Now()
			for b.Loop() {
				got, err := openT(c.in, c.mediaType, Limits{})
				if err != nil {
					b.Fatal(err)
				}
				for _, p := range got {
					if _, _, err := p.OCR(); err != nil {
						b.Fatal(err)
					}
				}
				pages += len(got)
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(pages), "ms/page")
		})
	}
}
