package api

import "testing"

// adminWriteMatrix are the routeMatrix rows of the adminWriteRoutes: the same
// columns, no header.
const adminWriteMatrix = `
`

// adminWriteCalls are the matrix requests of the adminWriteRoutes.
func (w *world) adminWriteCalls(t *testing.T) map[string][]call {
	return map[string][]call{}
}
