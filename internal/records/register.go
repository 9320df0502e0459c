package records

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the register year must not depend on the host's zoneinfo
)

// Source is the channel a document arrived through.
type Source string

const (
	SourceMailroom Source = "mailroom" // scanned paper post from the Poststelle
	SourceEmail    Source = "email"
	SourceEInvoice Source = "einvoice" // e-invoice channel (Peppol, ZRE/OZG-RE, web entry)
	SourceUpload   Source = "upload"   // browser or API upload
)

// Sources lists every valid source in a fixed order.
var Sources = []Source{SourceMailroom, SourceEmail, SourceEInvoice, SourceUpload}

// ParseSource validates a source name.
func ParseSource(s string) (Source, error) {
	for _, v := range Sources {
		if string(v) == s {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown source %q (expected one of mailroom, email, einvoice, upload)", s)
}

// Kind is what a document turned out to be once its bytes were inspected.
type Kind string

const (
	KindUnknown     Kind = ""             // not yet inspected
	KindScanImage   Kind = "scan-image"   // TIFF, PNG or JPEG capture
	KindPDFScan     Kind = "pdf-scan"     // PDF whose pages are images without a text layer
	KindPDFText     Kind = "pdf-text"     // born-digital PDF, or a PDF with a text layer
	KindXMLUBL      Kind = "xml-ubl"      // UBL 2.1 Invoice or CreditNote
	KindXMLCII      Kind = "xml-cii"      // UN/CEFACT CII (XRechnung CII, Factur-X XML)
	KindXMLOther    Kind = "xml-other"    // XML that is no known e-invoice syntax
	KindPDFEInvoice Kind = "pdf-einvoice" // hybrid PDF carrying an e-invoice XML (ZUGFeRD/Factur-X)
)

// Status is where a register entry stands in processing.
type Status string

const (
	StatusRegistered Status = "registered" // in the Posteingangsbuch, original stored
	StatusClassified Status = "classified" // kind detected
	StatusArchived   Status = "archived"   // archival PDF/A and text stored beside the original
	StatusFailed     Status = "failed"     // processing stopped with an error; see the audit trail
	StatusAccepted   Status = "accepted"   // e-invoice passed the formal check; renditions stored
	StatusRejected   Status = "rejected"   // e-invoice failed the formal check; goes back to the sender
)

// ScanProtocol is the Transfervermerk in the sense of BSI TR-RESISCAN: who
// captured the document, when, where and how, and which checks were done.
// Fields are optional at intake; later steps (OCR) fill pages and resolution.
type ScanProtocol struct {
	Operator      string     `json:"operator,omitempty"`
	Station       string     `json:"station,omitempty"`
	Profile       string     `json:"profile,omitempty"`
	ScannedAt     *time.Time `json:"scanned_at,omitempty"`
	Pages         int        `json:"pages,omitempty"`
	DPI           int        `json:"dpi,omitempty"`
	CaptureSHA256 string     `json:"capture_sha256,omitempty"`
	Checks        []string   `json:"checks,omitempty"`
}

// IsZero reports whether no field of the protocol is set.
func (p *ScanProtocol) IsZero() bool {
	return p == nil || (p.Operator == "" && p.Station == "" && p.Profile == "" && p.ScannedAt == nil &&
		p.Pages == 0 && p.DPI == 0 && p.CaptureSHA256 == "" && len(p.Checks) == 0)
}

// RegisterNumber is the running number in the Posteingangsbuch: gap-free per
// year, written as 2026-000123.
type RegisterNumber struct {
	Year int
	Seq  int64
}

func (n RegisterNumber) String() string { return fmt.Sprintf("%04d-%06d", n.Year, n.Seq) }

// ParseRegisterNumber reads a number written as YYYY-NNNNNN.
func ParseRegisterNumber(s string) (RegisterNumber, error) {
	y, seq, ok := strings.Cut(s, "-")
	if !ok || len(y) != 4 || len(seq) < 6 {
		return RegisterNumber{}, fmt.Errorf("register number %q: expected YYYY-NNNNNN", s)
	}
	year, err := strconv.Atoi(y)
	if err != nil {
		return RegisterNumber{}, fmt.Errorf("register number %q: year: %w", s, err)
	}
	n, err := strconv.ParseInt(seq, 10, 64)
	if err != nil || n < 1 {
		return RegisterNumber{}, fmt.Errorf("register number %q: running number must be positive", s)
	}
	return RegisterNumber{Year: year, Seq: n}, nil
}

// RegisterLocation is the time zone the register year and the legal receipt
// date are counted in: German authorities count in German local time, so a
// letter received at 23:30 UTC on 31 December 2026 is in the 2027 register.
var RegisterLocation = mustLoadBerlin()

func mustLoadBerlin() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic("records: embedded tzdata lacks Europe/Berlin: " + err.Error())
	}
	return loc
}

// RegisterYear is the register year of a receipt time.
func RegisterYear(receivedAt time.Time) int { return receivedAt.In(RegisterLocation).Year() }

// NewEntry is what the workflow knows when it registers a document.
type NewEntry struct {
	SHA256       string        `json:"sha256"`
	Size         int64         `json:"size"`
	MediaType    string        `json:"media_type"`
	OriginalName string        `json:"original_name"`
	Source       Source        `json:"source"`
	ReceivedAt   time.Time     `json:"received_at"` // legal receipt date (Eingangsdatum)
	ScanProtocol *ScanProtocol `json:"scan_protocol,omitempty"`
	WorkflowID   string        `json:"workflow_id"`
}

// RegisterEntry is one line of the Posteingangsbuch.
type RegisterEntry struct {
	ID           int64          `json:"id"`
	Number       RegisterNumber `json:"-"`
	SHA256       string         `json:"sha256"`
	Size         int64          `json:"size"`
	MediaType    string         `json:"media_type"`
	OriginalName string         `json:"original_name"`
	Source       Source         `json:"source"`
	ReceivedAt   time.Time      `json:"received_at"`
	RegisteredAt time.Time      `json:"registered_at"`
	ScanProtocol *ScanProtocol  `json:"scan_protocol,omitempty"`
	WorkflowID   string         `json:"workflow_id"`
	Kind         Kind           `json:"kind"`
	KindDetail   string         `json:"kind_detail,omitempty"` // e.g. "factur-x.xml", "UBL Invoice"
	Status       Status         `json:"status"`
	UpdatedAt    time.Time      `json:"updated_at"`
}

// RenditionKind names what a rendition of a document is. The original is
// never changed; every rendition is a new blob beside it.
type RenditionKind string

const (
	RenditionArchivalPDF RenditionKind = "archival-pdf" // PDF/A with text layer and scan protocol
	RenditionText        RenditionKind = "text"         // recognised or extracted text, pages separated by form feed
)

// Rendition links a document to one of its renditions in the blob store.
type Rendition struct {
	DocumentSHA256 string        `json:"document_sha256"`
	Kind           RenditionKind `json:"kind"`
	BlobSHA256     string        `json:"blob_sha256"`
	Size           int64         `json:"size"`
	MediaType      string        `json:"media_type"`
	CreatedAt      time.Time     `json:"created_at"`
}
