package api

import "testing"

// workMatrix are the routeMatrix rows of the workRoutes: the same
// columns, no header.
const workMatrix = `
`

// workCalls are the matrix requests of the workRoutes.
func (w *world) workCalls(t *testing.T) map[string][]call {
	return map[string][]call{}
}
