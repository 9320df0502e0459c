package devstack

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func echoWorkflow(ctx workflow.Context, s string) (string, error) {
	if err := workflow.Sleep(ctx, 10*time.Millisecond); err != nil {
		return "", err
	}
	return "echo " + s, nil
}

// TestTemporalSurvivesRestart runs a workflow, stops the server, starts it
// again on the same SQLite file and finds the closed run still there.
func TestTemporalSurvivesRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "temporal.db")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	srv, err := StartTemporal(TemporalOptions{DatabaseFile: db, LogFile: filepath.Join(t.TempDir(), "temporal.log")})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: srv.HostPort(), Namespace: srv.Namespace()})
	if err != nil {
		srv.Stop()
		t.Fatal(err)
	}
	w := worker.New(c, "devstack-test", worker.Options{})
	w.RegisterWorkflow(echoWorkflow)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "echo-1", TaskQueue: "devstack-test"}, echoWorkflow, "Akte")
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if err := run.Get(ctx, &out); err != nil || out != "echo Akte" {
		t.Fatalf("workflow result %q, %v", out, err)
	}
	w.Stop()
	c.Close()
	srv.Stop()

	srv, err = StartTemporal(TemporalOptions{DatabaseFile: db, LogFile: filepath.Join(t.TempDir(), "temporal2.log")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	c, err = client.DialContext(ctx, client.Options{HostPort: srv.HostPort(), Namespace: srv.Namespace()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	desc, err := c.DescribeWorkflowExecution(ctx, "echo-1", "")
	if err != nil {
		t.Fatalf("describe after restart: %v", err)
	}
	if got := desc.WorkflowExecutionInfo.Status.String(); got != "Completed" {
		t.Fatalf("status after restart = %s", got)
	}

	// The Web UI is served from the binary and reads from this server.
	ui, err := StartTemporalUI("127.0.0.1:0", srv.HostPort(), srv.Namespace())
	if err != nil {
		t.Fatal(err)
	}
	defer ui.Stop()
	resp, err := http.Get(ui.URL() + "/api/v1/namespaces/default/workflows/echo-1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "echo-1") {
		t.Fatalf("ui api: %d %s", resp.StatusCode, body)
	}
}
