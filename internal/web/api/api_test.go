package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/auth"
)

type thing struct {
	ID      string    `json:"id"`
	Unit    string    `json:"unit"`
	Version int       `json:"version"`
	Changed time.Time `json:"changed"`
	Note    *string   `json:"note,omitempty"`
}

type fixture struct {
	srv     *httptest.Server
	things  map[string]*thing
	audited []string
	logged  []error
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{things: map[string]*thing{"a": {ID: "a", Unit: "63", Version: 1}, "b": {ID: "b", Unit: "20", Version: 1}, "c": {ID: "c", Unit: "63", Version: 1}}}
	principals := map[string]auth.Principal{
		"clerk63": {Login: "clerk63", Roles: []auth.Role{auth.RoleClerk}, Units: []string{"63"}},
		"auditor": {Login: "auditor", Roles: []auth.Role{auth.RoleAuditor}},
		"admin":   {Login: "admin", Roles: []auth.Role{auth.RoleAdmin}, Units: []string{"63"}},
	}
	unitsOf := func(r *http.Request) ([]string, error) {
		th, ok := f.things[r.PathValue("id")]
		if !ok {
			return nil, Errorf(http.StatusNotFound, "not_found", "Diesen Vorgang gibt es nicht.")
		}
		return []string{th.Unit}, nil
	}
	a := &API{
		Title: "test",
		Principal: func(r *http.Request) (auth.Principal, bool) {
			p, ok := principals[r.Header.Get("X-Test-User")]
			return p, ok
		},
		AuditRead: func(r *http.Request, p auth.Principal, rt Route) error {
			f.audited = append(f.audited, p.Login+" "+rt.Method+" "+r.URL.Path)
			return nil
		},
		Log: func(_ *http.Request, err error) { f.logged = append(f.logged, err) },
		Routes: []Route{
			{Method: "GET", Path: "/api/things", Action: auth.ActSearch, Summary: "Vorgänge auflisten", Tag: "Test",
				Query: []Param{{Name: "limit", Type: "integer"}, {Name: "offset", Type: "integer"}}, Response: List[thing]{},
				Handle: func(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
					limit, offset, err := PageOf(r)
					if err != nil {
						return err
					}
					all := []thing{*f.things["a"], *f.things["b"], *f.things["c"]}
					var mine []thing
					for _, th := range all {
						if auth.Decide(p, auth.ActDocumentRead, auth.Resource{Units: []string{th.Unit}}).Allowed {
							mine = append(mine, th)
						}
					}
					end := min(offset+limit, len(mine))
					WriteList(w, r, List[thing]{Items: mine[min(offset, end):end], Total: len(mine), Limit: limit, Offset: offset})
					return nil
				}},
			{Method: "GET", Path: "/api/things/{id}", Action: auth.ActDocumentRead, Summary: "Einen Vorgang lesen", Units: unitsOf, Response: thing{},
				Handle: func(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
					th := f.things[r.PathValue("id")]
					WriteJSON(w, r, th, ETag(fmt.Sprint(th.Version)))
					return nil
				}},
			{Method: "PUT", Path: "/api/things/{id}", Action: auth.ActFileWrite, Summary: "Einen Vorgang ändern", Units: unitsOf, Body: thing{}, Response: thing{},
				Handle: func(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
					th := f.things[r.PathValue("id")]
					if err := RequireIfMatch(r.Header.Get("If-Match"), ETag(fmt.Sprint(th.Version))); err != nil {
						return err
					}
					th.Version++
					WriteJSON(w, r, th, ETag(fmt.Sprint(th.Version)))
					return nil
				}},
			{Method: "GET", Path: "/api/broken", Action: auth.ActSearch, Summary: "Kaputt",
				Handle: func(http.ResponseWriter, *http.Request, auth.Principal) error {
					return errors.New("database on fire at 10.0.0.7")
				}},
		},
	}
	mux := http.NewServeMux()
	if err := a.Mount(mux); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) do(t *testing.T, method, path, user string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestAccessErrorsETagsPages(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		method, path, user string
		hdr                map[string]string
		status             int
		want               string
	}{
		{"GET", "/api/things/a", "", nil, 401, `"code":"unauthenticated"`},
		{"GET", "/api/things/a", "clerk63", nil, 200, `"id":"a"`},
		{"GET", "/api/things/a", "clerk63", map[string]string{"If-None-Match": `"1"`}, 304, ""},
		{"GET", "/api/things/b", "clerk63", nil, 403, `"code":"forbidden"`},
		{"GET", "/api/things/zz", "clerk63", nil, 404, `"message":"Diesen Vorgang gibt es nicht."`},
		{"GET", "/api/things/b", "admin", nil, 403, "Administration"},
		{"GET", "/api/things/b", "auditor", nil, 200, `"unit":"20"`},
		{"PUT", "/api/things/b", "auditor", nil, 403, `"code":"forbidden"`},
		{"PUT", "/api/things/a", "clerk63", nil, 428, `"code":"if_match_required"`},
		{"PUT", "/api/things/a", "clerk63", map[string]string{"If-Match": `"7"`}, 412, `"code":"changed"`},
		{"PUT", "/api/things/a", "clerk63", map[string]string{"If-Match": `"1"`}, 200, `"version":2`},
		{"GET", "/api/things?limit=0", "clerk63", nil, 400, `"code":"bad_limit"`},
		{"GET", "/api/broken", "clerk63", nil, 500, "Interner Fehler"},
	} {
		resp, body := f.do(t, tc.method, tc.path, tc.user, tc.hdr)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s as %q: %d %s, want %d with %s", tc.method, tc.path, tc.user, resp.StatusCode, body, tc.status, tc.want)
		}
		if tc.status >= 400 && !strings.HasPrefix(body, `{"error":{`) {
			t.Errorf("%s %s: error shape %s", tc.method, tc.path, body)
		}
	}
	if len(f.audited) != 1 || f.audited[0] != "auditor GET /api/things/b" {
		t.Errorf("audited reads %v", f.audited)
	}
	if len(f.logged) != 1 || !strings.Contains(f.logged[0].Error(), "on fire") {
		t.Errorf("logged %v", f.logged)
	}

	resp, body := f.do(t, "GET", "/api/things?limit=1", "clerk63", nil)
	var page List[thing]
	if err := json.Unmarshal([]byte(body), &page); err != nil || page.Total != 2 || len(page.Items) != 1 || page.Items[0].ID != "a" {
		t.Fatalf("page %s %v", body, err)
	}
	if link := resp.Header.Get("Link"); !strings.Contains(link, "offset=1") || !strings.Contains(link, `rel="next"`) {
		t.Errorf("link %q", link)
	}
	resp, _ = f.do(t, "GET", "/api/things?limit=1&offset=1", "clerk63", nil)
	if resp.Header.Get("Link") != "" {
		t.Error("a last page links on")
	}
}

func TestOpenAPIDocument(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do(t, "GET", "/api/openapi.json", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("openapi: %d", resp.StatusCode)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.0.3" {
		t.Errorf("version %v", doc["openapi"])
	}
	paths := doc["paths"].(map[string]any)
	item := paths["/api/things/{id}"].(map[string]any)
	get, put := item["get"].(map[string]any), item["put"].(map[string]any)
	if get["x-aktenfluss-action"] != "document.read" || put["requestBody"] == nil || get["operationId"] == put["operationId"] {
		t.Errorf("operations %v %v", get, put)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	if _, ok := schemas["ListOfthing"]; !ok {
		t.Errorf("schemas %v", schemas)
	}
	// Every $ref resolves, every operationId is unique.
	ids := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, found := schemas[strings.TrimPrefix(ref, "#/components/schemas/")]; !found {
					t.Errorf("dangling $ref %s", ref)
				}
			}
			if id, ok := v["operationId"].(string); ok {
				if ids[id] {
					t.Errorf("operationId %s twice", id)
				}
				ids[id] = true
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if len(ids) != 4 {
		t.Errorf("%d operations", len(ids))
	}
	thingSchema := schemas["thing"].(map[string]any)
	props := thingSchema["properties"].(map[string]any)
	if props["changed"].(map[string]any)["format"] != "date-time" || props["note"].(map[string]any)["nullable"] != true {
		t.Errorf("thing schema %v", thingSchema)
	}
}

func TestMountRefusesBadTables(t *testing.T) {
	h := func(http.ResponseWriter, *http.Request, auth.Principal) error { return nil }
	for _, routes := range [][]Route{
		{{Method: "GET", Path: "/api/x", Action: "nothing.real", Summary: "x", Handle: h}},
		{{Method: "GET", Path: "/api/x", Action: auth.ActSearch, Handle: h}},
		{{Method: "GET", Path: "/api/x", Action: auth.ActSearch, Summary: "x", Handle: h}, {Method: "GET", Path: "/api/x", Action: auth.ActSearch, Summary: "y", Handle: h}},
	} {
		if err := (&API{Routes: routes}).Mount(http.NewServeMux()); err == nil {
			t.Errorf("accepted %v", routes)
		}
	}
}
