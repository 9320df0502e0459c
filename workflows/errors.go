package workflows

// Non-retryable application error types. Activities return them for input
// that no retry can fix (a damaged or encrypted file, bytes that do not match
// their digest); the workflow then records the failure instead of retrying
// for ever.
const (
	ErrTypeUnreadable     = "Unreadable"     // the document cannot be parsed (broken, encrypted, unsafe XML)
	ErrTypeDigestMismatch = "DigestMismatch" // bytes do not hash to the announced sha256
	ErrTypeMissingObject  = "MissingObject"  // the intake object store no longer has the bytes
	ErrTypeEmptyTextLayer = "EmptyTextLayer" // a page shows text but OCR found none
	ErrTypeNotPDFA        = "NotPDFA"        // the archival PDF failed the PDF/A self-check
	ErrTypeBadDecision    = "BadDecision"    // a routing decision names a file that is missing or closed
)
