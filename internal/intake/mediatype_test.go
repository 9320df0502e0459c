package intake

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDetectMediaType(t *testing.T) {
	tests := []struct {
		name string
		head []byte
		file string
		want string // "" means ErrUnknownMediaType
	}{
		{"pdf", []byte("%PDF-1.7\n%âãÏÓ"), "a.pdf", MediaTypePDF},
		{"pdf named wrongly", []byte("%PDF-2.0\n"), "scan.jpg", MediaTypePDF},
		{"tiff little endian", []byte("II*\x00\x08\x00\x00\x00"), "a.tif", MediaTypeTIFF},
		{"tiff big endian", []byte("MM\x00*\x00\x00\x00\x08"), "a.tiff", MediaTypeTIFF},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "a.png", MediaTypePNG},
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F'}, "a.jpg", MediaTypeJPEG},
		{"xml declaration", []byte(`<?xml version="1.0" encoding="UTF-8"?><ubl:Invoice/>`), "x.xml", MediaTypeXML},
		{"xml with bom and whitespace", []byte("\xEF\xBB\xBF \r\n\t<?xml version=\"1.0\"?>"), "x.xml", MediaTypeXML},
		{"xml without declaration", []byte("<rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un\">"), "x.xml", MediaTypeXML},
		{"xml comment first", []byte("\n<!-- XRechnung 3.0 -->\n<Invoice/>"), "x.xml", MediaTypeXML},
		{"xml utf-16 le", []byte("\xFF\xFE<\x00?\x00x\x00m\x00l\x00"), "x.xml", MediaTypeXML},
		{"xml utf-16 be", []byte("\xFE\xFF\x00<\x00?\x00x"), "x.xml", MediaTypeXML},
		{"html is not accepted", []byte("<!DOCTYPE html><html>"), "x.html", ""},
		{"html tag", []byte("  <HTML><body>"), "x.htm", ""},
		{"plain text", []byte("Sehr geehrte Damen und Herren"), "brief.txt", ""},
		{"less-than sign in text", []byte("< 5 Euro"), "a.txt", ""},
		{"zip (docx)", []byte("PK\x03\x04\x14\x00"), "antrag.docx", ""},
		{"gif", []byte("GIF89a"), "a.gif", ""},
		{"empty head", nil, "a.pdf", ""},
		{"only whitespace", []byte(" \n\t "), "a.xml", ""},
		{"truncated pdf magic", []byte("%PD"), "a.pdf", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DetectMediaType(tt.head, tt.file)
			if tt.want == "" {
				require.ErrorIs(t, err, ErrUnknownMediaType)
				require.True(t, IsPermanent(err), "unknown media type must be permanent")
				require.NotContains(t, err.Error(), tt.file, "error must not carry the file name")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
			require.True(t, Allowed(got))
		})
	}
}

func TestAllowed(t *testing.T) {
	for _, mt := range []string{MediaTypePDF, MediaTypeTIFF, MediaTypePNG, MediaTypeJPEG, MediaTypeXML} {
		require.True(t, Allowed(mt), mt)
	}
	for _, mt := range []string{"", "text/html", "application/zip", "image/gif", "application/PDF"} {
		require.False(t, Allowed(mt), mt)
	}
}

func TestErrorClassification(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		permanent bool
	}{
		{"empty", ErrEmpty, true},
		{"too large wrapped", errors.Join(errors.New("x"), ErrTooLarge), true},
		{"unknown media type", ErrUnknownMediaType, true},
		{"bad source", ErrBadSource, true},
		{"bad envelope", ErrBadEnvelope, true},
		{"missing object", ErrMissingObject, true},
		{"marked permanent", Permanent(errors.New("workflow type not registered")), true},
		{"plain error", errors.New("nats: timeout"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.permanent, IsPermanent(tt.err))
		})
	}
	cause := errors.New("cause")
	require.ErrorIs(t, Permanent(cause), cause, "Permanent keeps the cause")
	require.NoError(t, Permanent(nil))
	require.NotErrorIs(t, ErrEmpty, ErrTooLarge)
}
