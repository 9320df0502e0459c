package workflows

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// TestReplayRecordedHistories replays every history in testdata/ — recorded
// from runs on a real Temporal server (see app/history_test.go) — against
// the current workflow code. A change that alters the command order of a
// running workflow without workflow.GetVersion fails here.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata/")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			hist, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r := worker.NewWorkflowReplayer()
			switch name := hist.Events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName(); {
			case strings.HasPrefix(filepath.Base(path), "inbound_") && name == InboundDocumentName:
				r.RegisterWorkflowWithOptions(InboundDocument, workflow.RegisterOptions{Name: InboundDocumentName})
			case strings.HasPrefix(filepath.Base(path), "approval_") && name == InvoiceApprovalName:
				r.RegisterWorkflowWithOptions(InvoiceApproval, workflow.RegisterOptions{Name: InvoiceApprovalName})
			default:
				t.Fatalf("%s: a %s history under an unexpected name", path, name)
			}
			if err := r.ReplayWorkflowHistory(nil, hist); err != nil {
				t.Fatalf("replay %s: %v", path, err)
			}
		})
	}
}
