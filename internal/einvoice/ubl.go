package einvoice

import (
	"fmt"
	"strings"
)

// fromUBL maps a UBL 2.1 Invoice or CreditNote. The two differ only in a
// few element names (type code, line, quantity), handled by the names below.
func fromUBL(root *node, syntax Syntax) (*Invoice, error) {
	d := &decoder{}
	typeCode, lineName, qtyName := "InvoiceTypeCode", "InvoiceLine", "InvoicedQuantity"
	if syntax == SyntaxUBLCreditNote {
		typeCode, lineName, qtyName = "CreditNoteTypeCode", "CreditNoteLine", "CreditedQuantity"
	}
	inv := &Invoice{
		Syntax:              syntax,
		CustomizationID:     root.str("CustomizationID"),
		ProfileID:           root.str("ProfileID"),
		Number:              root.str("ID"),
		IssueDate:           root.str("IssueDate"),
		DueDate:             root.str("DueDate"),
		TypeCode:            root.str(typeCode),
		TaxPointDate:        root.str("TaxPointDate"),
		TaxPointDateCode:    root.str("InvoicePeriod", "DescriptionCode"),
		CurrencyCode:        root.str("DocumentCurrencyCode"),
		TaxCurrencyCode:     root.str("TaxCurrencyCode"),
		BuyerAccountingRef:  root.str("AccountingCost"),
		BuyerReference:      root.str("BuyerReference"),
		OrderReference:      root.str("OrderReference", "ID"),
		SalesOrderReference: root.str("OrderReference", "SalesOrderID"),
		DespatchAdviceRef:   root.str("DespatchDocumentReference", "ID"),
		ReceivingAdviceRef:  root.str("ReceiptDocumentReference", "ID"),
		TenderReference:     root.str("OriginatorDocumentReference", "ID"),
		ContractReference:   root.str("ContractDocumentReference", "ID"),
		ProjectReference:    root.str("ProjectReference", "ID"),
		Seller:              ublParty(root.path("AccountingSupplierParty", "Party")),
		Buyer:               ublParty(root.path("AccountingCustomerParty", "Party")),
	}
	for _, n := range root.all("Note") {
		inv.Notes = append(inv.Notes, splitNote(n.text))
	}
	if p := root.child("InvoicePeriod"); p != nil {
		inv.InvoicingPeriod = &Period{Start: p.str("StartDate"), End: p.str("EndDate")}
	}
	for _, br := range root.all("BillingReference") {
		r := br.child("InvoiceDocumentReference")
		// A billing reference without an invoice reference is kept as an
		// empty BG-3 so BR-55 can report it.
		inv.PrecedingInvoices = append(inv.PrecedingInvoices, DocRef{Number: r.str("ID"), IssueDate: r.str("IssueDate")})
	}
	for _, ad := range root.all("AdditionalDocumentReference") {
		inv.has.docRefs = append(inv.has.docRefs, ublDocRef(ad))
		if ad.str("DocumentTypeCode") == "130" {
			inv.ObjectIdentifier = ad.str("ID")
			continue
		}
		a := Attachment{ID: ad.str("ID"), Description: ad.str("DocumentDescription"),
			URI: ad.str("Attachment", "ExternalReference", "URI")}
		if bin := ad.path("Attachment", "EmbeddedDocumentBinaryObject"); bin != nil {
			a.Filename, a.MimeCode = bin.attr("filename"), bin.attr("mimeCode")
			a.setContent(bin.text)
			a.hasBinary = true
		}
		inv.Attachments = append(inv.Attachments, a)
	}
	if p := root.child("PayeeParty"); p != nil {
		pp := ublParty(p)
		inv.Payee = &pp
	}
	if p := root.child("TaxRepresentativeParty"); p != nil {
		pp := ublParty(p)
		inv.TaxRepresentative = &pp
	}
	if dl := root.child("Delivery"); dl != nil {
		del := &Delivery{
			PartyName: dl.str("DeliveryParty", "PartyName", "Name"),
			Date:      dl.str("ActualDeliveryDate"),
			Address:   ublAddress(dl.path("DeliveryLocation", "Address")),
		}
		if id := dl.path("DeliveryLocation", "ID"); id != nil {
			del.LocationID = &Identifier{Value: id.text, Scheme: id.attr("schemeID")}
		}
		inv.Delivery = del
	}
	for i, pm := range root.all("PaymentMeans") {
		pay := &inv.PaymentInstructions
		pmh := paymentMeans{code: pm.str("PaymentMeansCode"), hasCode: pm.child("PaymentMeansCode") != nil}
		pmh.paymentID, pmh.hasPaymentID = pm.str("PaymentID"), pm.child("PaymentID") != nil
		for _, acc := range pm.all("PayeeFinancialAccount") {
			pmh.accountID = append(pmh.accountID, acc.str("ID"))
		}
		inv.has.means = append(inv.has.means, pmh)
		if i == 0 {
			pay.MeansCode = pm.str("PaymentMeansCode")
			pay.MeansText = pm.path("PaymentMeansCode").attr("name")
			pay.RemittanceInfo = pm.str("PaymentID")
		}
		if inv.DueDate == "" {
			// UBL 2.1 CreditNote has no cbc:DueDate; BT-9 lives here.
			inv.DueDate = pm.str("PaymentDueDate")
		}
		if acc := pm.child("PayeeFinancialAccount"); acc != nil {
			pay.CreditTransfers = append(pay.CreditTransfers, CreditTransfer{
				IBAN: acc.str("ID"), AccountName: acc.str("Name"),
				BIC: acc.str("FinancialInstitutionBranch", "ID"),
			})
		}
		if c := pm.child("CardAccount"); c != nil {
			pay.Card = &PaymentCard{PAN: c.str("PrimaryAccountNumberID"), Holder: c.str("HolderName")}
		}
		if m := pm.child("PaymentMandate"); m != nil {
			pay.DirectDebit = &DirectDebit{MandateID: m.str("ID"), DebitedAccount: m.str("PayerFinancialAccount", "ID")}
		}
	}
	// BT-90 (creditor id) is a seller identifier with scheme SEPA in UBL.
	for _, pid := range root.path("AccountingSupplierParty", "Party").all("PartyIdentification") {
		if id := pid.child("ID"); id != nil && id.attr("schemeID") == "SEPA" {
			if inv.PaymentInstructions.DirectDebit == nil {
				inv.PaymentInstructions.DirectDebit = &DirectDebit{}
			}
			inv.PaymentInstructions.DirectDebit.CreditorID = id.text
		}
	}
	var terms []string
	for _, pt := range root.all("PaymentTerms") {
		if t := pt.str("Note"); t != "" {
			terms = append(terms, t)
		}
	}
	inv.PaymentTerms = joinLines(terms)
	inv.Allowances, inv.Charges = ublAllowanceCharges(d, root)

	// BG-22. Several TaxTotal elements occur when a tax currency (BT-6) is
	// used: BT-110 is the one in the document currency, BT-111 the other.
	// Only the document-currency one carries the VAT breakdown (BG-23).
	for _, tt := range root.all("TaxTotal") {
		amt := tt.child("TaxAmount")
		cur := amt.attr("currencyID")
		switch {
		case cur == inv.CurrencyCode || (cur == "" && inv.Totals.Tax == nil):
			inv.has.docTaxTotals++
			inv.Totals.Tax = d.decNode(amt, "TaxTotal/TaxAmount")
			for _, st := range tt.all("TaxSubtotal") {
				inv.VATBreakdown = append(inv.VATBreakdown, VATBreakdown{
					hasTaxable:      st.child("TaxableAmount") != nil,
					hasTaxAmount:    st.child("TaxAmount") != nil,
					TaxableAmount:   d.val(st, "TaxableAmount"),
					TaxAmount:       d.val(st, "TaxAmount"),
					Category:        st.str("TaxCategory", "ID"),
					Rate:            d.dec(st, "TaxCategory", "Percent"),
					ExemptionReason: st.str("TaxCategory", "TaxExemptionReason"),
					ExemptionCode:   st.str("TaxCategory", "TaxExemptionReasonCode"),
				})
			}
		case cur == inv.TaxCurrencyCode:
			inv.Totals.TaxInTaxCurrency = d.decNode(amt, "TaxTotal/TaxAmount")
		}
	}
	lmt := root.child("LegalMonetaryTotal")
	inv.has.monetaryTotal = lmt != nil
	inv.has.lineNet = lmt.child("LineExtensionAmount") != nil
	inv.has.taxExclusive = lmt.child("TaxExclusiveAmount") != nil
	inv.has.taxInclusive = lmt.child("TaxInclusiveAmount") != nil
	inv.has.payable = lmt.child("PayableAmount") != nil
	inv.Totals.LineNet = d.val(lmt, "LineExtensionAmount")
	inv.Totals.Allowances = d.dec(lmt, "AllowanceTotalAmount")
	inv.Totals.Charges = d.dec(lmt, "ChargeTotalAmount")
	inv.Totals.TaxExclusive = d.val(lmt, "TaxExclusiveAmount")
	inv.Totals.TaxInclusive = d.val(lmt, "TaxInclusiveAmount")
	inv.Totals.Prepaid = d.dec(lmt, "PrepaidAmount")
	inv.Totals.Rounding = d.dec(lmt, "PayableRoundingAmount")
	inv.Totals.Payable = d.val(lmt, "PayableAmount")

	// Only top-level lines count as BG-25; sub-lines of the XRechnung
	// extension are nested inside and skipped here.
	for _, ln := range root.all(lineName) {
		inv.Lines = append(inv.Lines, ublLine(d, ln, qtyName))
	}
	inv.has.amounts, inv.has.lineCategories = ublWritten(root, lineName, inv.CurrencyCode)
	inv.xr = ublXRFacts(root, inv)
	if d.err != nil {
		return inv, d.err
	}
	return inv, nil
}

func ublLine(d *decoder, ln *node, qtyName string) Line {
	q := ln.child(qtyName)
	l := Line{
		ID:              ln.str("ID"),
		hasQuantity:     q != nil,
		hasNetAmount:    ln.child("LineExtensionAmount") != nil,
		hasPrice:        ln.path("Price", "PriceAmount") != nil,
		Note:            ln.str("Note"),
		Quantity:        d.val(ln, qtyName),
		Unit:            q.attr("unitCode"),
		NetAmount:       d.val(ln, "LineExtensionAmount"),
		AccountingRef:   ln.str("AccountingCost"),
		OrderLineRef:    ln.str("OrderLineReference", "LineID"),
		ObjectID:        ln.str("DocumentReference", "ID"),
		VATCategory:     ln.str("Item", "ClassifiedTaxCategory", "ID"),
		VATRate:         d.dec(ln, "Item", "ClassifiedTaxCategory", "Percent"),
		ItemName:        ln.str("Item", "Name"),
		ItemDescription: ln.str("Item", "Description"),
		SellerItemID:    ln.str("Item", "SellersItemIdentification", "ID"),
		BuyerItemID:     ln.str("Item", "BuyersItemIdentification", "ID"),
		OriginCountry:   ln.str("Item", "OriginCountry", "IdentificationCode"),
	}
	for _, ref := range ln.all("DocumentReference") {
		l.docRefs = append(l.docRefs, ublDocRef(ref))
	}
	if id := ln.path("Item", "StandardItemIdentification", "ID"); id != nil {
		l.StandardItemID = &Identifier{Value: id.text, Scheme: id.attr("schemeID")}
	}
	for _, c := range ln.path("Item").all("CommodityClassification") {
		if code := c.child("ItemClassificationCode"); code != nil {
			l.Classifications = append(l.Classifications, Identifier{Value: code.text, Scheme: code.attr("listID")})
		}
	}
	for _, a := range ln.path("Item").all("AdditionalItemProperty") {
		l.Attributes = append(l.Attributes, ItemAttribute{Name: a.str("Name"), Value: a.str("Value")})
	}
	if p := ln.child("InvoicePeriod"); p != nil {
		l.Period = &Period{Start: p.str("StartDate"), End: p.str("EndDate")}
	}
	l.Allowances, l.Charges = ublAllowanceCharges(d, ln)
	pr := ln.child("Price")
	l.Price = Price{
		Net:          d.val(pr, "PriceAmount"),
		Discount:     d.dec(pr, "AllowanceCharge", "Amount"),
		Gross:        d.dec(pr, "AllowanceCharge", "BaseAmount"),
		BaseQuantity: d.dec(pr, "BaseQuantity"),
		BaseUnit:     pr.path("BaseQuantity").attr("unitCode"),
	}
	return l
}

func ublAllowanceCharges(d *decoder, parent *node) (allowances, charges []AllowanceCharge) {
	for _, ac := range parent.all("AllowanceCharge") {
		a := AllowanceCharge{
			Amount:      d.val(ac, "Amount"),
			hasAmount:   ac.child("Amount") != nil,
			BaseAmount:  d.dec(ac, "BaseAmount"),
			Percent:     d.dec(ac, "MultiplierFactorNumeric"),
			VATCategory: ac.str("TaxCategory", "ID"),
			VATRate:     d.dec(ac, "TaxCategory", "Percent"),
			Reason:      ac.str("AllowanceChargeReason"),
			ReasonCode:  ac.str("AllowanceChargeReasonCode"),
		}
		if ac.str("ChargeIndicator") == "true" {
			charges = append(charges, a)
		} else {
			allowances = append(allowances, a)
		}
	}
	return allowances, charges
}

func ublParty(p *node) Party {
	if p == nil {
		return Party{}
	}
	party := Party{
		// BT-27 is the legal registration name; PartyName is the trading
		// name (BT-28) and the only name a payee (BG-10) has.
		Name:        p.str("PartyLegalEntity", "RegistrationName"),
		TradingName: p.str("PartyName", "Name"),
		LegalInfo:   p.str("PartyLegalEntity", "CompanyLegalForm"),
		// BR-06/BR-07 ask for the registration name itself.
		hasLegalName: p.str("PartyLegalEntity", "RegistrationName") != "",
		hasPartyName: p.str("PartyName", "Name") != "",
		Address:      ublAddress(p.child("PostalAddress")),
	}
	if party.Name == "" {
		party.Name = party.TradingName
		party.TradingName = ""
	}
	party.regCountry = p.str("PartyLegalEntity", "RegistrationAddress", "Country", "IdentificationCode")
	for _, pid := range p.all("PartyIdentification") {
		id := pid.child("ID")
		if id != nil && id.attr("schemeID") == "SEPA" {
			party.sepaIDs++
		}
		if id != nil && id.attr("schemeID") != "SEPA" {
			party.Identifiers = append(party.Identifiers, Identifier{Value: id.text, Scheme: id.attr("schemeID")})
		}
	}
	if id := p.path("PartyLegalEntity", "CompanyID"); id != nil {
		party.LegalRegistrationID = &Identifier{Value: id.text, Scheme: id.attr("schemeID")}
	}
	for _, ts := range p.all("PartyTaxScheme") {
		party.taxSchemes++
		if strings.ToUpper(ts.str("TaxScheme", "ID")) == "VAT" && ts.child("CompanyID") != nil {
			party.vatIDs++
		}
		if ts.str("TaxScheme", "ID") == "VAT" {
			party.VATID = ts.str("CompanyID")
		} else {
			party.TaxRegistrationID = ts.str("CompanyID")
		}
	}
	if e := p.child("EndpointID"); e != nil {
		party.ElectronicAddress = &Identifier{Value: e.text, Scheme: e.attr("schemeID")}
	}
	if c := p.child("Contact"); c != nil {
		party.Contact = &Contact{Name: c.str("Name"), Phone: c.str("Telephone"), Email: c.str("ElectronicMail")}
	}
	return party
}

func ublAddress(a *node) *Address {
	if a == nil {
		return nil
	}
	return &Address{
		Line1:       a.str("StreetName"),
		Line2:       a.str("AdditionalStreetName"),
		Line3:       a.str("AddressLine", "Line"),
		City:        a.str("CityName"),
		PostCode:    a.str("PostalZone"),
		Subdivision: a.str("CountrySubentity"),
		CountryCode: a.str("Country", "IdentificationCode"),
	}
}

// ublDocRef records a document reference's type code and identifier
// scheme as written.
func ublDocRef(ref *node) docReference {
	id := ref.child("ID")
	return docReference{
		typeCode: ref.str("DocumentTypeCode"), hasTypeCode: ref.child("DocumentTypeCode") != nil,
		scheme: id.attr("schemeID"), hasScheme: hasAttr(id, "schemeID"),
	}
}

// hasAttr reports whether an element carries the unqualified attribute,
// even with an empty value.
func hasAttr(n *node, local string) bool {
	if n == nil {
		return false
	}
	for _, a := range n.attrs {
		if a.Name.Local == local {
			return true
		}
	}
	return false
}

// ublCurrencyAmounts are the amount elements whose currencyID the CEN
// code-list Schematron checks (BR-CL-03).
var ublCurrencyAmounts = map[string]bool{
	"Amount": true, "BaseAmount": true, "PriceAmount": true, "TaxAmount": true, "TaxableAmount": true,
	"LineExtensionAmount": true, "TaxExclusiveAmount": true, "TaxInclusiveAmount": true,
	"AllowanceTotalAmount": true, "ChargeTotalAmount": true, "PrepaidAmount": true,
	"PayableRoundingAmount": true, "PayableAmount": true,
}

// ublAmountTerms names the business term of an amount by the group it
// sits in (a context of ublWalk.visit) and its element name.
var ublAmountTerms = map[string]map[string]string{
	"total": {"LineExtensionAmount": "BT-106", "AllowanceTotalAmount": "BT-107", "ChargeTotalAmount": "BT-108",
		"TaxExclusiveAmount": "BT-109", "TaxInclusiveAmount": "BT-112", "PrepaidAmount": "BT-113",
		"PayableRoundingAmount": "BT-114", "PayableAmount": "BT-115"},
	"taxTotal":       {"TaxAmount": "BT-110"},
	"subtotal":       {"TaxableAmount": "BT-116", "TaxAmount": "BT-117"},
	"allowance":      {"Amount": "BT-92", "BaseAmount": "BT-93"},
	"charge":         {"Amount": "BT-99", "BaseAmount": "BT-100"},
	"line":           {"LineExtensionAmount": "BT-131"},
	"lineAllowance":  {"Amount": "BT-136", "BaseAmount": "BT-137"},
	"lineCharge":     {"Amount": "BT-141", "BaseAmount": "BT-142"},
	"price":          {"PriceAmount": "BT-146"},
	"priceAllowance": {"Amount": "BT-147", "BaseAmount": "BT-148"},
}

// ublWritten records, as written and located by business term, every
// element named *Amount (for BR-CL-03 and UBL-DT-01, which exempts prices
// and the price discount) and every ClassifiedTaxCategory code (BR-CL-18).
// Like the Schematron it looks everywhere, not only where the model reads.
func ublWritten(root *node, lineName, docCurrency string) ([]writtenAmount, []writtenCode) {
	w := &ublWalk{lineName: lineName, docCurrency: docCurrency}
	w.visit(root, "", "root", false)
	return w.out, w.categories
}

type ublWalk struct {
	lineName, docCurrency string
	subtotals             int // VAT breakdowns seen, across tax totals
	out                   []writtenAmount
	categories            []writtenCode
}

func (w *ublWalk) visit(n *node, loc, ctx string, inPriceAC bool) {
	count := map[string]int{}
	next := func(group string) string {
		count[group]++
		return fmt.Sprintf("%s%s[%d]", loc, group, count[group])
	}
	for _, k := range n.kids {
		if strings.HasSuffix(k.local, "Amount") && len(k.kids) == 0 {
			term := ublAmountTerms[ctx][k.local]
			if ctx == "taxTotal" && k.attr("currencyID") != w.docCurrency {
				term = "BT-111"
			}
			if term == "" {
				term = k.local
			}
			w.out = append(w.out, writtenAmount{
				loc: strings.TrimPrefix(loc+"/"+term, "/"), text: k.text, currency: k.attr("currencyID"),
				checkCurrency: ublCurrencyAmounts[k.local],
				checkDigits:   !strings.HasSuffix(k.local, "PriceAmount") && !inPriceAC,
			})
			continue
		}
		charge := k.str("ChargeIndicator") == "true"
		switch {
		case ctx == "root" && k.local == "AllowanceCharge" && charge:
			w.visit(k, next("BG-21"), "charge", false)
		case ctx == "root" && k.local == "AllowanceCharge":
			w.visit(k, next("BG-20"), "allowance", false)
		case ctx == "root" && k.local == "TaxTotal":
			w.visit(k, "BG-22", "taxTotal", false)
		case ctx == "taxTotal" && k.local == "TaxSubtotal":
			w.subtotals++
			w.visit(k, fmt.Sprintf("BG-23[%d]", w.subtotals), "subtotal", false)
		case ctx == "root" && k.local == "LegalMonetaryTotal":
			w.visit(k, "BG-22", "total", false)
		case ctx == "root" && k.local == w.lineName:
			w.visit(k, next("BG-25"), "line", false)
		case ctx == "line" && k.local == "AllowanceCharge" && charge:
			w.visit(k, next("/BG-28"), "lineCharge", false)
		case ctx == "line" && k.local == "AllowanceCharge":
			w.visit(k, next("/BG-27"), "lineAllowance", false)
		case ctx == "line" && k.local == "Price":
			w.visit(k, loc+"/BG-29", "price", false)
		case ctx == "price" && k.local == "AllowanceCharge":
			w.visit(k, loc, "priceAllowance", true)
		case k.local == "ClassifiedTaxCategory":
			if id := k.child("ID"); id != nil {
				w.categories = append(w.categories, writtenCode{loc: strings.TrimPrefix(loc+"/BT-151", "/"), value: id.text})
			}
		default:
			w.visit(k, loc, "", inPriceAC)
		}
	}
}
