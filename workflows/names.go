package workflows

// Workflow, activity and task-queue names are the wire contract between
// clients, workers and histories already recorded; they never change.
const (
	// InboundDocumentName is the workflow type of one inbound document.
	InboundDocumentName = "InboundDocument"

	// TaskQueueInbound carries InboundDocument and its light activities.
	TaskQueueInbound = "inbound"

	// InboundWorkflowIDPrefix + sha256 of the original is the workflow id:
	// one document, one workflow, however often it is delivered.
	InboundWorkflowIDPrefix = "inbound-"

	ActivityStoreOriginal = "StoreOriginal"
	ActivityRegister      = "Register"
	ActivityDetectKind    = "DetectKind"
	ActivityMarkFailed    = "MarkFailed"
	ActivityQuarantine    = "Quarantine"

	// QueryInboundStatus returns the InboundStatus of a running or closed run.
	QueryInboundStatus = "status"
)

// InboundWorkflowID is the id of the workflow for a document with this digest.
func InboundWorkflowID(sha256 string) string { return InboundWorkflowIDPrefix + sha256 }
