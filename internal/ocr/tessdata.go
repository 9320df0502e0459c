package ocr

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/otiai10/gosseract/v2"
)

// checkLanguages makes sure every model the engine will load exists before
// Tesseract is initialised. A missing model otherwise surfaces as an opaque
// init failure, and gosseract captures Tesseract's complaint about it in a
// fixed 512-byte buffer, which a long tessdata path can overrun.
func checkLanguages(langs []string, tessdataDir string) error {
	var (
		have  func(lang string) bool
		where string
	)
	if tessdataDir != "" {
		where = tessdataDir
		have = func(lang string) bool {
			fi, err := os.Stat(filepath.Join(tessdataDir, lang+".traineddata"))
			return err == nil && fi.Mode().IsRegular()
		}
	} else {
		installed, err := defaultLanguages()
		if err != nil {
			return fmt.Errorf("list installed tesseract languages: %w", err)
		}
		where = "Tesseract's tessdata directory (TESSDATA_PREFIX or the built-in default)"
		have = func(lang string) bool {
			// gosseract lists only the top level; models in subdirectories
			// (script/Latin) are left to Tesseract's own check.
			return strings.Contains(lang, "/") || slices.Contains(installed, lang)
		}
	}
	for _, lang := range langs {
		if !have(lang) {
			return fmt.Errorf("%w: %s.traineddata not found in %s; install %s (Debian)",
				ErrLanguageMissing, lang, where, debianPackage(lang))
		}
	}
	return nil
}

// defaultLanguages asks Tesseract which models its default data path holds.
// gosseract answers through a static TessBaseAPI in C, initialised on every
// call, so it shares the lock of all Tesseract initialisations.
func defaultLanguages() ([]string, error) {
	tesseractInit.Lock()
	defer tesseractInit.Unlock()
	return gosseract.GetAvailableLanguages()
}

// debianPackage names the package that ships a model: tesseract-ocr-deu,
// tesseract-ocr-chi-sim for chi_sim. Script models (script/Latin) come in
// packages whose names do not follow from the model name.
func debianPackage(lang string) string {
	l := strings.ToLower(lang)
	if strings.HasPrefix(l, "script/") {
		return "a tesseract-ocr-script-* package"
	}
	return "tesseract-ocr-" + strings.ReplaceAll(l, "_", "-")
}

// splitLanguages turns "deu+eng" into its parts, refusing names that could
// walk out of the tessdata directory.
func splitLanguages(s string) ([]string, error) {
	var out []string
	for _, l := range strings.Split(s, "+") {
		l = strings.TrimSpace(l)
		if l == "" {
			return nil, fmt.Errorf("empty language in %q", s)
		}
		if strings.Contains(l, "..") || strings.ContainsAny(l, `\`+"\x00") || filepath.IsAbs(l) {
			return nil, fmt.Errorf("invalid language %q", l)
		}
		out = append(out, l)
	}
	return out, nil
}
