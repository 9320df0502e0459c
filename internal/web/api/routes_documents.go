package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// Entry is a register entry with its number (which records.RegisterEntry
// keeps out of JSON).
type Entry struct {
	records.RegisterEntry
	Number string `json:"number"` // Eingangsnummer, e.g. 2026-000123
}

func entryOf(e records.RegisterEntry) Entry {
	return Entry{RegisterEntry: e, Number: e.Number.String()}
}

// Document is everything known about one document.
type Document struct {
	Entry      Entry                 `json:"entry"`
	Meta       *records.DocumentMeta `json:"meta,omitempty"` // nil until extraction ran
	Renditions []records.Rendition   `json:"renditions"`
	Filings    []records.Filing      `json:"filings"`
	InvoiceID  *int64                `json:"invoice_id,omitempty"`
	// Units are the units the document belongs to (routed to, filed in);
	// "-" when none.
	Units []string `json:"units"`
}

// QuarantineEntry is a quarantined envelope without its raw bytes.
type QuarantineEntry struct {
	ID          int64      `json:"id"`
	Reason      string     `json:"reason"`
	Message     string     `json:"message"`
	Subject     string     `json:"subject"`
	SHA256      string     `json:"sha256,omitempty"`
	PayloadSize int        `json:"payload_size"`
	CreatedAt   time.Time  `json:"created_at"`
	RetriedAt   *time.Time `json:"retried_at,omitempty"`
	RetryCount  int        `json:"retry_count"`
}

// SearchResult is a page of search hits.
type SearchResult struct {
	Items []store.SearchHit `json:"items"`
	// Total counts the matches up to store.MaxSearchTotal; Capped says
	// that it is not exact.
	Total  int  `json:"total"`
	Capped bool `json:"capped,omitempty"`
	Limit  int  `json:"limit"`
	Offset int  `json:"offset"`
}

var pageParams = []Param{
	{Name: "limit", Type: "integer", Description: "Einträge je Seite (1–500, Standard 50)"},
	{Name: "offset", Type: "integer", Description: "Anzahl übersprungener Einträge"},
}

func withPage(ps ...Param) []Param { return append(ps, pageParams...) }

func (h *handlers) documentRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/register", Action: auth.ActRegisterRead, Tag: "Posteingang",
			Summary: "Posteingangsbuch auflisten (neueste zuerst)",
			Query: withPage(
				Param{Name: "year", Type: "integer", Description: "Registerjahr"},
				Param{Name: "source", Description: "Eingangskanal, z. B. scan, email"},
				Param{Name: "status", Description: "Bearbeitungsstand"}),
			Response: List[Entry]{}, Handle: h.register},
		{Method: "GET", Path: "/api/documents/{id}", Action: auth.ActDocumentRead, Tag: "Dokumente",
			Summary:  "Ein Dokument mit Metadaten, Fassungen und Ablagen (id: SHA-256 oder Eingangsnummer)",
			Units:    h.documentUnitsOf,
			Response: Document{}, Handle: h.document},
		{Method: "GET", Path: "/api/documents/{id}/content", Action: auth.ActDocumentDownload, Tag: "Dokumente",
			Summary: "Original oder Fassung eines Dokuments herunterladen (wird protokolliert)",
			Query:   []Param{{Name: "rendition", Description: "original (Standard), archival-pdf, text oder eine andere vorhandene Fassung"}},
			Units:   h.documentUnitsOf, Handle: h.content},
		{Method: "GET", Path: "/api/quarantine", Action: auth.ActQuarantineRead, Tag: "Posteingang",
			Summary: "Quarantäne auflisten (nicht einlieferbare Sendungen)",
			Query: withPage(
				Param{Name: "all", Type: "boolean", Description: "auch bereits erneut eingelieferte"},
				Param{Name: "reason", Description: "nur dieser Grund"}),
			Response: List[QuarantineEntry]{}, Handle: h.quarantine},
		{Method: "GET", Path: "/api/search", Action: auth.ActSearch, Tag: "Suche",
			Summary: "Volltextsuche über die Dokumente, die Sie sehen dürfen (wird protokolliert)",
			Query: withPage(
				Param{Name: "q", Description: "Suchwörter; \"Phrase\", -ausschließen, OR"},
				Param{Name: "type", Description: "Dokumentart"},
				Param{Name: "unit", Description: "Organisationseinheit"},
				Param{Name: "file", Description: "Aktenzeichen"},
				Param{Name: "sender", Description: "Absender enthält"},
				Param{Name: "from", Description: "Datum ab (JJJJ-MM-TT)"},
				Param{Name: "to", Description: "Datum bis (JJJJ-MM-TT)"}),
			Response: SearchResult{}, Handle: h.search},
	}
}

func (h *handlers) register(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	limit, offset, err := PageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.EntryFilter{Status: records.Status(q.Get("status")), Limit: limit, Offset: offset}
	if v := q.Get("year"); v != "" {
		if f.Year, err = strconv.Atoi(v); err != nil {
			return Errorf(http.StatusBadRequest, "bad_year", "year muss eine Jahreszahl sein.")
		}
	}
	if v := q.Get("source"); v != "" {
		if f.Source, err = records.ParseSource(v); err != nil {
			return Errorf(http.StatusBadRequest, "bad_source", "Unbekannter Eingangskanal %q.", v)
		}
	}
	entries, err := h.d.Store.Entries(r.Context(), f)
	if err != nil {
		return badInput(err)
	}
	total, err := h.d.Store.CountEntries(r.Context(), f)
	if err != nil {
		return badInput(err)
	}
	items := make([]Entry, len(entries))
	for i, e := range entries {
		items[i] = entryOf(e)
	}
	WriteList(w, r, List[Entry]{Items: items, Total: total, Limit: limit, Offset: offset})
	return nil
}

// findEntry reads the {id} of a document path: a SHA-256 or a register
// number.
func (h *handlers) findEntry(r *http.Request) (records.RegisterEntry, error) {
	key := r.PathValue("id")
	var e records.RegisterEntry
	var err error
	if blob.ValidDigest(strings.ToLower(key)) {
		e, err = h.d.Store.EntryBySHA256(r.Context(), strings.ToLower(key))
	} else {
		n, perr := records.ParseRegisterNumber(key)
		if perr != nil {
			return e, Errorf(http.StatusBadRequest, "bad_id", "Ein Dokument wird mit seiner SHA-256 oder seiner Eingangsnummer (JJJJ-NNNNNN) benannt.")
		}
		e, err = h.d.Store.EntryByNumber(r.Context(), n)
	}
	return e, notFound(err, "Dieses Dokument gibt es nicht.")
}

func (h *handlers) documentUnitsOf(r *http.Request) ([]string, error) {
	e, err := h.findEntry(r)
	if err != nil {
		return nil, err
	}
	return DocumentUnits(r.Context(), h.d.Store, e.SHA256)
}

func (h *handlers) document(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ctx := r.Context()
	e, err := h.findEntry(r)
	if err != nil {
		return err
	}
	doc := Document{Entry: entryOf(e)}
	if meta, err := h.d.Store.DocumentMeta(ctx, e.SHA256); err == nil {
		doc.Meta = &meta
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if doc.Renditions, err = h.d.Store.Renditions(ctx, e.SHA256); err != nil {
		return err
	}
	if doc.Filings, err = h.d.Store.FilingsOf(ctx, e.SHA256); err != nil {
		return err
	}
	if inv, err := h.d.Store.InvoiceByDocument(ctx, e.SHA256); err == nil {
		doc.InvoiceID = &inv.ID
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if doc.Units, err = DocumentUnits(ctx, h.d.Store, e.SHA256); err != nil {
		return err
	}
	if doc.Renditions == nil {
		doc.Renditions = []records.Rendition{}
	}
	if doc.Filings == nil {
		doc.Filings = []records.Filing{}
	}
	if err := h.logRead(r, p, audit.ActionDocumentRead, "document", e.SHA256, nil, nil); err != nil {
		return err
	}
	WriteJSON(w, r, doc, contentETag(doc))
	return nil
}

// renditionSuffix names downloaded renditions after the register number.
var renditionSuffix = map[records.RenditionKind]string{
	records.RenditionArchivalPDF:   "-pdfa.pdf",
	records.RenditionText:          ".txt",
	records.RenditionInvoiceXML:    "-rechnung.xml",
	records.RenditionInvoiceReport: "-pruefbericht.json",
	records.RenditionInvoiceView:   "-rechnung.pdf",
}

// RenditionName is the file name a rendition of entry e is downloaded
// under, by the API and by the web pages.
func RenditionName(e records.RegisterEntry, k records.RenditionKind) string {
	return e.Number.String() + renditionSuffix[k]
}

// content streams the original or a rendition. The download is in the
// audit trail, with the caller as actor, before the first byte is sent;
// a conditional request the client already holds (If-None-Match) sends
// nothing and is not a download.
func (h *handlers) content(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ctx := r.Context()
	e, err := h.findEntry(r)
	if err != nil {
		return err
	}
	kind := r.URL.Query().Get("rendition")
	if kind == "" {
		kind = "original"
	}
	digest, mediaType, size, name := e.SHA256, e.MediaType, e.Size, e.OriginalName
	if kind != "original" {
		rends, err := h.d.Store.Renditions(ctx, e.SHA256)
		if err != nil {
			return err
		}
		have := []string{"original"}
		digest = ""
		for _, rd := range rends {
			have = append(have, string(rd.Kind))
			if string(rd.Kind) == kind {
				digest, mediaType, size = rd.BlobSHA256, rd.MediaType, rd.Size
				name = RenditionName(e, rd.Kind)
			}
		}
		if digest == "" {
			return Errorf(http.StatusNotFound, "no_rendition", "Dieses Dokument hat keine Fassung %q (vorhanden: %s).", kind, strings.Join(have, ", "))
		}
	}
	etag := ETag(digest)
	if matchesETag(r.Header.Get("If-None-Match"), etag) {
		w.Header().Set("ETag", etag)
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	rc, err := h.d.Blobs.Open(ctx, digest)
	if err != nil {
		return notFound(err, "Die Fassung %s fehlt im Ablagespeicher.", kind)
	}
	defer func() { _ = rc.Close() }()
	if err := h.logRead(r, p, audit.ActionDocumentDownloaded, "document", e.SHA256,
		map[string]any{"rendition": kind, "sha256": digest, "size": size}, nil); err != nil {
		return err
	}
	w.Header().Set("Content-Type", cmpOr(mediaType, "application/octet-stream"))
	if name != "" {
		w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name}))
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if _, err := io.Copy(w, rc); err != nil {
		// The headers are out; the response cannot carry an error any more.
		h.log().Error("download interrupted", "document", e.SHA256, "rendition", kind, "blob", digest, "error", err)
	}
	return nil
}

func (h *handlers) quarantine(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	limit, offset, err := PageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.QuarantineFilter{All: q.Get("all") == "true" || q.Get("all") == "1", Reason: q.Get("reason"), Limit: limit, Offset: offset}
	items, err := h.d.Store.Quarantined(r.Context(), f)
	if err != nil {
		return err
	}
	total, err := h.d.Store.CountQuarantined(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]QuarantineEntry, len(items))
	for i, it := range items {
		out[i] = QuarantineEntry{ID: it.ID, Reason: it.Reason, Message: it.Message, Subject: it.Subject, SHA256: it.SHA256,
			PayloadSize: len(it.Payload), CreatedAt: it.CreatedAt, RetriedAt: it.RetriedAt, RetryCount: it.RetryCount}
	}
	WriteList(w, r, List[QuarantineEntry]{Items: out, Total: total, Limit: limit, Offset: offset})
	return nil
}

// Viewer is whose eyes a search takes: everything for a principal whose
// document reading reaches all units, else the principal's units.
func Viewer(p auth.Principal) store.Viewer {
	all, units := p.Reach(auth.ActDocumentRead)
	return store.Viewer{All: all, Units: units}
}

// SearchDetails is what the audit trail keeps of a search in the open:
// which scope was searched and how much was found.
func SearchDetails(sq store.SearchQuery, res store.SearchResult) map[string]any {
	details := map[string]any{"hits": res.Total, "scope": "units"}
	if sq.Viewer.All {
		details["scope"] = "all"
	} else {
		details["units"] = append([]string{}, sq.Viewer.Units...)
	}
	return details
}

// SearchPersonal are the words and filter values of a search, which may
// name a citizen: personal data in the audit trail. Empty when nothing
// was asked.
func SearchPersonal(sq store.SearchQuery) map[string]any {
	personal := map[string]any{}
	for k, val := range map[string]string{"query": sq.Text, "type": sq.Type, "unit": sq.Unit, "file": sq.FileNumber,
		"sender": sq.Sender, "from": sq.From, "to": sq.To} {
		if val != "" {
			personal[k] = val
		}
	}
	return personal
}

func (h *handlers) search(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	limit, offset, err := PageOf(r)
	if err != nil {
		return err
	}
	v := r.URL.Query()
	sq := store.SearchQuery{Text: v.Get("q"), Type: v.Get("type"), Unit: v.Get("unit"), FileNumber: v.Get("file"),
		Sender: v.Get("sender"), From: v.Get("from"), To: v.Get("to"), Viewer: Viewer(p), Limit: limit, Offset: offset}
	res, err := h.d.Store.Search(r.Context(), sq)
	if err != nil {
		return badInput(err)
	}
	details, personal := SearchDetails(sq, res), SearchPersonal(sq)
	var pers any
	if len(personal) > 0 {
		pers = personal
	}
	if err := h.logRead(r, p, audit.ActionSearch, "search", p.Login, details, pers); err != nil {
		return err
	}
	out := SearchResult{Items: res.Hits, Total: res.Total, Capped: res.Capped, Limit: limit, Offset: offset}
	if out.Items == nil {
		out.Items = []store.SearchHit{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
