package intake

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

func validEnvelope() Envelope {
	sum := strings.Repeat("ab", 32)
	scanned := time.Date(2026, 3, 2, 8, 15, 0, 0, time.UTC)
	return Envelope{
		V: EnvelopeVersion, SHA256: sum, Size: 1234, MediaType: MediaTypePDF,
		OriginalName: "Bescheid.pdf", Source: records.SourceMailroom,
		ReceivedAt:   time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.FixedZone("CET", 3600)),
		ScanProtocol: &records.ScanProtocol{Operator: "op-7", Station: "scan-2", ScannedAt: &scanned, Checks: []string{"page-count"}},
		Object:       sum,
	}
}

func TestEnvelopeValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Envelope)
		field  string // "" means valid
	}{
		{"valid", func(*Envelope) {}, ""},
		{"valid without scan protocol", func(e *Envelope) { e.ScanProtocol = nil }, ""},
		{"zero size is well formed (policy refuses it)", func(e *Envelope) { e.Size = 0 }, ""},
		{"unknown version", func(e *Envelope) { e.V = 2 }, "v"},
		{"missing version", func(e *Envelope) { e.V = 0 }, "v"},
		{"short sha256", func(e *Envelope) { e.SHA256 = "abc"; e.Object = "abc" }, "sha256"},
		{"upper-case sha256", func(e *Envelope) { e.SHA256 = strings.ToUpper(e.SHA256); e.Object = e.SHA256 }, "sha256"},
		{"negative size", func(e *Envelope) { e.Size = -1 }, "size"},
		{"no media type", func(e *Envelope) { e.MediaType = "" }, "media_type"},
		{"absurd media type", func(e *Envelope) { e.MediaType = strings.Repeat("x", 300) }, "media_type"},
		{"bad source", func(e *Envelope) { e.Source = "fax" }, "source"},
		{"no receipt time", func(e *Envelope) { e.ReceivedAt = time.Time{} }, "received_at"},
		{"object differs", func(e *Envelope) { e.Object = strings.Repeat("cd", 32) }, "object"},
		{"name with NUL", func(e *Envelope) { e.OriginalName = "a\x00b" }, "original_name"},
		{"name not UTF-8", func(e *Envelope) { e.OriginalName = "\xff.pdf" }, "original_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validEnvelope()
			tt.modify(&e)
			err := e.Validate()
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrBadEnvelope)
			require.Contains(t, err.Error(), tt.field+":")
		})
	}
}

func TestEnvelopeCheckPolicy(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Envelope)
		want   error
	}{
		{"ok", func(*Envelope) {}, nil},
		{"empty", func(e *Envelope) { e.Size = 0 }, ErrEmpty},
		{"too large", func(e *Envelope) { e.Size = 2001 }, ErrTooLarge},
		{"at the limit", func(e *Envelope) { e.Size = 2000 }, nil},
		{"unknown media type", func(e *Envelope) { e.MediaType = "text/html" }, ErrUnknownMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validEnvelope()
			tt.modify(&e)
			err := e.CheckPolicy(2000)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
		})
	}
}

func TestEnvelopeWireFormat(t *testing.T) {
	e := validEnvelope()
	data, err := e.Marshal()
	require.NoError(t, err)
	s := string(data)
	for _, key := range []string{`"v":1`, `"sha256":`, `"size":1234`, `"media_type":"application/pdf"`,
		`"original_name":`, `"source":"mailroom"`, `"received_at":"2026-03-02T08:00:00.123456789Z"`,
		`"scan_protocol":{`, `"object":`} {
		require.Contains(t, s, key)
	}

	got, err := DecodeEnvelope(data)
	require.NoError(t, err)
	require.True(t, got.ReceivedAt.Equal(e.ReceivedAt))
	require.Equal(t, e.SHA256, got.SHA256)
	require.Equal(t, e.ScanProtocol.Operator, got.ScanProtocol.Operator)

	e.ScanProtocol = nil
	data, err = e.Marshal()
	require.NoError(t, err)
	require.NotContains(t, string(data), "scan_protocol")

	for name, bad := range map[string]string{
		"garbage":        "not json",
		"unknown field":  strings.Replace(string(data), `"v":1`, `"v":1,"priority":"high"`, 1),
		"trailing value": string(data) + `{}`,
		"array":          `[]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := DecodeEnvelope([]byte(bad))
			require.ErrorIs(t, err, ErrBadEnvelope)
		})
	}
}
