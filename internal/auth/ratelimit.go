package auth

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// LimiterConfig says how many failed logins lock out, and for how long.
type LimiterConfig struct {
	// MaxPerLogin failures of one login within Window lock that login.
	MaxPerLogin int
	// MaxPerRemote failures from one remote address within Window lock the
	// address. Higher than MaxPerLogin: a whole office may share one
	// address behind its NAT, and one person's typos must not lock it.
	MaxPerRemote int
	Window       time.Duration
}

// DefaultLimiterConfig: five failures of a login in 15 minutes, twenty from
// one address.
var DefaultLimiterConfig = LimiterConfig{MaxPerLogin: 5, MaxPerRemote: 20, Window: 15 * time.Minute}

// LockedOutError refuses a login attempt while a login or an address is
// locked. Its message is German and names the wait in whole minutes.
type LockedOutError struct {
	Wait time.Duration
}

func (e *LockedOutError) Error() string {
	m := int(math.Ceil(e.Wait.Minutes()))
	if m <= 1 {
		return "Zu viele Fehlversuche, bitte in 1 Minute erneut versuchen."
	}
	return fmt.Sprintf("Zu viele Fehlversuche, bitte in %d Minuten erneut versuchen.", m)
}

// Limiter counts failed logins per login name and per remote address in
// memory, over a sliding window. Each process counts its own; behind a
// load balancer with n API processes an attacker gets at most n times the
// attempts, which is still a handful per quarter hour.
type Limiter struct {
	cfg LimiterConfig
	mu  sync.Mutex
	// failures holds the times of recent failures per key, oldest first,
	// at most as many as the key's limit.
	failures map[string][]time.Time
	// sweepAt is when stale keys are next dropped, so the map does not
	// grow with every name an attacker tries.
	sweepAt time.Time
}

// NewLimiter returns a limiter; zero fields of cfg take the defaults.
func NewLimiter(cfg LimiterConfig) *Limiter {
	if cfg.MaxPerLogin <= 0 {
		cfg.MaxPerLogin = DefaultLimiterConfig.MaxPerLogin
	}
	if cfg.MaxPerRemote <= 0 {
		cfg.MaxPerRemote = DefaultLimiterConfig.MaxPerRemote
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultLimiterConfig.Window
	}
	return &Limiter{cfg: cfg, failures: map[string][]time.Time{}}
}

func loginKey(login string) string   { return "login\x00" + login }
func remoteKey(remote string) string { return "remote\x00" + remote }

// Check returns a *LockedOutError when the login or the remote address is
// locked at now, else nil. An empty remote is not counted.
func (l *Limiter) Check(login, remote string, now time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	wait := l.wait(loginKey(login), l.cfg.MaxPerLogin, now)
	if remote != "" {
		wait = max(wait, l.wait(remoteKey(remote), l.cfg.MaxPerRemote, now))
	}
	if wait > 0 {
		return &LockedOutError{Wait: wait}
	}
	return nil
}

// wait is how long key stays locked: once it has limit failures within
// the window, until the oldest of them leaves it.
func (l *Limiter) wait(key string, limit int, now time.Time) time.Duration {
	fs := l.failures[key]
	if len(fs) < limit {
		return 0
	}
	return max(fs[len(fs)-limit].Add(l.cfg.Window).Sub(now), 0)
}

// Fail records a failed attempt.
func (l *Limiter) Fail(login, remote string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	l.add(loginKey(login), l.cfg.MaxPerLogin, now)
	if remote != "" {
		l.add(remoteKey(remote), l.cfg.MaxPerRemote, now)
	}
}

func (l *Limiter) add(key string, limit int, now time.Time) {
	fs := append(l.failures[key], now)
	// Failures that left the window and any beyond the limit count no more.
	cut := 0
	for cut < len(fs) && (!fs[cut].Add(l.cfg.Window).After(now) || len(fs)-cut > limit) {
		cut++
	}
	l.failures[key] = fs[cut:]
}

// Succeed forgets the failures of the login. The address keeps its count:
// one known password must not buy an address fresh guesses at others.
func (l *Limiter) Succeed(login string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, loginKey(login))
}

func (l *Limiter) sweep(now time.Time) {
	if now.Before(l.sweepAt) {
		return
	}
	l.sweepAt = now.Add(l.cfg.Window)
	for k, fs := range l.failures {
		if len(fs) == 0 || !fs[len(fs)-1].Add(l.cfg.Window).After(now) {
			delete(l.failures, k)
		}
	}
}
