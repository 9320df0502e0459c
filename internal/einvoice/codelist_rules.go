package einvoice

import "strings"

// Code-list rules of EN 16931 (BR-CL), following the CEN code-list
// Schematron 1.3.x (lists in codelists.go). Like the Schematron, a rule
// judges only values that are written: a missing code is the business
// rules' concern (BR-04, BR-05, …), not the code lists'.

// notIn reports a written value that is not in the list.
func notIn(l codeList, value string) bool { return value != "" && !l.has(value) }

// ruleParty is a party with the locations of its identifiers.
type ruleParty struct {
	p               *Party
	group           string // BG-4, BG-7, BG-10, BG-11
	idBT, legalBT   string // party identifier, legal registration identifier
	countryLocation string // the postal address country code
	sepaAllowed     bool   // a SEPA creditor id may be written (seller, payee)
}

// ruleParties lists the parties an invoice has, in document order.
func ruleParties(inv *Invoice) []ruleParty {
	out := []ruleParty{
		{p: &inv.Seller, group: "BG-4", idBT: "/BT-29", legalBT: "/BT-30", sepaAllowed: true, countryLocation: "BG-5/BT-40"},
		{p: &inv.Buyer, group: "BG-7", idBT: "/BT-46", legalBT: "/BT-47", countryLocation: "BG-8/BT-55"},
	}
	if inv.Payee != nil {
		out = append(out, ruleParty{p: inv.Payee, group: "BG-10", idBT: "/BT-60", legalBT: "/BT-61", sepaAllowed: true, countryLocation: "BG-10"})
	}
	if inv.TaxRepresentative != nil {
		out = append(out, ruleParty{p: inv.TaxRepresentative, group: "BG-11", countryLocation: "BG-12/BT-69"})
	}
	return out
}

// partySchemes checks the schemes of the party identifiers BR-CL-10
// (registration false) or BR-CL-11 (registration true) governs: in UBL
// all PartyIdentification ids fall under BR-CL-10 and the legal entity's
// CompanyID under BR-CL-11; in CII the ram:ID ids fall under BR-CL-11 with
// the legal organisation's id, ram:GlobalID under BR-CL-10.
func partySchemes(inv *Invoice, registration bool) []string {
	var out []string
	for _, rp := range ruleParties(inv) {
		for j, id := range rp.p.Identifiers {
			local := j < rp.p.ciiLocalIDs
			if local == registration && notIn(icdSchemes, id.Scheme) {
				out = append(out, idx(rp.group+rp.idBT, j))
			}
		}
		if !registration && rp.p.sepaIDs > 0 && !rp.sepaAllowed {
			out = append(out, rp.group+rp.idBT)
		}
		if l := rp.p.LegalRegistrationID; registration && l != nil && notIn(icdSchemes, l.Scheme) {
			out = append(out, rp.group+rp.legalBT)
		}
	}
	return out
}

// codeListRules is the table of the BR-CL rules, appended to the VAT
// rules.
var codeListRules = []rule{
	{"BR-CL-01", SeverityFatal, "The document type code MUST be coded by the invoice and credit note related code lists of UNTDID 1001.",
		func(inv *Invoice) []string {
			ok := invoiceTypeCodes.has(inv.TypeCode)
			switch inv.Syntax {
			case SyntaxUBLCreditNote:
				ok = creditNoteTypeCodes.has(inv.TypeCode)
			case SyntaxCII:
				ok = ok || creditNoteTypeCodes.has(inv.TypeCode)
			}
			return when(inv.TypeCode != "" && !ok, "BT-3")
		}},
	{"BR-CL-03", SeverityFatal, "currencyID MUST be coded using ISO code list 4217 alpha-3",
		func(inv *Invoice) []string {
			var out []string
			for _, a := range inv.has.amounts {
				if a.checkCurrency && !currencies.has(a.currency) {
					out = append(out, a.loc)
				}
			}
			return out
		}},
	{"BR-CL-04", SeverityFatal, "Invoice currency code MUST be coded using ISO code list 4217 alpha-3",
		func(inv *Invoice) []string { return when(notIn(currencies, inv.CurrencyCode), "BT-5") }},
	{"BR-CL-05", SeverityFatal, "Tax currency code MUST be coded using ISO code list 4217 alpha-3",
		func(inv *Invoice) []string { return when(notIn(currencies, inv.TaxCurrencyCode), "BT-6") }},
	{"BR-CL-06", SeverityFatal, "Value added tax point date code MUST be coded using a restriction of UNTDID 2005.",
		func(inv *Invoice) []string {
			// CII writes the code as a UNTDID 2475 event (5, 29, 72).
			list := ublTaxPointDateCode
			if inv.Syntax == SyntaxCII {
				list = ciiTaxPointDateCode
			}
			return when(notIn(list, inv.TaxPointDateCode), "BT-8")
		}},
	{"BR-CL-07", SeverityFatal, "Object identifier identification scheme identifier MUST be coded using a restriction of UNTDID 1153.",
		func(inv *Invoice) []string {
			bad := func(r docReference) bool {
				return strings.TrimSpace(r.typeCode) == "130" && r.hasScheme && !referenceQualifiers.has(r.scheme)
			}
			var out []string
			for _, r := range inv.has.docRefs {
				if bad(r) {
					out = append(out, "BT-18")
				}
			}
			for i, l := range inv.Lines {
				for _, r := range l.docRefs {
					if bad(r) {
						out = append(out, idx("BG-25", i)+"/BT-128")
					}
				}
			}
			return out
		}},
	{"BR-CL-08", SeverityFatal, "Subject Code MUST be coded using a restriction of UNTDID 4451.",
		func(inv *Invoice) []string {
			var out []string
			for i, n := range inv.Notes {
				if notIn(noteSubjects, n.SubjectCode) {
					out = append(out, idx("BG-1", i)+"/BT-21")
				}
			}
			return out
		}},
	{"BR-CL-10", SeverityFatal, "Any identifier identification scheme identifier MUST be coded using one of the ISO 6523 ICD list.",
		func(inv *Invoice) []string { return partySchemes(inv, false) }},
	{"BR-CL-11", SeverityFatal, "Any registration identifier identification scheme identifier MUST be coded using one of the ISO 6523 ICD list.",
		func(inv *Invoice) []string { return partySchemes(inv, true) }},
	{"BR-CL-13", SeverityFatal, "Item classification identifier identification scheme identifier MUST be coded using one of the UNTDID 7143 list.",
		func(inv *Invoice) []string {
			var out []string
			for i, l := range inv.Lines {
				for j, c := range l.Classifications {
					if notIn(itemClassifications, c.Scheme) {
						out = append(out, idx("BG-25", i)+idx("/BT-158", j))
					}
				}
			}
			return out
		}},
	{"BR-CL-14", SeverityFatal, "Country codes in an invoice MUST be coded using ISO code list 3166-1",
		func(inv *Invoice) []string {
			var out []string
			for _, rp := range ruleParties(inv) {
				if a := rp.p.Address; a != nil && notIn(countries, a.CountryCode) {
					out = append(out, rp.countryLocation)
				}
				out = append(out, when(notIn(countries, rp.p.regCountry), rp.group+rp.legalBT)...)
			}
			if d := inv.Delivery; d != nil && d.Address != nil {
				out = append(out, when(notIn(countries, d.Address.CountryCode), "BG-13/BG-15/BT-80")...)
			}
			return out
		}},
	{"BR-CL-15", SeverityFatal, "Country codes in an invoice MUST be coded using ISO code list 3166-1",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BT-159", func(l *Line) bool { return notIn(countries, l.OriginCountry) })
		}},
	{"BR-CL-16", SeverityFatal, "Payment means in an invoice MUST be coded using UNCL4461 code list",
		func(inv *Invoice) []string {
			var out []string
			for i, m := range inv.has.means {
				if m.hasCode && !paymentMeansCodes.has(m.code) {
					out = append(out, idx("BG-16", i)+"/BT-81")
				}
			}
			return out
		}},
	{"BR-CL-17", SeverityFatal, "Invoice tax categories MUST be coded using UNCL5305 code list",
		func(inv *Invoice) []string {
			badCat := func(a *AllowanceCharge) bool { return notIn(vatCategories, a.VATCategory) }
			out := eachVAT(inv, "/BT-118", func(v *VATBreakdown) bool { return notIn(vatCategories, v.Category) })
			out = append(out, eachAC(inv.Allowances, "BG-20", "/BT-95", badCat)...)
			out = append(out, eachAC(inv.Charges, "BG-21", "/BT-102", badCat)...)
			out = append(out, eachLineAC(inv, false, "", badCat)...)
			return append(out, eachLineAC(inv, true, "", badCat)...)
		}},
	{"BR-CL-18", SeverityFatal, "Invoice tax categories MUST be coded using UNCL5305 code list",
		func(inv *Invoice) []string {
			if inv.Syntax == SyntaxCII {
				return eachLine(inv, "/BT-151", func(l *Line) bool { return notIn(vatCategories, l.VATCategory) })
			}
			var out []string
			for _, c := range inv.has.lineCategories {
				if notIn(vatCategories, c.value) {
					out = append(out, c.loc)
				}
			}
			return out
		}},
	{"BR-CL-19", SeverityFatal, "Coded allowance reasons MUST belong to the UNCL 5189 code list",
		func(inv *Invoice) []string {
			bad := func(a *AllowanceCharge) bool { return notIn(allowanceReasons, a.ReasonCode) }
			return append(eachAC(inv.Allowances, "BG-20", "/BT-98", bad), eachLineAC(inv, false, "/BT-140", bad)...)
		}},
	{"BR-CL-20", SeverityFatal, "Coded charge reasons MUST belong to the UNCL 7161 code list",
		func(inv *Invoice) []string {
			bad := func(a *AllowanceCharge) bool { return notIn(chargeReasons, a.ReasonCode) }
			return append(eachAC(inv.Charges, "BG-21", "/BT-105", bad), eachLineAC(inv, true, "/BT-145", bad)...)
		}},
	{"BR-CL-21", SeverityFatal, "Item standard identifier scheme identifier MUST belong to the ISO 6523 ICD code list",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BT-157", func(l *Line) bool {
				return l.StandardItemID != nil && notIn(icdSchemes, l.StandardItemID.Scheme)
			})
		}},
	{"BR-CL-22", SeverityFatal, "Tax exemption reason code identifier scheme identifier MUST belong to the CEF VATEX code list",
		func(inv *Invoice) []string {
			return eachVAT(inv, "/BT-121", func(v *VATBreakdown) bool {
				return notIn(vatexCodes, strings.ToUpper(v.ExemptionCode))
			})
		}},
	{"BR-CL-23", SeverityFatal, "Unit code MUST be coded according to the UN/ECE Recommendation 20 with Rec 21 extension",
		func(inv *Invoice) []string {
			out := eachLine(inv, "/BT-130", func(l *Line) bool { return notIn(unitCodes, l.Unit) })
			return append(out, eachLine(inv, "/BG-29/BT-150", func(l *Line) bool { return notIn(unitCodes, l.Price.BaseUnit) })...)
		}},
	{"BR-CL-24", SeverityFatal, "For Mime code in attribute use MIMEMediaType.",
		func(inv *Invoice) []string {
			var out []string
			for i, a := range inv.Attachments {
				if notIn(mimeCodes, a.MimeCode) {
					out = append(out, idx("BG-24", i)+"/BT-125")
				}
			}
			return out
		}},
	{"BR-CL-25", SeverityFatal, "Endpoint identifier scheme identifier MUST belong to the CEF EAS code list",
		func(inv *Invoice) []string {
			var out []string
			for _, p := range []struct {
				e   *Identifier
				loc string
			}{{inv.Seller.ElectronicAddress, "BG-4/BT-34"}, {inv.Buyer.ElectronicAddress, "BG-7/BT-49"}} {
				out = append(out, when(p.e != nil && notIn(easSchemes, p.e.Scheme), p.loc)...)
			}
			return out
		}},
	{"BR-CL-26", SeverityFatal, "Delivery location identifier scheme identifier MUST belong to the ISO 6523 ICD code list",
		func(inv *Invoice) []string {
			d := inv.Delivery
			return when(d != nil && d.LocationID != nil && notIn(icdSchemes, d.LocationID.Scheme), "BG-13/BT-71")
		}},
}
