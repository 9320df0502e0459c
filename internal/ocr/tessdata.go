package ocr

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// checkLanguages makes sure every model the engine will load exists before
// Tesseract is initialised. A missing model otherwise surfaces as an opaque
// init failure: Tesseract's complaint about it goes to its debug_file,
// which this package points at /dev/null (see tess.go).
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
			// Only the top level is listed; models in subdirectories
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

// defaultLanguages lists the models in Tesseract's default data path.
// Finding the path initialises a Tesseract instance, so it shares the lock
// of all Tesseract initialisations.
func defaultLanguages() ([]string, error) {
	tesseractInit.Lock()
	dir := defaultDatapath()
	tesseractInit.Unlock()
	if dir == "" {
		return nil, fmt.Errorf("tesseract reports no data path")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.traineddata"))
	if err != nil {
		return nil, err
	}
	langs := make([]string, 0, len(files))
	for _, f := range files {
		langs = append(langs, strings.TrimSuffix(filepath.Base(f), ".traineddata"))
	}
	return langs, nil
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
