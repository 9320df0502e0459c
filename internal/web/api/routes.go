package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// Deps is what the endpoints need. Store and Blobs are required.
type Deps struct {
	Store store.Store
	Blobs blob.Store
	// Timeline builds an auditor's report of a file, document or invoice
	// (kind "file", "document", "invoice"); actor is the login asking.
	// Nil: GET /api/audit/timeline answers 503.
	Timeline func(ctx context.Context, kind, id, actor string) (audit.Report, error)
	// Verify checks the whole audit chain. Nil: GET /api/audit/verify
	// answers 503.
	Verify func(ctx context.Context) (audit.Result, error)
	// Numbers lays out the Aktenzeichen of files opened by hand.
	Numbers records.FileNumberFormat
	// Commands carries out the write side (uploads, quarantine retries,
	// workflow updates). Nil: those routes answer 503.
	Commands Commands
	// Log receives what goes wrong after a download has started sending
	// (the response cannot carry an error any more); nil: slog.Default().
	Log *slog.Logger
}

// NoUnit is auth.NoUnit: the unit of things routed to no unit.
const NoUnit = auth.NoUnit

// Routes is the route table of the read side of the REST API: the
// register, documents and their contents, quarantine, files, tasks,
// triage, invoices, search, the audit trail and the read side of
// administration. Each route names its action; routes about one object
// resolve the object's units for the access check, listings are narrowed
// to what the caller may read item by item.
func Routes(d Deps) []Route {
	h := &handlers{d: d, ops: NewOps(d)}
	var out []Route
	out = append(out, h.documentRoutes()...)
	out = append(out, h.eakteRoutes()...)
	out = append(out, h.invoiceRoutes()...)
	out = append(out, h.adminRoutes()...)
	out = append(out, h.workRoutes()...)
	out = append(out, h.mailroomRoutes()...)
	out = append(out, h.adminWriteRoutes()...)
	return out
}

// handlers holds the dependencies of the route handlers.
type handlers struct {
	d   Deps
	ops *Ops
}

func (h *handlers) log() *slog.Logger {
	if h.d.Log != nil {
		return h.d.Log
	}
	return slog.Default()
}

// ---- units ----------------------------------------------------------------------

// OrNoUnit returns units without empty and repeated codes, or NoUnit when
// nothing is left: an object bound to no unit is not thereby free for all.
func OrNoUnit(units ...string) []string {
	var out []string
	for _, u := range units {
		if u != "" && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	if len(out) == 0 {
		return []string{NoUnit}
	}
	slices.Sort(out)
	return out
}

// allUnits reports whether p may do a for things of every unit (a grant
// with ScopeAll): asked with NoUnit, which no principal belongs to.
func allUnits(p auth.Principal, a auth.Action) bool {
	return auth.Decide(p, a, auth.Resource{Units: []string{NoUnit}}).Allowed
}

// UnitSource is what DocumentUnits reads: the store, or the part of it
// the web pages hold.
type UnitSource interface {
	DocumentMeta(ctx context.Context, documentSHA256 string) (records.DocumentMeta, error)
	FilingsOf(ctx context.Context, documentSHA256 string) ([]records.Filing, error)
	File(ctx context.Context, id int64) (records.File, error)
}

// DocumentUnits are the units a document belongs to: the unit it was
// routed to and the units of the files it is filed in. The API and the
// web pages both check a document's access with it.
func DocumentUnits(ctx context.Context, src UnitSource, sha string) ([]string, error) {
	var units []string
	meta, err := src.DocumentMeta(ctx, sha)
	switch {
	case err == nil:
		units = append(units, meta.Unit)
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	filings, err := src.FilingsOf(ctx, sha)
	if err != nil {
		return nil, err
	}
	for _, fl := range filings {
		f, err := src.File(ctx, fl.FileID)
		if err != nil {
			return nil, err
		}
		units = append(units, f.Unit)
	}
	return OrNoUnit(units...), nil
}

// ---- errors -----------------------------------------------------------------------

// notFound turns the store's ErrNotFound into the client's 404 and passes
// every other error on.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, blob.ErrNotFound) {
		return Errorf(http.StatusNotFound, "not_found", format, args...)
	}
	return err
}

// badInput turns the store's ErrInvalid into a 400.
func badInput(err error) error {
	if errors.Is(err, store.ErrInvalid) {
		return Errorf(http.StatusBadRequest, "bad_request", "Die Anfrage ist ungültig: %s", err.Error())
	}
	return err
}

func unavailable(what string) error {
	return Errorf(http.StatusServiceUnavailable, "unavailable", "%s ist in dieser Installation nicht verfügbar.", what)
}

// ---- audit of reads ---------------------------------------------------------------

// logRead appends a person's read to the audit trail before anything of
// the object is sent: a read that cannot be logged does not happen.
func (h *handlers) logRead(r *http.Request, p auth.Principal, action, objectType, objectID string, details map[string]any, personal any) error {
	if details == nil {
		details = map[string]any{}
	}
	details["via"] = "api"
	ev, err := audit.NewEvent(time.Now(), p.Login, action, objectType, objectID, details, personal)
	if err != nil {
		return err
	}
	_, err = h.d.Store.AppendEvent(r.Context(), ev)
	return err
}

// ---- listings -----------------------------------------------------------------------

// pageList cuts the page ?limit=&offset= out of all items.
func pageList[T any](r *http.Request, all []T) (List[T], error) {
	limit, offset, err := PageOf(r)
	if err != nil {
		return List[T]{}, err
	}
	start := min(offset, len(all))
	end := min(start+limit, len(all))
	return List[T]{Items: all[start:end], Total: len(all), Limit: limit, Offset: offset}, nil
}

// contentETag is the entity tag of a composed view: the SHA-256 of its
// JSON, so it changes whenever anything shown changes.
func contentETag(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return ETag(hex.EncodeToString(sum[:16]))
}
