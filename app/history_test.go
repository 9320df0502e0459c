package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
)

// recordHistory writes the history of a workflow run to
// workflows/testdata/NAME when AKTENFLUSS_RECORD_HISTORY=1, so the replay
// tests in package workflows can check that later code still replays runs
// recorded from a real server. `make record-histories` sets it. Only the
// newest version's runs are recorded again; the files of older versions
// (inbound_v1…v3) stay as they were recorded, so the replay test keeps
// checking that runs started before a change still replay.
func recordHistory(t *testing.T, temporalAddr, workflowID, name string) {
	t.Helper()
	if os.Getenv("AKTENFLUSS_RECORD_HISTORY") != "1" {
		return
	}
	c, err := client.Dial(client.Options{HostPort: temporalAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	hist := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, ev)
	}
	raw, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "workflows", "testdata", name)
	if err := os.WriteFile(path, append(raw, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d events to %s", len(hist.Events), path)
}
