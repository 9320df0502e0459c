package activities

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aktenfluss/aktenfluss/internal/routing"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// RuleSource gives the routing rules in force when a document is routed.
type RuleSource interface {
	Current(ctx context.Context) (*routing.Rules, error)
}

// StoredRules are the routing rules an administrator saved in the browser
// (the newest stored version), or File when none was saved yet. It asks
// the store at every call, so a saved version is in force for the next
// document without restarting the worker, and parses a version once.
type StoredRules struct {
	Store store.RoutingRules // nil: always File
	File  *routing.Rules     // the configured rule file or the built-in example

	mu      sync.Mutex
	version int64
	parsed  *routing.Rules
}

// Current returns the newest stored version, parsed, or File.
func (s *StoredRules) Current(ctx context.Context) (*routing.Rules, error) {
	if s.Store == nil {
		return s.File, nil
	}
	rs, err := s.Store.RoutingRules(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return s.File, nil
	}
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parsed != nil && s.version == rs.Version {
		return s.parsed, nil
	}
	// Saved versions were parsed before saving; one that no longer
	// parses (a stricter parser) fails the activity loudly, and routing
	// resumes once an administrator saves a correct version.
	rules, err := routing.Parse([]byte(rs.Content))
	if err != nil {
		return nil, fmt.Errorf("routing rules version %d: %w", rs.Version, err)
	}
	s.version, s.parsed = rs.Version, rules
	return rules, nil
}

// rules are the rules in force: from Source when set, else Rules.
func (a *Routing) rules(ctx context.Context) (*routing.Rules, error) {
	if a.Source == nil {
		return a.Rules, nil
	}
	return a.Source.Current(ctx)
}
