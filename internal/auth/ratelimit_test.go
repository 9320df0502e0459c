package auth

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLimiterLocksAndUnlocks(t *testing.T) {
	l := NewLimiter(LimiterConfig{MaxPerLogin: 5, MaxPerRemote: 8, Window: 15 * time.Minute})
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		require.NoError(t, l.Check("anna", "10.0.0.1", t0.Add(time.Duration(i)*time.Minute)))
		l.Fail("anna", "10.0.0.1", t0.Add(time.Duration(i)*time.Minute))
	}
	// Fifth failure at 9:04; the first (9:00) leaves the window at 9:15.
	err := l.Check("anna", "10.0.0.2", t0.Add(5*time.Minute))
	var locked *LockedOutError
	require.True(t, errors.As(err, &locked), "locked per login, from any address")
	require.Equal(t, 10*time.Minute, locked.Wait)
	require.Equal(t, "Zu viele Fehlversuche, bitte in 10 Minuten erneut versuchen.", err.Error())
	require.NoError(t, l.Check("bernd", "10.0.0.1", t0.Add(5*time.Minute)), "the address is below its own limit")

	err = l.Check("anna", "", t0.Add(14*time.Minute+30*time.Second))
	require.EqualError(t, err, "Zu viele Fehlversuche, bitte in 1 Minute erneut versuchen.")
	require.NoError(t, l.Check("anna", "", t0.Add(15*time.Minute)), "unlocked once the oldest failure leaves the window")
	// One more failure locks again: four are still in the window.
	l.Fail("anna", "", t0.Add(15*time.Minute))
	require.Error(t, l.Check("anna", "", t0.Add(15*time.Minute)))
	l.Succeed("anna")
	require.NoError(t, l.Check("anna", "", t0.Add(15*time.Minute)), "a success clears the login's count")
}

func TestLimiterPerRemote(t *testing.T) {
	l := NewLimiter(LimiterConfig{MaxPerLogin: 5, MaxPerRemote: 8, Window: 15 * time.Minute})
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	// Spraying: one try each at eight logins from one address.
	for i := range 8 {
		l.Fail(string(rune('a'+i)), "192.0.2.7", t0)
	}
	err := l.Check("zoe", "192.0.2.7", t0.Add(time.Minute))
	require.Error(t, err, "the address is locked for every login")
	require.NoError(t, l.Check("zoe", "192.0.2.8", t0.Add(time.Minute)))
	l.Succeed("a")
	require.Error(t, l.Check("zoe", "192.0.2.7", t0.Add(time.Minute)), "a success does not clear the address")
	require.NoError(t, l.Check("zoe", "192.0.2.7", t0.Add(15*time.Minute)))
}

func TestLimiterForgetsStaleKeys(t *testing.T) {
	l := NewLimiter(LimiterConfig{})
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	for i := range 1000 {
		l.Fail(string(rune(0x4e00+i)), "", t0)
	}
	require.Len(t, l.failures, 1000)
	l.Fail("x", "", t0.Add(time.Hour))
	require.Len(t, l.failures, 1, "keys whose failures left the window are dropped")
}
