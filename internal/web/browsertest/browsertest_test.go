package browsertest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
)

// TestAxeFindsViolations: the checks are real — a page with known faults
// yields exactly the rules it breaks, and a clean page none.
func TestAxeFindsViolations(t *testing.T) {
	pages := map[string]string{
		"/bad": `<!doctype html><html><head><title>x</title></head><body>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color:#aaa;background:#fff">kaum lesbar</p>
<a href="/x"></a>
<input type="text">
</body></html>`,
		"/good": `<!doctype html><html lang="de"><head><title>Gut</title></head><body>
<main><h1>Gut</h1><p>lesbar</p><a href="/x">Weiter</a>
<label for="n">Name</label> <input id="n" type="text"></main>
</body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, pages[r.URL.Path])
	}))
	t.Cleanup(srv.Close)

	b := Start(t)
	b.Visit(srv.URL + "/bad")
	path := b.Screenshot("bad")
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	var ids []string
	for _, v := range b.Axe(t) {
		if len(v.Nodes) == 0 || len(v.Nodes[0].Target) == 0 {
			t.Errorf("%s without target", v.ID)
		}
		if v.Serious() {
			ids = append(ids, v.ID)
		}
	}
	slices.Sort(ids)
	want := []string{"color-contrast", "html-has-lang", "image-alt", "label", "link-name"}
	if !slices.Equal(ids, want) {
		t.Errorf("serious violations %v, want %v", ids, want)
	}

	b.Visit(srv.URL + "/good")
	if vs := b.Axe(t); len(vs) != 0 {
		t.Errorf("clean page: %v", vs)
	}
}
