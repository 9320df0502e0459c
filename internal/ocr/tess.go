package ocr

// The binding to Tesseract: a few functions of its C API (tesseract/capi.h)
// and leptonica's image reader. It replaces gosseract, which leaked every
// result string (30–50 KB of C heap a page), redirected the process's
// stderr while initialising and recognised the page again for every result
// it was asked for.
//
// Rules for everything here: every C string made with C.CString is freed,
// every Pix is destroyed, every result string of Tesseract goes back with
// TessDeleteText, and the page's results and image copy are released with
// TessBaseAPIClear once its hOCR has been read.

/*
#cgo pkg-config: tesseract lept
#include <stdlib.h>
#include <malloc.h>
#include <leptonica/allheaders.h>
#include <tesseract/capi.h>

// ocr_set_image decodes an encoded image with leptonica and gives it to
// Tesseract. Returns 0, or -1 if leptonica cannot read the data.
static int ocr_set_image(TessBaseAPI *api, const l_uint8 *data, size_t size) {
	PIX *pix = pixReadMem(data, size);
	if (pix == NULL) {
		return -1;
	}
	// Tesseract keeps its own copy of the image (ImageThresholder::SetImage),
	// so the decoded one can go at once, before the page is recognised.
	TessBaseAPISetImage2(api, pix);
	pixDestroy(&pix);
	// No usable resolution in the header: 70 dpi, Tesseract's own fallback,
	// set here so that it does not warn. user_defined_dpi overrides it.
	if (TessBaseAPIGetSourceYResolution(api) < 70) {
		TessBaseAPISetSourceResolution(api, 70);
	}
	return 0;
}

// ocr_c_heap_in_use is the number of bytes the C allocator has handed out
// and not got back, over all arenas and mmapped chunks; -1 where that is
// not known (mallinfo2 is glibc 2.33 or later).
static long long ocr_c_heap_in_use(void) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	struct mallinfo2 mi = mallinfo2();
	return (long long)(mi.uordblks + mi.hblkhd);
#else
	return -1;
#endif
}
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

type pageSegMode C.TessPageSegMode

const (
	psmAuto    pageSegMode = C.PSM_AUTO     // page layout analysis, no orientation detection
	psmAutoOSD pageSegMode = C.PSM_AUTO_OSD // with orientation and script detection
)

// tessAPI is one TessBaseAPI. It is not safe for concurrent use.
type tessAPI struct {
	h *C.TessBaseAPI
}

// errTessClosed: a tessAPI used after close. A nil handle would crash in C,
// where nothing can recover; a Go panic can be.
var errTessClosed = errors.New("ocr: tesseract instance used after close")

func (t *tessAPI) handle() *C.TessBaseAPI {
	if t == nil || t.h == nil {
		panic(errTessClosed)
	}
	return t.h
}

// quietTesseract sends Tesseract's messages (progress chatter like
// "Estimating resolution", "Detected N diacritics", and warnings) to
// /dev/null instead of stderr; failures come back as errors. debug_file is
// a process-wide parameter, read by every Tesseract instance whenever it
// prints, so it is set once, before this package starts any instance.
var quietTesseract = sync.OnceFunc(func() {
	h := C.TessBaseAPICreate()
	defer C.TessBaseAPIDelete(h)
	// A known parameter: this cannot fail, and if it did Tesseract would
	// only stay chatty.
	_ = setVariable(h, "debug_file", "/dev/null")
})

// newTessAPI creates a Tesseract instance and loads the models for
// languages ("deu+eng") from datapath ("" for Tesseract's default).
func newTessAPI(datapath, languages string) (*tessAPI, error) {
	quietTesseract()
	t := &tessAPI{h: C.TessBaseAPICreate()}
	cLang := C.CString(languages)
	defer C.free(unsafe.Pointer(cLang))
	var cPath *C.char
	if datapath != "" {
		cPath = C.CString(datapath)
		defer C.free(unsafe.Pointer(cPath))
	}
	if rc := C.TessBaseAPIInit3(t.h, cPath, cLang); rc != 0 {
		where := C.GoString(C.TessBaseAPIGetDatapath(t.h))
		t.close()
		return nil, fmt.Errorf("tesseract could not load %s from %s (code %d): model files damaged or not for Tesseract 4 or later?",
			languages, where, int(rc))
	}
	return t, nil
}

// defaultDatapath is the directory Tesseract loads models from when given
// none (TESSDATA_PREFIX or the built-in path). Tesseract works it out when
// initialising, so this initialises a throwaway instance with its default
// language; the path is known even if that model is missing.
func defaultDatapath() string {
	quietTesseract()
	h := C.TessBaseAPICreate()
	defer C.TessBaseAPIDelete(h)
	C.TessBaseAPIInit3(h, nil, nil) // fails if eng is not installed; the path is set anyway
	return C.GoString(C.TessBaseAPIGetDatapath(h))
}

func setVariable(h *C.TessBaseAPI, name, value string) error {
	cName, cValue := C.CString(name), C.CString(value)
	defer C.free(unsafe.Pointer(cName))
	defer C.free(unsafe.Pointer(cValue))
	if C.TessBaseAPISetVariable(h, cName, cValue) == 0 {
		return fmt.Errorf("tesseract has no parameter %s (or refused %q)", name, value)
	}
	return nil
}

func (t *tessAPI) setVariable(name, value string) error {
	return setVariable(t.handle(), name, value)
}

func (t *tessAPI) setPageSegMode(psm pageSegMode) {
	C.TessBaseAPISetPageSegMode(t.handle(), C.TessPageSegMode(psm))
}

// recognizeHOCR runs recognition once on an encoded image and returns the
// page's hOCR. The caller must hold runtime.LockOSThread (see openmp.go).
func (t *tessAPI) recognizeHOCR(data []byte) (string, error) {
	h := t.handle()
	if len(data) == 0 {
		return "", fmt.Errorf("%w: no data", ErrInvalidImage)
	}
	// leptonica reads data only during this call and keeps no reference.
	if C.ocr_set_image(h, (*C.l_uint8)(unsafe.Pointer(&data[0])), C.size_t(len(data))) != 0 {
		return "", fmt.Errorf("%w: image data could not be decoded", ErrInvalidImage)
	}
	// Frees the results and Tesseract's copy of the image; the models stay.
	defer C.TessBaseAPIClear(h)
	if C.TessBaseAPIRecognize(h, nil) != 0 {
		// The image was read but Tesseract refuses it, e.g. wider or
		// taller than 32767 pixels.
		return "", fmt.Errorf("%w: tesseract could not process the image", ErrInvalidImage)
	}
	s := C.TessBaseAPIGetHOCRText(h, 0)
	if s == nil {
		return "", fmt.Errorf("%w: tesseract returned no hocr", ErrInternal)
	}
	defer C.TessDeleteText(s)
	return C.GoString(s), nil
}

// close frees the instance with its models. Safe to call twice.
func (t *tessAPI) close() {
	if t == nil || t.h == nil {
		return
	}
	C.TessBaseAPIEnd(t.h)
	C.TessBaseAPIDelete(t.h)
	t.h = nil
}

// cHeapInUse is the number of bytes the C allocator (glibc malloc) has
// handed out and not got back, for the leak test; -1 without glibc.
func cHeapInUse() int64 {
	return int64(C.ocr_c_heap_in_use())
}
