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
)

// InboundWorkflowID is the id of the workflow for a document with this digest.
func InboundWorkflowID(sha256 string) string { return InboundWorkflowIDPrefix + sha256 }
