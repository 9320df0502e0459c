package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/aktenfluss/aktenfluss/activities"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/workflows"
)

// DialTemporal connects a Temporal client as configured.
func DialTemporal(ctx context.Context, cfg config.TemporalConfig, log *slog.Logger) (client.Client, error) {
	opts := client.Options{
		HostPort:  cfg.Address,
		Namespace: cfg.Namespace,
		Logger:    tlog.NewStructuredLogger(log.With("component", "temporal-client")),
	}
	if cfg.TLS.Enabled || cfg.TLS.CertFile != "" || cfg.TLS.CAFile != "" {
		tc, err := temporalTLS(cfg.TLS)
		if err != nil {
			return nil, err
		}
		opts.ConnectionOptions.TLS = tc
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to temporal at %s: %w", cfg.Address, err)
	}
	return c, nil
}

func temporalTLS(cfg config.TLSConfig) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: cfg.ServerName}
	if cfg.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("temporal tls client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("temporal tls ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("temporal tls ca %s: no certificates found", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// NewInboundWorker registers InboundDocument and its activities on the
// inbound task queue: the bookkeeping steps and the e-invoice steps.
func NewInboundWorker(c client.Client, acts *activities.Inbound, inv *activities.EInvoices, rt *activities.Routing) worker.Worker {
	w := worker.New(c, workflows.TaskQueueInbound, worker.Options{})
	w.RegisterWorkflowWithOptions(workflows.InboundDocument, workflow.RegisterOptions{Name: workflows.InboundDocumentName})
	registerActivity(w, acts.StoreOriginal, workflows.ActivityStoreOriginal)
	registerActivity(w, acts.Register, workflows.ActivityRegister)
	registerActivity(w, acts.DetectKind, workflows.ActivityDetectKind)
	registerActivity(w, acts.MarkFailed, workflows.ActivityMarkFailed)
	registerActivity(w, acts.Quarantine, workflows.ActivityQuarantine)
	registerActivity(w, inv.CheckEInvoice, workflows.ActivityCheckEInvoice)
	registerActivity(w, inv.ReturnInvoiceToSender, workflows.ActivityReturnInvoice)
	registerActivity(w, rt.Extract, workflows.ActivityExtract)
	registerActivity(w, rt.Route, workflows.ActivityRoute)
	registerActivity(w, rt.AddTriage, workflows.ActivityAddTriage)
	registerActivity(w, rt.ApplyRouting, workflows.ActivityApplyRouting)
	return w
}

// NewTasksWorker registers ClerkTask, InvoiceApproval and their
// activities on the tasks task queue.
func NewTasksWorker(c client.Client, acts *activities.Tasks, ap *activities.Approval) worker.Worker {
	w := worker.New(c, workflows.TaskQueueTasks, worker.Options{})
	w.RegisterWorkflowWithOptions(workflows.ClerkTask, workflow.RegisterOptions{Name: workflows.ClerkTaskName})
	w.RegisterWorkflowWithOptions(workflows.InvoiceApproval, workflow.RegisterOptions{Name: workflows.InvoiceApprovalName})
	registerActivity(w, ap.LoadApproval, workflows.ActivityLoadApproval)
	registerActivity(w, ap.EnterStage, workflows.ActivityEnterStage)
	registerActivity(w, ap.RecordDecision, workflows.ActivityRecordDecision)
	registerActivity(w, ap.NotifyApproval, workflows.ActivityNotifyApproval)
	registerActivity(w, ap.ExportBooking, workflows.ActivityExportBooking)
	registerActivity(w, ap.CloseApproval, workflows.ActivityCloseApproval)
	registerActivity(w, acts.SaveTask, workflows.ActivitySaveTask)
	registerActivity(w, acts.LoadUnit, workflows.ActivityLoadUnit)
	registerActivity(w, acts.ResolveEscalation, workflows.ActivityResolveTarget)
	registerActivity(w, acts.NotifyTask, workflows.ActivityNotify)
	return w
}

// NewOCRWorker registers the archive activities on the ocr task queue.
func NewOCRWorker(c client.Client, acts *activities.Archive, slots int) worker.Worker {
	w := worker.New(c, workflows.TaskQueueOCR, worker.Options{MaxConcurrentActivityExecutionSize: slots})
	registerActivity(w, acts.OCRPage, workflows.ActivityOCRPage)
	registerActivity(w, acts.BuildArchive, workflows.ActivityBuildArchive)
	registerActivity(w, acts.ArchivePDF, workflows.ActivityArchivePDF)
	return w
}

func registerActivity(w worker.Worker, fn any, name string) {
	w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
}

// TemporalStarter starts InboundDocument for an intake envelope. It is the
// intake consumer's Starter: one workflow per sha256, however often the
// envelope is delivered.
type TemporalStarter struct {
	Client client.Client
}

// StartInbound implements intake.Starter. A run that is already going, or
// that completed, counts as started; a run that failed may be started anew
// (the register is idempotent on the sha256).
func (s TemporalStarter) StartInbound(ctx context.Context, env intake.Envelope) error {
	opts := client.StartWorkflowOptions{
		ID:                       workflows.InboundWorkflowID(env.SHA256),
		TaskQueue:                workflows.TaskQueueInbound,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}
	_, err := s.Client.ExecuteWorkflow(ctx, opts, workflows.InboundDocumentName, InboundInput(env))
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &already) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("start workflow %s: %w", opts.ID, err)
	}
	return nil
}

// InboundInput turns an intake envelope into the workflow input.
func InboundInput(env intake.Envelope) workflows.InboundInput {
	return workflows.InboundInput{
		SHA256:       env.SHA256,
		Size:         env.Size,
		MediaType:    env.MediaType,
		OriginalName: env.OriginalName,
		Source:       env.Source,
		ReceivedAt:   env.ReceivedAt,
		ScanProtocol: env.ScanProtocol,
		Object:       env.Object,
	}
}
