package pdfread

import (
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Config returns a pdfcpu configuration for reading untrusted PDFs:
// relaxed validation, unsupported resources skipped, offline. It is built
// by hand because model.NewDefaultConfiguration creates a config directory
// under the user's home, which a worker must not do, and
// api.DisableConfigDir would change pdfcpu's package state for the whole
// process.
//
// The limits bound the encoded bytes of one stream, the decoded bytes of
// one stream and the bytes of one decoded image. Each can only lower
// pdfcpu's default for that limit; 0 (or less) keeps the default. Every
// call returns a new configuration, which the caller may change.
func Config(maxStreamBytes, maxDecodeBytes, maxImageBytes int64) *model.Configuration {
	limits := model.DefaultResourceLimits()
	limits.MaxStreamBytes = lower(limits.MaxStreamBytes, maxStreamBytes)
	limits.MaxDecodeBytes = lower(limits.MaxDecodeBytes, maxDecodeBytes)
	limits.MaxImageBytes = lower(limits.MaxImageBytes, maxImageBytes)
	return &model.Configuration{
		Version:                   model.VersionStr,
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		Cmd:                       model.LISTINFO,
		Offline:                   true,
		Limits:                    limits,
	}
}

// lower returns limit, or want where that is positive and smaller.
func lower(limit, want int64) int64 {
	if want <= 0 {
		return limit
	}
	return min(limit, want)
}
