package pdfa

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/aktenfluss/aktenfluss/internal/pdfread"
)

// ErrUnreadable reports a file Check cannot read as PDF at all.
var ErrUnreadable = errors.New("pdf unreadable")

// Rule is the outcome of one PDF/A rule.
type Rule struct {
	ID     string // clause of ISO 19005-2/-3 and a short name, e.g. "6.1.3-trailer-id"
	Title  string
	Passed bool
	// Warning marks a finding that does not break level B conformance
	// (e.g. a font without ToUnicode); it does not make the report fail.
	Warning bool
	Detail  string
}

// Report lists the rules checked for one file.
type Report struct {
	Part        int    // pdfaid:part claimed in the XMP, 0 if none
	Conformance string // pdfaid:conformance claimed, "" if none
	Rules       []Rule
}

// OK reports whether every rule passed (warnings aside).
func (r Report) OK() bool {
	for _, x := range r.Rules {
		if !x.Passed && !x.Warning {
			return false
		}
	}
	return true
}

// Failed returns the rules that failed, warnings excluded.
func (r Report) Failed() []Rule {
	var out []Rule
	for _, x := range r.Rules {
		if !x.Passed && !x.Warning {
			out = append(out, x)
		}
	}
	return out
}

// Rule returns the rule with the given ID.
func (r Report) Rule(id string) (Rule, bool) {
	for _, x := range r.Rules {
		if x.ID == id {
			return x, true
		}
	}
	return Rule{}, false
}

// Limits for Check; they guard against hostile files, never bind real ones.
const (
	maxCheckBytes      = 2 << 30
	maxCheckDecode     = 64 << 20 // one decoded stream (XMP, ICC, attachment sniffing)
	maxCheckWalkDepth  = 64
	maxDetailsPerRule  = 5
	pdfaEmbeddedSniffN = 64 << 10
)

// ruleSet collects findings per rule in a fixed order.
type ruleSet struct {
	order   []string
	titles  map[string]string
	fails   map[string][]string
	warning map[string]bool
}

func newRuleSet() *ruleSet {
	return &ruleSet{titles: map[string]string{}, fails: map[string][]string{}, warning: map[string]bool{}}
}

func (s *ruleSet) define(id, title string) {
	s.order = append(s.order, id)
	s.titles[id] = title
}

func (s *ruleSet) fail(id, format string, args ...any) {
	if _, ok := s.titles[id]; !ok {
		s.define(id, id) // every ID is defined up front; this only keeps a typo visible
	}
	s.fails[id] = append(s.fails[id], fmt.Sprintf(format, args...))
}

func (s *ruleSet) report() []Rule {
	out := make([]Rule, 0, len(s.order))
	for _, id := range s.order {
		r := Rule{ID: id, Title: s.titles[id], Passed: len(s.fails[id]) == 0, Warning: s.warning[id]}
		f := s.fails[id]
		if len(f) > maxDetailsPerRule {
			f = append(slices.Clone(f[:maxDetailsPerRule]), fmt.Sprintf("and %d more", len(f)-maxDetailsPerRule))
		}
		r.Detail = strings.Join(f, "; ")
		out = append(out, r)
	}
	return out
}

// The rules, in report order.
const (
	ruleHeader         = "6.1.2-header"
	ruleEOF            = "6.1.3-eof"
	ruleTrailerID      = "6.1.3-trailer-id"
	ruleNoEncryption   = "6.1.3-no-encryption"
	ruleNoLZW          = "6.1.7-no-lzw"
	ruleExternalStream = "6.1.7-no-external-streams"
	ruleNoPostScript   = "6.1.12-no-postscript"
	ruleOutputIntent   = "6.2.2-output-intent"
	ruleICCProfile     = "6.2.2-icc-profile"
	ruleDeviceColour   = "6.2.4-device-colour"
	ruleTransfer       = "6.2.5-no-transfer-functions"
	ruleImages         = "6.2.8-images"
	ruleTransparency   = "6.2.10-transparency"
	ruleFontsEmbedded  = "6.2.11-fonts-embedded"
	ruleCIDToGID       = "6.2.11-cidtogidmap"
	ruleToUnicode      = "6.2.11-tounicode"
	ruleAnnotations    = "6.3-annotations"
	ruleForms          = "6.4-forms"
	ruleNoJavaScript   = "6.6.1-no-javascript"
	ruleNoActions      = "6.6.2-no-actions"
	ruleMetadata       = "6.6.2-metadata"
	ruleXMPExtension   = "6.6.2-xmp-extension"
	ruleEmbeddedFiles  = "6.8-embedded-files"
)

func newCheckRules() *ruleSet {
	s := newRuleSet()
	s.define(ruleHeader, "Header %PDF-1.n (n ≤ 7) followed by a binary comment line")
	s.define(ruleEOF, "Nothing after the last %%EOF")
	s.define(ruleTrailerID, "Trailer has a file identifier (/ID)")
	s.define(ruleNoEncryption, "No encryption")
	s.define(ruleNoLZW, "No LZW or Crypt filters")
	s.define(ruleExternalStream, "No external stream data (/F, /FFilter, /FDecodeParms)")
	s.define(ruleNoPostScript, "No PostScript XObjects")
	s.define(ruleOutputIntent, "GTS_PDFA1 OutputIntent with an embedded destination profile")
	s.define(ruleICCProfile, "Output intent ICC profile valid and matching /N")
	s.define(ruleDeviceColour, "Device colour spaces covered by the output intent")
	s.define(ruleTransfer, "No transfer functions in graphics states")
	s.define(ruleImages, "Images without Interpolate, Alternates or OPI")
	s.define(ruleTransparency, "Transparency only with standard blend modes and a defined blending colour space")
	s.define(ruleFontsEmbedded, "All fonts embedded")
	s.define(ruleCIDToGID, "CIDFontType2 fonts have a CIDToGIDMap")
	s.define(ruleToUnicode, "Fonts map to Unicode (ToUnicode)")
	s.warning[ruleToUnicode] = true // required only for level U and A
	s.define(ruleAnnotations, "Only permitted annotation types, printable and visible")
	s.define(ruleForms, "No XFA, no NeedAppearances")
	s.define(ruleNoJavaScript, "No JavaScript")
	s.define(ruleNoActions, "No forbidden actions, no additional actions (/AA)")
	s.define(ruleMetadata, "XMP metadata with PDF/A identification, consistent with the Info dictionary")
	s.define(ruleXMPExtension, "XMP properties outside predefined schemas are declared in an extension schema")
	s.define(ruleEmbeddedFiles, "Embedded files: PDF/A only (part 2), associated and described (part 3)")
	return s
}

// checkConfig is the pdfcpu configuration for Check: pdfcpu's default
// limits except for the decoded size of one stream.
func checkConfig() *model.Configuration {
	return pdfread.Config(0, maxCheckDecode, 0)
}

// Check reads a PDF and tests it against the PDF/A-2/-3 rules listed in the
// report, always all of them and in a fixed order (the rule* constants). It
// returns an error (wrapping ErrUnreadable) only when the file cannot be
// read at all; an encrypted file that cannot be opened still yields a report
// with the encryption rule failed. PDF/A-2 permits transparency, so
// 6.2.10-transparency checks its conditions (standard blend modes, a
// blending colour space) rather than forbidding it; Write never produces any.
func Check(r io.ReaderAt, size int64) (rep Report, err error) {
	if size <= 0 {
		return Report{}, fmt.Errorf("check: empty input: %w", ErrUnreadable)
	}
	if size > maxCheckBytes {
		return Report{}, fmt.Errorf("check: %d bytes exceed the limit of %d: %w", size, int64(maxCheckBytes), ErrUnreadable)
	}
	rules := newCheckRules()
	checkHeaderAndEOF(r, size, rules)

	ctx, readErr := readPDF(r, size)
	if readErr != nil {
		if hasEncryptKey(r, size) {
			rules.fail(ruleNoEncryption, "file is encrypted and cannot be opened: %v", shortErr(readErr))
			for _, id := range rules.order {
				if id != ruleHeader && id != ruleEOF && id != ruleNoEncryption && !rules.warning[id] {
					rules.fail(id, "not checked: the file could not be opened")
				}
			}
			return Report{Rules: rules.report()}, nil
		}
		return Report{}, fmt.Errorf("check: %w: %v", ErrUnreadable, shortErr(readErr))
	}

	// pdfcpu ignores an /Encrypt entry that is not an indirect reference;
	// a reader would still try to decrypt, so the raw trailer counts too.
	c := &checker{xt: ctx.XRefTable, rules: rules, trailerEncrypt: trailerHasEncrypt(r, size)}
	defer func() {
		// pdfcpu and the walk below trust the object graph; a hostile file
		// must end in an error, not a crash of the worker.
		if p := recover(); p != nil {
			rep, err = Report{}, fmt.Errorf("check: parser panic: %s: %w", truncate(fmt.Sprint(p), 200), ErrUnreadable)
		}
	}()
	c.run()
	return Report{Part: c.part, Conformance: c.conformance, Rules: rules.report()}, nil
}

func readPDF(r io.ReaderAt, size int64) (ctx *model.Context, err error) {
	defer func() {
		if p := recover(); p != nil {
			ctx, err = nil, fmt.Errorf("parser panic: %s", truncate(fmt.Sprint(p), 200))
		}
	}()
	return api.ReadContext(io.NewSectionReader(r, 0, size), checkConfig())
}

func checkHeaderAndEOF(r io.ReaderAt, size int64, rules *ruleSet) {
	head := make([]byte, min(size, 1024))
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	if !bytes.HasPrefix(head, []byte("%PDF-1.")) || len(head) < 8 || head[7] < '0' || head[7] > '7' {
		rules.fail(ruleHeader, "file does not start with %%PDF-1.0 … %%PDF-1.7")
	} else {
		rest := head[8:]
		rest = rest[min(len(rest), eolLen(rest)):]
		// The second line must be a comment with at least four bytes ≥ 128
		// so that transfer programs treat the file as binary.
		high := 0
		if len(rest) > 0 && rest[0] == '%' {
			for _, c := range rest[1:min(len(rest), 5)] {
				if c >= 128 {
					high++
				}
			}
		}
		if high < 4 {
			rules.fail(ruleHeader, "second line is not a comment starting with four bytes ≥ 128")
		}
	}
	tail := make([]byte, min(size, 1024))
	n, _ = r.ReadAt(tail, size-int64(len(tail)))
	tail = bytes.TrimRight(tail[:n], "\r\n")
	if !bytes.HasSuffix(tail, []byte("%%EOF")) {
		rules.fail(ruleEOF, "data after the last %%%%EOF marker")
	}
}

// eolLen returns the length of the header line up to and including its EOL.
func eolLen(b []byte) int {
	i := bytes.IndexAny(b, "\r\n")
	if i < 0 {
		return len(b)
	}
	if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
		return i + 2
	}
	return i + 1
}

// hasEncryptKey looks for /Encrypt in the raw bytes, for files pdfcpu cannot
// open: an encrypted file is a rule failure, not an unreadable file.
func hasEncryptKey(r io.ReaderAt, size int64) bool {
	const chunk = 1 << 20
	buf := make([]byte, chunk+16)
	for off := int64(0); off < size; off += chunk {
		n, _ := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if bytes.Contains(buf[:n], []byte("/Encrypt")) {
			return true
		}
	}
	return false
}

// trailerHasEncrypt reports an /Encrypt key in any classic trailer
// dictionary ("trailer" up to "startxref").
func trailerHasEncrypt(r io.ReaderAt, size int64) bool {
	const chunk = 1 << 20
	const window = 8 << 10 // a trailer dictionary is far shorter
	buf := make([]byte, chunk+window)
	for off := int64(0); off < size; off += chunk {
		n, _ := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		b := buf[:n]
		for {
			i := bytes.Index(b, []byte("trailer"))
			if i < 0 || i >= chunk {
				break
			}
			t := b[i:]
			if j := bytes.Index(t, []byte("startxref")); j >= 0 {
				t = t[:j]
			}
			if bytes.Contains(t, []byte("/Encrypt")) {
				return true
			}
			b = b[i+7:]
		}
	}
	return false
}

func shortErr(err error) string { return truncate(err.Error(), 300) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
