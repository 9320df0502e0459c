package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// Ref points at a blob. It is small and safe to put into workflow history.
type Ref struct {
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	MediaType string `json:"media_type,omitempty"`
}

var (
	// ErrNotFound is returned when no blob has the requested digest.
	ErrNotFound = errors.New("blob not found")
	// ErrDigestMismatch means the bytes do not hash to the expected digest:
	// on write the input was not what the caller announced, on read the
	// stored file was altered or damaged.
	ErrDigestMismatch = errors.New("blob digest mismatch")
	// ErrBadDigest is returned for a digest that is not 64 lower-case hex digits.
	ErrBadDigest = errors.New("malformed sha256 digest")
)

var digestPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidDigest reports whether s is a lower-case hex sha256 digest.
func ValidDigest(s string) bool { return digestPattern.MatchString(s) }

// Store keeps blobs by content.
type Store interface {
	// Put stores the bytes of r. When want is non-empty the bytes must hash
	// to it, otherwise nothing is stored and ErrDigestMismatch is returned.
	// Storing bytes that are already present is a no-op returning the same Ref.
	Put(ctx context.Context, r io.Reader, want string) (Ref, error)
	// Open returns a reader that fails with ErrDigestMismatch at EOF if the
	// stored bytes no longer hash to their name.
	Open(ctx context.Context, sha256 string) (io.ReadCloser, error)
	// Stat returns the size of a stored blob, or ErrNotFound.
	Stat(ctx context.Context, sha256 string) (Ref, error)
}

// verifyingReader hashes what passes through and checks the digest at EOF,
// so a reader of a damaged blob gets an error instead of silently wrong bytes.
type verifyingReader struct {
	rc   io.ReadCloser
	want string
	h    hashWriter
	done bool
}

type hashWriter interface {
	io.Writer
	Sum([]byte) []byte
}

func newVerifyingReader(rc io.ReadCloser, want string) *verifyingReader {
	return &verifyingReader{rc: rc, want: want, h: sha256.New()}
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	_, _ = v.h.Write(p[:n])
	if errors.Is(err, io.EOF) && !v.done {
		v.done = true
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want {
			return n, fmt.Errorf("read blob %s: got %s: %w", v.want, got, ErrDigestMismatch)
		}
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.rc.Close() }
