package pageimage

import (
	"errors"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
	"github.com/stretchr/testify/require"
)

func TestOpenMediaTypes(t *testing.T) {
	jpg := withJFIF(encodeJPEG(t, toGray(letterPage(40, 30, false)), 80), 1, 300, 300)
	tests := []struct {
		name      string
		mediaType string
		in        []byte
		want      error
	}{
		{"parameters are ignored", "image/JPEG; name=scan.jpg", jpg, nil},
		{"alias", "image/jpg", jpg, nil},
		{"unknown type", "image/gif", []byte("GIF89a"), ErrUnsupported},
		{"no type", "", jpg, ErrUnsupported},
		{"jpeg that is not", "image/jpeg", []byte("not a jpeg"), ErrBroken},
		{"png that is not", "image/png", []byte("not a png"), ErrBroken},
		{"tiff that is not", "image/tiff", []byte("not a tiff"), ErrBroken},
		{"pdf that is not", "application/pdf", []byte("not a pdf"), ErrBroken},
		{"empty pdf", "application/pdf", nil, ErrBroken},
		{"empty tiff", "image/tiff", nil, ErrBroken},
		{"png in a jpeg's clothes", "image/jpeg", encodePNG(t, letterPage(8, 8, false)), ErrBroken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages, err := openT(tc.in, tc.mediaType, Limits{})
			if tc.want == nil {
				require.NoError(t, err)
				require.Len(t, pages, 1)
				return
			}
			require.ErrorIs(t, err, tc.want)
			require.Nil(t, pages)
		})
	}
}

func TestLimitsDefaults(t *testing.T) {
	require.Equal(t, Limits{MaxBytes: 200 << 20, MaxPages: 500, MaxPixels: 80_000_000, MaxDecodedBytes: 256 << 20}, DefaultLimits())
	require.Equal(t, DefaultLimits(), Limits{}.withDefaults())
	require.Equal(t, 7, Limits{MaxPages: 7}.withDefaults().MaxPages)

	// An A3 page at 600 dpi in colour fits the defaults.
	require.NoError(t, DefaultLimits().checkPage(7016, 9921, 24))
	require.ErrorIs(t, DefaultLimits().checkPage(7016, 9921, 48), ErrTooLarge)
	require.ErrorIs(t, DefaultLimits().checkPage(0, 10, 8), ErrBroken)
	require.ErrorIs(t, DefaultLimits().checkPage(1<<40, 1<<40, 8), ErrTooLarge)

	jpg := encodeJPEG(t, toGray(letterPage(40, 30, false)), 80)
	_, err := openT(jpg, "image/jpeg", Limits{MaxBytes: int64(len(jpg) - 1)})
	require.ErrorIs(t, err, ErrTooLarge)
	_, err = openT(jpg, "image/jpeg", Limits{MaxPixels: 40*30 - 1})
	require.ErrorIs(t, err, ErrTooLarge)
}

type failingReader struct{}

func (failingReader) ReadAt(p []byte, off int64) (int, error) { return 0, errors.New("disk on fire") }

func TestOpenReadError(t *testing.T) {
	_, err := Open(failingReader{}, 100, "image/png", Limits{})
	require.ErrorIs(t, err, ErrBroken)
	_, err = Open(failingReader{}, -1, "image/png", Limits{})
	require.ErrorIs(t, err, ErrBroken)
}

// TestPanicRecovery: a panic in a parser becomes ErrBroken, in Open and in
// OCRImage.
func TestPanicRecovery(t *testing.T) {
	pages, err := openBytes([]byte("x"), func([]byte, Limits) ([]Page, error) {
		panic("index out of range in a parser")
	}, "test", DefaultLimits())
	require.ErrorIs(t, err, ErrBroken)
	require.ErrorContains(t, err, "parser panic")
	require.Nil(t, pages)

	// A page no Open would return: the PBM buffer for it cannot be made.
	bad := Page{Width: 1 << 33, Height: 1 << 30, Stream: Stream{Filter: FilterCCITT, DecodeParms: map[string]int{"K": 0}, ColorSpace: ColorSpaceGray, BitsPerComponent: 1, Data: []byte{0, 1}}}
	img, err := bad.OCRImage()
	require.ErrorIs(t, err, ErrBroken)
	require.ErrorContains(t, err, "parser panic")
	require.Zero(t, img)

	_, err = Page{Width: -5, Height: 3, Stream: bad.Stream}.OCRImage()
	require.ErrorIs(t, err, ErrBroken)
}

func TestImageDict(t *testing.T) {
	p := Page{Width: 2480, Height: 3508, Stream: Stream{
		Filter:           FilterCCITT,
		DecodeParms:      map[string]int{"K": -1, "Columns": 2480, "Rows": 3508, "BlackIs1": 1, "EndOfBlock": 0},
		ColorSpace:       ColorSpaceGray,
		BitsPerComponent: 1,
	}}
	d := p.ImageDict()
	require.Equal(t, types.Name("XObject"), d["Type"])
	require.Equal(t, types.Name("Image"), d["Subtype"])
	require.Equal(t, types.Integer(2480), d["Width"])
	require.Equal(t, types.Name("CCITTFaxDecode"), d["Filter"])
	parms := d["DecodeParms"].(types.Dict)
	require.Equal(t, types.Boolean(true), parms["BlackIs1"])
	require.Equal(t, types.Boolean(false), parms["EndOfBlock"])
	require.Equal(t, types.Integer(-1), parms["K"])

	p.Stream = Stream{Filter: FilterDCT, ColorSpace: ColorSpaceRGB, BitsPerComponent: 8}
	_, ok := p.ImageDict()["DecodeParms"]
	require.False(t, ok)
}

// TestOCRWithTesseract feeds OCR images to the real Tesseract when it is
// installed: the end-to-end proof that leptonica reads the wrappers and
// that polarity is right (an inverted page yields no words).
func TestOCRWithTesseract(t *testing.T) {
	bin, err := exec.LookPath("tesseract")
	if err != nil || testing.Short() {
		t.Skip("tesseract not installed or -short")
	}
	// A grey page as Flate, with and without PNG predictor, made from the
	// JPEG test page.
	jpegPDF, err := openT(readFile(t, "testdata/jpeg-page-200dpi.pdf"), "application/pdf", Limits{})
	require.NoError(t, err)
	gray := pdfPixels(t, jpegPDF[0])
	const w, h = 1653, 2339
	withPredictor := buildPDF([]pdfPageSpec{{
		imgDict:  imageDict(w, h, "/DeviceGray", 8, "/FlateDecode", "<< /Predictor 15 /Colors 1 /BitsPerComponent 8 /Columns 1653 >>", ""),
		imgData:  pngIDAT(t, encodePNG(t, &image.Gray{Pix: gray, Stride: w, Rect: image.Rect(0, 0, w, h)})),
		mediaBox: [2]float64{w * 72 / 200.0, h * 72 / 200.0},
	}})
	plain := buildPDF([]pdfPageSpec{{
		imgDict:  imageDict(w, h, "/DeviceGray", 8, "/FlateDecode", "", ""),
		imgData:  zlibBytes(gray),
		mediaBox: [2]float64{w * 72 / 200.0, h * 72 / 200.0},
	}})

	tests := []struct {
		name, mediaType, format, want string
		in                            []byte
	}{
		{"G4 TIFF re-encoded (WhiteIsZero)", "image/tiff", OCRFormatTIFF, "Niederndodeleben", readFile(t, "testdata/g4-multistrip-300dpi.tif")},
		{"G4 from PDF passed through (BlackIs1)", "application/pdf", OCRFormatTIFF, "Niederndodeleben", readFile(t, "testdata/g4-page-img2pdf.pdf")},
		{"Flate with predictor as PNG", "application/pdf", OCRFormatPNG, "Weihnachten", withPredictor},
		{"Flate without predictor as Deflate TIFF", "application/pdf", OCRFormatTIFF, "Weihnachten", plain},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages, err := openT(tc.in, tc.mediaType, Limits{})
			require.NoError(t, err)
			img, err := pages[0].OCRImage()
			require.NoError(t, err)
			require.Equal(t, tc.format, img.Format)
			in := filepath.Join(t.TempDir(), "page."+img.Format)
			require.NoError(t, os.WriteFile(in, img.Data, 0o600))
			cmd := exec.Command(bin, in, "-", "--psm", "4", "--dpi", "300")
			cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
			out, err := cmd.Output()
			require.NoError(t, err)
			require.True(t, strings.Contains(string(out), tc.want), "tesseract read:\n%s", out)
		})
	}
}
