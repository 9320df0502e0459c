package workflows

// Workflow, activity and task-queue names are the wire contract between
// clients, workers and histories already recorded; they never change.
const (
	// InboundDocumentName is the workflow type of one inbound document.
	InboundDocumentName = "InboundDocument"

	// TaskQueueInbound carries InboundDocument and its light activities.
	TaskQueueInbound = "inbound"
	// TaskQueueOCR carries page OCR and PDF/A assembly, so OCR workers
	// (CPU-bound, Tesseract) scale out apart from everything else.
	TaskQueueOCR = "ocr"

	// InboundWorkflowIDPrefix + sha256 of the original is the workflow id:
	// one document, one workflow, however often it is delivered.
	InboundWorkflowIDPrefix = "inbound-"

	ActivityStoreOriginal = "StoreOriginal"
	ActivityRegister      = "Register"
	ActivityDetectKind    = "DetectKind"
	ActivityMarkFailed    = "MarkFailed"
	ActivityQuarantine    = "Quarantine"
	ActivityOCRPage       = "OCRPage"
	ActivityBuildArchive  = "BuildArchive"
	ActivityArchivePDF    = "ArchivePDF"
	ActivityCheckEInvoice = "CheckEInvoice"
	ActivityReturnInvoice = "ReturnInvoiceToSender"

	// ChangeArchive adds OCR, PDF/A and renditions after kind detection;
	// runs started before it end after detection, as they always did.
	ChangeArchive = "2026-11-24-archive"

	// ChangeEInvoice adds the e-invoice steps (validate, store XML, report
	// and rendition, invoice record, return to sender) for the kinds
	// xml-ubl, xml-cii and pdf-einvoice.
	ChangeEInvoice = "2026-11-24-einvoice"

	// QueryInboundStatus returns the InboundStatus of a running or closed run.
	QueryInboundStatus = "status"

	// ChangeRouting adds extraction, routing, the triage wait and the
	// hand-over to a ClerkTask after the archive or e-invoice steps.
	ChangeRouting = "2026-11-24-routing"

	ActivityExtract      = "Extract"
	ActivityRoute        = "Route"
	ActivityAddTriage    = "AddTriage"
	ActivityApplyRouting = "ApplyRouting"

	// UpdateTriageDecide is the registrar's decision on a document in the
	// triage queue (TriageDecision); its validator refuses an unknown unit,
	// file or plan code before anything reaches history.
	UpdateTriageDecide = "triage-decide"
)

// The clerk task: one document in one unit's inbox, from the inbox to done.
const (
	// ClerkTaskName is the workflow type of a clerk task.
	ClerkTaskName = "ClerkTask"
	// TaskQueueTasks carries ClerkTask and its activities.
	TaskQueueTasks = "tasks"
	// ClerkTaskIDPrefix + the document's sha256 is the workflow id; an
	// invoice approval adds "-approval", a forwarded task's successor
	// ClerkTaskForwardSuffix + n.
	ClerkTaskIDPrefix = "task-"

	// Human steps, each an Update with a validator.
	UpdateTaskClaim    = "claim"
	UpdateTaskDone     = "done"
	UpdateTaskForward  = "forward"
	UpdateTaskFollowUp = "follow-up"
	// QueryTaskStatus returns the TaskStatus.
	QueryTaskStatus = "status"

	ActivitySaveTask      = "SaveTask"
	ActivityResolveTarget = "ResolveEscalation"
	ActivityNotify        = "NotifyTask"
)

// InboundWorkflowID is the id of the workflow for a document with this digest.
func InboundWorkflowID(sha256 string) string { return InboundWorkflowIDPrefix + sha256 }

// Further names of the clerk task.
const (
	// ActivityLoadUnit loads the UnitSnapshot the update validators check
	// membership, deputies and absences against.
	ActivityLoadUnit = "LoadUnit"

	// ErrTypeUnknownUnit: the task names a unit the organisation does not
	// have; no retry can fix that.
	ErrTypeUnknownUnit = "UnknownUnit"
	// ErrTypeTaskRefused: an update validator refused a step (wrong
	// person, closed task, date in the past); the message is German.
	ErrTypeTaskRefused = "TaskRefused"
	// ErrTypeForwardFailed: the successor of a forward could not start;
	// the task stays where it is.
	ErrTypeForwardFailed = "ForwardFailed"

	// ClerkTaskForwardSuffix + n ends the workflow id of the n-th
	// successor in a chain of forwards: task-<sha>-f1, task-<sha>-f2, …
	ClerkTaskForwardSuffix = "-f"

	// ActorTasks is the actor of steps no person took (reminders,
	// escalations, a follow-up coming due).
	ActorTasks = "system:tasks"
)
