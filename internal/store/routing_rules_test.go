package store

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// testRoutingRules: versions count up from 1, the newest is returned, a
// save against a stale version is a conflict, and of concurrent saves
// against the same version exactly one wins.
func testRoutingRules(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	rr, ok := RoutingRulesOf(s)
	require.True(t, ok)

	_, err := rr.RoutingRules(ctx)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = rr.SaveRoutingRules(ctx, "  \n", "admin", 0)
	require.ErrorIs(t, err, ErrInvalid)
	_, err = rr.SaveRoutingRules(ctx, "rules: []\n", "", 0)
	require.ErrorIs(t, err, ErrInvalid)

	v1, err := rr.SaveRoutingRules(ctx, "rules: []\n", "anna", 0)
	require.NoError(t, err)
	require.Equal(t, int64(1), v1.Version)
	require.Equal(t, ContentSHA256("rules: []\n"), v1.SHA256)
	got, err := rr.RoutingRules(ctx)
	require.NoError(t, err)
	require.Equal(t, v1.Content, got.Content)
	require.Equal(t, "anna", got.CreatedBy)
	requireTime(t, v1.CreatedAt, got.CreatedAt, "created_at")

	_, err = rr.SaveRoutingRules(ctx, "rules: [x]\n", "bernd", 0)
	require.ErrorIs(t, err, ErrConflict, "saving over a version that is no longer the newest")
	v2, err := rr.SaveRoutingRules(ctx, "# zwei\nrules: []\n", "bernd", 1)
	require.NoError(t, err)
	require.Equal(t, int64(2), v2.Version)
	got, err = rr.RoutingRules(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Version)
	require.Equal(t, "# zwei\nrules: []\n", got.Content)

	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	for range 6 {
		wg.Go(func() {
			_, err := rr.SaveRoutingRules(ctx, "rules: []\n", "carla", 2)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.Is(err, ErrConflict):
				conflicts++
			default:
				t.Errorf("concurrent save: %v", err)
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, wins)
	require.Equal(t, 5, conflicts)
}
