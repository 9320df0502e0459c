package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
)

// The file pages: the Aktenplan, the files a person may read, one file
// with its processes and documents, and the full-text search. All read
// only; what a person sees is narrowed with auth.Decide, as in the API.

// fileHref is the path of a file's page: the Aktenzeichen holds "/",
// escaped as %2F so that it stays one path segment.
func fileHref(number string) string { return "/files/" + url.PathEscape(number) }

// ---- Aktenplan ------------------------------------------------------------

type planNodeView struct {
	records.PlanNode // with unit and retention inherited from above
	FilesHref        string
	Children         []planNodeView
}

type filePlanView struct {
	Layout layoutView
	Nodes  []planNodeView
}

func (s *Server) filePlanPage(w http.ResponseWriter, r *http.Request) {
	plan, err := s.Register.FilePlan(r.Context())
	if err != nil {
		s.fail(w, "file plan", err)
		return
	}
	var build func(nodes []records.PlanNode) []planNodeView
	build = func(nodes []records.PlanNode) []planNodeView {
		out := make([]planNodeView, 0, len(nodes))
		for _, n := range nodes {
			eff, _ := plan.Effective(n.Code)
			out = append(out, planNodeView{PlanNode: eff, FilesHref: "/files?plan=" + url.QueryEscape(n.Code), Children: build(n.Children)})
		}
		return out
	}
	s.render(w, "fileplan.html", filePlanView{Layout: s.layout(r, "Aktenplan"), Nodes: build(plan.Tree())})
}

// ---- Akten ----------------------------------------------------------------

type fileRow struct {
	records.File
	Href string
}

type filesView struct {
	Layout layoutView
	Files  []fileRow
	Total  int
	Page   int
	Pages  int
	Filter store.FileFilter
	Prev   string
	Next   string
}

func (s *Server) filesPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.FileFilter{PlanCode: q.Get("plan"), Unit: q.Get("unit"), Status: records.FileStatus(q.Get("status"))}
	if f.Status != "" && f.Status != records.FileOpen && f.Status != records.FileClosed {
		http.Error(w, "Unbekannter Status", http.StatusBadRequest)
		return
	}
	// The store narrows to the units the person may read, as for the API;
	// a file of no unit is read only with a grant for all units.
	if who, signedIn := PrincipalFrom(r.Context()); signedIn {
		all, units := who.Reach(auth.ActFileRead)
		if !all {
			if len(units) == 0 {
				units = []string{api.NoUnit}
			}
			f.Units = units
		}
	}
	total, err := s.Register.CountFiles(r.Context(), f)
	if err != nil {
		s.fail(w, "file count", err)
		return
	}
	page, _ := strconv.Atoi(q.Get("seite"))
	pages := max(1, (total+pageSize-1)/pageSize)
	page = min(max(page, 1), pages)
	f.Limit, f.Offset = pageSize, (page-1)*pageSize
	files, err := s.Register.Files(r.Context(), f)
	if err != nil {
		s.fail(w, "file list", err)
		return
	}
	view := filesView{Layout: s.layout(r, "Akten"), Total: total, Page: page, Pages: pages, Filter: f}
	for _, fl := range files {
		view.Files = append(view.Files, fileRow{File: fl, Href: fileHref(fl.Number)})
	}
	view.Prev, view.Next = pageLinks(r, page, pages)
	s.render(w, "files.html", view)
}

// pageLinks are the links to the pages before and after page, with the
// request's other parameters kept; "" where there is none.
func pageLinks(r *http.Request, page, pages int) (prev, next string) {
	link := func(p int) string {
		q := r.URL.Query()
		q.Set("seite", strconv.Itoa(p))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		prev = link(page - 1)
	}
	if page < pages {
		next = link(page + 1)
	}
	return prev, next
}

// fileUnits is the unit of the file named in the path; auth.NoUnit when
// there is no such file, so that whether it exists is told only to those
// who may read every file.
func (s *Server) fileUnits(r *http.Request) ([]string, error) {
	f, err := s.Register.FileByNumber(r.Context(), r.PathValue("number"))
	if errors.Is(err, store.ErrNotFound) {
		return []string{auth.NoUnit}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.OrNoUnit(f.Unit), nil
}

type filingRow struct {
	records.Filing
	Number  string // register number, "" when the document has no entry
	Process string
}

type fileView struct {
	Layout    layoutView
	File      records.File
	Plan      string // the plan position's title
	Processes []records.Process
	Filings   []filingRow
}

func (s *Server) filePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := s.Register.FileByNumber(ctx, r.PathValue("number"))
	if errors.Is(err, store.ErrNotFound) {
		http.Error(w, "Eine Akte mit diesem Aktenzeichen gibt es nicht.", http.StatusNotFound)
		return
	}
	if err != nil {
		s.fail(w, "file", err)
		return
	}
	view := fileView{Layout: s.layout(r, "Akte "+f.Number), File: f}
	if plan, err := s.Register.FilePlan(ctx); err != nil {
		s.fail(w, "file plan", err)
		return
	} else if n, ok := plan.Node(f.PlanCode); ok {
		view.Plan = n.Title
	}
	if view.Processes, err = s.Register.Processes(ctx, f.ID); err != nil {
		s.fail(w, "processes", err)
		return
	}
	processes := make(map[int64]string, len(view.Processes))
	for _, p := range view.Processes {
		processes[p.ID] = strconv.Itoa(p.Seq) + " – " + p.Title
	}
	filings, err := s.Register.Filings(ctx, f.ID)
	if err != nil {
		s.fail(w, "filings", err)
		return
	}
	for _, fl := range filings {
		row := filingRow{Filing: fl, Process: processes[fl.ProcessID]}
		e, err := s.Register.EntryBySHA256(ctx, fl.DocumentSHA256)
		switch {
		case err == nil:
			row.Number = e.Number.String()
		case !errors.Is(err, store.ErrNotFound):
			s.fail(w, "register entry of filing", err)
			return
		}
		view.Filings = append(view.Filings, row)
	}
	if err := s.logObjectRead(r, audit.ActionFileRead, "file", f.Number, nil, nil); err != nil {
		s.fail(w, "audit read", err)
		return
	}
	s.render(w, "file.html", view)
}

// logObjectRead appends a person's read of an object to the audit trail,
// before anything of it is sent; personal holds what may name a citizen.
func (s *Server) logObjectRead(r *http.Request, action, objectType, objectID string, details, personal map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	details["via"] = "web"
	if personal == nil {
		personal = map[string]any{}
	}
	personal["remote"] = clientAddr(r)
	ev, err := audit.NewEvent(time.Now(), actor(r.Context()), action, objectType, objectID, details, personal)
	if err != nil {
		return err
	}
	_, err = s.Register.AppendEvent(r.Context(), ev)
	return err
}

// ---- Suche ----------------------------------------------------------------

// searchPageSize is the number of hits per page.
const searchPageSize = 20

// searchTypes are the document types the search form offers.
var searchTypes = []struct{ Value, Label string }{
	{"letter", "Schreiben"},
	{"invoice", "Rechnung"},
	{"reminder", "Mahnung"},
	{"notice", "Bescheid"},
	{"other", "Sonstiges"},
}

// snippetPart is a piece of a hit's excerpt; Mark: a match. The template
// escapes each piece, so stored text never becomes markup.
type snippetPart struct {
	Text string
	Mark bool
}

// splitSnippet turns the store's match markers ([ and ]) into parts.
func splitSnippet(s string) []snippetPart {
	var out []snippetPart
	mark := false
	for s != "" {
		sep := "["
		if mark {
			sep = "]"
		}
		i := strings.Index(s, sep)
		if i < 0 {
			out = append(out, snippetPart{Text: s, Mark: mark})
			break
		}
		if i > 0 {
			out = append(out, snippetPart{Text: s[:i], Mark: mark})
		}
		s, mark = s[i+1:], !mark
	}
	return out
}

type searchHitView struct {
	store.SearchHit
	Number   string // register number, "" when the document has no entry
	FileHref string
	Snippet  []snippetPart
}

type searchView struct {
	Layout  layoutView
	Query   store.SearchQuery
	Types   []struct{ Value, Label string }
	Asked   bool
	Error   string
	Hits    []searchHitView
	Count   string // "3 Treffer", "mehr als 10.000 Treffer"
	Page    int
	Prev    string
	Next    string
	AllSeen bool // the person sees every unit's documents
}

// searchViewer is whose eyes a search takes, as in the API: everything
// for a person whose document reading reaches all units, else the own
// units they may read documents of.
func searchViewer(r *http.Request) store.Viewer {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		return store.Viewer{All: true} // without login, every page shows everything
	}
	return api.Viewer(p)
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	sq := store.SearchQuery{Text: strings.TrimSpace(v.Get("q")), Type: v.Get("type"), Unit: v.Get("unit"), FileNumber: v.Get("file"),
		Sender: v.Get("sender"), From: v.Get("from"), To: v.Get("to"), Viewer: searchViewer(r), Limit: searchPageSize}
	view := searchView{Layout: s.layout(r, "Suche"), Query: sq, Types: searchTypes, AllSeen: sq.Viewer.All}
	personal := api.SearchPersonal(sq)
	if len(personal) == 0 { // the empty form
		s.render(w, "search.html", view)
		return
	}
	view.Asked = true
	page, _ := strconv.Atoi(v.Get("seite"))
	page = max(page, 1)
	sq.Offset = (page - 1) * searchPageSize
	res, err := s.Register.Search(r.Context(), sq)
	if errors.Is(err, store.ErrInvalid) {
		view.Error = "Die Suche konnte so nicht ausgeführt werden. Bitte prüfen Sie die Angaben (Datum als JJJJ-MM-TT)."
		s.renderStatus(w, http.StatusBadRequest, "search.html", view)
		return
	}
	if err != nil {
		s.fail(w, "search", err)
		return
	}
	details := api.SearchDetails(sq, res)
	who := actor(r.Context())
	if err := s.logObjectRead(r, audit.ActionSearch, "search", who, details, personal); err != nil {
		s.fail(w, "audit search", err)
		return
	}
	for _, h := range res.Hits {
		hv := searchHitView{SearchHit: h, Snippet: splitSnippet(h.Snippet)}
		if h.FileNumber != "" {
			hv.FileHref = fileHref(h.FileNumber)
		}
		e, err := s.Register.EntryBySHA256(r.Context(), h.DocumentSHA256)
		switch {
		case err == nil:
			hv.Number = e.Number.String()
		case !errors.Is(err, store.ErrNotFound):
			s.fail(w, "register entry of hit", err)
			return
		}
		view.Hits = append(view.Hits, hv)
	}
	view.Count = hitCount(res)
	pages := max(1, (res.Total+searchPageSize-1)/searchPageSize)
	if len(res.Hits) < searchPageSize {
		pages = page
	}
	view.Page = page
	view.Prev, view.Next = pageLinks(r, page, pages)
	s.render(w, "search.html", view)
}

// hitCount says how much was found, in German: exact, an estimate, or
// "mehr als" where the store stopped counting.
func hitCount(res store.SearchResult) string {
	n := germanNumber(res.Total)
	switch {
	case res.Capped && res.Total >= store.MaxSearchTotal:
		return "mehr als " + n + " Treffer"
	case res.Capped:
		return "etwa " + n + " Treffer"
	case res.Total == 1:
		return "1 Treffer"
	}
	return n + " Treffer"
}

// germanNumber writes n with dots between thousands (10.000).
func germanNumber(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "." + s[i:]
	}
	return s
}
