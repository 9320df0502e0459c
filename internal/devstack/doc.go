// Package devstack runs the infrastructure aktenfluss needs inside one process
// for the embedded default (`aktenfluss dev`) and for integration tests: a
// nats-server with JetStream on disk and a Temporal server persisting to a
// SQLite file. Production points at external NATS and Temporal clusters
// instead; nothing outside cmd/ and tests depends on this package.
package devstack
