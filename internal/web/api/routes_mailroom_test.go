package api

import "testing"

// mailroomMatrix are the routeMatrix rows of the mailroomRoutes: the same
// columns, no header.
const mailroomMatrix = `
`

// mailroomCalls are the matrix requests of the mailroomRoutes.
func (w *world) mailroomCalls(t *testing.T) map[string][]call {
	return map[string][]call{}
}
