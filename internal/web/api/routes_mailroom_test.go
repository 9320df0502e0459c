package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// mailroomMatrix are the routeMatrix rows of the mailroomRoutes: the same
// columns, no header.
const mailroomMatrix = `
POST /api/documents                  +         -      -         -        -          -
GET /api/uploads/status              +         -      -         -        -          -
POST /api/quarantine/{id}/retry      +         -      -         -        -          -
`

// mailroomCalls are the matrix requests of the mailroomRoutes.
func (w *world) mailroomCalls(t *testing.T) map[string][]call {
	body, ct := multipartBody(t, map[string]string{"source": "mailroom"}, uploadFile{"scan.pdf", "%PDF-1.7 Matrix"})
	items, err := w.st.Quarantined(t.Context(), store.QuarantineFilter{})
	require.NoError(t, err)
	require.NotEmpty(t, items, "the world has a quarantined envelope")
	return map[string][]call{
		"POST /api/documents":             {{url: "/api/documents", body: body, contentType: ct}},
		"GET /api/uploads/status":         {{url: "/api/uploads/status?sha256=" + w.doc63.SHA256}},
		"POST /api/quarantine/{id}/retry": {{url: fmt.Sprintf("/api/quarantine/%d/retry", items[0].ID), body: "{}"}},
	}
}

type uploadFile struct{ name, content string }

// multipartBody is an upload form as a browser or a scanner's software
// sends it.
func multipartBody(t *testing.T, fields map[string]string, files ...uploadFile) (body, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile(FieldFiles, f.name)
		require.NoError(t, err)
		_, err = fw.Write([]byte(f.content))
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return buf.String(), mw.FormDataContentType()
}

func (w *world) upload(t *testing.T, fields map[string]string, files ...uploadFile) (*http.Response, UploadResult) {
	t.Helper()
	body, ct := multipartBody(t, fields, files...)
	resp, raw := w.do(t, "mailroom", http.MethodPost, call{url: "/api/documents", body: body, contentType: ct})
	var res UploadResult
	require.NoError(t, json.Unmarshal(raw, &res), "%s", raw)
	return resp, res
}

// TestUploadBatch: two files of a scan batch reach the intake stream with
// the scan protocol, each answered with its envelope, each in the audit
// trail with the login as actor.
func TestUploadBatch(t *testing.T) {
	w := newWorld(t)
	resp, res := w.upload(t, map[string]string{"source": "mailroom", "operator": "Paula Post", "station": "Scan-2",
		"profile": "300dpi-sw", "dpi": "300"},
		uploadFile{"brief-1.pdf", "%PDF-1.7 Brief eins"}, uploadFile{"brief-2.pdf", "%PDF-1.7 Brief zwei"})
	require.Equal(t, http.StatusAccepted, resp.StatusCode)
	require.Nil(t, res.Error)
	require.Equal(t, 2, res.Accepted)
	require.Len(t, res.Items, 2)
	require.Equal(t, []string{"publish brief-1.pdf", "publish brief-2.pdf"}, w.cmds.Calls())
	for i, it := range res.Items {
		require.Equal(t, fmt.Sprintf("brief-%d.pdf", i+1), it.Name)
		require.Len(t, it.SHA256, 64)
		require.Positive(t, it.Size)
		require.Equal(t, "application/pdf", it.MediaType)

		req := w.cmds.args[i].(intake.PublishRequest)
		require.Equal(t, records.SourceMailroom, req.Source)
		require.Equal(t, &records.ScanProtocol{Operator: "Paula Post", Station: "Scan-2", Profile: "300dpi-sw", DPI: 300}, req.ScanProtocol)
		require.False(t, req.ReceivedAt.IsZero())
		require.Equal(t, w.cmds.args[0].(intake.PublishRequest).ReceivedAt, req.ReceivedAt, "a batch arrives at one time")

		evs, err := w.st.Events(t.Context(), "document", it.SHA256)
		require.NoError(t, err)
		require.Len(t, evs, 1)
		require.Equal(t, ActionDocumentUploaded, evs[0].Action)
		require.Equal(t, "mailroom", evs[0].Actor)
		require.Contains(t, string(evs[0].Details), `"via":"api"`)
		require.Contains(t, string(evs[0].Personal), it.Name, "the file name is personal data, erasable")
		require.NotContains(t, string(evs[0].Details), it.Name)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "/api/uploads/status", loc.Path)
	require.Equal(t, []string{res.Items[0].SHA256, res.Items[1].SHA256}, loc.Query()["sha256"])
}

// TestUploadRefusals: a refused file is answered beside the accepted ones
// with its German reason; a request of refusals only is 422, of
// transient failures only 503; a malformed request is refused whole.
func TestUploadRefusals(t *testing.T) {
	w := newWorld(t)
	t.Run("empty file beside a good one", func(t *testing.T) {
		resp, res := w.upload(t, nil, uploadFile{"gut.pdf", "%PDF-1.7 gut"}, uploadFile{"leer.pdf", ""})
		require.Equal(t, http.StatusAccepted, resp.StatusCode)
		require.Equal(t, 1, res.Accepted)
		require.Equal(t, 1, res.Refused)
		require.True(t, res.Items[0].Accepted())
		require.Equal(t, "empty", res.Items[1].Error.Code)
		require.Equal(t, "Die Datei ist leer (0 Bytes).", res.Items[1].Error.Message)
		require.Empty(t, res.Items[1].SHA256)
		require.NotContains(t, w.cmds.Calls(), "publish leer.pdf", "an empty file is refused before it is published")
	})
	t.Run("only refusals", func(t *testing.T) {
		resp, res := w.upload(t, nil, uploadFile{"leer.pdf", ""})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		require.Equal(t, "refused", res.Error.Code)
		require.Equal(t, "empty", res.Items[0].Error.Code)
	})
	t.Run("publisher's permanent and transient errors", func(t *testing.T) {
		w.cmds.publish = func(req intake.PublishRequest) (intake.Envelope, error) {
			if req.Name == "video.mp4" {
				return intake.Envelope{}, fmt.Errorf("%w: content is none of PDF", intake.ErrUnknownMediaType)
			}
			return intake.Envelope{}, errors.New("nats: no responders")
		}
		t.Cleanup(func() { w.cmds.publish = nil })
		resp, res := w.upload(t, nil, uploadFile{"video.mp4", "\x00\x00\x00 ftyp"})
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		require.Equal(t, "unknown_media_type", res.Items[0].Error.Code)
		require.Contains(t, res.Items[0].Error.Message, "PDF, TIFF, PNG, JPEG und XML")

		resp, res = w.upload(t, nil, uploadFile{"brief.pdf", "%PDF-1.7"}, uploadFile{"video.mp4", "x"})
		require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		require.Equal(t, "unavailable", res.Error.Code)
		require.Equal(t, "unavailable", res.Items[0].Error.Code)
		require.NotContains(t, res.Items[0].Error.Message, "nats", "the cause goes to the log, not to the client")
	})
	t.Run("malformed requests", func(t *testing.T) {
		for _, tt := range []struct {
			name   string
			fields map[string]string
			files  []uploadFile
			status int
			code   string
		}{
			{"no file", map[string]string{"source": "mailroom"}, nil, http.StatusBadRequest, "no_files"},
			{"bad source", map[string]string{"source": "fax"}, []uploadFile{{"a.pdf", "%PDF"}}, http.StatusBadRequest, "bad_source"},
			{"bad dpi", map[string]string{"dpi": "hoch"}, []uploadFile{{"a.pdf", "%PDF"}}, http.StatusBadRequest, "bad_dpi"},
			{"long operator", map[string]string{"operator": strings.Repeat("x", 201)}, []uploadFile{{"a.pdf", "%PDF"}}, http.StatusBadRequest, "bad_protocol"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				body, ct := multipartBody(t, tt.fields, tt.files...)
				resp, raw := w.do(t, "mailroom", http.MethodPost, call{url: "/api/documents", body: body, contentType: ct})
				require.Equal(t, tt.status, resp.StatusCode, "%s", raw)
				require.Contains(t, string(raw), `"code":"`+tt.code+`"`)
			})
		}
		resp, raw := w.do(t, "mailroom", http.MethodPost, call{url: "/api/documents", body: `{"name":"a.pdf"}`})
		require.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode, "%s", raw)
	})
}

// TestUploadStatus: a registered document is told with its register
// status and Eingangsnummer, a quarantined one with its reason, one that
// is neither as still in the intake stream; a retried quarantine item's
// document is back in the stream.
func TestUploadStatus(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	quarantined, retried, inStream := strings.Repeat("a", 64), strings.Repeat("b", 64), strings.Repeat("c", 64)
	q, err := w.st.AddQuarantine(ctx, store.QuarantineItem{Reason: intake.ReasonUnknownMediaType, Message: "content is none of PDF, TIFF",
		Subject: "intake.mailroom", Payload: []byte(`{"sha256":"` + quarantined + `"}`), SHA256: quarantined})
	require.NoError(t, err)
	r, err := w.st.AddQuarantine(ctx, store.QuarantineItem{Reason: intake.ReasonMissingObject, Message: "object missing",
		Subject: "intake.mailroom", Payload: []byte("{}"), SHA256: retried})
	require.NoError(t, err)
	require.NoError(t, w.st.MarkQuarantineRetried(ctx, r.ID, time.Now()))

	resp, raw := w.get(t, "mailroom", "/api/uploads/status?sha256="+w.doc63.SHA256+"&sha256="+strings.ToUpper(quarantined)+
		"&sha256="+inStream+"&sha256="+retried)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", raw)
	var list UploadStatusList
	require.NoError(t, json.Unmarshal(raw, &list))
	require.Len(t, list.Items, 4)

	reg := list.Items[0]
	require.Equal(t, StateRegistered, reg.State)
	require.Equal(t, w.doc63.Number.String(), reg.Number)
	require.Equal(t, records.StatusRegistered, reg.Status)
	require.Equal(t, "registriert", reg.Label)
	require.Equal(t, "bauantrag.pdf", reg.Name)
	require.False(t, reg.Final, "a registered document is still being processed")

	qu := list.Items[1]
	require.Equal(t, quarantined, qu.SHA256, "digests are answered in lower case")
	require.Equal(t, StateQuarantined, qu.State)
	require.Equal(t, q.ID, qu.QuarantineID)
	require.Equal(t, "unknown-media-type", qu.Reason)
	require.Equal(t, "Dateiformat nicht angenommen", qu.ReasonLabel)
	require.True(t, qu.Final)

	for _, st := range list.Items[2:] {
		require.Equal(t, StateStream, st.State)
		require.Equal(t, "im Eingang", st.Label)
		require.Empty(t, st.Number)
	}

	for _, bad := range []string{"/api/uploads/status", "/api/uploads/status?sha256=xyz"} {
		resp, raw := w.get(t, "mailroom", bad)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s: %s", bad, raw)
	}
}

// TestQuarantineRetry: a retry names the version it saw; a stale one is
// 412, a missing one 428; "*" does not retry an item twice; a deliberate
// second retry with the version does. Each retry is audited.
func TestQuarantineRetry(t *testing.T) {
	w := newWorld(t)
	ctx := t.Context()
	sha := strings.Repeat("d", 64)
	q, err := w.st.AddQuarantine(ctx, store.QuarantineItem{Reason: intake.ReasonMissingObject, Message: "object missing",
		Subject: "intake.mailroom", Payload: []byte(`{"sha256":"` + sha + `"}`), SHA256: sha})
	require.NoError(t, err)
	path := fmt.Sprintf("/api/quarantine/%d/retry", q.ID)
	retry := func(ifMatch string) (*http.Response, []byte) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.srv.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("X-Test-Role", "mailroom")
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, err = buf.ReadFrom(resp.Body)
		require.NoError(t, err)
		return resp, buf.Bytes()
	}
	requeued := func() int {
		n := 0
		for _, c := range w.cmds.Calls() {
			if c == fmt.Sprintf("requeue %d", q.ID) {
				n++
			}
		}
		return n
	}

	resp, raw := retry("")
	require.Equal(t, http.StatusPreconditionRequired, resp.StatusCode, "%s", raw)
	resp, raw = retry(`"1"`)
	require.Equal(t, http.StatusPreconditionFailed, resp.StatusCode, "%s", raw)
	require.Contains(t, string(raw), `"code":"changed"`)
	require.Zero(t, requeued(), "a refused retry sends nothing")

	resp, raw = retry(QuarantineVersion(0))
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%s", raw)
	require.Equal(t, 1, requeued())
	var e QuarantineEntry
	require.NoError(t, json.Unmarshal(raw, &e))
	require.Equal(t, q.ID, e.ID)

	// The application's Requeue marks the item retried; the recording
	// stand-in does not, so the test does.
	require.NoError(t, w.st.MarkQuarantineRetried(ctx, q.ID, time.Now()))
	resp, raw = retry(QuarantineVersion(0))
	require.Equal(t, http.StatusPreconditionFailed, resp.StatusCode, "a second click from the same page: %s", raw)
	resp, raw = retry("*")
	require.Equal(t, http.StatusConflict, resp.StatusCode, "%s", raw)
	require.Contains(t, string(raw), `"code":"already_retried"`)
	require.Contains(t, string(raw), `If-Match: \"1\"`)
	require.Equal(t, 1, requeued())
	resp, raw = retry(QuarantineVersion(1))
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "a deliberate second retry: %s", raw)
	require.Equal(t, QuarantineVersion(1), resp.Header.Get("ETag"), "the stand-in does not count the retry")
	require.Equal(t, 2, requeued())

	evs, err := w.st.Events(ctx, "quarantine", fmt.Sprint(q.ID))
	require.NoError(t, err)
	require.Len(t, evs, 2)
	for i, ev := range evs {
		require.Equal(t, ActionQuarantineRetried, ev.Action)
		require.Equal(t, "mailroom", ev.Actor)
		require.Contains(t, string(ev.Details), fmt.Sprintf(`"retry":%d`, i+1))
		require.Contains(t, string(ev.Details), sha)
	}

	path = "/api/quarantine/999999/retry"
	resp, _ = retry("*")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	path = "/api/quarantine/eins/retry"
	resp, _ = retry("*")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
