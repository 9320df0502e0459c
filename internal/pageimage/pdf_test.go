package pageimage

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/stretchr/testify/require"
)

// imageDict writes an image XObject dictionary for the PDF builder.
func imageDict(w, h int, cs string, bpc int, filter, parms, extra string) string {
	d := fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent %d", w, h, cs, bpc)
	if filter != "" {
		d += " /Filter " + filter
	}
	if parms != "" {
		d += " /DecodeParms " + parms
	}
	return d + " " + extra + " >>"
}

func TestOpenPDF(t *testing.T) {
	const w, h = 200, 150
	const mbW, mbH = 48.0, 36.0 // 200 × 150 px at 300 dpi
	letter := letterPage(w, h, true)
	gray := toGray(letter)
	grayPix := packRows(gray.Pix, gray.Stride, w, h)
	rgbPix := make([]byte, 0, 3*w*h)
	for i := 0; i < len(letter.Pix); i += 4 {
		rgbPix = append(rgbPix, letter.Pix[i:i+3]...)
	}
	grayIDAT := pngIDAT(t, encodePNG(t, gray))
	grayJPEG := encodeJPEG(t, gray, 85)
	rgbJPEG := encodeJPEG(t, letter, 85)
	bits1 := bitmap(letter)
	bitPix := make([]byte, w*h)
	for y := range h {
		for x := range w {
			if !bitmapAt(bits1, x, y) {
				bitPix[y*w+x] = 255
			}
		}
	}
	g4 := encodeG4(bits1.pix, w, h, bits1.stride)
	invBits := bytes.Clone(bits1.pix)
	invert(invBits)
	g4Inverted := encodeG4(invBits, w, h, bits1.stride) // CCITT black is paper
	// 2-bit indexed grey: 4 levels.
	var idx2 []byte
	var idx2Pix []byte
	levels := []byte{0, 0x40, 0x80, 0xFF}
	for y := range h {
		var acc byte
		for x := range w {
			v := byte(0)
			switch g := grayPix[y*w+x]; {
			case g > 200:
				v = 3
			case g > 100:
				v = 2
			case g > 30:
				v = 1
			}
			idx2Pix = append(idx2Pix, levels[v])
			acc = acc<<2 | v
			if x%4 == 3 {
				idx2 = append(idx2, acc)
				acc = 0
			}
		}
	}

	flateParms := fmt.Sprintf("<< /Predictor 15 /Colors 1 /BitsPerComponent 8 /Columns %d >>", w)
	ccitt := func(blackIs1 bool) string {
		return fmt.Sprintf("<< /K -1 /Columns %d /Rows %d /BlackIs1 %v >>", w, h, blackIs1)
	}
	page := func(dict string, data []byte) []pdfPageSpec {
		return []pdfPageSpec{{imgDict: dict, imgData: data, mediaBox: [2]float64{mbW, mbH}}}
	}

	tests := []struct {
		name        string
		pages       []pdfPageSpec
		mode        Mode
		filter      string
		passthrough []byte // expected Stream.Data, nil if re-encoded
		pixels      []byte
		ocr         string
		rotate      int
		dpi         float64
	}{
		{"Flate grey with PNG predictor", page(imageDict(w, h, "/DeviceGray", 8, "/FlateDecode", flateParms, ""), grayIDAT), ModeGray, FilterFlate, grayIDAT, grayPix, OCRFormatPNG, 0, 300},
		{"Flate grey without predictor", page(imageDict(w, h, "/DeviceGray", 8, "/FlateDecode", "", ""), zlibBytes(grayPix)), ModeGray, FilterFlate, zlibBytes(grayPix), grayPix, OCRFormatTIFF, 0, 300},
		{"Flate RGB without predictor", page(imageDict(w, h, "/DeviceRGB", 8, "/FlateDecode", "", ""), zlibBytes(rgbPix)), ModeColor, FilterFlate, zlibBytes(rgbPix), rgbPix, OCRFormatTIFF, 0, 300},
		{"DCT grey", page(imageDict(w, h, "/DeviceGray", 8, "/DCTDecode", "", ""), grayJPEG), ModeGray, FilterDCT, grayJPEG, nil, OCRFormatJPEG, 0, 300},
		{"DCT RGB in ICCBased N=3", page(imageDict(w, h, "ICCREF", 8, "/DCTDecode", "", ""), rgbJPEG), ModeColor, FilterDCT, rgbJPEG, nil, OCRFormatJPEG, 0, 300},
		{"Flate around DCT", page(imageDict(w, h, "/DeviceGray", 8, "[/FlateDecode /DCTDecode]", "", ""), zlibBytes(grayJPEG)), ModeGray, FilterDCT, grayJPEG, nil, OCRFormatJPEG, 0, 300},
		{"CCITT G4", page(imageDict(w, h, "/DeviceGray", 1, "/CCITTFaxDecode", ccitt(false), ""), g4), ModeBilevel, FilterCCITT, g4, bitPix, OCRFormatTIFF, 0, 300},
		{"CCITT G4 BlackIs1", page(imageDict(w, h, "/DeviceGray", 1, "[/CCITTFaxDecode]", "["+ccitt(true)+"]", ""), g4Inverted), ModeBilevel, FilterCCITT, g4Inverted, bitPix, OCRFormatTIFF, 0, 300},
		{"CCITT G4 with /Decode [1 0]", page(imageDict(w, h, "/DeviceGray", 1, "/CCITTFaxDecode", ccitt(false), "/Decode [1 0]"), g4Inverted), ModeBilevel, FilterCCITT, g4Inverted, bitPix, OCRFormatTIFF, 0, 300},
		{"CCITT image mask", page(strings.Replace(imageDict(w, h, "/DeviceGray", 1, "/CCITTFaxDecode", ccitt(false), "/ImageMask true"), "/ColorSpace /DeviceGray /BitsPerComponent 1", "", 1), g4), ModeBilevel, FilterCCITT, g4, bitPix, OCRFormatTIFF, 0, 300},
		{"indexed 2-bit grey is expanded", page(imageDict(w, h, "[/Indexed /DeviceGray 3 <004080FF>]", 2, "/FlateDecode", "", ""), zlibBytes(idx2)), ModeGray, FilterFlate, nil, idx2Pix, OCRFormatPNG, 0, 300},
		{"LZW grey is re-encoded", page(imageDict(w, h, "/DeviceGray", 8, "/LZWDecode", "", ""), lzwTIFF(grayPix)), ModeGray, FilterFlate, nil, grayPix, OCRFormatPNG, 0, 300},
		{"uncompressed RGB is re-encoded", page(imageDict(w, h, "/DeviceRGB", 8, "", "", ""), rgbPix), ModeColor, FilterFlate, nil, rgbPix, OCRFormatPNG, 0, 300},
		{"page /Rotate 90", []pdfPageSpec{{imgDict: imageDict(w, h, "/DeviceGray", 8, "/DCTDecode", "", ""), imgData: grayJPEG, mediaBox: [2]float64{mbW, mbH}, pageDict: "/Rotate 90"}}, ModeGray, FilterDCT, grayJPEG, nil, OCRFormatJPEG, 90, 300},
		{"image painted turned clockwise", []pdfPageSpec{{imgDict: imageDict(w, h, "/DeviceGray", 8, "/DCTDecode", "", ""), imgData: grayJPEG, mediaBox: [2]float64{mbH, mbW},
			content: fmt.Sprintf("q 0 %g %g 0 0 %g cm /Im0 Do Q", -mbW, mbH, mbW)}}, ModeGray, FilterDCT, grayJPEG, nil, OCRFormatJPEG, 90, 300},
		{"image at 200 dpi with margins", []pdfPageSpec{{imgDict: imageDict(w, h, "/DeviceGray", 8, "/DCTDecode", "", ""), imgData: grayJPEG, mediaBox: [2]float64{80, 60},
			content: "q 72 0 0 54 4 3 cm /Im0 Do Q"}}, ModeGray, FilterDCT, grayJPEG, nil, OCRFormatJPEG, 0, 200},
		{"image inside a form", []pdfPageSpec{{imgDict: imageDict(w, h, "/DeviceGray", 8, "/DCTDecode", "", ""), imgData: grayJPEG, mediaBox: [2]float64{mbW, mbH},
			content: "FORM"}}, ModeGray, FilterDCT, grayJPEG, nil, OCRFormatJPEG, 0, 300},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := buildPDF(tc.pages)
			if bytes.Contains(in, []byte("ICCREF")) || bytes.Contains(in, []byte("FORM")) {
				in = buildPDFExtras(tc.pages)
			}
			pages, err := openT(in, "application/pdf", Limits{})
			require.NoError(t, err)
			require.Len(t, pages, 1)
			p := pages[0]
			require.Equal(t, [2]int{w, h}, [2]int{p.Width, p.Height})
			require.Equal(t, [2]float64{tc.dpi, tc.dpi}, [2]float64{p.DPIX, p.DPIY})
			require.Equal(t, tc.mode, p.Mode)
			require.Equal(t, tc.rotate, p.Rotate)
			require.Equal(t, tc.filter, p.Stream.Filter)
			if tc.passthrough != nil {
				require.Equal(t, tc.passthrough, p.Stream.Data)
			}
			pix := pdfPixels(t, p)
			if tc.pixels != nil {
				require.Equal(t, tc.pixels, pix)
			}
			require.Greater(t, whiteShare(pix), 0.5, "black on white")
			img, err := p.OCRImage()
			require.NoError(t, err)
			require.Equal(t, tc.ocr, img.Format)
			require.Equal(t, pix, ocrPixels(t, img, p))
		})
	}
}

// buildPDFExtras is buildPDF for pages that need more objects: "ICCREF"
// in the image dictionary becomes an ICCBased colour space, content
// "FORM" paints the image through a form XObject.
func buildPDFExtras(pages []pdfPageSpec) []byte {
	b := &pdfBuilder{}
	catalog := b.add("", nil)
	pagesObj := b.add("", nil)
	var kids []string
	for _, pg := range pages {
		dict := pg.imgDict
		if strings.Contains(dict, "ICCREF") {
			icc := b.add("<< /N 3 >>", []byte("not a real profile"))
			dict = strings.Replace(dict, "ICCREF", fmt.Sprintf("[/ICCBased %d 0 R]", icc), 1)
		}
		img := b.add(dict, pg.imgData)
		mb := pg.mediaBox
		res := fmt.Sprintf("/XObject << /Im0 %d 0 R >>", img)
		content := pg.content
		if content == "FORM" {
			form := b.add(fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] /Matrix [%g 0 0 %g 0 0] /Resources << %s >> >>", mb[0], mb[1], res),
				[]byte("q /Im0 Do Q"))
			res = fmt.Sprintf("/XObject << /Fm0 %d 0 R >>", form)
			content = "q /Fm0 Do Q"
		} else if content == "" {
			content = fmt.Sprintf("q %g 0 0 %g 0 0 cm /Im0 Do Q", mb[0], mb[1])
		}
		c := b.add("<< >>", []byte(content))
		page := b.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %g %g] /Resources << %s >> /Contents %d 0 R >>", pagesObj, mb[0], mb[1], res, c), nil)
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	b.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj))
	b.set(pagesObj, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	return b.bytes(catalog)
}

func TestOpenPDFRefused(t *testing.T) {
	const w, h = 200, 150
	gray := toGray(letterPage(w, h, false))
	jpg := encodeJPEG(t, gray, 80)
	dct := imageDict(w, h, "/DeviceGray", 8, "/DCTDecode", "", "")
	font := "/Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >>"
	full := "q 48 0 0 36 0 0 cm /Im0 Do Q "
	one := func(spec pdfPageSpec) []byte {
		spec.mediaBox = [2]float64{48, 36}
		if spec.imgDict == "" && spec.content != " " {
			spec.imgDict, spec.imgData = dct, jpg
		}
		return buildPDF([]pdfPageSpec{spec})
	}
	scan := one(pdfPageSpec{})
	tests := []struct {
		name string
		in   []byte
		lim  Limits
		want error
	}{
		{"text layer", one(pdfPageSpec{content: full + "BT /F1 12 Tf 2 2 Td (Rechnung) Tj ET", extraRes: font}), Limits{}, ErrNotAScan},
		{"invisible OCR text", one(pdfPageSpec{content: full + "BT 3 Tr /F1 12 Tf 2 2 Td [(Rech) -20 (nung)] TJ ET", extraRes: font}), Limits{}, ErrNotAScan},
		{"two images", one(pdfPageSpec{content: full + full}), Limits{}, ErrNotAScan},
		{"no image", one(pdfPageSpec{content: " "}), Limits{}, ErrNotAScan},
		{"small image on a page", one(pdfPageSpec{content: "q 10 0 0 8 5 5 cm /Im0 Do Q"}), Limits{}, ErrNotAScan},
		{"inline image", one(pdfPageSpec{content: "q 48 0 0 36 0 0 cm BI /W 1 /H 1 /CS /G /BPC 8 ID \x80 EI Q"}), Limits{}, ErrUnsupported},
		{"mirrored image", one(pdfPageSpec{content: "q 48 0 0 -36 0 36 cm /Im0 Do Q"}), Limits{}, ErrUnsupported},
		{"skewed image", one(pdfPageSpec{content: "q 41.57 24 -18 31.18 0 0 cm /Im0 Do Q"}), Limits{}, ErrUnsupported},
		{"JBIG2", one(pdfPageSpec{imgDict: imageDict(w, h, "/DeviceGray", 1, "/JBIG2Decode", "", ""), imgData: []byte{0, 1, 2}}), Limits{}, ErrUnsupported},
		{"JPEG 2000", one(pdfPageSpec{imgDict: imageDict(w, h, "/DeviceRGB", 8, "/JPXDecode", "", ""), imgData: []byte{0, 1, 2}}), Limits{}, ErrUnsupported},
		{"Lab colour", one(pdfPageSpec{imgDict: imageDict(w, h, "[/Lab << /WhitePoint [0.95 1 1.09] >>]", 8, "/FlateDecode", "", ""), imgData: zlibBytes(make([]byte, 3*w*h))}), Limits{}, ErrUnsupported},
		{"JPEG and dictionary disagree", one(pdfPageSpec{imgDict: imageDict(w+1, h, "/DeviceGray", 8, "/DCTDecode", "", ""), imgData: jpg}), Limits{}, ErrBroken},
		{"pixel bomb", one(pdfPageSpec{imgDict: imageDict(100_000, 100_000, "/DeviceGray", 8, "/FlateDecode", "", ""), imgData: zlibBytes(make([]byte, 1000))}), Limits{}, ErrTooLarge},
		{"LZW data ends early", one(pdfPageSpec{imgDict: imageDict(w, h, "/DeviceGray", 8, "/LZWDecode", "", ""), imgData: lzwTIFF(make([]byte, 100))}), Limits{}, ErrBroken},
		{"too many pages", buildPDF([]pdfPageSpec{{imgDict: dct, imgData: jpg, mediaBox: [2]float64{48, 36}}, {imgDict: dct, imgData: jpg, mediaBox: [2]float64{48, 36}}, {imgDict: dct, imgData: jpg, mediaBox: [2]float64{48, 36}}}), Limits{MaxPages: 2}, ErrTooManyPages},
		{"larger than MaxBytes", scan, Limits{MaxBytes: 1000}, ErrTooLarge},
		{"truncated", scan[:len(scan)*2/3], Limits{}, ErrBroken},
		{"garbage between header and %%EOF", []byte("%PDF-1.7\n" + strings.Repeat("garbage ", 100) + "\n%%EOF\n"), Limits{}, ErrBroken},
		{"no header", []byte("hello world %%EOF"), Limits{}, ErrBroken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openT(tc.in, "application/pdf", tc.lim)
			require.ErrorIs(t, err, tc.want)
		})
	}
}

func TestOpenPDFEncrypted(t *testing.T) {
	jpg := encodeJPEG(t, toGray(letterPage(200, 150, false)), 80)
	plain := buildPDF([]pdfPageSpec{{imgDict: imageDict(200, 150, "/DeviceGray", 8, "/DCTDecode", "", ""), imgData: jpg, mediaBox: [2]float64{48, 36}}})
	encrypt := func(userPW string) []byte {
		conf := pdfConfig(DefaultLimits())
		conf.UserPW, conf.OwnerPW = userPW, "owner-secret"
		conf.EncryptUsingAES, conf.EncryptKeyLength = true, 256
		var out bytes.Buffer
		require.NoError(t, api.Encrypt(bytes.NewReader(plain), &out, conf))
		return out.Bytes()
	}

	_, err := openT(encrypt("user-secret"), "application/pdf", Limits{})
	require.ErrorIs(t, err, ErrEncrypted)

	// Only an owner password (printing restrictions and the like): the
	// empty user password opens it, and the streams come out decrypted.
	pages, err := openT(encrypt(""), "application/pdf", Limits{})
	require.NoError(t, err)
	require.Equal(t, jpg, pages[0].Stream.Data)
}

// TestTestdataG4 compares the multi-strip G4 TIFF (re-encoded here) with
// the same page as img2pdf put it into a PDF (passed through).
func TestTestdataG4(t *testing.T) {
	tif, err := os.ReadFile("testdata/g4-multistrip-300dpi.tif")
	require.NoError(t, err)
	pdf, err := os.ReadFile("testdata/g4-page-img2pdf.pdf")
	require.NoError(t, err)
	fromTIFF, err := openT(tif, "image/tiff", Limits{})
	require.NoError(t, err)
	fromPDF, err := openT(pdf, "application/pdf", Limits{})
	require.NoError(t, err)
	require.Len(t, fromTIFF, 1)
	require.Len(t, fromPDF, 1)
	for _, p := range []Page{fromTIFF[0], fromPDF[0]} {
		require.Equal(t, [2]int{2480, 3508}, [2]int{p.Width, p.Height})
		require.Equal(t, [2]float64{300, 300}, [2]float64{p.DPIX, p.DPIY})
		require.Equal(t, ModeBilevel, p.Mode)
		require.Equal(t, FilterCCITT, p.Stream.Filter)
	}
	require.Equal(t, 1, fromPDF[0].Stream.DecodeParms["BlackIs1"], "img2pdf marks libtiff's BlackIsZero G4 so")
	require.True(t, bytes.Contains(pdf, fromPDF[0].Stream.Data), "the PDF's G4 data is passed through")
	require.Zero(t, fromTIFF[0].Stream.DecodeParms["BlackIs1"], "re-encoded G4 has CCITT black as black")

	pixTIFF, pixPDF := pdfPixels(t, fromTIFF[0]), pdfPixels(t, fromPDF[0])
	require.Equal(t, pixPDF, pixTIFF)
	require.Greater(t, whiteShare(pixTIFF), 0.9, "a letter is white paper with black text")
	for _, p := range []Page{fromTIFF[0], fromPDF[0]} {
		img, err := p.OCRImage()
		require.NoError(t, err)
		require.Equal(t, OCRFormatTIFF, img.Format)
		require.Equal(t, pixPDF, ocrPixels(t, img, p))
	}
}

func TestTestdataJPEGPDF(t *testing.T) {
	pdf, err := os.ReadFile("testdata/jpeg-page-200dpi.pdf")
	require.NoError(t, err)
	pages, err := openT(pdf, "application/pdf", Limits{})
	require.NoError(t, err)
	require.Len(t, pages, 1)
	p := pages[0]
	require.Equal(t, [2]int{1653, 2339}, [2]int{p.Width, p.Height})
	require.Equal(t, [2]float64{200, 200}, [2]float64{p.DPIX, p.DPIY})
	require.Equal(t, ModeGray, p.Mode)
	require.Equal(t, FilterDCT, p.Stream.Filter)
	require.True(t, bytes.Contains(pdf, p.Stream.Data), "the JPEG is passed through")
	info, err := parseJPEG(p.Stream.Data)
	require.NoError(t, err)
	require.Equal(t, 200.0, info.dpiX)
	format, data, err := p.OCR()
	require.NoError(t, err)
	require.Equal(t, OCRFormatJPEG, format)
	require.Equal(t, p.Stream.Data, data)
}
