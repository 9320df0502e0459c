package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// FS stores blobs as files below a root directory, fanned out by the first
// two hex digits: ROOT/ab/abcdef… . Files are written to a temporary name,
// synced and renamed, so a crash never leaves a partial blob under its final
// name.
type FS struct {
	root string
}

// NewFS opens (and creates) a filesystem blob store at root.
func NewFS(root string) (*FS, error) {
	if root == "" {
		return nil, errors.New("blob store directory is empty")
	}
	if err := os.MkdirAll(filepath.Join(root, "tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("create blob store %s: %w", root, err)
	}
	return &FS{root: root}, nil
}

func (s *FS) path(sha string) string { return filepath.Join(s.root, sha[:2], sha) }

// Put implements Store.
func (s *FS) Put(ctx context.Context, r io.Reader, want string) (Ref, error) {
	if want != "" {
		if !ValidDigest(want) {
			return Ref{}, fmt.Errorf("put blob %q: %w", want, ErrBadDigest)
		}
		if ref, err := s.Stat(ctx, want); err == nil {
			// Already stored; drain nothing. Content addressing makes this safe.
			return ref, nil
		}
	}
	tmp, err := os.CreateTemp(filepath.Join(s.root, "tmp"), "put-*")
	if err != nil {
		return Ref{}, fmt.Errorf("put blob: %w", err)
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), contextReader{ctx, r})
	if err != nil {
		return Ref{}, fmt.Errorf("put blob: write: %w", err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if want != "" && got != want {
		return Ref{}, fmt.Errorf("put blob: expected %s, got %s: %w", want, got, ErrDigestMismatch)
	}
	if err := tmp.Sync(); err != nil {
		return Ref{}, fmt.Errorf("put blob %s: sync: %w", got, err)
	}
	if err := tmp.Close(); err != nil {
		return Ref{}, fmt.Errorf("put blob %s: close: %w", got, err)
	}
	final := s.path(got)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return Ref{}, fmt.Errorf("put blob %s: %w", got, err)
	}
	if err := os.Chmod(tmp.Name(), 0o440); err != nil {
		return Ref{}, fmt.Errorf("put blob %s: %w", got, err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return Ref{}, fmt.Errorf("put blob %s: rename: %w", got, err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return Ref{}, fmt.Errorf("put blob %s: %w", got, err)
	}
	return Ref{SHA256: got, Size: n}, nil
}

// Open implements Store.
func (s *FS) Open(_ context.Context, sha string) (io.ReadCloser, error) {
	if !ValidDigest(sha) {
		return nil, fmt.Errorf("open blob %q: %w", sha, ErrBadDigest)
	}
	f, err := os.Open(s.path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open blob %s: %w", sha, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", sha, err)
	}
	return newVerifyingReader(f, sha), nil
}

// Stat implements Store.
func (s *FS) Stat(_ context.Context, sha string) (Ref, error) {
	if !ValidDigest(sha) {
		return Ref{}, fmt.Errorf("stat blob %q: %w", sha, ErrBadDigest)
	}
	fi, err := os.Stat(s.path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return Ref{}, fmt.Errorf("stat blob %s: %w", sha, ErrNotFound)
	}
	if err != nil {
		return Ref{}, fmt.Errorf("stat blob %s: %w", sha, err)
	}
	return Ref{SHA256: sha, Size: fi.Size()}, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }()
	return d.Sync()
}

// contextReader stops a long copy when the context is cancelled.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
