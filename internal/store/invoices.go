package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// InvoiceFilter narrows Invoices. Zero fields do not filter.
type InvoiceFilter struct {
	Status         records.InvoiceStatus
	DuplicatesOnly bool   // only invoices flagged as likely duplicates
	BuyerReference string // Leitweg-ID
	// Units, when not empty, keeps the invoices whose document belongs to
	// any of these units — routed to one (document meta) or filed in a
	// file of one — as api.DocumentUnits decides access to an invoice.
	Units  []string
	Limit  int // 0 means DefaultLimit; capped at MaxLimit
	Offset int
}

const invoiceColumns = `id, document_sha256, xml_sha256, report_sha256, view_sha256, workflow_id,
	syntax, scenario, customization_id, number, issue_date, type_code, currency,
	seller_name, seller_vat_id, buyer_name, buyer_reference, order_reference,
	net_total, tax_total, gross_total, payable, due_date, payment_terms, ibans,
	accepted, errors, warnings, status, duplicate_key, duplicate_of, created_at, updated_at`

func scanInvoice(r rowScanner) (records.Invoice, error) {
	var inv records.Invoice
	var ibans string
	var dup sql.NullInt64
	err := r.Scan(&inv.ID, &inv.DocumentSHA256, &inv.XMLSHA256, &inv.ReportSHA256, &inv.ViewSHA256, &inv.WorkflowID,
		&inv.Syntax, &inv.Scenario, &inv.CustomizationID, &inv.Number, &inv.IssueDate, &inv.TypeCode, &inv.Currency,
		&inv.SellerName, &inv.SellerVATID, &inv.BuyerName, &inv.BuyerReference, &inv.OrderReference,
		&inv.NetTotal, &inv.TaxTotal, &inv.GrossTotal, &inv.Payable, &inv.DueDate, &inv.PaymentTerms, &ibans,
		&inv.Accepted, &inv.Errors, &inv.Warnings, &inv.Status, &inv.DuplicateKey, &dup,
		timeDest{&inv.CreatedAt}, timeDest{&inv.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return records.Invoice{}, ErrNotFound
	}
	if err != nil {
		return records.Invoice{}, err
	}
	if err := json.Unmarshal([]byte(ibans), &inv.IBANs); err != nil {
		return records.Invoice{}, fmt.Errorf("invoice %d: ibans: %w", inv.ID, err)
	}
	if dup.Valid {
		inv.DuplicateOf = &dup.Int64
	}
	return inv, nil
}

func validateInvoice(inv records.Invoice) error {
	for name, sha := range map[string]string{"document": inv.DocumentSHA256, "xml": inv.XMLSHA256, "report": inv.ReportSHA256} {
		if inv.Syntax == records.SyntaxPaper && name != "document" && sha == "" {
			continue // a paper invoice has no XML and no validation report
		}
		if validateSHA256(sha) != nil {
			return fmt.Errorf("%w: %s needs a sha256 digest", ErrInvalid, name)
		}
	}
	if inv.ViewSHA256 != "" && validateSHA256(inv.ViewSHA256) != nil {
		return fmt.Errorf("%w: view needs a sha256 digest or none", ErrInvalid)
	}
	switch inv.Status {
	case records.InvoiceAccepted, records.InvoiceRejected, records.InvoiceReturned:
	default:
		return fmt.Errorf("%w: unknown invoice status %q", ErrInvalid, inv.Status)
	}
	if inv.WorkflowID == "" || inv.DuplicateKey == "" {
		return fmt.Errorf("%w: workflow id and duplicate key must be set", ErrInvalid)
	}
	return nil
}

// AddInvoice stores the invoice record of a document. Idempotent on the
// document: a second call returns the stored record and created=false, so a
// retried activity cannot create a second record or re-flag duplicates. The
// duplicate check runs in the same transaction: DuplicateOf is set to the
// earliest other invoice with the same DuplicateKey (whatever the caller
// passed). On PostgreSQL an advisory lock on the key serialises two
// deliveries of the same invoice, so the later one sees the earlier.
func (s *sqlStore) AddInvoice(ctx context.Context, inv records.Invoice) (records.Invoice, bool, error) {
	if err := validateInvoice(inv); err != nil {
		return records.Invoice{}, false, fmt.Errorf("add invoice of %s: %w", inv.DocumentSHA256, err)
	}
	if existing, err := s.InvoiceByDocument(ctx, inv.DocumentSHA256); err == nil {
		return existing, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return records.Invoice{}, false, fmt.Errorf("add invoice of %s: %w", inv.DocumentSHA256, err)
	}
	ibans := inv.IBANs
	if ibans == nil {
		ibans = []string{}
	}
	ibanJSON, err := json.Marshal(ibans)
	if err != nil {
		return records.Invoice{}, false, fmt.Errorf("add invoice of %s: ibans: %w", inv.DocumentSHA256, err)
	}
	now := s.clock()
	var stored records.Invoice
	var created bool
	err = s.write(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM register_entries WHERE sha256 = $1`, inv.DocumentSHA256).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if s.d.name == "postgres" {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "invoice-dup:"+inv.DuplicateKey); err != nil {
				return fmt.Errorf("lock duplicate key: %w", err)
			}
		}
		var dup sql.NullInt64
		err = tx.QueryRowContext(ctx, `SELECT MIN(id) FROM invoices WHERE duplicate_key = $1`, inv.DuplicateKey).Scan(&dup)
		if err != nil {
			return fmt.Errorf("duplicate check: %w", err)
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO invoices (document_sha256, xml_sha256, report_sha256, view_sha256, workflow_id,
				syntax, scenario, customization_id, number, issue_date, type_code, currency,
				seller_name, seller_vat_id, buyer_name, buyer_reference, order_reference,
				net_total, tax_total, gross_total, payable, due_date, payment_terms, ibans,
				accepted, errors, warnings, status, duplicate_key, duplicate_of, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
				$18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32)
			ON CONFLICT (document_sha256) DO NOTHING`,
			inv.DocumentSHA256, inv.XMLSHA256, inv.ReportSHA256, inv.ViewSHA256, inv.WorkflowID,
			inv.Syntax, inv.Scenario, inv.CustomizationID, inv.Number, inv.IssueDate, inv.TypeCode, inv.Currency,
			inv.SellerName, inv.SellerVATID, inv.BuyerName, inv.BuyerReference, inv.OrderReference,
			inv.NetTotal, inv.TaxTotal, inv.GrossTotal, inv.Payable, inv.DueDate, inv.PaymentTerms, string(ibanJSON),
			inv.Accepted, inv.Errors, inv.Warnings, string(inv.Status), inv.DuplicateKey, dup,
			s.d.timeArg(now), s.d.timeArg(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		created = n == 1
		stored, err = scanInvoice(tx.QueryRowContext(ctx,
			`SELECT `+invoiceColumns+` FROM invoices WHERE document_sha256 = $1`, inv.DocumentSHA256))
		return err
	})
	if err != nil {
		return records.Invoice{}, false, fmt.Errorf("add invoice of %s: %w", inv.DocumentSHA256, err)
	}
	return stored, created, nil
}

func (s *sqlStore) Invoice(ctx context.Context, id int64) (records.Invoice, error) {
	inv, err := scanInvoice(s.db.QueryRowContext(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = $1`, id))
	if err != nil {
		return records.Invoice{}, fmt.Errorf("invoice %d: %w", id, err)
	}
	return inv, nil
}

func (s *sqlStore) InvoiceByDocument(ctx context.Context, documentSHA256 string) (records.Invoice, error) {
	inv, err := scanInvoice(s.db.QueryRowContext(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE document_sha256 = $1`, documentSHA256))
	if err != nil {
		return records.Invoice{}, fmt.Errorf("invoice of %s: %w", documentSHA256, err)
	}
	return inv, nil
}

func (f InvoiceFilter) where() *where {
	var w where
	if f.Status != "" {
		w.add("status = $?", string(f.Status))
	}
	if f.DuplicatesOnly {
		w.add("duplicate_of IS NOT NULL")
	}
	if f.BuyerReference != "" {
		w.add("buyer_reference = $?", f.BuyerReference)
	}
	if len(f.Units) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("$?, ", len(f.Units)), ", ")
		args := make([]any, 0, 2*len(f.Units))
		for range 2 {
			for _, u := range f.Units {
				args = append(args, u)
			}
		}
		w.add(`(EXISTS (SELECT 1 FROM document_meta m WHERE m.document_sha256 = invoices.document_sha256 AND m.unit IN (`+ph+`))
			OR EXISTS (SELECT 1 FROM filings fl JOIN files fi ON fi.id = fl.file_id
				WHERE fl.document_sha256 = invoices.document_sha256 AND fi.unit IN (`+ph+`)))`, args...)
	}
	return &w
}

func (s *sqlStore) Invoices(ctx context.Context, f InvoiceFilter) ([]records.Invoice, error) {
	w := f.where()
	limit, offset := page(f.Limit, f.Offset)
	q := `SELECT ` + invoiceColumns + ` FROM invoices` + w.clause() + ` ORDER BY id` + w.page(limit, offset)
	out, err := queryAll(ctx, s.db, scanInvoice, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("invoices: %w", err)
	}
	return out, nil
}

func (s *sqlStore) CountInvoices(ctx context.Context, f InvoiceFilter) (int, error) {
	w := f.where()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM invoices`+w.clause(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count invoices: %w", err)
	}
	return n, nil
}

// SetInvoiceStatus moves an invoice to a status. Only the transitions of
// the inbound and approval workflows are allowed (records.InvoiceStatus.
// CanBecome); setting the status it already has is a no-op, so retries are
// safe.
func (s *sqlStore) SetInvoiceStatus(ctx context.Context, id int64, status records.InvoiceStatus) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var cur records.InvoiceStatus
		err := tx.QueryRowContext(ctx, `SELECT status FROM invoices WHERE id = $1`, id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if cur == status {
			return nil
		}
		if !cur.CanBecome(status) {
			return fmt.Errorf("%w: invoice status %s cannot become %s", ErrInvalid, cur, status)
		}
		_, err = tx.ExecContext(ctx, `UPDATE invoices SET status = $1, updated_at = $2 WHERE id = $3`,
			string(status), s.d.timeArg(s.clock()), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("set invoice %d status: %w", id, err)
	}
	return nil
}
