package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// The mailroom's write side: a scan batch goes onto the intake stream,
// its documents' live status is read back by their SHA-256, and a
// quarantined envelope is put back on the stream.

// MaxUploadBytes bounds one upload request, a whole scan batch. Each
// document is bounded again by the publisher (the configured intake
// limit); this bound only keeps a request from filling the disk before
// that check. It is the bound the login layer puts on multipart bodies.
const MaxUploadBytes int64 = 512 << 20

const (
	// uploadMemory is how much of a multipart body is held in memory; the
	// rest is spooled to temporary files, which net/http removes after
	// the request.
	uploadMemory = 32 << 20
	// MaxUploadFiles is the most documents one upload may carry.
	MaxUploadFiles = 200
	// MaxStatusDocuments is the most documents one status request asks about.
	MaxStatusDocuments = 200
	// maxProtocolField bounds a scan protocol text field.
	maxProtocolField = 200
)

// Audit actions of the mailroom's writes; the actor is the login.
const (
	ActionDocumentUploaded  = "document.uploaded"
	ActionQuarantineRetried = "quarantine.retried"
)

// Form fields of an upload, the same for the API and the upload page.
const (
	FieldFiles    = "files"    // one part per document
	FieldSource   = "source"   // Eingangskanal: mailroom (default), email, einvoice, upload
	FieldOperator = "operator" // Transfervermerk: who scanned
	FieldStation  = "station"  // scan station or device
	FieldProfile  = "profile"  // scan profile
	FieldDPI      = "dpi"      // resolution in dpi
)

// UploadBatch is an upload read from its form: the documents and what the
// mailroom states about all of them.
type UploadBatch struct {
	Source   records.Source
	Protocol *records.ScanProtocol // nil: no protocol fields given
	Files    []*multipart.FileHeader
}

// UploadItem is the answer about one uploaded file: its envelope, or the
// German reason it was refused.
type UploadItem struct {
	Name       string     `json:"name"`
	SHA256     string     `json:"sha256,omitempty"`
	Size       int64      `json:"size,omitempty"`
	MediaType  string     `json:"media_type,omitempty"`
	ReceivedAt *time.Time `json:"received_at,omitempty"`
	Error      *Error     `json:"error,omitempty"`
}

// Accepted reports whether the file is on the intake stream.
func (it UploadItem) Accepted() bool { return it.Error == nil }

// UploadResult answers an upload file by file. When no file was accepted,
// Error says why in the API's one error shape, so a client that reads
// only that shape still learns of the refusal.
type UploadResult struct {
	Error    *Error       `json:"error,omitempty"`
	Items    []UploadItem `json:"items"`
	Accepted int          `json:"accepted"`
	Refused  int          `json:"refused"`
}

// SHA256s are the digests of the accepted files, in upload order, each
// once: the batch whose status the upload page follows.
func (u UploadResult) SHA256s() []string {
	var out []string
	seen := map[string]bool{}
	for _, it := range u.Items {
		if it.Accepted() && !seen[it.SHA256] {
			seen[it.SHA256] = true
			out = append(out, it.SHA256)
		}
	}
	return out
}

// Upload states.
const (
	StateStream      = "stream"      // on the intake stream, not yet in the register
	StateRegistered  = "registered"  // in the Posteingangsbuch; Status says how far
	StateQuarantined = "quarantined" // intake could not register it; see Reason
)

// UploadStatus is where one uploaded document stands.
type UploadStatus struct {
	SHA256 string `json:"sha256"`
	State  string `json:"state"` // stream, registered, quarantined
	// Label says State (and Status) in German, e.g. "im Eingang".
	Label string `json:"label"`
	// Final: nothing changes any more without a person (archived,
	// decided, failed, quarantined).
	Final  bool           `json:"final"`
	Number string         `json:"number,omitempty"` // Eingangsnummer once registered
	Status records.Status `json:"status,omitempty"`
	Name   string         `json:"name,omitempty"` // original file name once registered
	// QuarantineID, Reason, ReasonLabel and Message describe a
	// quarantined document.
	QuarantineID int64  `json:"quarantine_id,omitempty"`
	Reason       string `json:"reason,omitempty"`
	ReasonLabel  string `json:"reason_label,omitempty"`
	Message      string `json:"message,omitempty"`
}

// UploadStatusList answers a status request in the order asked.
type UploadStatusList struct {
	Items []UploadStatus `json:"items"`
}

func (h *handlers) mailroomRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/api/documents", Action: auth.ActDocumentUpload, Tag: "Posteingang",
			Summary: "Scan-Stapel einliefern (multipart/form-data: files je Dokument; source, operator, station, profile, dpi " +
				"als Transfervermerk); Antwort je Datei: Umschlag oder Ablehnungsgrund (202, 422 wenn keine Datei angenommen wurde)",
			Response: UploadResult{}, Handle: h.upload},
		{Method: "GET", Path: "/api/uploads/status", Action: auth.ActDocumentUpload, Tag: "Posteingang",
			Summary: "Stand eingelieferter Dokumente: im Eingang, im Posteingangsbuch (mit Eingangsnummer) oder in Quarantäne",
			Query: []Param{{Name: "sha256", Required: true,
				Description: fmt.Sprintf("SHA-256 eines eingelieferten Dokuments; mehrfach angeben (höchstens %d)", MaxStatusDocuments)}},
			Response: UploadStatusList{}, Handle: h.uploadStatus},
		{Method: "POST", Path: "/api/quarantine/{id}/retry", Action: auth.ActQuarantineRetry, Tag: "Posteingang",
			Summary:  "Quarantäne-Eintrag erneut einstellen (If-Match: Anzahl bisheriger Wiederholungen als Version)",
			Response: QuarantineEntry{}, Handle: h.retryQuarantine},
	}
}

func (h *handlers) upload(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	batch, err := ReadUpload(w, r)
	if err != nil {
		return err
	}
	res, err := h.ops.Upload(r.Context(), p, "api", batch)
	if err != nil {
		return err
	}
	status := http.StatusAccepted
	if res.Error != nil {
		status = res.Error.Status
	} else {
		q := url.Values{"sha256": res.SHA256s()}
		w.Header().Set("Location", "/api/uploads/status?"+q.Encode())
	}
	writeJSON(w, status, res)
	return nil
}

func (h *handlers) uploadStatus(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	list, err := h.ops.UploadStatus(r.Context(), p, r.URL.Query()["sha256"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, UploadStatusList{Items: list})
	return nil
}

func (h *handlers) retryQuarantine(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return Errorf(http.StatusBadRequest, "bad_id", "Ein Quarantäne-Eintrag wird mit seiner Nummer benannt.")
	}
	e, err := h.ops.RetryQuarantine(r.Context(), p, "api", id, r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", QuarantineVersion(e.RetryCount))
	writeJSON(w, http.StatusAccepted, e)
	return nil
}

// ReadUpload reads an upload form (multipart/form-data) of the API or the
// upload page. The body is bounded by MaxUploadBytes; the login layer may
// have parsed it already to find the CSRF field.
func ReadUpload(w http.ResponseWriter, r *http.Request) (UploadBatch, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return UploadBatch{}, Errorf(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"Dokumente werden als multipart/form-data eingeliefert (Feld %q je Datei).", FieldFiles)
	}
	if r.MultipartForm == nil {
		r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBytes)
		if err := r.ParseMultipartForm(uploadMemory); err != nil {
			if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
				return UploadBatch{}, Errorf(http.StatusRequestEntityTooLarge, "too_large",
					"Die Einlieferung ist zu groß (höchstens %d MB je Vorgang); bitte in kleineren Stapeln einliefern.", MaxUploadBytes>>20)
			}
			return UploadBatch{}, Errorf(http.StatusBadRequest, "bad_form", "Das Formular konnte nicht gelesen werden.")
		}
	}
	form := r.MultipartForm
	var b UploadBatch
	for _, fh := range form.File[FieldFiles] {
		// A browser sends an empty part for a file field left empty.
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		b.Files = append(b.Files, fh)
	}
	if len(b.Files) == 0 {
		return b, Errorf(http.StatusBadRequest, "no_files", "Bitte mindestens eine Datei auswählen.")
	}
	if len(b.Files) > MaxUploadFiles {
		return b, Errorf(http.StatusBadRequest, "too_many_files", "Höchstens %d Dateien je Einlieferung.", MaxUploadFiles)
	}
	value := func(name string) string {
		if v := form.Value[name]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	src := cmpOr(value(FieldSource), string(records.SourceMailroom))
	if b.Source, err = records.ParseSource(src); err != nil {
		return b, Errorf(http.StatusBadRequest, "bad_source", "Unbekannter Eingangskanal %q.", src)
	}
	proto := &records.ScanProtocol{Operator: value(FieldOperator), Station: value(FieldStation), Profile: value(FieldProfile)}
	for label, v := range map[string]string{"Scanner/Bediener": proto.Operator, "Station": proto.Station, "Profil": proto.Profile} {
		if utf8.RuneCountInString(v) > maxProtocolField || !utf8.ValidString(v) {
			return b, Errorf(http.StatusBadRequest, "bad_protocol", "%s: höchstens %d Zeichen.", label, maxProtocolField)
		}
	}
	if v := value(FieldDPI); v != "" {
		dpi, err := strconv.Atoi(v)
		if err != nil || dpi < 1 || dpi > 9600 {
			return b, Errorf(http.StatusBadRequest, "bad_dpi", "Die Auflösung ist eine Zahl von 1 bis 9600 (dpi).")
		}
		proto.DPI = dpi
	}
	if !proto.IsZero() {
		b.Protocol = proto
	}
	return b, nil
}

// Upload puts each file of the batch onto the intake stream and writes an
// audit event per accepted file, with the login as actor and the file
// name as personal data. A refused file does not stop the others; the
// result says for each what became of it. via names the way in ("api",
// "web").
func (o *Ops) Upload(ctx context.Context, p auth.Principal, via string, b UploadBatch) (UploadResult, error) {
	if o.d.Commands == nil {
		return UploadResult{}, noCommands()
	}
	res := UploadResult{Items: make([]UploadItem, 0, len(b.Files))}
	transient := false
	// The documents of a batch arrived together: one receipt time.
	received := time.Now()
	for _, fh := range b.Files {
		it := UploadItem{Name: fh.Filename}
		env, err := o.publish(ctx, fh, b, received)
		if err != nil {
			it.Error = uploadRefusal(err)
			if it.Error.Status == http.StatusServiceUnavailable {
				transient = true
				o.mailroomLog().Error("upload publish failed", "size", fh.Size, "error", err)
			}
			res.Items = append(res.Items, it)
			res.Refused++
			continue
		}
		at := env.ReceivedAt
		it.SHA256, it.Size, it.MediaType, it.ReceivedAt = env.SHA256, env.Size, env.MediaType, &at
		ev, err := audit.NewEvent(time.Now(), p.Login, ActionDocumentUploaded, "document", env.SHA256,
			map[string]any{"size": env.Size, "media_type": env.MediaType, "source": env.Source, "via": via,
				"scan_protocol": b.Protocol != nil},
			map[string]any{"name": fh.Filename})
		if err != nil {
			return UploadResult{}, err
		}
		if _, err := o.d.Store.AppendEvent(ctx, ev); err != nil {
			return UploadResult{}, fmt.Errorf("audit upload of %s: %w", env.SHA256, err)
		}
		res.Items = append(res.Items, it)
		res.Accepted++
	}
	if res.Accepted == 0 {
		if transient {
			res.Error = Errorf(http.StatusServiceUnavailable, "unavailable",
				"Die Einlieferung ist gerade nicht möglich; bitte später erneut versuchen.")
		} else {
			res.Error = Errorf(http.StatusUnprocessableEntity, "refused", "Keine Datei wurde angenommen; die Gründe stehen bei den Dateien.")
		}
	}
	return res, nil
}

func (o *Ops) publish(ctx context.Context, fh *multipart.FileHeader, b UploadBatch, received time.Time) (intake.Envelope, error) {
	if fh.Size == 0 {
		return intake.Envelope{}, intake.ErrEmpty
	}
	f, err := fh.Open()
	if err != nil {
		return intake.Envelope{}, fmt.Errorf("open uploaded part: %w", err)
	}
	defer func() { _ = f.Close() }()
	return o.d.Commands.Publish(ctx, intake.PublishRequest{Name: fh.Filename, Reader: f, Source: b.Source,
		ScanProtocol: b.Protocol, ReceivedAt: received})
}

// uploadRefusal says in German why a file was not accepted: the
// publisher's permanent errors are the sender's to fix (422), anything
// else is the system's and worth another try (503).
func uploadRefusal(err error) *Error {
	switch {
	case errors.Is(err, intake.ErrEmpty):
		return Errorf(http.StatusUnprocessableEntity, "empty", "Die Datei ist leer (0 Bytes).")
	case errors.Is(err, intake.ErrTooLarge):
		return Errorf(http.StatusUnprocessableEntity, "too_large", "Die Datei ist größer als für den Posteingang zugelassen.")
	case errors.Is(err, intake.ErrUnknownMediaType):
		return Errorf(http.StatusUnprocessableEntity, "unknown_media_type",
			"Dieses Dateiformat wird nicht angenommen; zulässig sind PDF, TIFF, PNG, JPEG und XML.")
	case errors.Is(err, intake.ErrBadSource):
		return Errorf(http.StatusUnprocessableEntity, "bad_source", "Unbekannter Eingangskanal.")
	case intake.IsPermanent(err):
		return Errorf(http.StatusUnprocessableEntity, "refused", "Die Datei kann nicht eingeliefert werden (z. B. ein ungültiger Dateiname).")
	}
	return Errorf(http.StatusServiceUnavailable, "unavailable", "Die Einlieferung ist gerade nicht möglich; bitte später erneut versuchen.")
}

// UploadStatus tells for each digest where the document stands: in the
// register once the workflow registered it, in quarantine when intake
// could not, else still on the intake stream.
func (o *Ops) UploadStatus(ctx context.Context, _ auth.Principal, digests []string) ([]UploadStatus, error) {
	if len(digests) == 0 {
		return nil, Errorf(http.StatusBadRequest, "no_documents", "Bitte mindestens eine SHA-256 angeben (sha256=…).")
	}
	if len(digests) > MaxStatusDocuments {
		return nil, Errorf(http.StatusBadRequest, "too_many_documents", "Höchstens %d Dokumente je Anfrage.", MaxStatusDocuments)
	}
	asked := digests
	digests = make([]string, len(asked))
	for i, d := range asked {
		digests[i] = strings.ToLower(strings.TrimSpace(d))
		if !blob.ValidDigest(digests[i]) {
			return nil, Errorf(http.StatusBadRequest, "bad_sha256", "%q ist keine SHA-256 (64 Hexadezimalziffern).", d)
		}
	}
	out := make([]UploadStatus, 0, len(digests))
	for _, d := range digests {
		e, err := o.d.Store.EntryBySHA256(ctx, d)
		switch {
		case err == nil:
			out = append(out, registeredStatus(e))
			continue
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
		// The newest item not yet retried: a retried item's document is
		// back on the stream.
		open, err := o.d.Store.Quarantined(ctx, store.QuarantineFilter{SHA256: d, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(open) == 1 {
			q := open[0]
			out = append(out, UploadStatus{SHA256: d, State: StateQuarantined, Label: "in Quarantäne", Final: true,
				QuarantineID: q.ID, Reason: q.Reason, ReasonLabel: QuarantineReasonLabel(q.Reason), Message: q.Message})
			continue
		}
		out = append(out, UploadStatus{SHA256: d, State: StateStream, Label: "im Eingang"})
	}
	return out, nil
}

func registeredStatus(e records.RegisterEntry) UploadStatus {
	s := UploadStatus{SHA256: e.SHA256, State: StateRegistered, Number: e.Number.String(), Status: e.Status, Name: e.OriginalName,
		Label: StatusLabel(e.Status)}
	switch e.Status {
	case records.StatusArchived, records.StatusAccepted, records.StatusRejected, records.StatusFailed:
		s.Final = true
	}
	return s
}

// StatusLabel says a register status in German, as the register page does.
func StatusLabel(s records.Status) string {
	switch s {
	case records.StatusRegistered:
		return "registriert"
	case records.StatusClassified:
		return "erkannt"
	case records.StatusArchived:
		return "archiviert (PDF/A)"
	case records.StatusFailed:
		return "fehlgeschlagen"
	case records.StatusAccepted:
		return "E-Rechnung formal geprüft, angenommen"
	case records.StatusRejected:
		return "E-Rechnung abgewiesen (Rücksendung)"
	}
	return string(s)
}

// QuarantineReasonLabel says a quarantine reason code in German.
func QuarantineReasonLabel(reason string) string {
	switch reason {
	case intake.ReasonBadEnvelope:
		return "Umschlag fehlerhaft"
	case intake.ReasonEmpty:
		return "Datei leer"
	case intake.ReasonTooLarge:
		return "Datei zu groß"
	case intake.ReasonUnknownMediaType:
		return "Dateiformat nicht angenommen"
	case intake.ReasonMissingObject:
		return "Inhalt fehlt im Objektspeicher oder weicht ab"
	case intake.ReasonStartRejected:
		return "Verarbeitung konnte nicht beginnen"
	case intake.ReasonRedeliveryExhausted:
		return "wiederholt fehlgeschlagen"
	}
	return reason
}

// QuarantineVersion is the entity tag of a quarantine item: how often it
// was retried, which is all that changes about it.
func QuarantineVersion(retryCount int) string { return ETag(strconv.Itoa(retryCount)) }

// RetryQuarantine puts a quarantined envelope back on the intake stream.
// ifMatch must name the item's version (QuarantineVersion), so a retry
// from a stale page is refused (412) instead of repeated; "*" retries an
// item only while it has never been retried (409 otherwise: a further,
// deliberate retry names the version). The retry is in the audit trail
// with the login as actor. via names the way in ("api", "web").
func (o *Ops) RetryQuarantine(ctx context.Context, p auth.Principal, via string, id int64, ifMatch string) (QuarantineEntry, error) {
	if o.d.Commands == nil {
		return QuarantineEntry{}, noCommands()
	}
	q, err := o.d.Store.QuarantineItem(ctx, id)
	if err != nil {
		return QuarantineEntry{}, notFound(err, "Den Quarantäne-Eintrag %d gibt es nicht.", id)
	}
	if err := RequireIfMatch(ifMatch, QuarantineVersion(q.RetryCount)); err != nil {
		return QuarantineEntry{}, err
	}
	if strings.TrimSpace(ifMatch) == "*" && q.RetriedAt != nil {
		return QuarantineEntry{}, Errorf(http.StatusConflict, "already_retried",
			"Der Eintrag %d wurde bereits am %s erneut eingestellt. Um ihn nochmals einzustellen, nennen Sie seine Version (If-Match: %s).",
			id, q.RetriedAt.In(records.RegisterLocation).Format("02.01.2006 um 15:04"), QuarantineVersion(q.RetryCount))
	}
	if len(q.Payload) == 0 {
		return QuarantineEntry{}, Errorf(http.StatusConflict, "no_payload", "Der Eintrag %d hat keinen Inhalt, der erneut eingestellt werden könnte.", id)
	}
	if err := o.d.Commands.Requeue(ctx, q); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return QuarantineEntry{}, e
		}
		o.mailroomLog().Error("quarantine retry failed", "quarantine", id, "error", err)
		return QuarantineEntry{}, Errorf(http.StatusServiceUnavailable, "unavailable",
			"Das erneute Einstellen ist gerade nicht möglich; bitte später erneut versuchen.")
	}
	ev, err := audit.NewEvent(time.Now(), p.Login, ActionQuarantineRetried, "quarantine", strconv.FormatInt(id, 10),
		map[string]any{"reason": q.Reason, "sha256": q.SHA256, "retry": q.RetryCount + 1, "via": via}, nil)
	if err != nil {
		return QuarantineEntry{}, err
	}
	if _, err := o.d.Store.AppendEvent(ctx, ev); err != nil {
		return QuarantineEntry{}, fmt.Errorf("audit retry of quarantine item %d: %w", id, err)
	}
	if after, err := o.d.Store.QuarantineItem(ctx, id); err == nil {
		q = after
	}
	return quarantineEntryOf(q), nil
}

func quarantineEntryOf(it store.QuarantineItem) QuarantineEntry {
	return QuarantineEntry{ID: it.ID, Reason: it.Reason, Message: it.Message, Subject: it.Subject, SHA256: it.SHA256,
		PayloadSize: len(it.Payload), CreatedAt: it.CreatedAt, RetriedAt: it.RetriedAt, RetryCount: it.RetryCount}
}

// mailroomLog is where the mailroom's operations report what only the
// operator needs to know (a transient NATS failure).
func (o *Ops) mailroomLog() *slog.Logger {
	if o.d.Log != nil {
		return o.d.Log
	}
	return slog.Default()
}
