package api

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/blob"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// world is a real SQLite store and blob store with two units, 63 and 20,
// and for each of them a document, a file, a task and an invoice, plus a
// document routed to no unit, a quarantined envelope and a triage item.
type world struct {
	srv    *httptest.Server
	st     store.Store
	routes []Route

	doc63, docInv63, doc20, docNone records.RegisterEntry
	bytes63                         []byte
	text63                          []byte
	file63, file20                  records.File
	task63, task20                  records.Task
	inv63, inv20                    records.Invoice

	cmds *recordingCommands

	mu      sync.Mutex
	audited []string // AuditRead calls: "login METHOD path"
}

// recordingCommands stands in for NATS and Temporal where the test is
// about the API's side of a write (access, input checks, what is sent):
// it records each command and answers as a running system does. The
// real path through NATS and Temporal is tested in app and the browser
// tests.
type recordingCommands struct {
	mu      sync.Mutex
	calls   []string // "publish NAME", "requeue ID", "update WORKFLOW UPDATE"
	args    []any
	refuse  string // when set, Update refuses with this reason
	closed  bool   // when set, Update answers that the workflow has ended
	publish func(req intake.PublishRequest) (intake.Envelope, error)
}

func (c *recordingCommands) record(call string, arg any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, call)
	c.args = append(c.args, arg)
}

func (c *recordingCommands) Publish(_ context.Context, req intake.PublishRequest) (intake.Envelope, error) {
	c.record("publish "+req.Name, req)
	if c.publish != nil {
		return c.publish(req)
	}
	b, err := io.ReadAll(req.Reader)
	if err != nil {
		return intake.Envelope{}, err
	}
	sum := sha256.Sum256(b)
	return intake.Envelope{V: 1, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b)), MediaType: "application/pdf",
		OriginalName: req.Name, Source: req.Source, ReceivedAt: time.Now().UTC()}, nil
}

func (c *recordingCommands) Requeue(_ context.Context, item store.QuarantineItem) error {
	c.record("requeue "+strconv.FormatInt(item.ID, 10), item)
	return nil
}

func (c *recordingCommands) Update(_ context.Context, workflowID, update string, arg, _ any) error {
	c.record("update "+workflowID+" "+update, arg)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.refuse != "":
		return Refused(c.refuse)
	case c.closed:
		return Closed()
	}
	return nil
}

func (c *recordingCommands) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

// principals: one per role. Every one is a member of unit 63, so that
// "own unit" means the same for all and membership alone is seen to grant
// nothing.
var principals = func() map[string]auth.Principal {
	out := map[string]auth.Principal{}
	for _, r := range auth.AllRoles {
		out[string(r)] = auth.Principal{Login: string(r), Roles: []auth.Role{r}, Units: []string{"63"}}
	}
	return out
}()

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/x.db")
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	blobs, err := blob.NewFS(t.TempDir())
	require.NoError(t, err)
	w := &world{st: st}

	require.NoError(t, st.ReplaceOrganisation(ctx, records.Organisation{Units: []records.Unit{
		{Code: "20", Name: "Kämmerei", Lead: "lead20", Members: []string{"clerk20"}},
		{Code: "63", Name: "Bauordnungsamt", Lead: "lead63", Members: []string{"clerk", "approver"}},
	}}))
	plan, err := records.NewFilePlan([]records.PlanNode{
		{Code: "20", Title: "Finanzverwaltung", RetentionYears: 10, Unit: "20"},
		{Code: "63", Title: "Bauordnung", RetentionYears: 30, Unit: "63"},
	})
	require.NoError(t, err)
	require.NoError(t, st.ReplaceFilePlan(ctx, plan))
	format, err := records.NewFileNumberFormat("")
	require.NoError(t, err)

	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	register := func(name string, body []byte) records.RegisterEntry {
		ref, err := blobs.Put(ctx, bytes.NewReader(body), "")
		require.NoError(t, err)
		e, _, err := st.Register(ctx, records.NewEntry{SHA256: ref.SHA256, Size: ref.Size, MediaType: "application/pdf",
			OriginalName: name, Source: records.SourceMailroom, ReceivedAt: at, WorkflowID: "inbound-" + name})
		require.NoError(t, err)
		return e
	}
	w.bytes63 = []byte("%PDF-1.7 Bauantrag Gartenhaus")
	w.doc63 = register("bauantrag.pdf", w.bytes63)
	w.docInv63 = register("rechnung63.pdf", []byte("%PDF-1.7 Rechnung Gerüstbau"))
	w.doc20 = register("rechnung20.pdf", []byte("%PDF-1.7 Rechnung Büromaterial"))
	w.docNone = register("unklar.pdf", []byte("%PDF-1.7 unklarer Brief"))

	w.text63 = []byte("Bauantrag Gartenhaus\f")
	ref, err := blobs.Put(ctx, bytes.NewReader(w.text63), "")
	require.NoError(t, err)
	_, _, err = st.AddRendition(ctx, records.Rendition{DocumentSHA256: w.doc63.SHA256, Kind: records.RenditionText,
		BlobSHA256: ref.SHA256, Size: ref.Size, MediaType: "text/plain; charset=utf-8", CreatedAt: at})
	require.NoError(t, err)

	for _, m := range []records.DocumentMeta{
		{DocumentSHA256: w.doc63.SHA256, Type: "letter", Subject: "Bauantrag", Unit: "63"},
		{DocumentSHA256: w.docInv63.SHA256, Type: "invoice", Unit: "63"},
		{DocumentSHA256: w.doc20.SHA256, Type: "invoice", Unit: "20"},
		{DocumentSHA256: w.docNone.SHA256, Type: "other"},
	} {
		require.NoError(t, st.PutDocumentMeta(ctx, m))
	}
	w.file63, _, err = st.CreateFile(ctx, records.NewFile{PlanCode: "63", Title: "Gartenhaus", CreatedAt: at, CreatedBy: "clerk"}, format)
	require.NoError(t, err)
	w.file20, _, err = st.CreateFile(ctx, records.NewFile{PlanCode: "20", Title: "Büromaterial", CreatedAt: at, CreatedBy: "clerk20"}, format)
	require.NoError(t, err)
	require.Equal(t, "63", w.file63.Unit)
	require.Contains(t, w.file63.Number, "/", "the Aktenzeichen needs escaping in a path")
	_, err = st.CreateProcess(ctx, w.file63.ID, "Baugenehmigung", "clerk", at)
	require.NoError(t, err)
	for _, fl := range []records.Filing{
		{DocumentSHA256: w.doc63.SHA256, FileID: w.file63.ID, FiledAt: at, FiledBy: "clerk"},
		{DocumentSHA256: w.doc20.SHA256, FileID: w.file20.ID, FiledAt: at, FiledBy: "clerk20"},
	} {
		_, _, err := st.FileDocument(ctx, fl)
		require.NoError(t, err)
	}

	invoice := func(e records.RegisterEntry, number string) records.Invoice {
		inv, _, err := st.AddInvoice(ctx, records.Invoice{DocumentSHA256: e.SHA256, WorkflowID: "invoice-" + number,
			Syntax: records.SyntaxPaper, Number: number, IssueDate: "2026-03-01", Currency: "EUR", SellerName: "Gerüst GmbH",
			NetTotal: "100.00", GrossTotal: "119.00", Payable: "119.00", Status: records.InvoiceAccepted, DuplicateKey: "k-" + number})
		require.NoError(t, err)
		return inv
	}
	w.inv63 = invoice(w.docInv63, "R-63")
	w.inv20 = invoice(w.doc20, "R-20")
	_, err = st.SetInvoiceStage(ctx, records.InvoiceStage{InvoiceID: w.inv20.ID, Stage: "factual", Assignees: []string{"clerk20"}, Since: at})
	require.NoError(t, err)
	_, _, err = st.AddApproval(ctx, records.Approval{InvoiceID: w.inv20.ID, Seq: 1, Stage: "formal", User: "system:einvoice",
		Approve: true, At: at, WorkflowID: "approval-R-20"})
	require.NoError(t, err)

	w.task63 = records.Task{ID: "clerk-task-63", DocumentSHA256: w.doc63.SHA256, Title: "Bauantrag", Kind: "document",
		Unit: "63", Status: records.TaskOpen, Version: 1, CreatedAt: at, UpdatedAt: at}
	w.task20 = records.Task{ID: "clerk-task-20", DocumentSHA256: w.doc20.SHA256, Title: "Rechnung", Kind: "invoice-approval",
		Unit: "20", Status: records.TaskOpen, Version: 3, CreatedAt: at, UpdatedAt: at}
	for _, tk := range []records.Task{w.task63, w.task20} {
		_, err := st.PutTask(ctx, tk)
		require.NoError(t, err)
	}
	_, err = st.AddQuarantine(ctx, store.QuarantineItem{Reason: "bad-envelope", Message: "kein JSON", Subject: "intake.scan", Payload: []byte("{")})
	require.NoError(t, err)
	_, _, err = st.AddTriage(ctx, records.TriageItem{DocumentSHA256: w.docNone.SHA256, WorkflowID: "inbound-unklar.pdf",
		Reason: "keine Regel passt", CreatedAt: at})
	require.NoError(t, err)
	require.NoError(t, st.IndexDocuments(ctx, []records.SearchDoc{
		{DocumentSHA256: w.doc63.SHA256, Title: "Bauantrag", Type: "letter", Unit: "63", Date: "2026-03-02", Body: "Bauantrag Gartenhaus"},
		{DocumentSHA256: w.doc20.SHA256, Title: "Rechnung", Type: "invoice", Unit: "20", Date: "2026-03-02", Body: "Rechnung Gartenhaus Zaun"},
		{DocumentSHA256: w.docNone.SHA256, Title: "Unklar", Type: "other", Date: "2026-03-02", Body: "Gartenhaus ohne Zuordnung"},
	}))
	for _, r := range auth.AllRoles {
		_, err := st.PutUser(ctx, store.User{Login: string(r), Name: "Person " + string(r), Roles: []string{string(r)},
			PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"})
		require.NoError(t, err)
	}

	w.cmds = &recordingCommands{}
	w.routes = Routes(Deps{
		Store: st, Blobs: blobs, Commands: w.cmds, Numbers: format,
		Timeline: func(_ context.Context, kind, id, actor string) (audit.Report, error) {
			return audit.Report{Subject: audit.Subject{Kind: kind, ID: id}, GeneratedBy: actor}, nil
		},
		Verify: func(context.Context) (audit.Result, error) { return audit.Result{OK: true}, nil },
	})
	a := &API{
		Routes: w.routes,
		Principal: func(r *http.Request) (auth.Principal, bool) {
			p, ok := principals[r.Header.Get("X-Test-Role")]
			return p, ok
		},
		AuditRead: func(r *http.Request, p auth.Principal, rt Route) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.audited = append(w.audited, p.Login+" "+rt.Method+" "+r.URL.Path)
			return nil
		},
		Log: func(_ *http.Request, err error) { t.Errorf("internal error: %v", err) },
	}
	mux := http.NewServeMux()
	require.NoError(t, a.Mount(mux))
	w.srv = httptest.NewServer(mux)
	t.Cleanup(w.srv.Close)
	return w
}

func (w *world) get(t *testing.T, role, path string) (*http.Response, []byte) {
	t.Helper()
	return w.do(t, role, http.MethodGet, call{url: path})
}

// call is one request of the matrix: a URL, and for a write its body
// (JSON unless contentType says otherwise). Writes are sent with
// If-Match: * so the matrix asks about access, not versions.
type call struct {
	url, body, contentType string
}

func (w *world) do(t *testing.T, role, method string, c call) (*http.Response, []byte) {
	t.Helper()
	var in io.Reader
	if c.body != "" {
		in = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(method, w.srv.URL+c.url, in)
	require.NoError(t, err)
	if role != "" {
		req.Header.Set("X-Test-Role", role)
	}
	if method != http.MethodGet {
		req.Header.Set("If-Match", "*")
		req.Header.Set("Content-Type", cmp.Or(c.contentType, "application/json"))
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// routeMatrix is the expected access, written out by hand: for each route
// and role, "+" allowed (2xx) or "-" denied (403); routes about one object
// have two marks, for an object of the principal's own unit (63) and of
// another unit (20). It is not derived from the route table or from
// auth.Rules: a route added without a row fails the test, and so does a
// row without a route.
const routeMatrix = `
route                                mailroom  clerk  approver  auditor  registrar  admin
GET /api/register                    +         -      -         +        +          +
GET /api/documents/{id}              --        +-     +-        ++       ++         --
GET /api/documents/{id}/content      --        +-     +-        ++       ++         --
GET /api/quarantine                  +         -      -         +        -          -
GET /api/search                      -         +      +         +        +          -
GET /api/files                       -         +      +         +        +          -
GET /api/files/{number}              --        +-     +-        ++       ++         --
GET /api/tasks                       -         +      +         +        -          -
GET /api/tasks/{id}                  --        +-     +-        ++       --         --
GET /api/triage                      -         -      -         +        +          -
GET /api/invoices                    -         +      +         +        -          -
GET /api/invoices/{id}               --        +-     +-        ++       --         --
GET /api/audit/verify                -         -      -         +        -          -
GET /api/audit/timeline              -         -      -         +        -          -
GET /api/audit/export                -         -      -         +        -          -
GET /api/units                       -         -      -         -        -          +
GET /api/fileplan                    -         -      -         -        -          +
GET /api/users                       -         -      -         -        -          +
`

// matrix is the whole expected access: the read routes' rows and those of
// the write routes, kept beside their tests.
var matrix = routeMatrix + workMatrix + mailroomMatrix + adminWriteMatrix

// calls are the requests the matrix asks: the reads' URLs and the writes'
// calls.
func (w *world) calls(t *testing.T) map[string][]call {
	out := map[string][]call{}
	for k, urls := range w.requests() {
		for _, u := range urls {
			out[k] = append(out[k], call{url: u})
		}
	}
	for _, m := range []map[string][]call{w.workCalls(t), w.mailroomCalls(t), w.adminWriteCalls(t)} {
		for k, cs := range m {
			require.NotContains(t, out, k, "calls for %s twice", k)
			out[k] = cs
		}
	}
	return out
}

// requests are the URLs the matrix asks of the read routes: one for a
// route bound to no object, own-unit and other-unit object for the others.
func (w *world) requests() map[string][]string {
	return map[string][]string{
		"GET /api/register":               {"/api/register?year=2026"},
		"GET /api/documents/{id}":         {"/api/documents/" + w.doc63.SHA256, "/api/documents/" + w.doc20.Number.String()},
		"GET /api/documents/{id}/content": {"/api/documents/" + w.doc63.SHA256 + "/content?rendition=text", "/api/documents/" + w.doc20.SHA256 + "/content"},
		"GET /api/quarantine":             {"/api/quarantine"},
		"GET /api/search":                 {"/api/search?q=Gartenhaus"},
		"GET /api/files":                  {"/api/files"},
		"GET /api/files/{number}":         {"/api/files/" + url.PathEscape(w.file63.Number), "/api/files/" + url.PathEscape(w.file20.Number)},
		"GET /api/tasks":                  {"/api/tasks?status=open"},
		"GET /api/tasks/{id}":             {"/api/tasks/" + w.task63.ID, "/api/tasks/" + w.task20.ID},
		"GET /api/triage":                 {"/api/triage"},
		"GET /api/invoices":               {"/api/invoices"},
		"GET /api/invoices/{id}":          {"/api/invoices/" + itoa(w.inv63.ID), "/api/invoices/" + itoa(w.inv20.ID)},
		"GET /api/audit/verify":           {"/api/audit/verify"},
		"GET /api/audit/timeline":         {"/api/audit/timeline?kind=document&id=" + w.doc63.SHA256},
		"GET /api/audit/export":           {"/api/audit/export?kind=document&format=csv&id=" + w.doc63.SHA256},
		"GET /api/units":                  {"/api/units"},
		"GET /api/fileplan":               {"/api/fileplan"},
		"GET /api/users":                  {"/api/users"},
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestRouteAuthorisationMatrix sends every route × role × own/other unit
// through the mux and compares the status with routeMatrix.
func TestRouteAuthorisationMatrix(t *testing.T) {
	w := newWorld(t)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(matrix), "\n") {
		if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, "route ") || len(lines) == 0 {
			lines = append(lines, l)
		}
	}
	head := strings.Fields(lines[0])
	require.Equal(t, "route", head[0])
	var roles []auth.Role
	for _, h := range head[1:] {
		r, err := auth.ParseRole(h)
		require.NoError(t, err)
		roles = append(roles, r)
	}
	require.ElementsMatch(t, auth.AllRoles, roles, "a column for every role, and no other")
	want := map[string][]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		require.Len(t, f, 2+len(roles), "row %q", l)
		key := f[0] + " " + f[1]
		require.NotContains(t, want, key, "row %s twice", key)
		want[key] = f[2:]
	}
	reqs := w.calls(t)
	seen := map[string]bool{}
	for _, rt := range w.routes {
		key := rt.Method + " " + rt.Path
		seen[key] = true
		marks, ok := want[key]
		require.True(t, ok, "route %s has no row in routeMatrix", key)
		urls, ok := reqs[key]
		require.True(t, ok, "route %s has no request in the test", key)
		bound := rt.Units != nil
		if bound {
			require.Len(t, urls, 2, "%s is about one object: own and other unit", key)
		} else {
			require.Len(t, urls, 1, "%s is bound to no object", key)
		}
		for i, role := range roles {
			require.Len(t, marks[i], len(urls), "%s × %s: one mark per object", key, role)
			for j, u := range urls {
				resp, body := w.do(t, string(role), rt.Method, u)
				allowed := marks[i][j] == '+'
				obj := []string{"own unit", "other unit"}[j]
				switch {
				case allowed && (resp.StatusCode < 200 || resp.StatusCode > 299):
					t.Errorf("%s × %s (%s): %d %s, want 2xx", key, role, obj, resp.StatusCode, body)
				case !allowed && resp.StatusCode != http.StatusForbidden:
					t.Errorf("%s × %s (%s): %d, want 403", key, role, obj, resp.StatusCode)
				case !allowed && !bytes.HasPrefix(body, []byte(`{"error":{"code":"forbidden"`)):
					t.Errorf("%s × %s (%s): error shape %s", key, role, obj, body)
				}
			}
		}
	}
	for key := range want {
		require.True(t, seen[key], "routeMatrix row %s has no route", key)
	}
}

// TestDocumentWithoutUnit: a document routing placed nowhere is bound to
// NoUnit, so only readers of all units see it.
func TestDocumentWithoutUnit(t *testing.T) {
	w := newWorld(t)
	for role, status := range map[string]int{"clerk": 403, "approver": 403, "mailroom": 403, "admin": 403, "registrar": 200, "auditor": 200} {
		resp, body := w.get(t, role, "/api/documents/"+w.docNone.SHA256)
		require.Equal(t, status, resp.StatusCode, "%s: %s", role, body)
	}
	_, body := w.get(t, "registrar", "/api/documents/"+w.docNone.SHA256)
	var d Document
	require.NoError(t, json.Unmarshal(body, &d))
	require.Equal(t, []string{NoUnit}, d.Units)
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(body, &v), "%s", body)
	return v
}

// TestListingsNarrowed: a clerk of 63 sees 63's files, tasks, invoices and
// search hits only; the auditor sees all.
func TestListingsNarrowed(t *testing.T) {
	w := newWorld(t)
	fileNumbers := func(role string) []string {
		_, body := w.get(t, role, "/api/files")
		var out []string
		for _, f := range decode[List[records.File]](t, body).Items {
			out = append(out, f.Number)
		}
		return out
	}
	require.Equal(t, []string{w.file63.Number}, fileNumbers("clerk"))
	require.ElementsMatch(t, []string{w.file63.Number, w.file20.Number}, fileNumbers("auditor"))

	taskIDs := func(role, query string) []string {
		_, body := w.get(t, role, "/api/tasks"+query)
		var out []string
		for _, tk := range decode[List[records.Task]](t, body).Items {
			out = append(out, tk.ID)
		}
		return out
	}
	require.Equal(t, []string{w.task63.ID}, taskIDs("clerk", ""))
	require.Empty(t, taskIDs("clerk", "?unit=20"), "asking for another unit's inbox gives nothing")
	require.ElementsMatch(t, []string{w.task63.ID, w.task20.ID}, taskIDs("auditor", ""))

	invoiceIDs := func(role string) []int64 {
		_, body := w.get(t, role, "/api/invoices")
		l := decode[List[records.Invoice]](t, body)
		var out []int64
		for _, inv := range l.Items {
			out = append(out, inv.ID)
		}
		require.Equal(t, len(out), l.Total)
		return out
	}
	require.Equal(t, []int64{w.inv63.ID}, invoiceIDs("approver"))
	require.ElementsMatch(t, []int64{w.inv63.ID, w.inv20.ID}, invoiceIDs("auditor"))

	hits := func(role string) []string {
		_, body := w.get(t, role, "/api/search?q=Gartenhaus")
		var out []string
		for _, h := range decode[SearchResult](t, body).Items {
			out = append(out, h.DocumentSHA256)
		}
		return out
	}
	require.Equal(t, []string{w.doc63.SHA256}, hits("clerk"))
	require.ElementsMatch(t, []string{w.doc63.SHA256, w.doc20.SHA256, w.docNone.SHA256}, hits("registrar"))

	evs, err := w.st.Events(context.Background(), "search", "clerk")
	require.NoError(t, err)
	require.NotEmpty(t, evs, "a search is in the audit trail")
	require.Equal(t, audit.ActionSearch, evs[0].Action)
	require.Contains(t, string(evs[0].Personal), "Gartenhaus", "the words are personal data")
	require.NotContains(t, string(evs[0].Details), "Gartenhaus")

	// Pagination over the narrowed listing.
	resp, body := w.get(t, "auditor", "/api/files?limit=1")
	l := decode[List[records.File]](t, body)
	require.Equal(t, 2, l.Total)
	require.Len(t, l.Items, 1)
	require.Contains(t, resp.Header.Get("Link"), "offset=1")

	// Users: no password hash, anywhere.
	_, body = w.get(t, "admin", "/api/users")
	require.NotContains(t, string(body), "argon2id")
	us := decode[List[User]](t, body)
	require.Len(t, us.Items, len(auth.AllRoles))
	require.True(t, us.Items[0].HasPassword)
}

// TestDownloadAudited: the content arrives as stored, with its type and
// the blob digest as ETag, and the trail has the download with the
// principal as actor.
func TestDownloadAudited(t *testing.T) {
	w := newWorld(t)
	resp, body := w.get(t, "clerk", "/api/documents/"+w.doc63.Number.String()+"/content")
	require.Equal(t, 200, resp.StatusCode, "%s", body)
	require.Equal(t, w.bytes63, body)
	require.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	require.Equal(t, `"`+w.doc63.SHA256+`"`, resp.Header.Get("ETag"))
	require.Contains(t, resp.Header.Get("Content-Disposition"), "bauantrag.pdf")

	resp, body = w.get(t, "clerk", "/api/documents/"+w.doc63.SHA256+"/content?rendition=text")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, w.text63, body)
	require.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))

	resp, body = w.get(t, "clerk", "/api/documents/"+w.doc63.SHA256+"/content?rendition=archival-pdf")
	require.Equal(t, 404, resp.StatusCode)
	require.Contains(t, string(body), `"code":"no_rendition"`)

	evs, err := w.st.Events(context.Background(), "document", w.doc63.SHA256)
	require.NoError(t, err)
	var downloads []audit.Event
	for _, ev := range evs {
		if ev.Action == audit.ActionDocumentDownloaded {
			downloads = append(downloads, ev)
		}
	}
	require.Len(t, downloads, 2, "two downloads, the missing rendition is none")
	for _, ev := range downloads {
		require.Equal(t, "clerk", ev.Actor)
	}
	require.Contains(t, string(downloads[0].Details), `"rendition":"original"`)
	require.Contains(t, string(downloads[1].Details), `"rendition":"text"`)

	// A denied download is not logged as one.
	resp, _ = w.get(t, "clerk", "/api/documents/"+w.doc20.SHA256+"/content")
	require.Equal(t, 403, resp.StatusCode)
	evs, err = w.st.Events(context.Background(), "document", w.doc20.SHA256)
	require.NoError(t, err)
	for _, ev := range evs {
		require.NotEqual(t, audit.ActionDocumentDownloaded, ev.Action)
	}
}

// TestAuditorReadsAudited: every read of an auditor goes through
// API.AuditRead; a clerk's does not.
func TestAuditorReadsAudited(t *testing.T) {
	w := newWorld(t)
	resp, _ := w.get(t, "auditor", "/api/documents/"+w.doc20.SHA256)
	require.Equal(t, 200, resp.StatusCode)
	resp, _ = w.get(t, "clerk", "/api/documents/"+w.doc63.SHA256)
	require.Equal(t, 200, resp.StatusCode)
	resp, body := w.get(t, "auditor", "/api/audit/timeline?kind=invoice&id="+itoa(w.inv20.ID))
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "auditor", decode[audit.Report](t, body).GeneratedBy)
	w.mu.Lock()
	defer w.mu.Unlock()
	require.Equal(t, []string{
		"auditor GET /api/documents/" + w.doc20.SHA256,
		"auditor GET /api/audit/timeline",
	}, w.audited)
}

// TestRouteOpenAPI: the document lists every route with its action.
func TestRouteOpenAPI(t *testing.T) {
	w := newWorld(t)
	_, body := w.get(t, "", "/api/openapi.json")
	doc := decode[map[string]any](t, body)
	paths := doc["paths"].(map[string]any)
	for _, rt := range w.routes {
		item, ok := paths[rt.Path].(map[string]any)
		require.True(t, ok, "path %s missing", rt.Path)
		op, ok := item[strings.ToLower(rt.Method)].(map[string]any)
		require.True(t, ok, "%s %s missing", rt.Method, rt.Path)
		require.Equal(t, string(rt.Action), op["x-aktenfluss-action"])
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	entry := schemas["Entry"].(map[string]any)["properties"].(map[string]any)
	require.Contains(t, entry, "number", "the register number is in the entry schema")
	require.NotContains(t, schemas["User"].(map[string]any)["properties"], "password_hash")
}

// TestNotFoundAndBadIDs: unknown objects are 404, malformed ids 400, both
// in the one error shape.
func TestNotFoundAndBadIDs(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"/api/documents/" + strings.Repeat("0", 64), 404, "not_found"},
		{"/api/documents/2026-999999", 404, "not_found"},
		{"/api/documents/2026-999999/content", 404, "not_found"},
		{"/api/documents/quatsch", 400, "bad_id"},
		{"/api/files/" + url.PathEscape("63-0999/2026"), 404, "not_found"},
		{"/api/tasks/no-such-task", 404, "not_found"},
		{"/api/invoices/999", 404, "not_found"},
		{"/api/invoices/abc", 400, "bad_id"},
		{"/api/audit/timeline?kind=case&id=1", 400, "bad_kind"},
		{"/api/register?source=brieftaube", 400, "bad_source"},
	} {
		resp, body := w.get(t, "auditor", tc.path)
		require.Equal(t, tc.status, resp.StatusCode, "%s: %s", tc.path, body)
		require.True(t, bytes.HasPrefix(body, []byte(`{"error":{"code":"`+tc.code+`"`)), "%s: %s", tc.path, body)
	}
}

// TestFileNumberWithSlash: the Aktenzeichen 63-0001/2026 arrives as
// 63-0001%2F2026; ServeMux matches it as one segment and PathValue gives
// it back unescaped.
func TestFileNumberWithSlash(t *testing.T) {
	w := newWorld(t)
	path := "/api/files/" + url.PathEscape(w.file63.Number)
	require.Contains(t, path, "%2F")
	resp, body := w.get(t, "clerk", path)
	require.Equal(t, 200, resp.StatusCode, "%s", body)
	d := decode[FileDetail](t, body)
	require.Equal(t, w.file63.Number, d.File.Number)
	require.Len(t, d.Processes, 1)
	require.Len(t, d.Filings, 1)
	require.Equal(t, w.doc63.SHA256, d.Filings[0].DocumentSHA256)
	etag := resp.Header.Get("ETag")
	require.NotEmpty(t, etag)

	req, err := http.NewRequest(http.MethodGet, w.srv.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("X-Test-Role", "clerk")
	req.Header.Set("If-None-Match", etag)
	resp2, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp2.Body.Close()
	require.Equal(t, http.StatusNotModified, resp2.StatusCode)

	evs, err := w.st.Events(context.Background(), "file", w.file63.Number)
	require.NoError(t, err)
	require.True(t, slices.ContainsFunc(evs, func(e audit.Event) bool { return e.Action == audit.ActionFileRead && e.Actor == "clerk" }))

	// Unescaped, the slash splits the path: no route.
	resp, _ = w.get(t, "clerk", "/api/files/"+w.file63.Number)
	require.Equal(t, 404, resp.StatusCode)
}

// TestDetailsAndUnavailable: the document and invoice views carry what
// they promise; a server without Verify or Timeline says 503.
func TestDetailsAndUnavailable(t *testing.T) {
	w := newWorld(t)
	_, body := w.get(t, "clerk", "/api/documents/"+w.doc63.SHA256)
	d := decode[Document](t, body)
	require.Equal(t, w.doc63.Number.String(), d.Entry.Number)
	require.NotNil(t, d.Meta)
	require.Len(t, d.Renditions, 1)
	require.Len(t, d.Filings, 1)
	require.Nil(t, d.InvoiceID)
	require.Equal(t, []string{"63"}, d.Units)

	_, body = w.get(t, "auditor", "/api/documents/"+w.doc20.SHA256)
	require.Equal(t, w.inv20.ID, *decode[Document](t, body).InvoiceID)

	resp, body := w.get(t, "auditor", "/api/invoices/"+itoa(w.inv20.ID))
	require.Equal(t, 200, resp.StatusCode)
	inv := decode[InvoiceDetail](t, body)
	require.NotNil(t, inv.Stage)
	require.Equal(t, "factual", inv.Stage.Stage)
	require.Len(t, inv.Approvals, 1)
	require.Equal(t, []string{"20"}, inv.Units)

	resp, _ = w.get(t, "clerk", "/api/tasks/"+w.task63.ID)
	require.Equal(t, `"1"`, resp.Header.Get("ETag"))

	bare := Routes(Deps{Store: w.st})
	mux := http.NewServeMux()
	require.NoError(t, (&API{Routes: bare, Principal: func(*http.Request) (auth.Principal, bool) {
		return principals["auditor"], true
	}}).Mount(mux))
	for _, p := range []string{"/api/audit/verify", "/api/audit/timeline?kind=file&id=x"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		require.Equal(t, http.StatusServiceUnavailable, rec.Code, p)
		require.Contains(t, rec.Body.String(), `"code":"unavailable"`)
	}
}
