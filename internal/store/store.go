package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// ErrNotFound is returned (wrapped) when the requested entry, quarantine item
// or number does not exist.
var ErrNotFound = errors.New("not found")

// ErrInvalid is returned (wrapped) when the input is rejected before it
// reaches the database. Retrying such a call cannot succeed.
var ErrInvalid = errors.New("invalid input")

// Listing limits. A caller that asks for nothing gets a page, not the table.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Store persists register entries, quarantined envelopes and audit events.
// Implementations are safe for concurrent use.
type Store interface {
	// EAkte is the file plan, files, filings, work lists and search.
	EAkte
	// InvoiceApprovals is the approval of invoices: decisions, stages, bookings.
	InvoiceApprovals
	// Auth is the accounts, their roles and login sessions.
	Auth

	// Register creates the Posteingangsbuch entry for a document. Idempotent on
	// SHA256: a second call with the same SHA256 returns the existing entry and
	// created=false, whatever the other fields say. Numbers are gap-free per
	// register year (records.RegisterYear(e.ReceivedAt)), starting at 1 each
	// year; the counter only advances together with a committed insert, in the
	// same transaction, also under concurrent callers.
	Register(ctx context.Context, e records.NewEntry) (entry records.RegisterEntry, created bool, err error)
	// EntryBySHA256 returns the entry of a document, or ErrNotFound.
	EntryBySHA256(ctx context.Context, sha256 string) (records.RegisterEntry, error)
	// EntryByNumber returns the entry with a register number, or ErrNotFound.
	EntryByNumber(ctx context.Context, n records.RegisterNumber) (records.RegisterEntry, error)
	// Entry returns the entry with a database id, or ErrNotFound.
	Entry(ctx context.Context, id int64) (records.RegisterEntry, error)
	// Entries lists entries newest first (by ReceivedAt, then by id).
	Entries(ctx context.Context, f EntryFilter) ([]records.RegisterEntry, error)
	// CountEntries counts the entries matching f; Limit and Offset are ignored.
	CountEntries(ctx context.Context, f EntryFilter) (int, error)
	// SetKind records the detected kind, sets the status to classified and
	// bumps UpdatedAt. ErrNotFound if no entry has that SHA256.
	SetKind(ctx context.Context, sha256 string, kind records.Kind, detail string) error
	// SetStatus sets the status and bumps UpdatedAt. ErrNotFound if no entry
	// has that SHA256.
	SetStatus(ctx context.Context, sha256 string, status records.Status) error

	// SetScanProtocol replaces the scan protocol (Transfervermerk) of an
	// entry, e.g. once OCR knows pages and resolution. ErrNotFound if no
	// entry has that SHA256.
	SetScanProtocol(ctx context.Context, sha256 string, p *records.ScanProtocol) error
	// AddRendition links a rendition to its document. Idempotent: when the
	// document already has a rendition of that kind, the stored one is
	// returned with created=false and nothing changes.
	AddRendition(ctx context.Context, r records.Rendition) (stored records.Rendition, created bool, err error)
	// Renditions lists a document's renditions by kind.
	Renditions(ctx context.Context, documentSHA256 string) ([]records.Rendition, error)

	// AddQuarantine stores an envelope intake could not register. It assigns
	// ID, and CreatedAt when zero, and returns the stored item.
	AddQuarantine(ctx context.Context, q QuarantineItem) (QuarantineItem, error)
	// Quarantined lists items newest first: open ones (never retried) unless
	// f.All is set.
	Quarantined(ctx context.Context, f QuarantineFilter) ([]QuarantineItem, error)
	// CountQuarantined counts the items matching f; Limit and Offset are ignored.
	CountQuarantined(ctx context.Context, f QuarantineFilter) (int, error)
	// QuarantineItem returns one item, or ErrNotFound.
	QuarantineItem(ctx context.Context, id int64) (QuarantineItem, error)
	// MarkQuarantineRetried sets RetriedAt (now when at is zero) and
	// increments RetryCount. ErrNotFound if the item does not exist.
	MarkQuarantineRetried(ctx context.Context, id int64, at time.Time) error

	// AuditTrail is the hash-chained audit trail.
	AuditTrail

	// AddInvoice stores the invoice record of an e-invoice document,
	// idempotent on DocumentSHA256, and flags a likely duplicate: DuplicateOf
	// is set to the earliest invoice with the same DuplicateKey.
	AddInvoice(ctx context.Context, inv records.Invoice) (stored records.Invoice, created bool, err error)
	// Invoice returns an invoice record by id, or ErrNotFound.
	Invoice(ctx context.Context, id int64) (records.Invoice, error)
	// InvoiceByDocument returns the invoice record of a document, or ErrNotFound.
	InvoiceByDocument(ctx context.Context, documentSHA256 string) (records.Invoice, error)
	// Invoices lists invoice records in id order; CountInvoices counts the
	// matches of f (Limit and Offset are ignored).
	Invoices(ctx context.Context, f InvoiceFilter) ([]records.Invoice, error)
	CountInvoices(ctx context.Context, f InvoiceFilter) (int, error)
	// SetInvoiceStatus moves an invoice on (rejected → returned).
	SetInvoiceStatus(ctx context.Context, id int64, status records.InvoiceStatus) error

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the connections.
	Close() error
}

// EntryFilter narrows Entries and CountEntries. Zero fields do not filter.
type EntryFilter struct {
	Year   int // register year, as in records.RegisterYear
	Source records.Source
	Status records.Status
	// Kind selects one detected kind. KindUnknown ("") means no filter;
	// entries not yet inspected are the ones with StatusRegistered.
	Kind   records.Kind
	Limit  int // 0 means DefaultLimit; capped at MaxLimit
	Offset int
}

// QuarantineFilter narrows Quarantined.
type QuarantineFilter struct {
	All    bool   // include items that were already retried
	Reason string // only items with this reason code; "" for all
	SHA256 string // only items of this document; "" for all
	Limit  int    // 0 means DefaultLimit; capped at MaxLimit
	Offset int
}

// QuarantineItem is an envelope that intake could not register, kept with its
// raw bytes so that it can be inspected and fed back in once the cause is fixed.
type QuarantineItem struct {
	ID         int64      `json:"id"`
	Reason     string     `json:"reason"` // machine code: "bad-envelope", "missing-object", "empty", "too-large", "unknown-media-type", "redelivery-exhausted"
	Message    string     `json:"message"`
	Subject    string     `json:"subject"`
	Payload    []byte     `json:"payload"`          // raw envelope bytes
	SHA256     string     `json:"sha256,omitempty"` // when known
	CreatedAt  time.Time  `json:"created_at"`
	RetriedAt  *time.Time `json:"retried_at,omitempty"`
	RetryCount int        `json:"retry_count"`
}

// AuditEvent is one line of the audit trail; see internal/audit.
type AuditEvent = audit.Event

// Open connects to the database a DSN names and brings its schema up to date.
//
//	postgres://user@host:5432/db?sslmode=disable   PostgreSQL (also postgresql://)
//	sqlite:/var/lib/aktenfluss/records.db           SQLite file (parent dir is created)
//	/var/lib/aktenfluss/records.db                  SQLite file: any plain path ending in .db
func Open(ctx context.Context, dsn string) (Store, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		// sqlite:///abs/path.db and sqlite://rel.db read like URLs; accept them.
		path = strings.TrimPrefix(path, "//")
		return openSQLite(ctx, path)
	case strings.HasSuffix(dsn, ".db") && !strings.Contains(dsn, "://"):
		return openSQLite(ctx, dsn)
	default:
		// The DSN may carry a password, so it is not repeated in the error.
		return nil, fmt.Errorf("open store: unsupported dsn: want postgres://, postgresql://, sqlite:PATH or PATH.db: %w", ErrInvalid)
	}
}
