package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// conformance runs the behaviour every Store backend must show.
func conformance(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()
	data := []byte("%PDF-1.7 Eingangsstempel")
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])

	t.Run("put then open returns the same bytes", func(t *testing.T) {
		s := newStore(t)
		ref, err := s.Put(ctx, bytes.NewReader(data), digest)
		if err != nil {
			t.Fatal(err)
		}
		if ref.SHA256 != digest || ref.Size != int64(len(data)) {
			t.Fatalf("ref = %+v", ref)
		}
		rc, err := s.Open(ctx, digest)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		got, err := io.ReadAll(rc)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back %q, %v", got, err)
		}
	})
	t.Run("put is idempotent", func(t *testing.T) {
		s := newStore(t)
		for range 2 {
			if _, err := s.Put(ctx, bytes.NewReader(data), ""); err != nil {
				t.Fatal(err)
			}
		}
		ref, err := s.Stat(ctx, digest)
		if err != nil || ref.Size != int64(len(data)) {
			t.Fatalf("stat = %+v, %v", ref, err)
		}
	})
	t.Run("wrong announced digest stores nothing", func(t *testing.T) {
		s := newStore(t)
		other := strings.Repeat("0", 64)
		if _, err := s.Put(ctx, bytes.NewReader(data), other); !errors.Is(err, ErrDigestMismatch) {
			t.Fatalf("err = %v, want ErrDigestMismatch", err)
		}
		if _, err := s.Stat(ctx, other); !errors.Is(err, ErrNotFound) {
			t.Fatalf("stat after mismatch: %v", err)
		}
		if _, err := s.Stat(ctx, digest); !errors.Is(err, ErrNotFound) {
			t.Fatalf("bytes stored under their real digest after mismatch: %v", err)
		}
	})
	t.Run("missing and malformed digests", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Open(ctx, strings.Repeat("a", 64)); !errors.Is(err, ErrNotFound) {
			t.Fatalf("open missing: %v", err)
		}
		if _, err := s.Open(ctx, "../etc/passwd"); !errors.Is(err, ErrBadDigest) {
			t.Fatalf("open malformed: %v", err)
		}
	})
}

func TestFSConformance(t *testing.T) {
	conformance(t, func(t *testing.T) Store {
		s, err := NewFS(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestFSDetectsDamagedBlob(t *testing.T) {
	ctx := context.Background()
	s, err := NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := s.Put(ctx, strings.NewReader("Rechnung 4711"), "")
	if err != nil {
		t.Fatal(err)
	}
	p := s.path(ref.SHA256)
	if err := os.Chmod(p, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("Rechnung 4712"), 0o640); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Open(ctx, ref.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadAll(rc); !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("read of damaged blob: err = %v, want ErrDigestMismatch", err)
	}
}
