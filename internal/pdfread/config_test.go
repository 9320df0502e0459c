package pdfread

import (
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/stretchr/testify/require"
)

func TestConfigLimits(t *testing.T) {
	def := model.DefaultResourceLimits()

	c := Config(0, 0, -1)
	require.Equal(t, def, c.Limits, "0 and less keep pdfcpu's defaults")

	c = Config(100, 200, 300)
	require.Equal(t, int64(100), c.Limits.MaxStreamBytes)
	require.Equal(t, int64(200), c.Limits.MaxDecodeBytes)
	require.Equal(t, int64(300), c.Limits.MaxImageBytes)
	want := def
	want.MaxStreamBytes, want.MaxDecodeBytes, want.MaxImageBytes = 100, 200, 300
	require.Equal(t, want, c.Limits, "the other limits stay pdfcpu's defaults")

	c = Config(def.MaxStreamBytes+1, def.MaxDecodeBytes*2, 1<<62)
	require.Equal(t, def, c.Limits, "a limit above the default does not raise it")
}

func TestConfigReading(t *testing.T) {
	c := Config(0, 0, 0)
	require.True(t, c.Offline)
	require.True(t, c.Reader15)
	require.Equal(t, model.ValidationRelaxed, c.ValidationMode)
	require.Equal(t, model.UnsupportedResourceSkip, c.UnsupportedResourcePolicy)
	require.Equal(t, model.VersionStr, c.Version)
	require.Equal(t, model.LISTINFO, c.Cmd)

	c.UserPW = "changed"
	require.Empty(t, Config(0, 0, 0).UserPW, "each call returns a new configuration")
}
