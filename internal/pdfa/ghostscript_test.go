package pdfa

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConvertWithGhostscript(t *testing.T) {
	needTool(t, "gs")
	var out bytes.Buffer
	require.NoError(t, ConvertWithGhostscript(t.Context(), bytes.NewReader(bornDigitalPDF(t)), &out))

	rep, err := Check(bytes.NewReader(out.Bytes()), int64(out.Len()))
	require.NoError(t, err)
	require.True(t, rep.OK(), "failed: %+v", rep.Failed())
	require.Equal(t, 2, rep.Part)
	require.Equal(t, "B", rep.Conformance)

	path := filepath.Join(t.TempDir(), "converted.pdf")
	require.NoError(t, os.WriteFile(path, out.Bytes(), 0o644))
	if _, err := exec.LookPath("pdftotext"); err == nil {
		txt, err := exec.Command("pdftotext", path, "-").Output()
		require.NoError(t, err)
		require.Contains(t, string(txt), "Sehr geehrte Damen und Herren,")
		require.Contains(t, string(txt), "mit freundlichen Grüßen")
	}
	if _, err := os.Stat(pdfacheckPath); err == nil {
		res, err := exec.Command("/usr/bin/python3", pdfacheckPath, path).CombinedOutput()
		t.Logf("pdfacheck: %s", res)
		require.NoError(t, err)
	}
}

func TestConvertWithGhostscriptFailures(t *testing.T) {
	needTool(t, "gs")
	tests := []struct {
		name string
		ctx  func() context.Context
		in   []byte
		want error
	}{
		{"not a pdf", t.Context, []byte("Sehr geehrte Damen und Herren"), ErrGhostscript},
		{"cancelled", func() context.Context {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			return ctx
		}, bornDigitalPDF(t), ErrGhostscript},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := ConvertWithGhostscript(tt.ctx(), bytes.NewReader(tt.in), &out)
			require.ErrorIs(t, err, tt.want)
			require.Zero(t, out.Len(), "nothing written on failure")
		})
	}
}

func TestPDFADefPSEscapesPath(t *testing.T) {
	ps := pdfaDefPS(`/tmp/a(b)\c/srgb.icc`)
	require.True(t, strings.Contains(ps, `/ICCProfile (/tmp/a\(b\)\\c/srgb.icc) def`), ps)
}
