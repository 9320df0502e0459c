// Package api is the frame of the REST API: a route table that is the one
// source for the mux, the OpenAPI 3 document and the authorisation matrix
// test; the access check of every route through internal/auth; one error
// shape; pagination; ETags against lost updates.
//
// Every route names the auth.Action it needs and how to find the units of
// the resource it touches. The frame checks the action before the handler
// runs, so no handler can forget it, and logs an auditor's reads.
package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/aktenfluss/aktenfluss/internal/auth"
)

// Route is one endpoint.
type Route struct {
	Method  string      // GET, POST, PUT, PATCH, DELETE
	Path    string      // a net/http pattern path, e.g. "/api/documents/{id}"
	Action  auth.Action // what the caller must be allowed to do
	Summary string      // German, for the OpenAPI document
	Tag     string      // group in the OpenAPI document
	Query   []Param     // query parameters
	// Body and Response are values of the request and response types; the
	// OpenAPI schemas are derived from their types. Nil: none.
	Body, Response any
	// Units returns the units of the resource the request touches, so the
	// access check can ask whether they are the caller's. Nil: the route
	// is not bound to a unit (a listing the handler narrows to the
	// caller's units, a search).
	Units func(r *http.Request) ([]string, error)
	// Handle serves an allowed request. A returned *Error is sent as it
	// is; any other error is a 500 whose detail goes only to the log.
	Handle func(w http.ResponseWriter, r *http.Request, p auth.Principal) error
}

// Param is a query parameter.
type Param struct {
	Name, Type, Description string // Type: string, integer, boolean
	Required                bool
}

// API serves a route table.
type API struct {
	Title, Version string
	Routes         []Route
	// Principal is who sends the request; false: nobody is logged in.
	Principal func(r *http.Request) (auth.Principal, bool)
	// AuditRead logs a read by someone whose reads are audited (auditors);
	// the request fails if it cannot be logged.
	AuditRead func(r *http.Request, p auth.Principal, rt Route) error
	// Log receives the detail of internal errors; nil: dropped.
	Log func(r *http.Request, err error)
}

// Mount registers the routes and GET /api/openapi.json on mux.
func (a *API) Mount(mux *http.ServeMux) error {
	seen := map[string]bool{}
	for _, rt := range a.Routes {
		key := rt.Method + " " + rt.Path
		if seen[key] {
			return fmt.Errorf("api: route %s twice", key)
		}
		if !rt.Action.Valid() || rt.Handle == nil || rt.Summary == "" {
			return fmt.Errorf("api: route %s needs a valid action, a handler and a summary", key)
		}
		seen[key] = true
		mux.Handle(key, a.wrap(rt))
	}
	doc, err := a.OpenAPI()
	if err != nil {
		return err
	}
	mux.HandleFunc("GET /api/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	})
	return nil
}

func (a *API) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := a.Principal(r)
		if !ok {
			a.fail(w, r, Errorf(http.StatusUnauthorized, "unauthenticated", "Bitte melden Sie sich an."))
			return
		}
		var units []string
		if rt.Units != nil {
			var err error
			if units, err = rt.Units(r); err != nil {
				a.fail(w, r, err)
				return
			}
		}
		if d := auth.Decide(p, rt.Action, auth.Resource{Units: units}); !d.Allowed {
			a.fail(w, r, Errorf(http.StatusForbidden, "forbidden", "%s", d.Reason))
			return
		}
		if a.AuditRead != nil && auth.AuditedRead(p, rt.Action) {
			if err := a.AuditRead(r, p, rt); err != nil {
				a.fail(w, r, err)
				return
			}
		}
		if err := rt.Handle(w, r, p); err != nil {
			a.fail(w, r, err)
		}
	})
}

// Error is an error the client is told about.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`    // machine-readable, e.g. "not_found"
	Message string `json:"message"` // German, for the person
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf makes an *Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// errorBody is the one shape of every error response.
type errorBody struct {
	Error *Error `json:"error"`
}

func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		if a.Log != nil {
			a.Log(r, err)
		}
		e = Errorf(http.StatusInternalServerError, "internal", "Interner Fehler; bitte später erneut versuchen.")
	}
	WriteError(w, e)
}

// WriteError sends e in the one error shape, also for refusals that come
// before the API (the login layer in internal/web).
func WriteError(w http.ResponseWriter, e *Error) {
	writeJSON(w, e.Status, errorBody{e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// ---- pagination -----------------------------------------------------------------

// Page limits.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// List is a page of a listing.
type List[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"` // all matches, not only this page
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// PageOf reads ?limit= and ?offset=.
func PageOf(r *http.Request) (limit, offset int, err error) {
	limit, offset = DefaultLimit, 0
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > MaxLimit {
			return 0, 0, Errorf(http.StatusBadRequest, "bad_limit", "limit muss zwischen 1 und %d liegen.", MaxLimit)
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, Errorf(http.StatusBadRequest, "bad_offset", "offset muss eine Zahl ab 0 sein.")
		}
	}
	return limit, offset, nil
}

// WriteList sends a page with a Link header to the next one, if any.
func WriteList[T any](w http.ResponseWriter, r *http.Request, l List[T]) {
	if l.Items == nil {
		l.Items = []T{}
	}
	if next := l.Offset + len(l.Items); next < l.Total {
		u := *r.URL
		q := u.Query()
		q.Set("offset", strconv.Itoa(next))
		q.Set("limit", strconv.Itoa(l.Limit))
		u.RawQuery = q.Encode()
		w.Header().Set("Link", "<"+u.RequestURI()+`>; rel="next"`)
	}
	writeJSON(w, http.StatusOK, l)
}

// ---- ETags ----------------------------------------------------------------------

// ETag quotes a version or digest as a strong entity tag.
func ETag(version string) string { return `"` + version + `"` }

// WriteJSON sends v with its entity tag; a matching If-None-Match gets
// 304 Not Modified without a body.
func WriteJSON(w http.ResponseWriter, r *http.Request, v any, etag string) {
	if etag != "" {
		w.Header().Set("ETag", etag)
		if matchesETag(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	writeJSON(w, http.StatusOK, v)
}

// RequireIfMatch guards a change against a lost update: the request must
// name the version it changes (the If-Match header's value, or the
// version a page's form carried); 428 without, 412 when the resource has
// changed since.
func RequireIfMatch(ifMatch, current string) error {
	if ifMatch == "" {
		return Errorf(http.StatusPreconditionRequired, "if_match_required", "Bitte die Version angeben, die Sie ändern (If-Match).")
	}
	if !matchesETag(ifMatch, current) {
		return Errorf(http.StatusPreconditionFailed, "changed", "Der Datensatz wurde inzwischen geändert; bitte neu laden.")
	}
	return nil
}

func matchesETag(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
