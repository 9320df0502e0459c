package activities

import (
	"context"
	"testing"

	"github.com/aktenfluss/aktenfluss/internal/routing"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// TestRoutingUsesTheNewestStoredRules: without a stored version the file's
// rules decide; a version saved meanwhile decides the next document, with
// the same activity struct (no restart).
func TestRoutingUsesTheNewestStoredRules(t *testing.T) {
	f := newRoutingFixture(t, "Ein Schreiben ohne Bezug zur Gartenhütte.")
	ctx := context.Background()
	rr, ok := store.RoutingRulesOf(f.store)
	if !ok {
		t.Fatal("the SQL store keeps routing rules")
	}
	f.acts.Source = &StoredRules{Store: rr, File: f.acts.Rules}

	_, d := f.extractAndRoute(t)
	if !d.Triage {
		t.Fatalf("with the file's rules: %+v, want triage", d)
	}
	const saved = `rules:
  - name: Gartenhütten
    when:
      text: ['gartenhütte']
    then:
      - kind: assign
        unit: "63"
`
	if _, err := routing.Parse([]byte(saved)); err != nil {
		t.Fatal(err)
	}
	if _, err := rr.SaveRoutingRules(ctx, saved, "admin", 0); err != nil {
		t.Fatal(err)
	}
	d, err := f.acts.Route(ctx, workflows.RouteInput{WorkflowID: f.wfID, Document: f.doc})
	if err != nil {
		t.Fatal(err)
	}
	if d.Triage || d.Rule != "Gartenhütten" || len(d.Actions) != 1 || d.Actions[0].Unit != "63" {
		t.Fatalf("with the stored rules: %+v", d)
	}
}
