// Package pdfatest holds what tests of PDF producers share: the text a PDF
// shows (poppler's pdftotext) and the external PDF/A gate (the shared
// pdfacheck.py). Both need tools outside Go; a test skips without them,
// and fails without them in CI (CI=true), where scripts/install-deps.sh
// installs them.
package pdfatest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Text extracts the text of pdf with pdftotext (UTF-8), the extractor
// internal/convert uses.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	need(t, "pdftotext")
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", write(t, pdf), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// Gate runs the shared PDF/A checker (../shared/tools/pdfacheck beside
// the module) over pdf, fails t unless it passes without warnings and
// reports the conformance want (e.g. "3b"), and returns its output.
func Gate(t testing.TB, pdf []byte, want string) string {
	t.Helper()
	tool, err := checker()
	if err != nil {
		missing(t, err.Error())
	}
	need(t, "/usr/bin/python3", "qpdf")
	out, err := exec.Command("/usr/bin/python3", tool, write(t, pdf)).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfacheck must pass: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), `"pdfaid": "`+want+`"`) || strings.Contains(string(out), "warn") {
		t.Fatalf("pdfacheck: want PDF/A-%s without warnings:\n%s", want, out)
	}
	return string(out)
}

// checker finds pdfacheck.py in ../shared beside the module root.
func checker() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			tool := filepath.Join(dir, "..", "shared", "tools", "pdfacheck", "pdfacheck.py")
			if _, err := os.Stat(tool); err != nil {
				return "", err
			}
			return tool, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("pdfacheck: no go.mod above the test's directory")
		}
		dir = parent
	}
}

func need(t testing.TB, tools ...string) {
	t.Helper()
	for _, p := range tools {
		var err error
		if filepath.IsAbs(p) {
			_, err = os.Stat(p)
		} else {
			_, err = exec.LookPath(p)
		}
		if err != nil {
			missing(t, p+" missing: "+err.Error())
		}
	}
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

func write(t testing.TB, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
