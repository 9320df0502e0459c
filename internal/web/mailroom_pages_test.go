package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
)

// pageCommands stands in for NATS and Temporal where the test is about
// the pages' side of an upload, a retry or a workflow update: it records
// what the forms send, answers a publish as the publisher does (digest,
// size, media type from the content), marks a requeued item retried as
// the application does, and refuses updates with refuse when it is set.
// The real path through NATS and Temporal is tested in app
// (TestWebWalkThrough).
type pageCommands struct {
	st store.Store

	mu       sync.Mutex
	publish  []intake.PublishRequest
	contents [][]byte
	requeued []int64
	updates  []string // "WORKFLOW UPDATE"
	args     []any
	refuse   string
}

func (c *pageCommands) Publish(_ context.Context, req intake.PublishRequest) (intake.Envelope, error) {
	b, err := io.ReadAll(req.Reader)
	if err != nil {
		return intake.Envelope{}, err
	}
	if len(b) == 0 {
		return intake.Envelope{}, intake.ErrEmpty
	}
	mt, err := intake.DetectMediaType(b, req.Name)
	if err != nil {
		return intake.Envelope{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.publish = append(c.publish, req)
	c.contents = append(c.contents, b)
	sum := sha256.Sum256(b)
	return intake.Envelope{V: intake.EnvelopeVersion, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b)), MediaType: mt,
		OriginalName: req.Name, Source: req.Source, ReceivedAt: time.Now().UTC(), ScanProtocol: req.ScanProtocol}, nil
}

func (c *pageCommands) Requeue(ctx context.Context, item store.QuarantineItem) error {
	c.mu.Lock()
	c.requeued = append(c.requeued, item.ID)
	c.mu.Unlock()
	return c.st.MarkQuarantineRetried(ctx, item.ID, time.Now())
}

func (c *pageCommands) Update(_ context.Context, wf, update string, arg, _ any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.updates = append(c.updates, wf+" "+update)
	c.args = append(c.args, arg)
	if c.refuse != "" {
		return api.Refused(c.refuse)
	}
	return nil
}

func (c *pageCommands) published() []intake.PublishRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]intake.PublishRequest(nil), c.publish...)
}

// mailroomFixture is a server with login, the API and the operations over
// the real SQLite store, with paul (mailroom), pia (auditor) and clara
// (clerk), and one quarantined envelope.
type mailroomFixture struct {
	*authFixture
	cmds *pageCommands
	q    store.QuarantineItem
}

func newMailroomFixture(t *testing.T) mailroomFixture {
	t.Helper()
	cmds := &pageCommands{}
	f := newAuthServer(t, func(s *Server, _ string) {
		st := s.Register.(store.Store)
		cmds.st = st
		d := api.Deps{Store: st, Blobs: s.Blobs, Commands: cmds}
		s.Ops = api.NewOps(d)
		s.APIRoutes = api.Routes(d)
	})
	ctx := t.Context()
	for login, role := range map[string]auth.Role{"paul": auth.RoleMailroom, "pia": auth.RoleAuditor, "clara": auth.RoleClerk} {
		h, err := auth.HashPassword(matrixPassword, auth.DefaultArgon2Params)
		require.NoError(t, err)
		_, err = f.st.PutUser(ctx, store.User{Login: login, Name: "Person " + login, PasswordHash: h, Roles: []string{string(role)}})
		require.NoError(t, err)
	}
	sha := strings.Repeat("e", 64)
	q, err := f.st.AddQuarantine(ctx, store.QuarantineItem{Reason: intake.ReasonMissingObject, Message: "object missing or different",
		Subject: "intake.mailroom", Payload: []byte(`{"v":1,"sha256":"` + sha + `"}`), SHA256: sha})
	require.NoError(t, err)
	return mailroomFixture{authFixture: f, cmds: cmds, q: q}
}

func (f mailroomFixture) signIn(t *testing.T, login string) *http.Client {
	t.Helper()
	c := browser(t)
	require.Equal(t, http.StatusSeeOther, f.login(t, c, login, matrixPassword, "/").StatusCode)
	return c
}

// csrfOf reads the session's CSRF token from a page (every page has one
// in its logout form).
func (f mailroomFixture) csrfOf(t *testing.T, c *http.Client, path string) string {
	t.Helper()
	page := do(t, c, http.MethodGet, f.srv.URL+path, nil, nil)
	m := csrfInput.FindStringSubmatch(page.body)
	require.NotNil(t, m, "no csrf field on %s", path)
	return m[1]
}

type formFile struct{ name, content string }

// postUpload sends the upload form as a browser does: multipart, the
// CSRF token as a field beside the files.
func (f mailroomFixture) postUpload(t *testing.T, c *http.Client, fields map[string]string, files ...formFile) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	for _, ff := range files {
		fw, err := mw.CreateFormFile(api.FieldFiles, ff.name)
		require.NoError(t, err)
		_, err = fw.Write([]byte(ff.content))
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.srv.URL+"/upload", &buf)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return response{resp, string(b)}
}

// TestMailroomPageAccess: the upload pages are the mailroom's; the
// quarantine is read by the mailroom and auditors, retried only by the
// mailroom.
func TestMailroomPageAccess(t *testing.T) {
	f := newMailroomFixture(t)
	batch := "/upload/batch?sha256=" + f.q.SHA256
	tests := []struct {
		login                               string
		upload, batch, script, quarantine   int
		postUpload, postRetry, retryButtons bool
	}{
		{"paul", 200, 200, 200, 200, true, true, true},
		{"pia", 403, 403, 403, 200, false, false, false},
		{"clara", 403, 403, 403, 403, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.login, func(t *testing.T) {
			c := f.signIn(t, tt.login)
			require.Equal(t, tt.upload, do(t, c, http.MethodGet, f.srv.URL+"/upload", nil, nil).StatusCode)
			require.Equal(t, tt.batch, do(t, c, http.MethodGet, f.srv.URL+batch, nil, nil).StatusCode)
			require.Equal(t, tt.script, do(t, c, http.MethodGet, f.srv.URL+mailroomScriptPath, nil, nil).StatusCode)
			qp := do(t, c, http.MethodGet, f.srv.URL+"/quarantine", nil, nil)
			require.Equal(t, tt.quarantine, qp.StatusCode)
			require.Equal(t, tt.retryButtons, strings.Contains(qp.body, ">Erneut einstellen<span"), qp.body)

			token := f.csrfOf(t, c, "/upload")
			up := f.postUpload(t, c, map[string]string{"csrf": token}, formFile{"brief.pdf", "%PDF-1.7 " + tt.login})
			if tt.postUpload {
				require.Equal(t, http.StatusSeeOther, up.StatusCode, up.body)
			} else {
				require.Equal(t, http.StatusForbidden, up.StatusCode, up.body)
				require.Contains(t, up.body, "Keine Berechtigung")
			}
			// Version 1 is stale: an allowed retry is refused with 412, a
			// forbidden one never gets that far.
			retry := do(t, c, http.MethodPost, fmt.Sprintf("%s/quarantine/%d/retry", f.srv.URL, f.q.ID),
				url.Values{"csrf": {token}, "version": {"1"}}, nil)
			if tt.postRetry {
				require.Equal(t, http.StatusPreconditionFailed, retry.StatusCode, retry.body)
			} else {
				require.Equal(t, http.StatusForbidden, retry.StatusCode, retry.body)
			}
		})
	}
	require.Len(t, f.cmds.published(), 1, "only paul's upload reached the stream")
	require.Empty(t, f.cmds.requeued)
}

var batchLocation = regexp.MustCompile(`^/upload/batch\?`)

// TestUploadForm: the upload form sends its files with the scan protocol
// to the intake stream and goes on to the batch's status page, which
// shows each document in the stream and, once registered, with its
// Eingangsnummer.
func TestUploadForm(t *testing.T) {
	f := newMailroomFixture(t)
	c := f.signIn(t, "paul")
	form := do(t, c, http.MethodGet, f.srv.URL+"/upload", nil, nil)
	require.Equal(t, http.StatusOK, form.StatusCode)
	for _, want := range []string{`enctype="multipart/form-data"`, `<legend>Transfervermerk (Scanprotokoll nach TR-RESISCAN)</legend>`,
		`<label for="files">Dateien</label>`, `name="files" multiple`, `<label for="operator">Scanner/Bediener</label>`,
		`<label for="station">Station</label>`, `<label for="profile">Profil</label>`, `<label for="dpi">Auflösung (dpi)</label>`,
		`<label for="source">Eingangskanal</label>`, `<option value="mailroom" selected>Poststelle (Scan)</option>`,
		`id="operator" name="operator" value="paul"`} {
		require.Contains(t, form.body, want)
	}
	token := csrfInput.FindStringSubmatch(form.body)[1]

	resp := f.postUpload(t, c, map[string]string{"csrf": token, "source": "mailroom", "operator": "Paula Post", "station": "Scan-2",
		"profile": "Farbe 300", "dpi": "300"},
		formFile{"brief-1.pdf", "%PDF-1.7 Brief eins"}, formFile{"bild.png", "\x89PNG\r\n\x1a\nBild"})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.body)
	loc := resp.Header.Get("Location")
	require.Regexp(t, batchLocation, loc)

	pub := f.cmds.published()
	require.Len(t, pub, 2)
	for i, name := range []string{"brief-1.pdf", "bild.png"} {
		require.Equal(t, name, pub[i].Name)
		require.Equal(t, records.SourceMailroom, pub[i].Source)
		require.Equal(t, &records.ScanProtocol{Operator: "Paula Post", Station: "Scan-2", Profile: "Farbe 300", DPI: 300}, pub[i].ScanProtocol)
	}
	u, err := url.Parse(loc)
	require.NoError(t, err)
	shas := u.Query()["sha256"]
	require.Len(t, shas, 2)

	page := do(t, c, http.MethodGet, f.srv.URL+loc, nil, nil)
	require.Equal(t, http.StatusOK, page.StatusCode, page.body)
	require.Contains(t, page.body, `<p id="stapel-stand" role="status" aria-live="polite">2 Dokumente: 2 im Eingang.</p>`)
	require.Equal(t, 2, strings.Count(page.body, "<strong>im Eingang</strong>"))
	require.Contains(t, page.body, `data-status-url="/api/uploads/status?sha256=`+shas[0]+`&amp;sha256=`+shas[1]+`"`)
	require.Contains(t, page.body, `<script src="/upload/mailroom.js" defer></script>`)
	require.Contains(t, page.body, `>Stand aktualisieren</a>`, "works without the script")

	// The workflow registers the first document.
	e, _, err := f.st.Register(t.Context(), records.NewEntry{SHA256: shas[0], Size: 19, MediaType: "application/pdf",
		OriginalName: "brief-1.pdf", Source: records.SourceMailroom, ReceivedAt: time.Now(), WorkflowID: "inbound-" + shas[0]})
	require.NoError(t, err)
	page = do(t, c, http.MethodGet, f.srv.URL+loc, nil, nil)
	require.Contains(t, page.body, "2 Dokumente: 1 im Eingang, 1 im Posteingangsbuch.")
	require.Contains(t, page.body, `<td data-field="number">`+e.Number.String()+`</td>`)
	require.Contains(t, page.body, "<strong>registriert</strong>")
	require.Contains(t, page.body, `<td data-field="name">brief-1.pdf</td>`)

	// What the script asks, with the session.
	status := do(t, c, http.MethodGet, f.srv.URL+"/api/uploads/status?sha256="+shas[0]+"&sha256="+shas[1], nil,
		map[string]string{"Accept": "application/json"})
	require.Equal(t, http.StatusOK, status.StatusCode, status.body)
	require.Contains(t, status.body, `"number":"`+e.Number.String()+`"`)
	require.Contains(t, status.body, `"label":"im Eingang"`)
	script := do(t, c, http.MethodGet, f.srv.URL+mailroomScriptPath, nil, nil)
	require.Equal(t, "text/javascript; charset=utf-8", script.Header.Get("Content-Type"))
	require.Contains(t, script.body, "/api/uploads/status", "the script reads the URL from the page")

	for _, sha := range shas {
		evs, err := f.st.Events(t.Context(), "document", sha)
		require.NoError(t, err)
		require.NotEmpty(t, evs)
		require.Equal(t, api.ActionDocumentUploaded, evs[0].Action)
		require.Equal(t, "paul", evs[0].Actor)
		require.Contains(t, string(evs[0].Details), `"via":"web"`)
	}
}

// TestUploadFormRefusals: a refused file is listed with its reason beside
// the accepted ones and a link to their status; a form without files, a
// bad resolution or without its CSRF token is refused whole.
func TestUploadFormRefusals(t *testing.T) {
	f := newMailroomFixture(t)
	c := f.signIn(t, "paul")
	token := f.csrfOf(t, c, "/upload")

	mixed := f.postUpload(t, c, map[string]string{"csrf": token, "station": "Scan-3"},
		formFile{"gut.pdf", "%PDF-1.7 gut"}, formFile{"leer.pdf", ""}, formFile{"film.mp4", "\x00\x00\x00\x18ftypmp42"})
	require.Equal(t, http.StatusOK, mixed.StatusCode, mixed.body)
	require.Contains(t, mixed.body, "Ergebnis: 1 angenommen, 2 abgelehnt")
	require.Contains(t, mixed.body, "leer.pdf: <strong>abgelehnt</strong> – Die Datei ist leer (0 Bytes).")
	require.Contains(t, mixed.body, "film.mp4: <strong>abgelehnt</strong> – Dieses Dateiformat wird nicht angenommen")
	require.Regexp(t, `<a href="/upload/batch\?sha256=[0-9a-f]{64}">Stand der angenommenen Dokumente verfolgen</a>`, mixed.body)
	require.Contains(t, mixed.body, `id="station" name="station" value="Scan-3"`, "the form keeps what was entered")

	only := f.postUpload(t, c, map[string]string{"csrf": token}, formFile{"leer.pdf", ""})
	require.Equal(t, http.StatusUnprocessableEntity, only.StatusCode)
	require.NotContains(t, only.body, "Stand der angenommenen Dokumente")

	none := f.postUpload(t, c, map[string]string{"csrf": token})
	require.Equal(t, http.StatusBadRequest, none.StatusCode)
	require.Contains(t, none.body, "Bitte mindestens eine Datei auswählen.")

	dpi := f.postUpload(t, c, map[string]string{"csrf": token, "dpi": "-3"}, formFile{"a.pdf", "%PDF-1.7"})
	require.Equal(t, http.StatusBadRequest, dpi.StatusCode)
	require.Contains(t, dpi.body, "Die Auflösung ist eine Zahl von 1 bis 9600 (dpi).")

	forged := f.postUpload(t, c, map[string]string{"csrf": "falsch"}, formFile{"a.pdf", "%PDF-1.7 gefälscht"})
	require.Equal(t, http.StatusForbidden, forged.StatusCode)
	require.Len(t, f.cmds.published(), 1, "only gut.pdf reached the stream")
}

// TestQuarantineRetryForm: the quarantine page offers the retry with the
// item's version; the form puts the envelope back on the stream, confirms
// it in German and follows the document; a second click from the same
// page is refused instead of retried twice.
func TestQuarantineRetryForm(t *testing.T) {
	f := newMailroomFixture(t)
	c := f.signIn(t, "paul")
	list := do(t, c, http.MethodGet, f.srv.URL+"/quarantine", nil, nil)
	require.Contains(t, list.body, fmt.Sprintf(`<form method="post" action="/quarantine/%d/retry">`, f.q.ID))
	require.Contains(t, list.body, `<input type="hidden" name="version" value="0">`)
	require.Contains(t, list.body, "object missing or different")
	token := csrfInput.FindStringSubmatch(list.body)[1]
	path := fmt.Sprintf("%s/quarantine/%d/retry", f.srv.URL, f.q.ID)

	resp := do(t, c, http.MethodPost, path, url.Values{"csrf": {token}, "version": {"0"}}, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, resp.body)
	loc := resp.Header.Get("Location")
	require.Equal(t, fmt.Sprintf("/upload/batch?erneut=%d&sha256=%s", f.q.ID, f.q.SHA256), loc)
	require.Equal(t, []int64{f.q.ID}, f.cmds.requeued)

	page := do(t, c, http.MethodGet, f.srv.URL+loc, nil, nil)
	require.Equal(t, http.StatusOK, page.StatusCode, page.body)
	require.Regexp(t, fmt.Sprintf(`Der Quarantäne-Eintrag %d wurde am \d\d\.\d\d\.\d{4} um \d\d:\d\d:\d\d erneut eingestellt \(1\. Versuch\)`, f.q.ID), page.body)
	require.Contains(t, page.body, "<strong>im Eingang</strong>", "the retried document is back in the stream")

	again := do(t, c, http.MethodPost, path, url.Values{"csrf": {token}, "version": {"0"}}, nil)
	require.Equal(t, http.StatusPreconditionFailed, again.StatusCode)
	require.Contains(t, again.body, "Der Datensatz wurde inzwischen geändert; bitte neu laden.")
	require.Len(t, f.cmds.requeued, 1)

	missing := do(t, c, http.MethodPost, f.srv.URL+"/quarantine/424242/retry", url.Values{"csrf": {token}, "version": {"0"}}, nil)
	require.Equal(t, http.StatusNotFound, missing.StatusCode)

	evs, err := f.st.Events(t.Context(), "quarantine", fmt.Sprint(f.q.ID))
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, api.ActionQuarantineRetried, evs[0].Action)
	require.Equal(t, "paul", evs[0].Actor)
	require.Contains(t, string(evs[0].Details), `"via":"web"`)

	// A forged confirmation shows nothing: the item says what happened.
	forged := do(t, c, http.MethodGet, f.srv.URL+"/upload/batch?erneut=424242", nil, nil)
	require.Equal(t, http.StatusOK, forged.StatusCode)
	require.NotContains(t, forged.body, "erneut eingestellt (")
}
