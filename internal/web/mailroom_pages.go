package web

import (
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
)

// The mailroom's pages: the upload form for a scan batch, the batch's
// live status, and the retry of a quarantined envelope. The forms carry
// out the API's operations (api.Ops), so a form and its API call do the
// same.

// mailroomScript polls the batch's status (GET /api/uploads/status) and
// updates the batch page in place; the page works without it.
//
//go:embed mailroom.js
var mailroomScript []byte

// mailroomScriptPath is where the batch page loads the script from. It
// sits under /upload, so the page table guards it like the page.
const mailroomScriptPath = "/upload/mailroom.js"

func (s *Server) mailroomPages() []page {
	return []page{
		{"GET /upload", auth.ActDocumentUpload, nil, s.uploadPage},
		{"POST /upload", auth.ActDocumentUpload, nil, s.postUpload},
		{"GET /upload/batch", auth.ActDocumentUpload, nil, s.uploadBatchPage},
		{"GET " + mailroomScriptPath, auth.ActDocumentUpload, nil, s.serveMailroomScript},
		{"POST /quarantine/{id}/retry", auth.ActQuarantineRetry, nil, s.postQuarantineRetry},
	}
}

// principal is who acts through a form: the login, or actorWeb when the
// server runs without login.
func principal(r *http.Request) auth.Principal {
	if p, ok := PrincipalFrom(r.Context()); ok {
		return p
	}
	return auth.Principal{Login: actorWeb}
}

// ---- upload form ------------------------------------------------------------------

type sourceOption struct {
	Value, Label string
	Selected     bool
}

type uploadView struct {
	Layout  layoutView
	Sources []sourceOption
	// The protocol fields as last entered, so a refused form keeps them.
	Operator, Station, Profile, DPI string
	MaxFiles                        int
	MaxMB                           int64
	// Error is why the whole form was refused (no file, bad resolution).
	Error string
	// Result lists each file of a batch with a refused file; BatchHref
	// follows the accepted ones.
	Result    *api.UploadResult
	BatchHref string
}

func (s *Server) newUploadView(r *http.Request) uploadView {
	v := uploadView{Layout: s.layout(r, "Einlieferung"), MaxFiles: api.MaxUploadFiles, MaxMB: api.MaxUploadBytes >> 20}
	selected := string(records.SourceMailroom)
	if form := r.MultipartForm; form != nil {
		first := func(name string) string {
			if vs := form.Value[name]; len(vs) > 0 {
				return vs[0]
			}
			return ""
		}
		v.Operator, v.Station, v.Profile, v.DPI = first(api.FieldOperator), first(api.FieldStation), first(api.FieldProfile), first(api.FieldDPI)
		if src := first(api.FieldSource); src != "" {
			selected = src
		}
	} else if p, ok := PrincipalFrom(r.Context()); ok {
		v.Operator = p.Login
	}
	for _, src := range records.Sources {
		v.Sources = append(v.Sources, sourceOption{Value: string(src), Label: sourceDE(src), Selected: string(src) == selected})
	}
	return v
}

func (s *Server) uploadPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, "upload.html", s.newUploadView(r))
}

// postUpload publishes the batch. All accepted: on to the batch's status
// page (redirect after post). A file refused: the form again, with each
// file's outcome and a link to the accepted ones' status.
func (s *Server) postUpload(w http.ResponseWriter, r *http.Request) {
	if s.Ops == nil {
		v := s.newUploadView(r)
		v.Error = "Die Einlieferung ist in dieser Installation nicht verfügbar."
		s.renderStatus(w, http.StatusServiceUnavailable, "upload.html", v)
		return
	}
	batch, err := api.ReadUpload(w, r)
	if err != nil {
		s.uploadRefused(w, r, err)
		return
	}
	res, err := s.Ops.Upload(r.Context(), principal(r), "web", batch)
	if err != nil {
		s.uploadRefused(w, r, err)
		return
	}
	shas := res.SHA256s()
	if res.Refused == 0 {
		http.Redirect(w, r, batchHref(shas, 0), http.StatusSeeOther)
		return
	}
	v := s.newUploadView(r)
	v.Result = &res
	if len(shas) > 0 {
		v.BatchHref = batchHref(shas, 0)
	}
	status := http.StatusOK
	if res.Error != nil {
		status = res.Error.Status
	}
	s.renderStatus(w, status, "upload.html", v)
}

func (s *Server) uploadRefused(w http.ResponseWriter, r *http.Request, err error) {
	var e *api.Error
	if !errors.As(err, &e) {
		s.fail(w, "upload", err)
		return
	}
	v := s.newUploadView(r)
	v.Error = e.Message
	s.renderStatus(w, e.Status, "upload.html", v)
}

// batchHref is the status page of the documents shas; retried names the
// quarantine item whose retry the page confirms.
func batchHref(shas []string, retried int64) string {
	q := url.Values{}
	if retried > 0 {
		q.Set("erneut", strconv.FormatInt(retried, 10))
	}
	if len(shas) > 0 {
		q["sha256"] = shas
	}
	return "/upload/batch?" + q.Encode()
}

// ---- batch status -------------------------------------------------------------------

type batchView struct {
	Layout layoutView
	Items  []api.UploadStatus
	// Summary counts the documents by state, in words; the live region
	// announces it when it changes.
	Summary string
	// Live: something may still change, so the page offers the refresh
	// (and StatusURL, when the API is there, lets the script poll).
	Live      bool
	StatusURL string
	Script    string
	Self      string
	// Retried confirms the retry of a quarantine item (after its form).
	Retried *store.QuarantineItem
	Error   string
}

func (s *Server) uploadBatchPage(w http.ResponseWriter, r *http.Request) {
	v := batchView{Layout: s.layout(r, "Einlieferung: Stand"), Self: r.URL.RequestURI()}
	if s.Ops == nil {
		v.Error = "Der Stand der Einlieferung ist in dieser Installation nicht verfügbar."
		s.renderStatus(w, http.StatusServiceUnavailable, "upload_batch.html", v)
		return
	}
	q := r.URL.Query()
	if id, err := strconv.ParseInt(q.Get("erneut"), 10, 64); err == nil && id > 0 {
		// Confirm only what happened: the item says whether it was retried.
		it, err := s.Ops.Store().QuarantineItem(r.Context(), id)
		switch {
		case err == nil && it.RetriedAt != nil:
			v.Retried = &it
		case err != nil && !errors.Is(err, store.ErrNotFound):
			s.fail(w, "quarantine item", err)
			return
		}
	}
	shas := q["sha256"]
	if len(shas) > 0 {
		items, err := s.Ops.UploadStatus(r.Context(), principal(r), shas)
		var e *api.Error
		switch {
		case errors.As(err, &e):
			v.Error = e.Message
			s.renderStatus(w, e.Status, "upload_batch.html", v)
			return
		case err != nil:
			s.fail(w, "upload status", err)
			return
		}
		v.Items = items
	}
	v.Summary = batchSummary(v.Items)
	for _, it := range v.Items {
		v.Live = v.Live || !it.Final
	}
	if v.Live && s.Sessions != nil && len(s.APIRoutes) > 0 {
		// The script asks the API; without login the API is not mounted
		// and the page offers only the refresh link.
		v.StatusURL = "/api/uploads/status?" + url.Values{"sha256": shas}.Encode()
		v.Script = mailroomScriptPath
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, "upload_batch.html", v)
}

// batchSummary counts the documents by state, e.g. "2 Dokumente: 1 im
// Eingang, 1 im Posteingangsbuch." mailroom.js builds the same sentence.
func batchSummary(items []api.UploadStatus) string {
	if len(items) == 0 {
		return ""
	}
	counts := map[string]int{}
	for _, it := range items {
		counts[it.State]++
	}
	var parts []string
	for _, st := range []struct{ state, label string }{
		{api.StateStream, "im Eingang"},
		{api.StateRegistered, "im Posteingangsbuch"},
		{api.StateQuarantined, "in Quarantäne"},
	} {
		if n := counts[st.state]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st.label))
		}
	}
	noun := "Dokumente"
	if len(items) == 1 {
		noun = "Dokument"
	}
	return fmt.Sprintf("%d %s: %s.", len(items), noun, strings.Join(parts, ", "))
}

func (s *Server) serveMailroomScript(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(mailroomScript)
}

// ---- quarantine retry -----------------------------------------------------------------

// postQuarantineRetry puts a quarantined envelope back on the intake
// stream. The form names the retry count it showed as the version, so a
// second click or a stale page is refused rather than retried twice.
// Done: on to the document's status with a confirmation.
func (s *Server) postQuarantineRetry(w http.ResponseWriter, r *http.Request) {
	v := batchView{Layout: s.layout(r, "Quarantäne: erneut einstellen"), Self: "/quarantine"}
	if s.Ops == nil {
		v.Error = "Das erneute Einstellen ist in dieser Installation nicht verfügbar."
		s.renderStatus(w, http.StatusServiceUnavailable, "upload_batch.html", v)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		v.Error = "Ein Quarantäne-Eintrag wird mit seiner Nummer benannt."
		s.renderStatus(w, http.StatusBadRequest, "upload_batch.html", v)
		return
	}
	ifMatch := ""
	if n, err := strconv.Atoi(r.PostFormValue("version")); err == nil && n >= 0 {
		ifMatch = api.QuarantineVersion(n)
	}
	e, err := s.Ops.RetryQuarantine(r.Context(), principal(r), "web", id, ifMatch)
	var ae *api.Error
	switch {
	case errors.As(err, &ae):
		v.Error = ae.Message
		s.renderStatus(w, ae.Status, "upload_batch.html", v)
		return
	case err != nil:
		s.fail(w, "quarantine retry", err)
		return
	}
	var shas []string
	if e.SHA256 != "" {
		shas = []string{e.SHA256}
	}
	http.Redirect(w, r, batchHref(shas, id), http.StatusSeeOther)
}

// RetriedAt formats when a quarantine item was retried, for the
// confirmation.
func (v batchView) RetriedAt() string {
	if v.Retried == nil || v.Retried.RetriedAt == nil {
		return ""
	}
	return v.Retried.RetriedAt.In(records.RegisterLocation).Format("02.01.2006 um 15:04:05")
}

// ShortSHA is the start of a digest, enough to tell the documents of a
// batch apart; the page gives the whole digest beside it.
func (v batchView) ShortSHA(sha string) string {
	if len(sha) > 12 {
		return sha[:12] + "…"
	}
	return sha
}
