package store

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// TestTaskListingsReadOffTheIndex: on SQLite, the inbox listings (a
// unit's open tasks, all open tasks) and their counts are read off an
// index in the listing's order, without sorting every match — what keeps
// a deep page of a 10,000-task inbox fast (bench web, migration 0010).
func TestTaskListingsReadOffTheIndex(t *testing.T) {
	s := open(t, sqliteBackend().fresh(t)).(*sqlStore)
	ctx := t.Context()
	for i := range 200 {
		tk := records.Task{ID: fmt.Sprintf("t-%03d", i), Unit: []string{"63", "20"}[i%2], Status: records.TaskOpen, Version: 1,
			CreatedAt: berlin(2026, 3, 2, 8, 0), UpdatedAt: berlin(2026, 3, 2, 8, 0)}
		_, err := s.PutTask(ctx, tk)
		require.NoError(t, err)
	}
	_, err := s.db.ExecContext(ctx, `ANALYZE`)
	require.NoError(t, err)
	open := []records.TaskStatus{records.TaskOpen}
	for _, c := range []struct {
		f     TaskFilter
		index string
	}{
		{TaskFilter{Units: []string{"63"}, Status: open, Offset: 150}, "tasks_unit"},
		{TaskFilter{Status: open, Offset: 150}, "tasks_status"},
	} {
		q, args := c.f.listQuery()
		plan := explainSQLite(t, s, q, args)
		require.Contains(t, plan, "INDEX "+c.index, "%+v", c.f)
		require.NotContains(t, plan, "TEMP B-TREE", "%+v: sorted in memory", c.f)
		w := c.f.where()
		plan = explainSQLite(t, s, `SELECT COUNT(*) FROM tasks`+w.clause(), w.args)
		require.Contains(t, plan, "COVERING INDEX", "%+v: count", c.f)
	}
}

func explainSQLite(t *testing.T, s *sqlStore, q string, args []any) string {
	t.Helper()
	rows, err := s.db.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+q, args...)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		out = append(out, detail)
	}
	require.NoError(t, rows.Err())
	return strings.Join(out, "\n")
}
