package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// EnvelopeVersion is the version of the envelope wire format this package
// writes and reads. A consumer refuses versions it does not know instead of
// guessing at their meaning.
const EnvelopeVersion = 1

// maxOriginalName bounds the original file name: long enough for any real
// file system, short enough that a hostile envelope cannot bloat the register.
const maxOriginalName = 1024

// maxMediaType bounds the media type for the same reason (RFC 6838 allows
// 127 characters on each side of the slash).
const maxMediaType = 255

// Envelope is the message on the INTAKE stream: everything needed to start
// the inbound workflow except the bytes, which live in the object store under
// Object. The json tags are the wire format; change them only with a new V.
type Envelope struct {
	V            int                   `json:"v"`
	SHA256       string                `json:"sha256"`     // lower-case hex of the content
	Size         int64                 `json:"size"`       // bytes
	MediaType    string                `json:"media_type"` // from the content, see DetectMediaType
	OriginalName string                `json:"original_name"`
	Source       records.Source        `json:"source"`
	ReceivedAt   time.Time             `json:"received_at"` // UTC; the legal receipt time (Eingangsdatum)
	ScanProtocol *records.ScanProtocol `json:"scan_protocol,omitempty"`
	Object       string                `json:"object"` // object name in the bucket; equals SHA256
}

// Validate checks that the envelope is well formed. It does not apply intake
// policy (size limit, accepted media types): CheckPolicy does, so that an
// envelope that breaks policy gets its own quarantine reason. Errors match
// ErrBadEnvelope and name the offending field.
func (e Envelope) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrBadEnvelope, field, fmt.Sprintf(format, args...)))
	}
	if e.V != EnvelopeVersion {
		bad("v", "version %d is not supported (expected %d)", e.V, EnvelopeVersion)
	}
	if !isSHA256Hex(e.SHA256) {
		bad("sha256", "must be 64 lower-case hex digits")
	}
	if e.Size < 0 {
		bad("size", "must not be negative (got %d)", e.Size)
	}
	if e.MediaType == "" || len(e.MediaType) > maxMediaType {
		bad("media_type", "must be 1 to %d bytes", maxMediaType)
	}
	if len(e.OriginalName) > maxOriginalName || !utf8.ValidString(e.OriginalName) || bytes.IndexByte([]byte(e.OriginalName), 0) >= 0 {
		bad("original_name", "must be valid UTF-8 without NUL, at most %d bytes", maxOriginalName)
	}
	if _, err := records.ParseSource(string(e.Source)); err != nil {
		bad("source", "%v", err)
	}
	if e.ReceivedAt.IsZero() {
		bad("received_at", "is missing")
	}
	if e.Object != e.SHA256 {
		bad("object", "must equal sha256")
	}
	return errors.Join(errs...)
}

// CheckPolicy applies the intake policy: not empty, at most maxBytes, an
// accepted media type. Errors match ErrEmpty, ErrTooLarge or
// ErrUnknownMediaType (all permanent).
func (e Envelope) CheckPolicy(maxBytes int64) error {
	switch {
	case e.Size == 0:
		return ErrEmpty
	case maxBytes > 0 && e.Size > maxBytes:
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, e.Size, maxBytes)
	case !Allowed(e.MediaType):
		return fmt.Errorf("%w: %q is not accepted", ErrUnknownMediaType, e.MediaType)
	}
	return nil
}

// Marshal encodes the envelope in its wire format, with ReceivedAt in UTC so
// the text form (RFC 3339 with nanoseconds) is the same on every host.
func (e Envelope) Marshal() ([]byte, error) {
	e.ReceivedAt = e.ReceivedAt.UTC()
	return json.Marshal(e)
}

// DecodeEnvelope parses and validates an envelope. Unknown fields are
// refused: a newer producer must bump V rather than slip in fields an older
// consumer would silently drop.
func DecodeEnvelope(data []byte) (Envelope, error) {
	var e Envelope
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Envelope{}, fmt.Errorf("%w: decode json: %v", ErrBadEnvelope, err)
	}
	if dec.More() {
		return Envelope{}, fmt.Errorf("%w: trailing data after the json object", ErrBadEnvelope)
	}
	if err := e.Validate(); err != nil {
		return Envelope{}, err
	}
	return e, nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
