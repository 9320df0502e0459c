package einvoice

// fromCII maps a UN/CEFACT CII D16B CrossIndustryInvoice.
func fromCII(root *node) (*Invoice, error) {
	d := &decoder{}
	ctx := root.child("ExchangedDocumentContext")
	doc := root.child("ExchangedDocument")
	tx := root.child("SupplyChainTradeTransaction")
	agr := tx.child("ApplicableHeaderTradeAgreement")
	dlv := tx.child("ApplicableHeaderTradeDelivery")
	stl := tx.child("ApplicableHeaderTradeSettlement")

	inv := &Invoice{
		Syntax:              SyntaxCII,
		ProfileID:           ctx.str("BusinessProcessSpecifiedDocumentContextParameter", "ID"),
		CustomizationID:     ctx.str("GuidelineSpecifiedDocumentContextParameter", "ID"),
		Number:              doc.str("ID"),
		TypeCode:            doc.str("TypeCode"),
		IssueDate:           ciiDate(doc.path("IssueDateTime", "DateTimeString")),
		BuyerReference:      agr.str("BuyerReference"),
		Seller:              ciiParty(agr.child("SellerTradeParty")),
		Buyer:               ciiParty(agr.child("BuyerTradeParty")),
		SalesOrderReference: agr.str("SellerOrderReferencedDocument", "IssuerAssignedID"),
		OrderReference:      agr.str("BuyerOrderReferencedDocument", "IssuerAssignedID"),
		ContractReference:   agr.str("ContractReferencedDocument", "IssuerAssignedID"),
		ProjectReference:    agr.str("SpecifiedProcuringProject", "ID"),
		DespatchAdviceRef:   dlv.str("DespatchAdviceReferencedDocument", "IssuerAssignedID"),
		ReceivingAdviceRef:  dlv.str("ReceivingAdviceReferencedDocument", "IssuerAssignedID"),
		CurrencyCode:        stl.str("InvoiceCurrencyCode"),
		TaxCurrencyCode:     stl.str("TaxCurrencyCode"),
		BuyerAccountingRef:  stl.str("ReceivableSpecifiedTradeAccountingAccount", "ID"),
	}
	for _, n := range doc.all("IncludedNote") {
		inv.Notes = append(inv.Notes, Note{SubjectCode: n.str("SubjectCode"), Text: n.str("Content")})
	}
	if p := agr.child("SellerTaxRepresentativeTradeParty"); p != nil {
		pp := ciiParty(p)
		inv.TaxRepresentative = &pp
	}
	for _, ad := range agr.all("AdditionalReferencedDocument") {
		switch ad.str("TypeCode") {
		case "50":
			inv.TenderReference = ad.str("IssuerAssignedID")
		case "130":
			inv.ObjectIdentifier = ad.str("IssuerAssignedID")
		default: // 916: supporting document (BG-24)
			a := Attachment{ID: ad.str("IssuerAssignedID"), Description: ad.str("Name"), URI: ad.str("URIID")}
			if bin := ad.child("AttachmentBinaryObject"); bin != nil {
				a.Filename, a.MimeCode = bin.attr("filename"), bin.attr("mimeCode")
				a.setContent(bin.text)
			}
			inv.Attachments = append(inv.Attachments, a)
		}
	}
	if st := dlv.child("ShipToTradeParty"); st != nil || dlv.child("ActualDeliverySupplyChainEvent") != nil {
		del := &Delivery{
			PartyName: st.str("Name"),
			Date:      ciiDate(dlv.path("ActualDeliverySupplyChainEvent", "OccurrenceDateTime", "DateTimeString")),
			Address:   ciiAddress(st.child("PostalTradeAddress")),
		}
		if id := st.child("ID"); id != nil {
			del.LocationID = &Identifier{Value: id.text, Scheme: id.attr("schemeID")}
		} else if id := st.child("GlobalID"); id != nil {
			del.LocationID = &Identifier{Value: id.text, Scheme: id.attr("schemeID")}
		}
		inv.Delivery = del
	}
	if p := stl.child("PayeeTradeParty"); p != nil {
		pp := ciiParty(p)
		inv.Payee = &pp
	}
	if p := stl.child("BillingSpecifiedPeriod"); p != nil {
		inv.InvoicingPeriod = &Period{Start: ciiDate(p.path("StartDateTime", "DateTimeString")), End: ciiDate(p.path("EndDateTime", "DateTimeString"))}
	}
	pay := &inv.PaymentInstructions
	pay.RemittanceInfo = stl.str("PaymentReference")
	for i, pm := range stl.all("SpecifiedTradeSettlementPaymentMeans") {
		pmh := paymentMeans{code: pm.str("TypeCode"), hasCode: pm.child("TypeCode") != nil}
		for _, acc := range pm.all("PayeePartyCreditorFinancialAccount") {
			id := acc.str("IBANID")
			if id == "" {
				id = acc.str("ProprietaryID")
			}
			pmh.accountID = append(pmh.accountID, id)
		}
		inv.has.means = append(inv.has.means, pmh)
		if i == 0 {
			pay.MeansCode = pm.str("TypeCode")
			pay.MeansText = pm.str("Information")
		}
		if acc := pm.child("PayeePartyCreditorFinancialAccount"); acc != nil {
			pay.CreditTransfers = append(pay.CreditTransfers, CreditTransfer{
				IBAN: acc.str("IBANID"), ProprietaryID: acc.str("ProprietaryID"),
				AccountName: acc.str("AccountName"),
				BIC:         pm.str("PayeeSpecifiedCreditorFinancialInstitution", "BICID"),
			})
		}
		if c := pm.child("ApplicableTradeSettlementFinancialCard"); c != nil {
			pay.Card = &PaymentCard{PAN: c.str("ID"), Holder: c.str("CardholderName")}
		}
		if a := pm.child("PayerPartyDebtorFinancialAccount"); a != nil {
			if pay.DirectDebit == nil {
				pay.DirectDebit = &DirectDebit{}
			}
			pay.DirectDebit.DebitedAccount = a.str("IBANID")
		}
	}
	var terms []string
	for _, pt := range stl.all("SpecifiedTradePaymentTerms") {
		if t := pt.str("Description"); t != "" {
			terms = append(terms, t)
		}
		if inv.DueDate == "" {
			inv.DueDate = ciiDate(pt.path("DueDateDateTime", "DateTimeString"))
		}
		if m := pt.str("DirectDebitMandateID"); m != "" {
			if pay.DirectDebit == nil {
				pay.DirectDebit = &DirectDebit{}
			}
			pay.DirectDebit.MandateID = m
		}
	}
	inv.PaymentTerms = joinLines(terms)
	if c := stl.str("CreditorReferenceID"); c != "" {
		if pay.DirectDebit == nil {
			pay.DirectDebit = &DirectDebit{}
		}
		pay.DirectDebit.CreditorID = c
	}
	for _, r := range stl.all("InvoiceReferencedDocument") {
		inv.PrecedingInvoices = append(inv.PrecedingInvoices, DocRef{
			Number: r.str("IssuerAssignedID"), IssueDate: ciiDate(r.path("FormattedIssueDateTime", "DateTimeString")),
		})
	}
	for _, t := range stl.all("ApplicableTradeTax") {
		if c := t.str("DueDateTypeCode"); c != "" && inv.TaxPointDateCode == "" {
			inv.TaxPointDateCode = c // BT-8
		}
		inv.VATBreakdown = append(inv.VATBreakdown, VATBreakdown{
			hasTaxable:      t.child("BasisAmount") != nil,
			hasTaxAmount:    t.child("CalculatedAmount") != nil,
			TaxableAmount:   d.val(t, "BasisAmount"),
			TaxAmount:       d.val(t, "CalculatedAmount"),
			Category:        t.str("CategoryCode"),
			Rate:            d.dec(t, "RateApplicablePercent"),
			ExemptionReason: t.str("ExemptionReason"),
			ExemptionCode:   t.str("ExemptionReasonCode"),
		})
	}
	inv.Allowances, inv.Charges = ciiAllowanceCharges(d, stl)

	sum := stl.child("SpecifiedTradeSettlementHeaderMonetarySummation")
	inv.has.monetaryTotal = sum != nil
	inv.has.lineNet = sum.child("LineTotalAmount") != nil
	inv.has.taxExclusive = sum.child("TaxBasisTotalAmount") != nil
	inv.has.taxInclusive = sum.child("GrandTotalAmount") != nil
	inv.has.payable = sum.child("DuePayableAmount") != nil
	inv.Totals.LineNet = d.val(sum, "LineTotalAmount")
	inv.Totals.Charges = d.dec(sum, "ChargeTotalAmount")
	inv.Totals.Allowances = d.dec(sum, "AllowanceTotalAmount")
	inv.Totals.TaxExclusive = d.val(sum, "TaxBasisTotalAmount")
	// TaxTotalAmount repeats per currency (BT-110 in BT-5, BT-111 in BT-6).
	for _, tt := range sum.all("TaxTotalAmount") {
		cur := tt.attr("currencyID")
		if hasAttr(tt, "currencyID") {
			loc := "BG-22/BT-110"
			if cur != inv.CurrencyCode {
				loc = "BG-22/BT-111"
			}
			inv.has.amounts = append(inv.has.amounts, writtenAmount{loc: loc, text: tt.text, currency: cur, checkCurrency: true})
		}
		switch {
		case cur == inv.CurrencyCode || (cur == "" && inv.Totals.Tax == nil):
			inv.has.docTaxTotals++
			inv.Totals.Tax = d.decNode(tt, "TaxTotalAmount")
		case cur == inv.TaxCurrencyCode:
			inv.Totals.TaxInTaxCurrency = d.decNode(tt, "TaxTotalAmount")
		}
	}
	inv.Totals.Rounding = d.dec(sum, "RoundingAmount")
	inv.Totals.TaxInclusive = d.val(sum, "GrandTotalAmount")
	inv.Totals.Prepaid = d.dec(sum, "TotalPrepaidAmount")
	inv.Totals.Payable = d.val(sum, "DuePayableAmount")

	for _, ln := range tx.all("IncludedSupplyChainTradeLineItem") {
		inv.Lines = append(inv.Lines, ciiLine(d, ln))
	}
	inv.xr = ciiXRFacts(root)
	if d.err != nil {
		return inv, d.err
	}
	return inv, nil
}

func ciiLine(d *decoder, ln *node) Line {
	doc := ln.child("AssociatedDocumentLineDocument")
	prod := ln.child("SpecifiedTradeProduct")
	agr := ln.child("SpecifiedLineTradeAgreement")
	stl := ln.child("SpecifiedLineTradeSettlement")
	qty := ln.path("SpecifiedLineTradeDelivery", "BilledQuantity")
	l := Line{
		ID:              doc.str("LineID"),
		hasQuantity:     qty != nil,
		hasNetAmount:    stl.path("SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount") != nil,
		hasPrice:        agr.path("NetPriceProductTradePrice", "ChargeAmount") != nil,
		Note:            doc.str("IncludedNote", "Content"),
		Quantity:        d.val(qty),
		Unit:            qty.attr("unitCode"),
		NetAmount:       d.val(stl, "SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"),
		OrderLineRef:    agr.str("BuyerOrderReferencedDocument", "LineID"),
		ObjectID:        stl.str("AdditionalReferencedDocument", "IssuerAssignedID"),
		AccountingRef:   stl.str("ReceivableSpecifiedTradeAccountingAccount", "ID"),
		VATCategory:     stl.str("ApplicableTradeTax", "CategoryCode"),
		VATRate:         d.dec(stl, "ApplicableTradeTax", "RateApplicablePercent"),
		ItemName:        prod.str("Name"),
		ItemDescription: prod.str("Description"),
		SellerItemID:    prod.str("SellerAssignedID"),
		BuyerItemID:     prod.str("BuyerAssignedID"),
		OriginCountry:   prod.str("OriginTradeCountry", "ID"),
	}
	if id := prod.child("GlobalID"); id != nil {
		l.StandardItemID = &Identifier{Value: id.text, Scheme: id.attr("schemeID")}
	}
	for _, c := range prod.all("DesignatedProductClassification") {
		if code := c.child("ClassCode"); code != nil {
			l.Classifications = append(l.Classifications, Identifier{Value: code.text, Scheme: code.attr("listID")})
		}
	}
	for _, a := range prod.all("ApplicableProductCharacteristic") {
		l.Attributes = append(l.Attributes, ItemAttribute{Name: a.str("Description"), Value: a.str("Value")})
	}
	if p := stl.child("BillingSpecifiedPeriod"); p != nil {
		l.Period = &Period{Start: ciiDate(p.path("StartDateTime", "DateTimeString")), End: ciiDate(p.path("EndDateTime", "DateTimeString"))}
	}
	l.Allowances, l.Charges = ciiAllowanceCharges(d, stl)
	net := agr.child("NetPriceProductTradePrice")
	gross := agr.child("GrossPriceProductTradePrice")
	l.Price = Price{
		Net:          d.val(net, "ChargeAmount"),
		Gross:        d.dec(gross, "ChargeAmount"),
		Discount:     d.dec(gross, "AppliedTradeAllowanceCharge", "ActualAmount"),
		BaseQuantity: d.dec(net, "BasisQuantity"),
		BaseUnit:     net.path("BasisQuantity").attr("unitCode"),
	}
	return l
}

func ciiAllowanceCharges(d *decoder, parent *node) (allowances, charges []AllowanceCharge) {
	for _, ac := range parent.all("SpecifiedTradeAllowanceCharge") {
		a := AllowanceCharge{
			Amount:      d.val(ac, "ActualAmount"),
			hasAmount:   ac.child("ActualAmount") != nil,
			BaseAmount:  d.dec(ac, "BasisAmount"),
			Percent:     d.dec(ac, "CalculationPercent"),
			VATCategory: ac.str("CategoryTradeTax", "CategoryCode"),
			VATRate:     d.dec(ac, "CategoryTradeTax", "RateApplicablePercent"),
			Reason:      ac.str("Reason"),
			ReasonCode:  ac.str("ReasonCode"),
		}
		if ac.str("ChargeIndicator", "Indicator") == "true" {
			charges = append(charges, a)
		} else {
			allowances = append(allowances, a)
		}
	}
	return allowances, charges
}

func ciiParty(p *node) Party {
	if p == nil {
		return Party{}
	}
	party := Party{
		Name:         p.str("Name"),
		hasLegalName: p.str("Name") != "",
		hasPartyName: p.str("Name") != "",
		TradingName:  p.str("SpecifiedLegalOrganization", "TradingBusinessName"),
		LegalInfo:    p.str("Description"),
		Address:      ciiAddress(p.child("PostalTradeAddress")),
	}
	for _, local := range []string{"ID", "GlobalID"} {
		for _, id := range p.all(local) {
			party.Identifiers = append(party.Identifiers, Identifier{Value: id.text, Scheme: id.attr("schemeID")})
		}
	}
	party.ciiLocalIDs = len(p.all("ID"))
	if id := p.path("SpecifiedLegalOrganization", "ID"); id != nil {
		party.LegalRegistrationID = &Identifier{Value: id.text, Scheme: id.attr("schemeID")}
	}
	for _, tr := range p.all("SpecifiedTaxRegistration") {
		id := tr.child("ID")
		if id == nil {
			continue // an empty registration element; no identifier to keep
		}
		if id.attr("schemeID") == "VA" {
			party.VATID = id.text
		} else {
			party.TaxRegistrationID = id.text
		}
	}
	if e := p.path("URIUniversalCommunication", "URIID"); e != nil {
		party.ElectronicAddress = &Identifier{Value: e.text, Scheme: e.attr("schemeID")}
	}
	if c := p.child("DefinedTradeContact"); c != nil {
		name := c.str("PersonName")
		if name == "" {
			name = c.str("DepartmentName")
		}
		party.Contact = &Contact{Name: name,
			Phone: c.str("TelephoneUniversalCommunication", "CompleteNumber"),
			Email: c.str("EmailURIUniversalCommunication", "URIID")}
	}
	return party
}

func ciiAddress(a *node) *Address {
	if a == nil {
		return nil
	}
	return &Address{
		Line1:       a.str("LineOne"),
		Line2:       a.str("LineTwo"),
		Line3:       a.str("LineThree"),
		City:        a.str("CityName"),
		PostCode:    a.str("PostcodeCode"),
		Subdivision: a.str("CountrySubDivisionName"),
		CountryCode: a.str("CountryID"),
	}
}

// ciiDate converts a udt/qdt DateTimeString of format 102 (YYYYMMDD) to
// YYYY-MM-DD so both syntaxes yield the same date text; other formats are
// kept verbatim because their meaning (month, week) is not a day.
func ciiDate(n *node) string {
	if n == nil {
		return ""
	}
	s := n.text
	if f := n.attr("format"); (f == "102" || f == "") && len(s) == 8 && allDigits(s) {
		return s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	return s
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
