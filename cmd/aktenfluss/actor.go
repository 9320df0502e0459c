package main

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// cliActor is who the audit trail names for an act done through the CLI:
// the login name given with --as, otherwise the operating-system account
// that ran the command, marked "cli:" so it is not mistaken for a login.
func cliActor(as string) string {
	if as != "" {
		return as
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	if name := os.Getenv("USER"); name != "" {
		return "cli:" + name
	}
	return "cli:unbekannt"
}

// recordEvent appends one act of a person to the audit trail. A read is
// recorded before anything is shown: when this fails the command fails,
// since an unlogged read must not happen. personal holds what may have to
// be erased later (search words, titles naming a citizen).
func recordEvent(ctx context.Context, s store.AuditTrail, actor, action, objectType, objectID string, details, personal any) error {
	ev, err := audit.NewEvent(time.Now(), actor, action, objectType, objectID, details, personal)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	if _, err := s.AppendEvent(ctx, ev); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// recordEventOn appends one act that concerns several objects (a document
// filed is an event of the document and of the file) in one transaction.
// The events share time, actor and details, so the auditor's report shows
// them as one entry naming all objects.
func recordEventOn(ctx context.Context, s store.AuditTrail, actor, action string, objects [][2]string, details, personal any) error {
	at := time.Now()
	evs := make([]store.AuditEvent, 0, len(objects))
	for _, o := range objects {
		ev, err := audit.NewEvent(at, actor, action, o[0], o[1], details, personal)
		if err != nil {
			return fmt.Errorf("audit %s: %w", action, err)
		}
		evs = append(evs, ev)
	}
	if _, err := s.AppendEvents(ctx, evs); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
