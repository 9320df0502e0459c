package auth

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("korrekt Pferd Batterie", DefaultArgon2Params)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$"), h)
	ok, err := VerifyPassword(h, "korrekt Pferd Batterie")
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = VerifyPassword(h, "korrekt Pferd Batterie ")
	require.NoError(t, err)
	require.False(t, ok, "wrong password")
	ok, err = VerifyPassword(h, "")
	require.NoError(t, err)
	require.False(t, ok)

	h2, err := HashPassword("korrekt Pferd Batterie", DefaultArgon2Params)
	require.NoError(t, err)
	require.NotEqual(t, h, h2, "a fresh salt each time")

	p, salt, key, err := ParseHash(h)
	require.NoError(t, err)
	require.Equal(t, DefaultArgon2Params, p)
	require.Len(t, salt, 16)
	require.Len(t, key, 32)
	require.False(t, NeedsRehash(h, DefaultArgon2Params))
}

func TestPasswordRules(t *testing.T) {
	for pw, want := range map[string]error{
		"":                        ErrPasswordEmpty,
		"elf Zeichen":             ErrPasswordTooShort,
		strings.Repeat("x", 1025): ErrPasswordTooLong,
	} {
		_, err := HashPassword(pw, DefaultArgon2Params)
		require.ErrorIs(t, err, want)
	}
	require.NoError(t, CheckPassword("zwölf Zeichn"), "12 characters, counted as runes")
	require.ErrorIs(t, CheckPassword("äöüäöüäöüäö"), ErrPasswordTooShort, "11 runes, 22 bytes")
	require.Equal(t, "Das Passwort muss mindestens 12 Zeichen lang sein.", ErrPasswordTooShort.Error())
	_, err := HashPassword("lang genug für alles", Argon2Params{Memory: 4096, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	require.ErrorContains(t, err, "below OWASP")
}

func TestPasswordRehash(t *testing.T) {
	stronger := DefaultArgon2Params
	stronger.Memory, stronger.Time = 32768, 3
	old, err := HashPassword("ein langes Passwort", DefaultArgon2Params)
	require.NoError(t, err)
	require.True(t, NeedsRehash(old, stronger))
	h, err := HashPassword("ein langes Passwort", stronger)
	require.NoError(t, err)
	require.Contains(t, h, "$m=32768,t=3,p=1$")
	require.False(t, NeedsRehash(h, stronger))
	// An old hash still verifies under its own parameters.
	ok, err := VerifyPassword(old, "ein langes Passwort")
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, NeedsRehash("$2a$10$bcrypt-hash", stronger), "an unreadable hash is replaced")
}

func TestParseHashRejects(t *testing.T) {
	good, err := HashPassword("ein langes Passwort", DefaultArgon2Params)
	require.NoError(t, err)
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"bcrypt":         "$2a$10$abc",
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"version":        strings.Replace(good, "v=19", "v=16", 1),
		"missing param":  strings.Replace(good, ",p=1", "", 1),
		"unknown param":  strings.Replace(good, "p=1", "p=1,x=2", 1),
		"weak memory":    strings.Replace(good, "m=19456", "m=64", 1),
		"huge memory":    strings.Replace(good, "m=19456", "m=4194304", 1),
		"huge time":      strings.Replace(good, "t=2", "t=100000", 1),
		"bad salt":       strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"),
		"short salt":     strings.Join([]string{"", parts[1], parts[2], parts[3], "c2FsdA", parts[5]}, "$"),
		"too many parts": good + "$x",
	} {
		_, _, _, err := ParseHash(h)
		require.ErrorIs(t, err, ErrBadHash, name)
		_, err = VerifyPassword(h, "ein langes Passwort")
		require.ErrorIs(t, err, ErrBadHash, name)
	}
}
