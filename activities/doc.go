// Package activities holds the Temporal activities: thin adapters from a
// workflow step to the domain packages under internal/. Each area is one
// struct whose fields are small interfaces, built once in the worker's setup
// (package app); no activity creates a client or reads the environment.
//
// Every side-effecting activity is idempotent, keyed by content hash or
// workflow id, so a retry after a worker crash changes nothing twice.
package activities
