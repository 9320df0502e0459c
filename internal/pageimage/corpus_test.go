package pageimage

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// corpusDir is the generated scan corpus (scangen, seed 1; `make
// scancorpus`), or AKTENFLUSS_SCAN_CORPUS. Tests that need it skip when it
// is absent, except in CI, where its absence is a failure.
var corpusDir = cmp.Or(os.Getenv("AKTENFLUSS_SCAN_CORPUS"), "../../.bench/scancorpus")

type corpusTruth struct {
	ID     string `json:"id"`
	DPI    int    `json:"dpi"`
	Mode   string `json:"mode"`
	JPEGQ  *int   `json:"jpeg_quality"`
	NPages int    `json:"n_pages"`
}

func corpusDocs(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(corpusDir, "doc-*"))
	if err == nil && len(dirs) == 0 {
		err = fs.ErrNotExist
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("scan corpus missing in CI: %v", err)
		}
		t.Skipf("scan corpus %s not present", corpusDir)
	}
	return dirs
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}

// TestCorpus opens every scanner PDF of the corpus and its page images and
// checks them against truth.json and against each other: the PDF's
// stream is the page image as delivered (JPEG bytes, PNG IDAT), and G4
// pages decode to the same pixels whether they come from the TIFF or the
// PDF.
func TestCorpus(t *testing.T) {
	// Decoding PNG pages three ways costs ~0.3 s a page; the bytes are
	// compared for every page, the pixels for the first PNG page only.
	pngPixelsChecked := false
	for _, dir := range corpusDocs(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var truth corpusTruth
			require.NoError(t, json.Unmarshal(readFile(t, filepath.Join(dir, "truth.json")), &truth))
			pdf := readFile(t, filepath.Join(dir, "scan.pdf"))
			pages, err := openT(pdf, "application/pdf", Limits{})
			require.NoError(t, err)
			require.Len(t, pages, truth.NPages)
			for k, p := range pages {
				require.Equal(t, k, p.Index)
				require.Equal(t, [2]float64{float64(truth.DPI), float64(truth.DPI)}, [2]float64{p.DPIX, p.DPIY})
				require.Equal(t, [2]int{(truth.DPI*2480 + 150) / 300, (truth.DPI*3508 + 150) / 300}, [2]int{p.Width, p.Height}, "A4, rounded as scangen does")
				require.Equal(t, 0, p.Rotate)
				img, err := p.OCRImage()
				require.NoError(t, err)
				base := filepath.Join(dir, fmt.Sprintf("page-%d", k+1))
				switch {
				case truth.Mode == "bilevel":
					require.Equal(t, ModeBilevel, p.Mode)
					require.Equal(t, FilterCCITT, p.Stream.Filter)
					require.True(t, bytes.Contains(pdf, p.Stream.Data))
					fromTIFF, err := openT(readFile(t, base+".tif"), "image/tiff", Limits{})
					require.NoError(t, err)
					require.Equal(t, ModeBilevel, fromTIFF[0].Mode)
					pix := pdfPixels(t, p)
					require.Equal(t, pix, pdfPixels(t, fromTIFF[0]))
					require.Greater(t, whiteShare(pix), 0.8)
					require.Equal(t, OCRFormatTIFF, img.Format)
					require.Equal(t, pix, ocrPixels(t, img, p))
				case truth.JPEGQ != nil:
					require.Equal(t, ModeGray, p.Mode)
					require.Equal(t, FilterDCT, p.Stream.Filter)
					jpg := readFile(t, base+".jpg")
					require.Equal(t, jpg, p.Stream.Data, "JPEG passed through byte for byte")
					require.Equal(t, OCRFormatJPEG, img.Format)
					fromJPEG, err := openT(jpg, "image/jpeg", Limits{})
					require.NoError(t, err)
					require.Equal(t, p.Stream, fromJPEG[0].Stream)
					require.Equal(t, [2]float64{p.DPIX, p.DPIY}, [2]float64{fromJPEG[0].DPIX, fromJPEG[0].DPIY})
				default:
					require.Equal(t, ModeGray, p.Mode)
					require.Equal(t, FilterFlate, p.Stream.Filter)
					pngFile := readFile(t, base+".png")
					require.Equal(t, pngIDAT(t, pngFile), p.Stream.Data, "PNG IDAT passed through byte for byte")
					fromPNG, err := openT(pngFile, "image/png", Limits{})
					require.NoError(t, err)
					require.Equal(t, p.Stream, fromPNG[0].Stream)
					require.Equal(t, [2]float64{p.DPIX, p.DPIY}, [2]float64{fromPNG[0].DPIX, fromPNG[0].DPIY})
					if pngPixelsChecked {
						continue
					}
					pngPixelsChecked = true
					ref, err := png.Decode(bytes.NewReader(pngFile))
					require.NoError(t, err)
					g := toGray(ref)
					pix := pdfPixels(t, p)
					require.Equal(t, packRows(g.Pix, g.Stride, p.Width, p.Height), pix)
					require.Equal(t, OCRFormatPNG, img.Format)
					require.Equal(t, pix, ocrPixels(t, img, p))
				}
			}
		})
	}
}

// TestCorpusTruncated: a real scanner PDF cut in half is ErrBroken, not a
// PDF with fewer pages.
func TestCorpusTruncated(t *testing.T) {
	dirs := corpusDocs(t)
	pdf := readFile(t, filepath.Join(dirs[0], "scan.pdf"))
	_, err := openT(pdf[:len(pdf)/2], "application/pdf", Limits{})
	require.True(t, errors.Is(err, ErrBroken), "got %v", err)
}
