package api

import (
	"net/http"
	"strconv"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// InvoiceDetail is an invoice with where its approval stands and the
// decisions so far.
type InvoiceDetail struct {
	Invoice   records.Invoice       `json:"invoice"`
	Stage     *records.InvoiceStage `json:"stage,omitempty"` // nil before the approval started
	Approvals []records.Approval    `json:"approvals"`
	Units     []string              `json:"units"` // the units of its document; "-" when none
}

func (h *handlers) invoiceRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/invoices", Action: auth.ActInvoiceRead, Tag: "Rechnungen",
			Summary: "Rechnungen auflisten, die Sie einsehen dürfen",
			Query: withPage(
				Param{Name: "status", Description: "accepted, rejected, returned, in_approval, approved, …"},
				Param{Name: "duplicates", Type: "boolean", Description: "nur mögliche Dubletten"},
				Param{Name: "leitweg_id", Description: "Leitweg-ID (BT-10)"}),
			Response: List[records.Invoice]{}, Handle: h.invoices},
		{Method: "GET", Path: "/api/invoices/{id}", Action: auth.ActInvoiceRead, Tag: "Rechnungen",
			Summary: "Eine Rechnung mit Freigabestand und Entscheidungen (wird protokolliert)",
			Units:   h.invoiceUnitsOf, Response: InvoiceDetail{}, Handle: h.invoice},
	}
}

func (h *handlers) invoices(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	limit, offset, err := PageOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.InvoiceFilter{Status: records.InvoiceStatus(q.Get("status")), BuyerReference: q.Get("leitweg_id"),
		DuplicatesOnly: q.Get("duplicates") == "true" || q.Get("duplicates") == "1"}
	// The store narrows to the invoices whose document is routed to or
	// filed in one of the caller's units, as DocumentUnits decides for one.
	if all, units := p.Reach(auth.ActInvoiceRead); !all {
		if len(units) == 0 {
			WriteList(w, r, List[records.Invoice]{Limit: limit, Offset: offset})
			return nil
		}
		f.Units = units
	}
	l, err := storePage(limit, offset, func(limit, offset int) ([]records.Invoice, error) {
		f.Limit, f.Offset = limit, offset
		return h.d.Store.Invoices(r.Context(), f)
	}, func() (int, error) { return h.d.Store.CountInvoices(r.Context(), f) })
	if err != nil {
		return badInput(err)
	}
	WriteList(w, r, l)
	return nil
}

func (h *handlers) findInvoice(r *http.Request) (records.Invoice, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return records.Invoice{}, Errorf(http.StatusBadRequest, "bad_id", "Eine Rechnung wird mit ihrer Nummer im System benannt.")
	}
	inv, err := h.d.Store.Invoice(r.Context(), id)
	return inv, notFound(err, "Diese Rechnung gibt es nicht.")
}

// invoiceUnitsOf: an invoice belongs to the units of its document — the
// unit it was routed to and the units of the files it is filed in.
func (h *handlers) invoiceUnitsOf(r *http.Request) ([]string, error) {
	inv, err := h.findInvoice(r)
	if err != nil {
		return nil, err
	}
	return DocumentUnits(r.Context(), h.d.Store, inv.DocumentSHA256)
}

func (h *handlers) invoice(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ctx := r.Context()
	inv, err := h.findInvoice(r)
	if err != nil {
		return err
	}
	d, err := h.ops.InvoiceDetail(ctx, inv)
	if err != nil {
		return err
	}
	if err := h.logRead(r, p, audit.ActionInvoiceRead, "invoice", strconv.FormatInt(inv.ID, 10),
		map[string]any{"document": inv.DocumentSHA256}, nil); err != nil {
		return err
	}
	WriteJSON(w, r, d, InvoiceETag(d))
	return nil
}
