package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RoutingRuleSet is one saved version of the routing rules (the YAML that
// internal/routing parses). The store does not parse it: the caller
// validates before saving.
type RoutingRuleSet struct {
	Version   int64     `json:"version"` // 1, 2, …; the newest is in force
	Content   string    `json:"content"`
	SHA256    string    `json:"sha256"` // hex SHA-256 of Content
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"` // login of who saved it
}

// RoutingRules is the persistence of the routing rules administrators
// edit in the browser. Every save is a new version; none is changed or
// deleted. The SQL store implements it on both backends; reach it from a
// Store with RoutingRulesOf.
type RoutingRules interface {
	// RoutingRules returns the newest version, or ErrNotFound when none
	// was ever saved (routing then uses the configured rule file).
	RoutingRules(ctx context.Context) (RoutingRuleSet, error)
	// SaveRoutingRules stores content as the version after `after` (0:
	// the first one). ErrConflict when the newest stored version is not
	// `after` (someone saved meanwhile); ErrInvalid for empty content.
	SaveRoutingRules(ctx context.Context, content, by string, after int64) (RoutingRuleSet, error)
}

var _ RoutingRules = (*sqlStore)(nil)

// RoutingRulesOf returns the routing rules of s, if its backend keeps
// them.
func RoutingRulesOf(s Store) (RoutingRules, bool) {
	rr, ok := s.(RoutingRules)
	return rr, ok
}

// ContentSHA256 is the hex SHA-256 of a rule text, as stored and audited.
func ContentSHA256(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

const routingRuleColumns = `version, content, sha256, created_at, created_by`

func scanRoutingRules(r rowScanner) (RoutingRuleSet, error) {
	var rs RoutingRuleSet
	err := r.Scan(&rs.Version, &rs.Content, &rs.SHA256, timeDest{&rs.CreatedAt}, &rs.CreatedBy)
	return rs, err
}

func (s *sqlStore) RoutingRules(ctx context.Context) (RoutingRuleSet, error) {
	rs, err := scanRoutingRules(s.db.QueryRowContext(ctx,
		`SELECT `+routingRuleColumns+` FROM routing_rules ORDER BY version DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return RoutingRuleSet{}, fmt.Errorf("routing rules: %w", ErrNotFound)
	}
	if err != nil {
		return RoutingRuleSet{}, fmt.Errorf("routing rules: %w", err)
	}
	return rs, nil
}

func (s *sqlStore) SaveRoutingRules(ctx context.Context, content, by string, after int64) (RoutingRuleSet, error) {
	if strings.TrimSpace(content) == "" {
		return RoutingRuleSet{}, fmt.Errorf("%w: routing rules are empty", ErrInvalid)
	}
	if strings.TrimSpace(by) == "" {
		return RoutingRuleSet{}, fmt.Errorf("%w: routing rules: who saves them?", ErrInvalid)
	}
	if after < 0 {
		return RoutingRuleSet{}, fmt.Errorf("%w: routing rules: negative version", ErrInvalid)
	}
	rs := RoutingRuleSet{Version: after + 1, Content: content, SHA256: ContentSHA256(content), CreatedAt: s.clock(), CreatedBy: by}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var newest int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM routing_rules`).Scan(&newest); err != nil {
			return err
		}
		if newest != after {
			return fmt.Errorf("routing rules: version %d is stored, not %d: %w", newest, after, ErrConflict)
		}
		// A concurrent save that read the same newest version loses on
		// the primary key.
		var v int64
		err := tx.QueryRowContext(ctx, `INSERT INTO routing_rules (`+routingRuleColumns+`) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (version) DO NOTHING RETURNING version`,
			rs.Version, rs.Content, rs.SHA256, s.d.timeArg(rs.CreatedAt), rs.CreatedBy).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("routing rules: version %d saved meanwhile: %w", rs.Version, ErrConflict)
		}
		return err
	})
	if err != nil {
		return RoutingRuleSet{}, err
	}
	return rs, nil
}
