package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// FileDetail is a file with its processes and the documents filed in it.
type FileDetail struct {
	File      records.File      `json:"file"`
	Processes []records.Process `json:"processes"`
	Filings   []records.Filing  `json:"filings"`
}

func (h *handlers) eakteRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/files", Action: auth.ActFileRead, Tag: "Akten",
			Summary: "Akten auflisten, die Sie einsehen dürfen",
			Query: withPage(
				Param{Name: "plan", Description: "Aktenplankennzeichen (mit allem darunter)"},
				Param{Name: "unit", Description: "federführende Organisationseinheit"},
				Param{Name: "status", Description: "open oder closed"}),
			Response: List[records.File]{}, Handle: h.files},
		{Method: "GET", Path: "/api/files/{number}", Action: auth.ActFileRead, Tag: "Akten",
			Summary: "Eine Akte mit Vorgängen und Dokumenten (Aktenzeichen URL-kodiert, / als %2F; wird protokolliert)",
			Units:   h.fileUnitsOf, Response: FileDetail{}, Handle: h.file},
		{Method: "GET", Path: "/api/tasks", Action: auth.ActTaskRead, Tag: "Aufgaben",
			Summary: "Aufgaben auflisten, die Sie einsehen dürfen",
			Query: withPage(
				Param{Name: "unit", Description: "Posteingang dieser Organisationseinheit"},
				Param{Name: "assignee", Description: "bearbeitet von (Anmeldename)"},
				Param{Name: "status", Description: "open, claimed, follow-up, done, forwarded; mehrere durch Komma getrennt"}),
			Response: List[records.Task]{}, Handle: h.tasks},
		{Method: "GET", Path: "/api/tasks/{id}", Action: auth.ActTaskRead, Tag: "Aufgaben",
			Summary: "Eine Aufgabe", Units: h.taskUnitsOf, Response: records.Task{}, Handle: h.task},
		{Method: "GET", Path: "/api/triage", Action: auth.ActTriageRead, Tag: "Klärung",
			Summary:  "Klärungsfälle auflisten (älteste zuerst)",
			Query:    withPage(Param{Name: "all", Type: "boolean", Description: "auch entschiedene"}),
			Response: List[records.TriageItem]{}, Handle: h.triage},
	}
}

func (h *handlers) files(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	limit, offset, err := PageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.FileFilter{PlanCode: q.Get("plan"), Unit: q.Get("unit"), Status: records.FileStatus(q.Get("status"))}
	// The store narrows to the units a caller with an own-units grant may
	// read; a file of no unit is read only with a grant for all.
	if all, units := p.Reach(auth.ActFileRead); !all {
		if len(units) == 0 {
			WriteList(w, r, List[records.File]{Limit: limit, Offset: offset})
			return nil
		}
		f.Units = units
	}
	l, err := storePage(limit, offset, func(limit, offset int) ([]records.File, error) {
		f.Limit, f.Offset = limit, offset
		return h.d.Store.Files(r.Context(), f)
	}, func() (int, error) { return h.d.Store.CountFiles(r.Context(), f) })
	if err != nil {
		return badInput(err)
	}
	WriteList(w, r, l)
	return nil
}

// storePage reads one page of a listing and the number of all its
// matches from the store: with 10,000 tasks in an inbox, reading every
// row to cut out fifty is what made a listing slow (bench web).
func storePage[T any](limit, offset int, fetch func(limit, offset int) ([]T, error), count func() (int, error)) (List[T], error) {
	items, err := fetch(limit, offset)
	if err != nil {
		return List[T]{}, err
	}
	total, err := count()
	if err != nil {
		return List[T]{}, err
	}
	return List[T]{Items: items, Total: total, Limit: limit, Offset: offset}, nil
}

func (h *handlers) findFile(r *http.Request) (records.File, error) {
	number := r.PathValue("number")
	f, err := h.d.Store.FileByNumber(r.Context(), number)
	return f, notFound(err, "Eine Akte mit diesem Aktenzeichen gibt es nicht.")
}

func (h *handlers) fileUnitsOf(r *http.Request) ([]string, error) {
	f, err := h.findFile(r)
	if err != nil {
		return nil, err
	}
	return OrNoUnit(f.Unit), nil
}

func (h *handlers) file(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	f, err := h.findFile(r)
	if err != nil {
		return err
	}
	d := FileDetail{File: f}
	if d.Processes, err = h.d.Store.Processes(r.Context(), f.ID); err != nil {
		return err
	}
	if d.Filings, err = h.d.Store.Filings(r.Context(), f.ID); err != nil {
		return err
	}
	if d.Processes == nil {
		d.Processes = []records.Process{}
	}
	if d.Filings == nil {
		d.Filings = []records.Filing{}
	}
	if err := h.logRead(r, p, audit.ActionFileRead, "file", f.Number, nil, nil); err != nil {
		return err
	}
	WriteJSON(w, r, d, contentETag(d))
	return nil
}

func (h *handlers) tasks(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	limit, offset, err := PageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.TaskFilter{Assignee: q.Get("assignee")}
	if v := q.Get("status"); v != "" {
		for s := range strings.SplitSeq(v, ",") {
			f.Status = append(f.Status, records.TaskStatus(strings.TrimSpace(s)))
		}
	}
	// The store narrows by unit: to the one asked for, and for a caller
	// whose grant is the own units, to those.
	units := []string{}
	if u := q.Get("unit"); u != "" {
		units = []string{u}
	}
	if !allUnits(p, auth.ActTaskRead) {
		var own []string
		for _, u := range p.Units {
			if len(units) == 0 || units[0] == u {
				own = append(own, u)
			}
		}
		units = own
		if len(units) == 0 {
			WriteList(w, r, List[records.Task]{Limit: limit, Offset: offset})
			return nil
		}
	}
	f.Units = units
	l, err := storePage(limit, offset, func(limit, offset int) ([]records.Task, error) {
		f.Limit, f.Offset = limit, offset
		return h.d.Store.Tasks(r.Context(), f)
	}, func() (int, error) { return h.d.Store.CountTasks(r.Context(), f) })
	if err != nil {
		return badInput(err)
	}
	WriteList(w, r, l)
	return nil
}

func (h *handlers) findTask(r *http.Request) (records.Task, error) {
	t, err := h.d.Store.Task(r.Context(), r.PathValue("id"))
	return t, notFound(err, "Diese Aufgabe gibt es nicht.")
}

func (h *handlers) taskUnitsOf(r *http.Request) ([]string, error) {
	t, err := h.findTask(r)
	if err != nil {
		return nil, err
	}
	return OrNoUnit(t.Unit), nil
}

func (h *handlers) task(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	t, err := h.findTask(r)
	if err != nil {
		return err
	}
	WriteJSON(w, r, t, ETag(strconv.FormatInt(t.Version, 10)))
	return nil
}

func (h *handlers) triage(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	limit, offset, err := PageOf(r)
	if err != nil {
		return err
	}
	v := r.URL.Query().Get("all")
	withDecided := v == "true" || v == "1"
	l, err := storePage(limit, offset, func(limit, offset int) ([]records.TriageItem, error) {
		return h.d.Store.TriageItems(r.Context(), withDecided, limit, offset)
	}, func() (int, error) { return h.d.Store.CountTriage(r.Context(), withDecided) })
	if err != nil {
		return err
	}
	WriteList(w, r, l)
	return nil
}
