package app

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/aktenfluss/aktenfluss/internal/approval"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// seedDemo gives the store the demo plan, organisation and first file.
func seedDemo(t *testing.T, st store.Store) records.File {
	t.Helper()
	numbers, err := records.NewFileNumberFormat("")
	if err != nil {
		t.Fatal(err)
	}
	file, err := SeedDemo(context.Background(), st, numbers)
	if err != nil {
		t.Fatal(err)
	}
	return file
}

// waitTask waits for the listing row of a clerk task.
func waitTask(t *testing.T, st store.Store, id string) records.Task {
	t.Helper()
	var task records.Task
	waitFor(t, "task "+id, 60*time.Second, func() (bool, error) {
		var err error
		task, err = st.Task(context.Background(), id)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	})
	return task
}

// TestRoutingThroughTheStack runs three documents through the embedded
// stack with the demo plan, organisation and rules: a letter quoting an
// existing file number lands in that file, an e-invoice starts approval in
// the receiving unit, and a letter no rule knows waits in triage until the
// registrar decides, then goes on.
func TestRoutingThroughTheStack(t *testing.T) {
	dir := t.TempDir()
	dev := startDev(t, dir, RunOptions{})
	st := openStore(t, dir)
	ctx := context.Background()
	file := seedDemo(t, st)
	if file.Number != "63.01.02-0001/2026" {
		t.Fatalf("demo file %s", file.Number)
	}
	pub, _ := dev.publisher(t)

	// 1. A letter quoting the file's number.
	letter := publish(t, pub, "nachreichung.pdf", TextPDF(
		"Erika Mustermann, Lindenallee 12, 12345 Musterstadt",
		"Stadt Musterstadt, Bauordnung, Rathausplatz 1, 12345 Musterstadt",
		"Ihr Zeichen: 63.01.02-0001/2026",
		"Musterstadt, 3. November 2026",
		"Nachreichung von Unterlagen zur Bauvoranfrage",
		"Sehr geehrte Damen und Herren,",
		"anbei die fehlenden Lageplaene.",
		"Mit freundlichen Gruessen",
		"Erika Mustermann"))
	task := waitTask(t, st, workflows.ClerkTaskIDPrefix+letter.SHA256)
	if task.Unit != "63" || task.FileNumber != file.Number || task.Status != records.TaskOpen || task.Kind != workflows.TaskKindDocument {
		t.Fatalf("letter task %+v", task)
	}
	filings, err := st.FilingsOf(ctx, letter.SHA256)
	if err != nil || len(filings) != 1 || filings[0].FileID != file.ID {
		t.Fatalf("letter filings %+v, %v", filings, err)
	}
	meta, err := st.DocumentMeta(ctx, letter.SHA256)
	if err != nil || meta.RoutingRule != "file-number" || meta.Unit != "63" {
		t.Fatalf("letter meta %+v, %v", meta, err)
	}

	// 2. An XRechnung to the municipality's Leitweg-ID.
	inv := publish(t, pub, "rechnung.xml", corpusInvoice(t, "01.01a-INVOICE_ubl.xml"))
	invRec := waitInvoiceRecord(t, st, inv.SHA256, 60*time.Second)
	stage := waitStage(t, st, invRec.ID, approval.StageFactual)
	if len(stage.Assignees) == 0 || !slices.Contains(stage.Assignees, "a.schneider") {
		t.Fatalf("invoice stage %+v", stage)
	}
	meta, err = st.DocumentMeta(ctx, inv.SHA256)
	if err != nil || meta.Type != "invoice" || meta.RoutingRule != "E-Rechnungen an die Gemeinde" || meta.LeitwegID != "04011000-12345-03" {
		t.Fatalf("invoice meta %+v, %v", meta, err)
	}

	// 3. A letter the rules do not know.
	unknown := publish(t, pub, "unklar.pdf", TextPDF("Zur Kenntnis.", "Gruss", "X"))
	var item records.TriageItem
	waitFor(t, "triage item", 60*time.Second, func() (bool, error) {
		var err error
		item, err = st.TriageByWorkflow(ctx, workflows.InboundWorkflowID(unknown.SHA256))
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	})
	if item.Status != records.TriageOpen || item.Reason == "" {
		t.Fatalf("triage item %+v", item)
	}
	c, err := client.Dial(client.Options{HostPort: dev.info.Temporal})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	decide := func(d workflows.TriageDecision) error {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: item.WorkflowID, UpdateName: workflows.UpdateTriageDecide,
			Args: []any{d}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err != nil {
			return err
		}
		return h.Get(ctx, nil)
	}
	if err := decide(workflows.TriageDecision{User: "r.poststelle", Actions: []workflows.RouteAction{{Kind: workflows.RouteAssign, Unit: "99"}}}); err == nil {
		t.Fatal("a decision naming an unknown unit was accepted")
	}
	err = decide(workflows.TriageDecision{User: "r.poststelle", Comment: "Anfrage an das Hauptamt", Actions: []workflows.RouteAction{
		{Kind: workflows.RouteOpenFile, PlanCode: "10.03.02", Title: "Anfrage"}, {Kind: workflows.RouteAssign, Unit: "10"}}})
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.InboundResult
	if err := c.GetWorkflow(ctx, item.WorkflowID, "").Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if res.Routing == nil || !res.Routing.Triage || res.Routing.DecidedBy != "r.poststelle" || res.Routing.FileNumber != "10.03.02-0001/2026" {
		t.Fatalf("routing after triage %+v", res.Routing)
	}
	for name, sha := range map[string]string{"file_number": letter.SHA256, "einvoice_approval": inv.SHA256} {
		var r workflows.InboundResult
		if err := c.GetWorkflow(ctx, workflows.InboundWorkflowID(sha), "").Get(ctx, &r); err != nil {
			t.Fatal(err)
		}
		if r.Routing == nil || len(r.Routing.Tasks) != 1 || (name == "einvoice_approval" && r.Routing.Tasks[0] != workflows.InvoiceApprovalID(invRec.ID)) {
			t.Fatalf("%s: routing %+v", name, r.Routing)
		}
		// The e-invoice's approval became its own workflow in v5; the v4
		// history (a clerk task of kind invoice-approval) stays as recorded.
		version := "v4"
		if name == "einvoice_approval" {
			version = "v5"
		}
		recordHistory(t, dev.info.Temporal, workflows.InboundWorkflowID(sha), "inbound_"+version+"_routed_"+name+".json")
	}
	recordHistory(t, dev.info.Temporal, item.WorkflowID, "inbound_v4_triage_decided.json")
	task = waitTask(t, st, workflows.ClerkTaskIDPrefix+unknown.SHA256)
	if task.Unit != "10" || task.FileNumber != "10.03.02-0001/2026" {
		t.Fatalf("task after triage %+v", task)
	}
	item, err = st.TriageByWorkflow(ctx, item.WorkflowID)
	if err != nil || item.Status != records.TriageDecided || item.DecidedBy != "r.poststelle" {
		t.Fatalf("triage item after decision %+v, %v", item, err)
	}
}
