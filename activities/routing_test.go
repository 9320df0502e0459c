package activities

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/routing"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// routingFixture is a registered letter with a text rendition, in a store
// with the sample plan, a small organisation and one open and one closed
// file.
type routingFixture struct {
	*fixture
	acts         *Routing
	doc, wfID    string
	open, closed records.File
}

func newRoutingFixture(t *testing.T, letter string) *routingFixture {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	plan, err := records.ParsePlanYAML(records.SampleFilePlanYAML())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.ReplaceFilePlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	org := records.Organisation{Units: []records.Unit{
		{Code: "10", Name: "Hauptamt", Lead: "h"},
		{Code: "20.1", Name: "Rechnungseingang", Lead: "m"},
		{Code: "63", Name: "Bauordnung", Lead: "g", Members: []string{"e"}},
	}}
	if err := f.store.ReplaceOrganisation(ctx, org); err != nil {
		t.Fatal(err)
	}
	numbers, err := records.NewFileNumberFormat("")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	open, _, err := f.store.CreateFile(ctx, records.NewFile{PlanCode: "63.01.02", Title: "Bauvoranfrage", CreatedAt: at, CreatedBy: "g"}, numbers)
	if err != nil {
		t.Fatal(err)
	}
	closed, _, err := f.store.CreateFile(ctx, records.NewFile{PlanCode: "63.01.02", Title: "Alt", CreatedAt: at, CreatedBy: "g"}, numbers)
	if err != nil {
		t.Fatal(err)
	}
	if closed, err = f.store.CloseFile(ctx, closed.Number, at.Add(time.Hour), "g"); err != nil {
		t.Fatal(err)
	}
	original, err := f.blobs.Put(ctx, bytes.NewReader([]byte("%PDF "+letter)), "")
	if err != nil {
		t.Fatal(err)
	}
	text, err := f.blobs.Put(ctx, bytes.NewReader([]byte(letter)), "")
	if err != nil {
		t.Fatal(err)
	}
	wfID := workflows.InboundWorkflowID(original.SHA256)
	if _, _, err := f.store.Register(ctx, records.NewEntry{SHA256: original.SHA256, Size: original.Size, MediaType: "application/pdf",
		OriginalName: "brief.pdf", Source: records.SourceMailroom, ReceivedAt: at.Add(24 * time.Hour), WorkflowID: wfID}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.store.AddRendition(ctx, records.Rendition{DocumentSHA256: original.SHA256, Kind: records.RenditionText,
		BlobSHA256: text.SHA256, Size: text.Size, MediaType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	rules, err := routing.Parse(routing.Example())
	if err != nil {
		t.Fatal(err)
	}
	return &routingFixture{fixture: f, doc: original.SHA256, wfID: wfID, open: open, closed: closed,
		acts: &Routing{Store: f.store, Blobs: f.blobs, Rules: rules, Numbers: numbers}}
}

func (f *routingFixture) extractAndRoute(t *testing.T) (workflows.ExtractOutput, workflows.RouteDecision) {
	t.Helper()
	ctx := context.Background()
	ex, err := f.acts.Extract(ctx, workflows.ExtractInput{WorkflowID: f.wfID, Document: f.doc, Kind: records.KindPDFText, Title: "brief.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.acts.Route(ctx, workflows.RouteInput{WorkflowID: f.wfID, Document: f.doc})
	if err != nil {
		t.Fatal(err)
	}
	return ex, d
}

const letterTemplate = `Erika Mustermann
Lindenallee 12
12345 Musterstadt

Gemeinde Musterstadt
Bauordnung
Rathausplatz 1
12345 Musterstadt

Ihr Zeichen: %s
Musterstadt, 3. November 2026

Nachreichung von Unterlagen

Sehr geehrte Damen und Herren,

anbei erhalten Sie die fehlenden Unterlagen zu meiner Anfrage.

Mit freundlichen Grüßen
Erika Mustermann
`

func TestRoutingFilesALetterIntoItsFileOnce(t *testing.T) {
	f := newRoutingFixture(t, fmt.Sprintf(letterTemplate, "63.01.02-0001/2026"))
	ctx := context.Background()
	ex, d := f.extractAndRoute(t)
	if ex.FileNumber != f.open.Number {
		t.Fatalf("extracted file number %q, want %q", ex.FileNumber, f.open.Number)
	}
	if d.Rule != routing.BuiltinRule || d.Triage || len(d.Actions) != 2 {
		t.Fatalf("decision %+v", d)
	}
	in := workflows.ApplyRoutingInput{WorkflowID: f.wfID, Document: f.doc, Decision: d, By: workflows.ActorRouting, At: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)}
	var outs []workflows.ApplyRoutingOutput
	for range 2 { // a retried activity files once
		out, err := f.acts.ApplyRouting(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	if outs[0].FileNumber != f.open.Number || outs[0].Unit != "63" || len(outs[0].Tasks) != 1 || outs[0].Tasks[0].Kind != workflows.TaskKindDocument {
		t.Fatalf("apply %+v", outs[0])
	}
	filings, err := f.store.Filings(ctx, f.open.ID)
	if err != nil || len(filings) != 1 || filings[0].DocumentSHA256 != f.doc || filings[0].FiledBy != workflows.ActorRouting {
		t.Fatalf("filings %+v, %v", filings, err)
	}
	meta, err := f.store.DocumentMeta(ctx, f.doc)
	if err != nil || meta.RoutingRule != routing.BuiltinRule || meta.Unit != "63" || meta.RoutingReason == "" || meta.LetterDate != "2026-11-03" {
		t.Fatalf("meta %+v, %v", meta, err)
	}
	// The unit sees it in search now; another unit does not.
	res, err := f.store.Search(ctx, store.SearchQuery{Text: "Unterlagen", Viewer: store.Viewer{Units: []string{"63"}}})
	if err != nil || res.Total != 1 || res.Hits[0].FileNumber != f.open.Number {
		t.Fatalf("search as 63: %+v, %v", res, err)
	}
	res, err = f.store.Search(ctx, store.SearchQuery{Text: "Unterlagen", Viewer: store.Viewer{Units: []string{"10"}}})
	if err != nil || res.Total != 0 {
		t.Fatalf("search as 10: %+v, %v", res, err)
	}
	evs, err := f.store.Events(ctx, "document", f.doc)
	if err != nil {
		t.Fatal(err)
	}
	routed := 0
	for _, e := range evs {
		if e.Action == "document.routed" {
			routed++
		}
	}
	if routed != 1 {
		t.Errorf("%d document.routed events", routed)
	}
}

func TestRoutingNeverFilesIntoAClosedFile(t *testing.T) {
	f := newRoutingFixture(t, fmt.Sprintf(letterTemplate, "63.01.02-0002/2026"))
	ctx := context.Background()
	ex, d := f.extractAndRoute(t)
	if ex.FileNumber != f.closed.Number {
		t.Fatalf("the closed file's number was not recognised: %+v", ex)
	}
	if !d.Triage {
		t.Fatalf("decision %+v", d)
	}
	// A registrar who names the closed file is refused, without a retry.
	_, err := f.acts.ApplyRouting(ctx, workflows.ApplyRoutingInput{WorkflowID: f.wfID, Document: f.doc, CheckOnly: true,
		Decision: workflows.RouteDecision{Actions: []workflows.RouteAction{{Kind: workflows.RouteFile, FileNumber: f.closed.Number}}}})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Type() != workflows.ErrTypeBadDecision {
		t.Fatalf("closed file: %v", err)
	}
}

func TestTriageThenOpenANewFile(t *testing.T) {
	f := newRoutingFixture(t, "Ein Schreiben ohne Bezug.")
	ctx := context.Background()
	_, d := f.extractAndRoute(t)
	if !d.Triage {
		t.Fatalf("decision %+v", d)
	}
	add := workflows.AddTriageInput{WorkflowID: f.wfID, Document: f.doc, Suggestion: d}
	first, err := f.acts.AddTriage(ctx, add)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.acts.AddTriage(ctx, add)
	if err != nil || again.ItemID != first.ItemID {
		t.Fatalf("second AddTriage: %+v, %v", again, err)
	}
	if len(first.Units) != 3 || len(first.PlanCodes) < 50 {
		t.Fatalf("triage lists %d units, %d plan codes", len(first.Units), len(first.PlanCodes))
	}
	items, err := f.store.TriageItems(ctx, false, 10, 0)
	if err != nil || len(items) != 1 {
		t.Fatalf("open triage items %+v, %v", items, err)
	}
	decision := workflows.RouteDecision{Rule: "triage", Reason: "Entscheidung der Registratur", Triage: true, Actions: []workflows.RouteAction{
		{Kind: workflows.RouteOpenFile, PlanCode: "10.03.02", Title: "Anfrage {sender}"}, {Kind: workflows.RouteAssign, Unit: "10"}}}
	in := workflows.ApplyRoutingInput{WorkflowID: f.wfID, Document: f.doc, Decision: decision, By: "registrar", At: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	out1, err := f.acts.ApplyRouting(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	out2, err := f.acts.ApplyRouting(ctx, in)
	if err != nil || out2.FileNumber != out1.FileNumber {
		t.Fatalf("retry opened another file: %+v / %+v, %v", out1, out2, err)
	}
	if out1.FileNumber != "10.03.02-0001/2026" || out1.Unit != "10" {
		t.Fatalf("apply %+v", out1)
	}
	files, err := f.store.Files(ctx, store.FileFilter{PlanCode: "10.03.02"})
	if err != nil || len(files) != 1 {
		t.Fatalf("files %+v, %v", files, err)
	}
	items, err = f.store.TriageItems(ctx, false, 10, 0)
	if err != nil || len(items) != 0 {
		t.Fatalf("triage item still open: %+v, %v", items, err)
	}
	item, err := f.store.TriageByWorkflow(ctx, f.wfID)
	if err != nil || item.DecidedBy != "registrar" || item.Status != records.TriageDecided {
		t.Fatalf("triage item %+v, %v", item, err)
	}
}
