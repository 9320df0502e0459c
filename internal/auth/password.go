package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// MinPasswordLength is the shortest password accepted, in characters
// (BSI IT-Grundschutz ORP.4 and NIST SP 800-63B favour length over rules).
const MinPasswordLength = 12

// maxPasswordBytes bounds what is hashed; longer input is refused rather
// than silently cut.
const maxPasswordBytes = 1024

// Password errors carry German messages: they are shown to the person
// setting the password.
var (
	ErrPasswordEmpty    = errors.New("Das Passwort darf nicht leer sein.")
	ErrPasswordTooShort = fmt.Errorf("Das Passwort muss mindestens %d Zeichen lang sein.", MinPasswordLength)
	ErrPasswordTooLong  = fmt.Errorf("Das Passwort darf höchstens %d Byte lang sein.", maxPasswordBytes)
)

// ErrBadHash is returned when a stored hash cannot be read.
var ErrBadHash = errors.New("unreadable password hash")

// CheckPassword applies the password rules before a password is hashed.
func CheckPassword(pw string) error {
	switch {
	case pw == "":
		return ErrPasswordEmpty
	case len(pw) > maxPasswordBytes:
		return ErrPasswordTooLong
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		return ErrPasswordTooShort
	}
	return nil
}

// Argon2Params are the argon2id cost parameters. Memory is in KiB.
type Argon2Params struct {
	Memory  uint32
	Time    uint32
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultArgon2Params is OWASP's minimum for argon2id (Password Storage
// Cheat Sheet): 19 MiB, two passes, one lane — about 30 ms on a server
// core, so a login stays quick and a stolen table stays expensive.
var DefaultArgon2Params = Argon2Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Limits on parameters read from a stored hash: a tampered row must not
// make one login take minutes or gigabytes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64
	maxKeyLen    = 128
)

func (p Argon2Params) validate() error {
	if p.Memory < DefaultArgon2Params.Memory || p.Time < DefaultArgon2Params.Time || p.Threads < 1 {
		return fmt.Errorf("argon2id parameters m=%d t=%d p=%d are below OWASP's minimum m=%d t=%d p=1",
			p.Memory, p.Time, p.Threads, DefaultArgon2Params.Memory, DefaultArgon2Params.Time)
	}
	if p.Memory > maxMemoryKiB || p.Time > maxTime || p.SaltLen < 16 || p.KeyLen < 16 || p.KeyLen > maxKeyLen {
		return fmt.Errorf("argon2id parameters m=%d t=%d salt=%d key=%d out of range", p.Memory, p.Time, p.SaltLen, p.KeyLen)
	}
	return nil
}

// HashPassword checks pw against the rules and hashes it with argon2id
// under p, as a PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
// (salt and hash in unpadded standard base64).
func HashPassword(pw string, p Argon2Params) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	if err := p.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encodeHash(p, salt, key), nil
}

func encodeHash(p Argon2Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// ParseHash reads a PHC argon2id string into its parameters, salt and key.
func ParseHash(phc string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(phc, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: not an argon2id PHC string", ErrBadHash)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: argon2 version %q", ErrBadHash, parts[2])
	}
	seen := map[string]bool{}
	for kv := range strings.SplitSeq(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil || seen[k] {
			return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrBadHash, kv)
		}
		seen[k] = true
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrBadHash, kv)
			}
			p.Threads = uint8(n)
		default:
			return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrBadHash, kv)
		}
	}
	if !seen["m"] || !seen["t"] || !seen["p"] {
		return p, nil, nil, fmt.Errorf("%w: parameters m, t and p are required", ErrBadHash)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt: %w", ErrBadHash, err)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: hash: %w", ErrBadHash, err)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.validate(); err != nil {
		return p, nil, nil, fmt.Errorf("%w: %w", ErrBadHash, err)
	}
	return p, salt, key, nil
}

// VerifyPassword reports whether pw matches the PHC string. The key is
// compared in constant time. An unreadable hash is an error, not a
// mismatch, so that a broken row is noticed.
func VerifyPassword(phc, pw string) (bool, error) {
	p, salt, key, err := ParseHash(phc)
	if err != nil {
		return false, err
	}
	if len(pw) > maxPasswordBytes {
		return false, nil
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether a stored hash was made with other (older)
// parameters than want, or cannot be read; the login that just proved
// the password then stores a new hash.
func NeedsRehash(phc string, want Argon2Params) bool {
	p, _, _, err := ParseHash(phc)
	if err != nil {
		return true
	}
	return p.Memory != want.Memory || p.Time != want.Time || p.Threads != want.Threads ||
		p.SaltLen != want.SaltLen || p.KeyLen != want.KeyLen
}
