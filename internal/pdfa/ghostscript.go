package pdfa

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Errors of ConvertWithGhostscript.
var (
	// ErrGhostscript reports that Ghostscript is missing or failed.
	ErrGhostscript = errors.New("ghostscript conversion failed")
	// ErrNotConformant reports a conversion result that fails Check.
	ErrNotConformant = errors.New("result is not PDF/A")
)

const (
	// gsDefaultTimeout applies when the caller's context has no deadline:
	// a hostile PDF must not keep a worker busy forever.
	gsDefaultTimeout = 2 * time.Minute
	// gsMaxInput bounds the PDF copied to disk for Ghostscript.
	gsMaxInput  = 512 << 20
	gsMaxStderr = 4 << 10
)

// ConvertWithGhostscript converts a born-digital PDF into PDF/A-2b with
// Ghostscript's pdfwrite device (fonts embedded or substituted and embedded,
// colour converted to RGB under our sRGB output intent), checks the result
// with Check and writes it to out. Nothing is written to out unless the
// result passes. Ghostscript runs with -dSAFER in a private temporary
// directory and may read only the files placed there.
func ConvertWithGhostscript(ctx context.Context, in io.Reader, out io.Writer) error {
	gs, err := exec.LookPath("gs")
	if err != nil {
		return fmt.Errorf("find gs: %w: %w", ErrGhostscript, err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, gsDefaultTimeout)
		defer cancel()
	}
	dir, err := os.MkdirTemp("", "aktenfluss-pdfa-*")
	if err != nil {
		return fmt.Errorf("gs temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	inPath, outPath := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	iccPath, defPath := filepath.Join(dir, "srgb.icc"), filepath.Join(dir, "pdfa_def.ps")
	if err := writeLimited(inPath, in, gsMaxInput); err != nil {
		return err
	}
	if err := os.WriteFile(iccPath, static().icc, 0o600); err != nil {
		return fmt.Errorf("gs write icc profile: %w", err)
	}
	if err := os.WriteFile(defPath, []byte(pdfaDefPS(iccPath)), 0o600); err != nil {
		return fmt.Errorf("gs write pdfa definition: %w", err)
	}

	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, gs,
		"-dPDFA=2", "-dBATCH", "-dNOPAUSE", "-dSAFER", "-dQUIET", "-dNOOUTERSAVE",
		"-sDEVICE=pdfwrite", "-dPDFACompatibilityPolicy=1", "-sColorConversionStrategy=RGB",
		"--permit-file-read="+dir+string(filepath.Separator),
		"-sOutputFile="+outPath, defPath, inPath)
	cmd.Dir = dir
	cmd.Stdout = io.Discard
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: gsMaxStderr}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("gs: %w: %w", ErrGhostscript, ctx.Err())
		}
		return fmt.Errorf("gs: %w: %v: %s", ErrGhostscript, err, strings.TrimSpace(stderr.String()))
	}

	f, err := os.Open(outPath)
	if err != nil {
		return fmt.Errorf("gs produced no output: %w: %w", ErrGhostscript, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("gs output: %w", err)
	}
	rep, err := Check(f, st.Size())
	if err != nil {
		return fmt.Errorf("check gs output: %w: %w", ErrNotConformant, err)
	}
	if !rep.OK() {
		var ids []string
		for _, r := range rep.Failed() {
			ids = append(ids, r.ID+" ("+r.Detail+")")
		}
		return fmt.Errorf("gs output fails %s: %w", strings.Join(ids, ", "), ErrNotConformant)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("gs output: %w", err)
	}
	if _, err := io.Copy(out, f); err != nil {
		return fmt.Errorf("write converted pdf: %w", err)
	}
	return nil
}

// pdfaDefPS is the PostScript prologue that gives pdfwrite its PDF/A output
// intent: our generated sRGB profile (the stock PDFA_def.ps needs editing
// and points to a profile of Ghostscript's installation).
func pdfaDefPS(iccPath string) string {
	esc := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`).Replace(iccPath)
	return `%!
/ICCProfile (` + esc + `) def
[/_objdef {icc_PDFA} /type /stream /OBJ pdfmark
[{icc_PDFA} << /N 3 >> /PUT pdfmark
[{icc_PDFA} ICCProfile (r) file /PUT pdfmark
[/_objdef {OutputIntent_PDFA} /type /dict /OBJ pdfmark
[{OutputIntent_PDFA} <<
  /Type /OutputIntent
  /S /GTS_PDFA1
  /DestOutputProfile {icc_PDFA}
  /OutputConditionIdentifier (sRGB IEC61966-2.1)
  /RegistryName (http://www.color.org)
  /Info (sRGB IEC61966-2.1)
>> /PUT pdfmark
[{Catalog} << /OutputIntents [ {OutputIntent_PDFA} ] >> /PUT pdfmark
`
}

func writeLimited(path string, r io.Reader, limit int64) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("gs input file: %w", err)
	}
	n, err := io.Copy(f, io.LimitReader(r, limit+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy gs input: %w", err)
	}
	if n > limit {
		return fmt.Errorf("gs input exceeds %d bytes: %w", int64(limit), ErrInvalidDocument)
	}
	return nil
}

// limitedBuffer keeps the first max bytes of a stream (Ghostscript's
// diagnostics for the error message) and discards the rest.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
