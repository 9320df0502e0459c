package einvoice

import "time"

// Report is the validation report of one e-invoice as it is stored beside
// the XML and handed back to a sender whose invoice was rejected: the
// verdict, the scenario the rules were chosen by, the key data and every
// finding. Its JSON form is stable; consumers outside aktenfluss (the
// outbound notice, finance systems) read it.
type Report struct {
	DocumentSHA256 string    `json:"document_sha256"` // the delivered file
	XMLSHA256      string    `json:"xml_sha256"`      // the invoice XML (same as the document for XML deliveries)
	XMLName        string    `json:"xml_name,omitempty"`
	Syntax         Syntax    `json:"syntax"`
	Scenario       string    `json:"scenario"`
	Accepted       bool      `json:"accepted"`
	Summary        Summary   `json:"summary"`
	Findings       []Finding `json:"findings"`
	// Attachments lists the documents embedded in the XML (BG-24) with the
	// outcome of their upload checks.
	Attachments []AttachmentCheck `json:"attachments"`
	// ReceivedAt is the legal receipt date of the invoice. The report
	// carries no time of its own, so validating the same delivery twice
	// gives the same bytes.
	ReceivedAt time.Time `json:"received_at"`
	// Rules is the number of rules the validator applies; with the version
	// of aktenfluss it pins down what was checked.
	Rules int `json:"rules"`
}

// AttachmentCheck is the outcome of checking one embedded attachment like
// an upload: size, declared against detected media type, and where its
// bytes were stored.
type AttachmentCheck struct {
	ID            string `json:"id"`
	Filename      string `json:"filename,omitempty"`
	DeclaredType  string `json:"declared_type,omitempty"`
	DetectedType  string `json:"detected_type,omitempty"`
	Size          int64  `json:"size"`
	SHA256        string `json:"sha256,omitempty"` // blob of the decoded bytes, when stored
	ExternalURI   string `json:"external_uri,omitempty"`
	Problem       string `json:"problem,omitempty"` // why it was not stored, if it was not
	ProblemGerman string `json:"problem_de,omitempty"`
}

// Counts returns the number of findings at level error or fatal and at
// level warning.
func Counts(findings []Finding) (errors, warnings int) {
	for _, f := range findings {
		switch f.Severity {
		case SeverityFatal, SeverityError:
			errors++
		case SeverityWarning:
			warnings++
		}
	}
	return errors, warnings
}
