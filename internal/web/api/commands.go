package api

import (
	"context"
	"net/http"

	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// Commands is the write side's way into the running system: the intake
// stream for uploads and quarantine retries, Temporal updates for the
// human steps of the workflows (claim, finish, forward, follow up, triage,
// approve, reject). The application (package app) implements it over NATS
// and Temporal; the pages and the API share it.
type Commands interface {
	// Publish puts an uploaded document into the object store and its
	// envelope on the intake stream.
	Publish(ctx context.Context, req intake.PublishRequest) (intake.Envelope, error)
	// Requeue publishes a quarantined message again (intake.Requeue) and
	// marks it retried.
	Requeue(ctx context.Context, item store.QuarantineItem) error
	// Update sends a human decision to a running workflow and waits for
	// its outcome into result. A decision the workflow's validator refuses
	// comes back as Refused with the workflow's German reason; a workflow
	// that has already ended as Closed.
	Update(ctx context.Context, workflowID, update string, arg, result any) error
}

// Ops are the API's operations, shared by the route handlers and the web
// pages' forms so both do the same: each takes the principal that asks,
// after the access check (the route's or the page's), and returns what
// the route answers.
type Ops struct {
	d Deps
}

// NewOps returns the operations over d.
func NewOps(d Deps) *Ops { return &Ops{d: d} }

// Store is the records store the operations work on, for the pages that
// show what the forms change.
func (o *Ops) Store() store.Store { return o.d.Store }

// Blobs is the blob store of originals and renditions.
func (o *Ops) Blobs() blob.Store { return o.d.Blobs }

// Refused is the error of a decision a workflow refused (four eyes,
// wrong stage, not the assignee): 409 with the workflow's own words, e.g.
// "Sie haben bereits die sachliche Richtigkeit bestätigt".
func Refused(reason string) *Error {
	return Errorf(http.StatusConflict, "refused", "%s", reason)
}

// Closed is the error of a decision sent to a workflow that has ended.
func Closed() *Error {
	return Errorf(http.StatusConflict, "closed", "Dieser Vorgang ist bereits abgeschlossen.")
}

// noCommands answers a write when the server has no way into the
// running system (Deps.Commands nil).
func noCommands() error {
	return unavailable("Diese Aktion")
}
