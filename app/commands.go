package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
)

// commands carries out the write side of the API and the pages over the
// process's NATS and Temporal connections (api.Commands).
type commands struct {
	d *Deps
	// pub is one publisher for all uploads, so the object store is looked
	// up once, not per upload; nil without NATS.
	pub *intake.Publisher
}

var _ api.Commands = commands{}

func newCommands(d *Deps) commands {
	c := commands{d: d}
	if d.JS != nil {
		c.pub = d.Publisher()
	}
	return c
}

func (c commands) Publish(ctx context.Context, req intake.PublishRequest) (intake.Envelope, error) {
	if c.pub == nil {
		return intake.Envelope{}, errors.New("upload: no NATS connection")
	}
	return c.pub.Publish(ctx, req)
}

func (c commands) Requeue(ctx context.Context, item store.QuarantineItem) error {
	if c.d.JS == nil {
		return errors.New("quarantine retry: no NATS connection")
	}
	if err := intake.Requeue(ctx, c.d.JS, intake.QuarantineItem(item)); err != nil {
		return err
	}
	return c.d.Store.MarkQuarantineRetried(ctx, item.ID, time.Now())
}

func (c commands) Update(ctx context.Context, workflowID, update string, arg, result any) error {
	if c.d.Temporal == nil {
		return errors.New("workflow update: no Temporal connection")
	}
	return UpdateWorkflow(ctx, c.d.Temporal, workflowID, update, arg, result)
}

// UpdateWorkflow sends a human decision to a running workflow and waits
// for its outcome. A refusal by the update's validator (wrong person,
// already decided) is api.Refused in the words the workflow chose; a
// workflow that has ended is api.Closed.
func UpdateWorkflow(ctx context.Context, c client.Client, workflowID, update string, arg, result any) error {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateName: update, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, result)
	}
	var appErr *temporal.ApplicationError
	var notFound *serviceerror.NotFound
	switch {
	case err == nil:
		return nil
	case errors.As(err, &appErr):
		return api.Refused(appErr.Message())
	case errors.As(err, &notFound):
		return api.Closed()
	}
	return fmt.Errorf("update %s of %s: %w", update, workflowID, err)
}
