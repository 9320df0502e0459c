package store

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// registerDoc registers a document for an invoice record to hang on.
func registerDoc(t *testing.T, s Store, key string) string {
	t.Helper()
	doc := sum(key)
	_, _, err := s.Register(t.Context(), records.NewEntry{SHA256: doc, Size: 10, MediaType: "application/xml", Source: records.SourceEmail,
		ReceivedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), WorkflowID: "inbound-" + doc})
	require.NoError(t, err)
	return doc
}

func sampleInvoice(doc, number, payable string) records.Invoice {
	return records.Invoice{
		DocumentSHA256: doc, XMLSHA256: doc, ReportSHA256: sum("report " + doc), ViewSHA256: sum("view " + doc),
		WorkflowID: "inbound-" + doc, Syntax: "UBL-Invoice", Scenario: "XR-UBL-Invoice",
		CustomizationID: "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
		Number:          number, IssueDate: "2026-10-30", TypeCode: "380", Currency: "EUR",
		SellerName: "Müller & Söhne GmbH", SellerVATID: "DE123456789", BuyerName: "Stadt Musterstadt",
		BuyerReference: "04011000-12345-03", NetTotal: "100.00", TaxTotal: "19.00", GrossTotal: "119.00", Payable: payable,
		DueDate: "2026-11-29", IBANs: []string{"DE02120300000000202051"}, Accepted: true, Status: records.InvoiceAccepted,
		DuplicateKey: records.InvoiceDuplicateKey("DE123456789", "Müller & Söhne GmbH", number, "2026-10-30", payable),
	}
}

func testInvoices(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()

	_, _, err := s.AddInvoice(ctx, sampleInvoice(sum("nowhere"), "R-1", "119.00"))
	require.ErrorIs(t, err, ErrNotFound, "an invoice needs its document in the register")

	doc1 := registerDoc(t, s, "invoice one")
	first, created, err := s.AddInvoice(ctx, sampleInvoice(doc1, "R-1", "119.00"))
	require.NoError(t, err)
	require.True(t, created)
	require.NotZero(t, first.ID)
	require.Nil(t, first.DuplicateOf, "the first of its kind is no duplicate")
	require.Equal(t, []string{"DE02120300000000202051"}, first.IBANs)
	require.Equal(t, "Müller & Söhne GmbH", first.SellerName)
	require.True(t, first.Accepted)
	require.False(t, first.CreatedAt.IsZero())

	again, created, err := s.AddInvoice(ctx, sampleInvoice(doc1, "R-other", "1.00"))
	require.NoError(t, err)
	require.False(t, created, "one invoice record per document")
	require.Equal(t, first.ID, again.ID)
	require.Equal(t, "R-1", again.Number, "the first record stays")

	// The same invoice sent again as a different file (other bytes, amount
	// written with another precision) is flagged, pointing at the first.
	doc2 := registerDoc(t, s, "invoice one, resent")
	second, created, err := s.AddInvoice(ctx, sampleInvoice(doc2, "R-1", "119.0"))
	require.NoError(t, err)
	require.True(t, created)
	require.NotNil(t, second.DuplicateOf)
	require.Equal(t, first.ID, *second.DuplicateOf)

	doc3 := registerDoc(t, s, "invoice one, third time")
	third, _, err := s.AddInvoice(ctx, sampleInvoice(doc3, "R-1", "119"))
	require.NoError(t, err)
	require.NotNil(t, third.DuplicateOf)
	require.Equal(t, first.ID, *third.DuplicateOf, "duplicates point at the earliest")

	doc4 := registerDoc(t, s, "invoice two")
	other := sampleInvoice(doc4, "R-2", "119.00")
	other.Accepted, other.Errors, other.Status = false, 2, records.InvoiceRejected
	rejected, _, err := s.AddInvoice(ctx, other)
	require.NoError(t, err)
	require.Nil(t, rejected.DuplicateOf, "another number is another invoice")
	require.False(t, rejected.Accepted)
	require.Equal(t, 2, rejected.Errors)

	got, err := s.Invoice(ctx, second.ID)
	require.NoError(t, err)
	require.Equal(t, second, got)
	got, err = s.InvoiceByDocument(ctx, doc4)
	require.NoError(t, err)
	require.Equal(t, rejected.ID, got.ID)
	_, err = s.Invoice(ctx, 9999)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.InvoiceByDocument(ctx, sum("unknown"))
	require.ErrorIs(t, err, ErrNotFound)

	all, err := s.Invoices(ctx, InvoiceFilter{})
	require.NoError(t, err)
	require.Len(t, all, 4)
	dups, err := s.Invoices(ctx, InvoiceFilter{DuplicatesOnly: true})
	require.NoError(t, err)
	require.Len(t, dups, 2)
	rej, err := s.Invoices(ctx, InvoiceFilter{Status: records.InvoiceRejected})
	require.NoError(t, err)
	require.Len(t, rej, 1)
	require.Equal(t, rejected.ID, rej[0].ID)
	pageTwo, err := s.Invoices(ctx, InvoiceFilter{Limit: 2, Offset: 2})
	require.NoError(t, err)
	require.Len(t, pageTwo, 2)
	require.Equal(t, third.ID, pageTwo[0].ID)

	require.ErrorIs(t, s.SetInvoiceStatus(ctx, first.ID, records.InvoiceReturned), ErrInvalid, "only a rejected invoice is returned")
	require.NoError(t, s.SetInvoiceStatus(ctx, rejected.ID, records.InvoiceReturned))
	require.NoError(t, s.SetInvoiceStatus(ctx, rejected.ID, records.InvoiceReturned), "a retry is a no-op")
	got, err = s.Invoice(ctx, rejected.ID)
	require.NoError(t, err)
	require.Equal(t, records.InvoiceReturned, got.Status)
	require.ErrorIs(t, s.SetInvoiceStatus(ctx, 9999, records.InvoiceReturned), ErrNotFound)

	bad := sampleInvoice(registerDoc(t, s, "bad"), "R-3", "1")
	bad.Status = "paid"
	_, _, err = s.AddInvoice(ctx, bad)
	require.ErrorIs(t, err, ErrInvalid)
}

// testInvoicesConcurrent delivers the same invoice as eight files at once:
// exactly one record is unflagged and the others point at it.
func testInvoicesConcurrent(t *testing.T, b backend) {
	s := open(t, b.fresh(t))
	ctx := t.Context()
	const n = 8
	docs := make([]string, n)
	for i := range docs {
		docs[i] = registerDoc(t, s, fmt.Sprintf("copy %d", i))
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range docs {
		wg.Go(func() {
			_, _, errs[i] = s.AddInvoice(ctx, sampleInvoice(docs[i], "R-7", "50.00"))
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	all, err := s.Invoices(ctx, InvoiceFilter{})
	require.NoError(t, err)
	require.Len(t, all, n)
	var originals []int64
	for _, inv := range all {
		if inv.DuplicateOf == nil {
			originals = append(originals, inv.ID)
		}
	}
	require.Len(t, originals, 1, "exactly one original")
	for _, inv := range all {
		if inv.DuplicateOf != nil {
			require.Equal(t, originals[0], *inv.DuplicateOf)
		}
	}
}
