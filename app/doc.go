// Package app assembles aktenfluss from its configuration: it connects the
// records store, the blob store, NATS and Temporal, registers workflows and
// activities, and runs the roles — serve (HTTP), worker (Temporal workers)
// and consume (intake consumer) — for production, or all of them beside an
// embedded NATS and Temporal server for `aktenfluss dev`.
//
// It sits above workflows, activities and intake in the import graph (the
// architecture's "cmd" layer) and exists as a package so that the binary and
// the end-to-end tests run exactly the same wiring; cmd/aktenfluss only
// parses flags and calls it.
package app
