package audit

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrInvalid is returned (wrapped) for an event that cannot be appended.
var ErrInvalid = errors.New("invalid audit event")

// HashSize is the length of every hash in the chain.
const HashSize = sha256.Size

// TimeLayout is how an event's time is encoded in the chain: UTC with
// exactly six fraction digits, the precision both store backends keep.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// encodingPrefix starts every encoded event; a future layout gets a new one.
const encodingPrefix = "aktenfluss.audit.v1\n"

// Event is one line of the audit trail.
type Event struct {
	Seq        int64           `json:"seq"` // assigned on append; 1, 2, 3, … without gaps
	Key        string          `json:"key"` // idempotency key chosen by the caller
	Time       time.Time       `json:"time"`
	Actor      string          `json:"actor"`       // user, or component such as "system:intake"
	Action     string          `json:"action"`      // e.g. "document.registered"
	ObjectType string          `json:"object_type"` // e.g. "document"
	ObjectID   string          `json:"object_id"`   // e.g. the document's sha256
	Details    json.RawMessage `json:"details,omitempty"`

	// Personal is data that may have to be erased later. It is not part of
	// the hashed bytes; PersonalHash is. Nil when there is none or it was
	// erased.
	Personal     json.RawMessage `json:"personal,omitempty"`
	PersonalSalt []byte          `json:"-"`
	PersonalHash []byte          `json:"personal_hash,omitempty"`

	PrevHash []byte `json:"prev_hash,omitempty"`
	Hash     []byte `json:"hash,omitempty"`
}

// Erased reports whether the event had personal data that was erased.
func (e Event) Erased() bool { return len(e.PersonalHash) > 0 && len(e.Personal) == 0 }

// Normalize checks an event before it is appended and brings it into the
// form that is stored and hashed: time in UTC truncated to microseconds,
// details and personal data as canonical JSON. Seq and hashes are left to
// the chain.
func Normalize(e Event) (Event, error) {
	if e.Key == "" {
		return e, fmt.Errorf("%w: key is empty", ErrInvalid)
	}
	if e.Action == "" {
		return e, fmt.Errorf("%w %s: action is empty", ErrInvalid, e.Key)
	}
	if e.Time.IsZero() {
		return e, fmt.Errorf("%w %s: time is empty", ErrInvalid, e.Key)
	}
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	var err error
	if e.Details, err = Canonical(e.Details); err != nil {
		return e, fmt.Errorf("%w %s: details: %v", ErrInvalid, e.Key, err)
	}
	if e.Personal, err = Canonical(e.Personal); err != nil {
		return e, fmt.Errorf("%w %s: personal data: %v", ErrInvalid, e.Key, err)
	}
	return e, nil
}

// Canonical rewrites JSON compactly with object keys sorted and numbers as
// written, so equal content hashes equally. JSON null and empty input give
// nil.
func Canonical(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after JSON value")
	}
	if v == nil {
		return nil, nil
	}
	if m, ok := v.(map[string]any); ok && len(m) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // maps are written with sorted keys
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// SealPersonal draws a fresh salt for the personal data of e and sets
// PersonalSalt and PersonalHash. Events without personal data are returned
// as they are.
func SealPersonal(e Event) (Event, error) {
	if len(e.Personal) == 0 {
		e.PersonalSalt, e.PersonalHash = nil, nil
		return e, nil
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return e, fmt.Errorf("personal data salt: %w", err)
	}
	e.PersonalSalt = salt
	e.PersonalHash = PersonalHash(salt, e.Personal)
	return e, nil
}

// PersonalHash is SHA-256(salt || personal).
func PersonalHash(salt []byte, personal json.RawMessage) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write(personal)
	return h.Sum(nil)
}

// Encode is the canonical byte form of e that is hashed; see the package
// documentation. It reads Seq, the content fields, PersonalHash and
// PrevHash, never Personal itself.
func Encode(e Event) []byte {
	b := make([]byte, 0, 256+len(e.Details))
	b = append(b, encodingPrefix...)
	field := func(s []byte) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	var num [20]byte
	field(strconv.AppendInt(num[:0], e.Seq, 10))
	field([]byte(e.Key))
	var ts [32]byte
	field(e.Time.UTC().AppendFormat(ts[:0], TimeLayout))
	field([]byte(e.Actor))
	field([]byte(e.Action))
	field([]byte(e.ObjectType))
	field([]byte(e.ObjectID))
	field(e.Details)
	field(e.PersonalHash)
	field(e.PrevHash)
	return b
}

// Hash is SHA-256(Encode(e)).
func Hash(e Event) []byte {
	sum := sha256.Sum256(Encode(e))
	return sum[:]
}

// Genesis is the predecessor hash of the first event.
func Genesis() []byte { return make([]byte, HashSize) }

// Link gives e the sequence number and predecessor after (seq, prev) and
// computes its hash.
func Link(e Event, seq int64, prev []byte) Event {
	e.Seq = seq + 1
	e.PrevHash = append([]byte(nil), prev...)
	e.Hash = Hash(e)
	return e
}
