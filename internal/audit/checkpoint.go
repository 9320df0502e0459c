package audit

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// Head is the end of the chain: the last sequence number and its hash.
type Head struct {
	Seq  int64  `json:"seq"`
	Hash []byte `json:"hash"`
}

// Checkpoint is a signed statement that event Seq of the chain has Hash.
type Checkpoint struct {
	Seq       int64     `json:"seq"`
	Hash      string    `json:"hash"` // hex
	Time      time.Time `json:"time"`
	KeyID     string    `json:"key_id"`    // KeyID of the signing key
	Signature string    `json:"signature"` // base64, Ed25519 over signedBytes
}

const checkpointPrefix = "aktenfluss.audit.checkpoint.v1\n"

func (c Checkpoint) signedBytes() []byte {
	var b bytes.Buffer
	b.WriteString(checkpointPrefix)
	b.WriteString(strconv.FormatInt(c.Seq, 10))
	b.WriteByte('\n')
	b.WriteString(c.Hash)
	b.WriteByte('\n')
	b.WriteString(c.Time.UTC().Format(TimeLayout))
	b.WriteByte('\n')
	b.WriteString(c.KeyID)
	b.WriteByte('\n')
	return b.Bytes()
}

// KeyID names a public key: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Sign makes the checkpoint for head at time at.
func Sign(key ed25519.PrivateKey, head Head, at time.Time) Checkpoint {
	c := Checkpoint{
		Seq:   head.Seq,
		Hash:  hex.EncodeToString(head.Hash),
		Time:  at.UTC().Truncate(time.Microsecond),
		KeyID: KeyID(key.Public().(ed25519.PublicKey)),
	}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, c.signedBytes()))
	return c
}

// ErrBadSignature is returned (wrapped) for a checkpoint whose signature
// does not verify or whose key is unknown.
var ErrBadSignature = errors.New("checkpoint signature invalid")

// Verify checks the signature with the key among keys whose KeyID matches.
func (c Checkpoint) Verify(keys []ed25519.PublicKey) error {
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	for _, k := range keys {
		if KeyID(k) == c.KeyID {
			if ed25519.Verify(k, c.signedBytes(), sig) {
				return nil
			}
			return fmt.Errorf("%w: key %s", ErrBadSignature, c.KeyID)
		}
	}
	return fmt.Errorf("%w: unknown key %s", ErrBadSignature, c.KeyID)
}

// MergeCheckpoints joins checkpoints from several sources, drops exact
// duplicates and sorts them by sequence number.
func MergeCheckpoints(sets ...[]Checkpoint) []Checkpoint {
	seen := map[Checkpoint]bool{}
	var out []Checkpoint
	for _, set := range sets {
		for _, c := range set {
			c.Time = c.Time.UTC()
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// ---- keys -------------------------------------------------------------------

// GenerateKey writes a new Ed25519 private key as PKCS#8 PEM to path (mode
// 0600), refusing to overwrite a file. `openssl genpkey -algorithm ed25519`
// writes the same format.
func GenerateKey(path string) (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	return key, f.Close()
}

// LoadPrivateKey reads an Ed25519 private key (PKCS#8 PEM).
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("signing key %s: no PEM block PRIVATE KEY", path)
	}
	return parsePrivateKey(blk, path)
}

// parsePrivateKey reads the Ed25519 key of a PKCS#8 "PRIVATE KEY" block.
func parsePrivateKey(blk *pem.Block, path string) (ed25519.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: not an Ed25519 key", path)
	}
	return ek, nil
}

// LoadOrCreatePrivateKey loads the key at path, creating it first if there
// is no file (the embedded default; production provides its own key).
func LoadOrCreatePrivateKey(path string) (key ed25519.PrivateKey, created bool, err error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		k, err := GenerateKey(path)
		return k, err == nil, err
	}
	k, err := LoadPrivateKey(path)
	return k, false, err
}

// LoadPublicKey reads an Ed25519 public key (PKIX "PUBLIC KEY" PEM), or
// derives it from a private key file, so an auditor can verify with the
// public key alone.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("public key %s: no PEM block", path)
	}
	switch blk.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("public key %s: %w", path, err)
		}
		ek, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("public key %s: not an Ed25519 key", path)
		}
		return ek, nil
	case "PRIVATE KEY":
		k, err := parsePrivateKey(blk, path)
		if err != nil {
			return nil, err
		}
		return k.Public().(ed25519.PublicKey), nil
	}
	return nil, fmt.Errorf("public key %s: unexpected PEM block %s", path, blk.Type)
}

// EncodePublicKey is the PKIX PEM form of pub, for handing to an auditor.
func EncodePublicKey(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ---- the checkpoint file ------------------------------------------------------

// AppendCheckpointFile appends c as one JSON line to path and syncs it.
func AppendCheckpointFile(path string, c Checkpoint) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	line, err := json.Marshal(c)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint file %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("checkpoint file %s: %w", path, err)
	}
	return f.Close()
}

// ReadCheckpointFile reads the checkpoints of a file written by
// AppendCheckpointFile. A missing file has none. A line that is not a
// checkpoint is an error: the file is evidence and is not read leniently.
func ReadCheckpointFile(path string) ([]Checkpoint, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint file: %w", err)
	}
	defer f.Close()
	return ReadCheckpoints(f, path)
}

// ReadCheckpoints reads JSON-lines checkpoints; name is for errors.
func ReadCheckpoints(r io.Reader, name string) ([]Checkpoint, error) {
	var out []Checkpoint
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c Checkpoint
		if err := json.Unmarshal(line, &c); err != nil {
			return nil, fmt.Errorf("checkpoint file %s line %d: %w", name, n, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("checkpoint file %s: %w", name, err)
	}
	return out, nil
}
