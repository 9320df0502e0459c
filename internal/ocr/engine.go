package ocr

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
)

// Sentinel errors. Errors returned by this package wrap one of them where
// the cause is known, so callers can tell a bad page (do not retry) from a
// broken setup (fix the installation) from shutdown.
var (
	// ErrInvalidImage: the page cannot be recognised as given — unsupported
	// format, corrupt or truncated data, too large, or dimensions that
	// disagree with the header. Retrying the same bytes gives the same
	// answer.
	ErrInvalidImage = errors.New("invalid image")
	// ErrLanguageMissing: a *.traineddata model is not installed.
	ErrLanguageMissing = errors.New("tesseract language data missing")
	// ErrClosed: the engine was closed.
	ErrClosed = errors.New("ocr engine closed")
	// ErrInternal: Tesseract or this wrapper failed in a way the input does
	// not explain (a recovered panic, an init failure).
	ErrInternal = errors.New("ocr internal error")
)

// Options configure an Engine. Start from DefaultOptions: the zero value
// of DetectOrientation is false, which turns orientation detection off.
// DefaultLanguages is German alone. The inbound post of a German authority
// is German; on the scangen corpus (seed 1, 40 documents) "deu" read with a
// CER of 5.18 % against 5.22 % for "deu+eng", about 5 % faster, and kept
// the umlauts of reference numbers ("KÄ-…") that the English model turns
// into "KA-". Set ocr.languages to deu+eng for mixed post.
const DefaultLanguages = "deu"

type Options struct {
	// Languages is a Tesseract language string, default DefaultLanguages.
	Languages string
	// Jobs is the number of parallel Tesseract engines, default
	// runtime.NumCPU(). Each engine holds its own models and working
	// memory (100–150 MB for deu+eng at 300 dpi) and uses one core.
	Jobs int
	// TessdataDir holds the *.traineddata files; empty means Tesseract's
	// default (TESSDATA_PREFIX or the built-in path).
	TessdataDir string
	// DetectOrientation turns on detection of pages scanned sideways or
	// upside down (needs osd.traineddata). See Engine.Recognize for what it
	// costs.
	DetectOrientation bool
}

// DefaultOptions are the settings for German administrative mail.
func DefaultOptions() Options {
	return Options{
		Languages:         DefaultLanguages,
		Jobs:              runtime.NumCPU(),
		DetectOrientation: true,
	}
}

// Engine is a pool of Tesseract instances, one per job, created once and
// reused: loading the deu+eng models costs about 0.3 s, more than a fifth of
// the time a page takes, so an instance per page would waste it.
// An Engine is safe for concurrent use.
type Engine struct {
	opts    Options
	workers chan *worker
	started int // workers created; Close waits for this many to come back
	done    chan struct{}
	once    sync.Once
}

// NewEngine checks that the language models are installed, starts Jobs
// Tesseract instances and loads their models, so the first page does not
// pay for it.
func NewEngine(opts Options) (*Engine, error) {
	if opts.Languages == "" {
		opts.Languages = DefaultLanguages
	}
	if opts.Jobs <= 0 {
		opts.Jobs = runtime.NumCPU()
	}
	langs, err := splitLanguages(opts.Languages)
	if err != nil {
		return nil, fmt.Errorf("ocr languages: %w", err)
	}
	need := langs
	if opts.DetectOrientation {
		need = append(need[:len(need):len(need)], "osd")
	}
	if err := checkLanguages(need, opts.TessdataDir); err != nil {
		return nil, err
	}

	e := &Engine{
		opts:    opts,
		workers: make(chan *worker, opts.Jobs),
		done:    make(chan struct{}),
	}
	for i := range opts.Jobs {
		w, err := newWorker(langs, opts)
		if err != nil {
			_ = e.Close()
			return nil, fmt.Errorf("start tesseract %d of %d: %w", i+1, opts.Jobs, err)
		}
		e.workers <- w
		e.started++
	}
	return e, nil
}

// Close waits for running recognitions to finish and frees the Tesseract
// instances. Recognize calls waiting for an instance return ErrClosed.
func (e *Engine) Close() error {
	e.once.Do(func() {
		close(e.done)
		// Every worker comes back: idle in the pool already, or returned
		// by a Recognize when its page is done.
		for range e.started {
			(<-e.workers).close()
		}
	})
	return nil
}

// Recognize runs OCR on one page. It blocks until a Tesseract instance is
// free; if ctx ends while waiting, it returns ctx.Err() at once. Once
// recognition has started it runs to completion, since Tesseract cannot be
// interrupted and still reads img.Data (1–1.5 s for an A4 letter at
// 300 dpi on one core).
//
// With DetectOrientation, a page is first recognised as upright. Only when
// that result looks wrong (low confidence, hardly any words, vertical
// text), it is recognised again with Tesseract's orientation detection
// (PSM_AUTO_OSD), and the better of the two results is kept. Upright pages,
// nearly all of the mail, thus pay nothing for the detection, which costs
// about 12 % of every page when always on; a rotated page costs about two
// and a half times an upright one.
func (e *Engine) Recognize(ctx context.Context, img Image) (Page, error) {
	info, err := inspect(img)
	if err != nil {
		return Page{}, err
	}
	w, err := e.acquire(ctx)
	if err != nil {
		return Page{}, err
	}
	defer e.release(w)

	dpi := tesseractDPI(img.DPI)
	page, err := w.recognize(img.Data, dpi, psmAuto)
	if err != nil {
		return Page{}, err
	}
	if e.opts.DetectOrientation && doubtful(page) {
		if err := ctx.Err(); err != nil {
			// The caller gave up; do not spend another pass on the page.
			return Page{}, fmt.Errorf("ocr: %w", err)
		}
		rotated, err := w.recognize(img.Data, dpi, psmAutoOSD)
		if err != nil {
			return Page{}, err
		}
		if better(rotated, page) {
			page = rotated
		}
	}
	if page.Width != info.width || page.Height != info.height {
		// Leptonica read something other than what the header promised:
		// the boxes would not fit the page the caller has.
		return Page{}, fmt.Errorf("%w: tesseract saw %dx%d, header says %dx%d",
			ErrInvalidImage, page.Width, page.Height, info.width, info.height)
	}
	return page, nil
}

// doubtful reports whether an upright recognition looks like a page that
// is not upright. On the test corpus, upright letters score a mean
// confidence of 85–95; turned by 180° or 270° they score 25–35. A page
// turned clockwise by 90° is read well as vertical text, but then only the
// order of the words tells its orientation (see hocrLine.orientation), so
// Tesseract's orientation detection confirms it: rotated pages are rare
// enough for the extra pass not to matter.
func doubtful(p Page) bool {
	return p.MeanConfidence < 60 || len(p.Words) < 5 || p.Orientation != 0
}

// better prefers the pass with orientation detection when it found a
// rotation and reads the page at least about as confidently. Tesseract
// falls back to upright when its orientation guess is weak, so a page that
// is merely hard to read keeps its first result.
func better(osd, first Page) bool {
	return osd.Orientation != 0 && osd.MeanConfidence+2 >= first.MeanConfidence
}

func (e *Engine) acquire(ctx context.Context) (*worker, error) {
	select {
	case <-e.done:
		return nil, ErrClosed
	default:
	}
	if err := ctx.Err(); err != nil {
		// Checked first: select picks at random among ready cases.
		return nil, fmt.Errorf("wait for ocr engine: %w", err)
	}
	select {
	case w := <-e.workers:
		select {
		case <-e.done:
			// Close started while we waited; give the worker back so
			// Close can free it.
			e.workers <- w
			return nil, ErrClosed
		default:
			return w, nil
		}
	case <-e.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for ocr engine: %w", ctx.Err())
	}
}

func (e *Engine) release(w *worker) {
	e.workers <- w
}

// worker owns one Tesseract instance. It is used by one goroutine at a
// time.
type worker struct {
	tess *tessAPI
	psm  pageSegMode // as last set on tess
	dpi  string      // user_defined_dpi as last set on tess
}

// tesseractInit serialises the initialisation of Tesseract instances in
// the process. Instances are independent once loaded; loading them one at
// a time keeps the peak of memory and disk reads down and needs no trust
// in the thread safety of Tesseract's model loading.
var tesseractInit sync.Mutex

// blankPGM is a small white page, used to make Tesseract load its
// orientation model when the worker starts.
var blankPGM = func() []byte {
	const n = 64
	b := []byte("P5 64 64 255\n")
	for range n * n {
		b = append(b, 0xff)
	}
	return b
}()

func newWorker(langs []string, opts Options) (*worker, error) {
	tess, err := initTesseract(strings.Join(langs, "+"), opts.TessdataDir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInternal, err)
	}
	w := &worker{tess: tess}
	ok := false
	defer func() {
		if !ok {
			w.close()
		}
	}()
	// The library default is a single block of text; the tesseract command
	// line, and this package, analyse the page layout.
	w.tess.setPageSegMode(psmAuto)
	w.psm = psmAuto
	w.dpi = "0" // Tesseract's default: the header or an estimate
	if opts.DetectOrientation {
		// Loads osd.traineddata now instead of on the first rotated page.
		if _, err := w.recognizeHOCR(blankPGM, "300", psmAutoOSD); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInternal, err)
		}
	}
	ok = true
	return w, nil
}

func initTesseract(languages, datapath string) (*tessAPI, error) {
	tesseractInit.Lock()
	defer tesseractInit.Unlock()
	// Loading the models starts no OpenMP work, but keep every Tesseract
	// call of this package on a thread with the OpenMP limit.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	serialOpenMP()
	return newTessAPI(datapath, languages)
}

// recognize runs one recognition pass and turns its hOCR into a Page.
// A panic on the Go side (the binding, the hOCR parser) becomes an error;
// a crash inside Tesseract itself cannot be caught.
func (w *worker) recognize(data []byte, dpi string, psm pageSegMode) (page Page, err error) {
	defer func() {
		if r := recover(); r != nil {
			page, err = Page{}, fmt.Errorf("%w: panic in ocr: %v", ErrInternal, r)
		}
	}()
	doc, err := w.recognizeHOCR(data, dpi, psm)
	if err != nil {
		return Page{}, err
	}
	h, err := parseHOCR(doc)
	if errors.Is(err, errEmptyHOCR) {
		// Not seen: an image leptonica cannot read is refused before
		// recognition. Keep the meaning it had: nothing to recognise.
		return Page{}, fmt.Errorf("%w: tesseract found no page in the image", ErrInvalidImage)
	}
	if err != nil {
		return Page{}, fmt.Errorf("%w: %w", ErrInternal, err)
	}
	return h.toPage(), nil
}

func (w *worker) recognizeHOCR(data []byte, dpi string, psm pageSegMode) (string, error) {
	// All Tesseract calls of this pass on one OS thread: the OpenMP limit
	// is a property of the thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	serialOpenMP()

	if dpi != w.dpi {
		if err := w.tess.setVariable("user_defined_dpi", dpi); err != nil {
			return "", fmt.Errorf("%w: set dpi: %w", ErrInternal, err)
		}
		w.dpi = dpi
	}
	if psm != w.psm {
		w.tess.setPageSegMode(psm)
		w.psm = psm
	}
	doc, err := w.tess.recognizeHOCR(data)
	if err != nil {
		return "", fmt.Errorf("tesseract: %w", err)
	}
	return doc, nil
}

func (w *worker) close() {
	w.tess.close()
	w.tess = nil
}
