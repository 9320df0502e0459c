package einvoice

import (
	"math/big"
	"regexp"
	"strconv"
	"strings"
)

// XRechnung 3.0 business rules (KoSIT XRechnung Schematron 2.5.0 for
// XRechnung 3.0.2): the CIUS rules BR-DE-*, the temporary rules BR-TMP-*
// and BR-DE-TMP-32, the extension rules BR-DEX-* and the clean-vehicles
// rules BR-DE-CVD-*. The checks follow the Schematron's XPath, including
// its quirks, because the KoSIT validator is what a receiving authority
// runs; where the XPath reads the XML in a way the semantic model cannot
// express, the parsers record what the rule needs in xrFacts.
//
// Not implemented: the PEPPOL-EN16931-R* rules that KoSIT merges into the
// released Schematron; BR-DE-12, BR-DE-13 and BR-DE-29 do not exist in
// XRechnung 3.0.

// Specification identifiers (BT-24) of XRechnung 3.0.
const (
	xrCIUSID      = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
	xrExtensionID = xrCIUSID + "#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0"
	xrCVDID       = xrCIUSID + "#compliant#urn:xeinkauf.de:kosit:xrechnung:cvd_0.9"
)

// xrFacts holds what the XRechnung and CEN syntax rules read from the XML
// and the semantic model does not keep: presence of elements, values as
// the Schematron selects them, and the extension's sub lines and third
// party payments. Unexported, so it travels neither in JSON nor in
// workflow history; a model decoded from JSON has no facts.
type xrFacts struct {
	sellerParty bool // UBL AccountingSupplierParty / CII SellerTradeParty

	// BR-DE-16: VAT category codes as the Schematron selects them (BT-95,
	// BT-102, BT-151), and whether a seller VAT or tax registration id or
	// a tax representative is there.
	vatCodes     []string
	sellerTaxIDs bool

	termsNotes []string // BR-DE-18: first BT-20 text of each payment terms
	// vatRates says per VAT breakdown (every UBL TaxSubtotal, every CII
	// header ApplicableTradeTax) whether BT-119 is written (BR-DE-14).
	vatRates     []bool
	precedingRef bool // BR-DE-26: an invoice document reference (BG-3)
	deliveryDate bool // BR-DE-TMP-32: BT-72 element present
	means        []xrMeans

	// Direct debit (BG-19) for BR-DE-30/31: UBL has a mandate element;
	// CII has only the three business terms BT-89, BT-90 and BT-91.
	ddPresent, ddMandateID, ddCreditorID, ddDebitedAccount bool

	filenameGroups [][]string // BR-DE-22: BT-125 filenames per parent element
	extURIs        []string   // BR-TMP-2: BT-124 values to check ("" when absent)
	priceBases     []xrPriceBase
	parentLineIDs  bool // BR-DEX-15: some ram:ParentLineID in the document
	lineDocs       int  // BR-DEX-15: lines with ram:AssociatedDocumentLineDocument

	mimeCodes []string            // BR-DEX-01: every embedded object's mime code
	schemes   [5][]xrSchemeUse    // BR-DEX-04 … BR-DEX-08
	subLines  []xrSubLine         // BR-DEX-02/03: UBL invoice lines with sub lines
	subItems  []int               // BR-DEX-03: ClassifiedTaxCategory count of each sub line item
	prepaid   []xrThirdPartyPayed // BR-DEX-09 … BR-DEX-14

	// CII-SR-475/476: BT-123 and BT-125 elements over all supporting
	// documents (type code 916) of the header agreement.
	supportNames, supportObjects int
}

// xrMeans is one payment instructions element (BG-16) as written.
type xrMeans struct {
	code             string // BT-81, normalised
	creditAccount    bool   // BG-17 account element
	creditIBAN       string // BT-84 as the IBAN rule reads it
	card             bool   // BG-18
	mandate          bool   // UBL PaymentMandate (BG-19)
	debitIBAN        string // BT-91 of this means
	debitIBANPresent bool
	payeeInstitution bool // CII PayeeSpecifiedCreditorFinancialInstitution
	payerInstitution bool // CII PayerSpecifiedDebtorFinancialInstitution
}

// xrPriceBase is a CII line's item price base quantities (BT-149) and
// their unit codes (BT-150) on the gross and the net price.
type xrPriceBase struct {
	gross, net         *string
	grossUnit, netUnit *string
}

// xrSchemeUse is one identifier scheme attribute a BR-DEX rule checks.
type xrSchemeUse struct {
	scheme string
	sepaOK bool // BR-DEX-04: SEPA allowed under the seller or payee
}

// xrSubLine is an extension sub invoice line (BG-DEX-01) or the invoice
// line holding it: its net amount as written and its sub lines.
type xrSubLine struct {
	amount *string
	kids   []xrSubLine
}

// xrThirdPartyPayed is a third party payment (BG-DEX-09) as written.
type xrThirdPartyPayed struct {
	id, paid, instruction string
	paidPresent           bool
	currency              *string
}

// --- fact collection -------------------------------------------------------

func attrPtr(n *node, local string) *string {
	if !hasAttr(n, local) {
		return nil
	}
	v := n.attr(local)
	return &v
}

func textPtr(n *node) *string {
	if n == nil {
		return nil
	}
	return &n.text
}

// walk calls fn for every element below n with its ancestors' local names.
func walk(n *node, anc []string, fn func(n *node, anc []string)) {
	if n == nil {
		return
	}
	fn(n, anc)
	anc = append(anc, n.local)
	for _, k := range n.kids {
		walk(k, anc, fn)
	}
}

func hasAncestor(anc []string, local string) bool {
	for _, a := range anc {
		if a == local {
			return true
		}
	}
	return false
}

func normSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// ublXRFacts records the XRechnung facts of a UBL Invoice or CreditNote.
func ublXRFacts(root *node, inv *Invoice) xrFacts {
	f := xrFacts{}
	sup := root.child("AccountingSupplierParty")
	f.sellerParty = sup != nil

	for _, ac := range root.all("AllowanceCharge") {
		ind := ac.str("ChargeIndicator")
		for _, cat := range ac.all("TaxCategory") {
			vatScheme := false
			for _, ts := range cat.all("TaxScheme") {
				for _, id := range ts.all("ID") {
					vatScheme = vatScheme || id.text == "VAT"
				}
			}
			for _, id := range cat.all("ID") {
				// BT-95 counts in an Invoice only with the VAT scheme
				// after it; the CreditNote variable has no such filter.
				if ind == "true" || (ind == "false" && (vatScheme || inv.Syntax == SyntaxUBLCreditNote)) {
					f.vatCodes = append(f.vatCodes, id.text)
				}
			}
		}
	}
	for _, ln := range append(root.all("InvoiceLine"), root.all("CreditNoteLine")...) {
		for _, cat := range ln.path("Item").all("ClassifiedTaxCategory") {
			for _, id := range cat.all("ID") {
				f.vatCodes = append(f.vatCodes, id.text)
			}
		}
	}
	for _, ts := range sup.path("Party").all("PartyTaxScheme") {
		for _, id := range ts.all("CompanyID") {
			f.sellerTaxIDs = f.sellerTaxIDs || normSpace(id.text) != ""
		}
	}
	f.sellerTaxIDs = f.sellerTaxIDs || root.child("TaxRepresentativeParty") != nil

	for _, pt := range root.all("PaymentTerms") {
		if n := pt.child("Note"); n != nil {
			f.termsNotes = append(f.termsNotes, termsText(n))
		}
	}
	for _, tt := range root.all("TaxTotal") {
		for _, st := range tt.all("TaxSubtotal") {
			ok := false
			for _, cat := range st.all("TaxCategory") {
				for _, p := range cat.all("Percent") {
					ok = ok || normSpace(p.text) != ""
				}
			}
			f.vatRates = append(f.vatRates, ok)
		}
	}
	for _, br := range root.all("BillingReference") {
		f.precedingRef = f.precedingRef || br.child("InvoiceDocumentReference") != nil
	}
	for _, dl := range root.all("Delivery") {
		f.deliveryDate = f.deliveryDate || dl.child("ActualDeliveryDate") != nil
	}
	for _, pm := range root.all("PaymentMeans") {
		m := xrMeans{
			code:          normSpace(pm.str("PaymentMeansCode")),
			creditAccount: pm.child("PayeeFinancialAccount") != nil,
			creditIBAN:    pm.str("PayeeFinancialAccount", "ID"),
			card:          pm.child("CardAccount") != nil,
			mandate:       pm.child("PaymentMandate") != nil,
			debitIBAN:     pm.str("PaymentMandate", "PayerFinancialAccount", "ID"),
		}
		m.debitIBANPresent = pm.path("PaymentMandate", "PayerFinancialAccount", "ID") != nil
		f.ddPresent = f.ddPresent || m.mandate
		for _, md := range pm.all("PaymentMandate") {
			for _, acc := range md.all("PayerFinancialAccount") {
				f.ddDebitedAccount = f.ddDebitedAccount || acc.child("ID") != nil
			}
		}
		f.means = append(f.means, m)
	}
	for _, p := range []*node{sup.path("Party"), root.child("PayeeParty")} {
		for _, pid := range p.all("PartyIdentification") {
			for _, id := range pid.all("ID") {
				f.ddCreditorID = f.ddCreditorID || id.attr("schemeID") == "SEPA"
			}
		}
	}

	var names []string
	for _, ad := range root.all("AdditionalDocumentReference") {
		for _, att := range ad.all("Attachment") {
			for _, bin := range att.all("EmbeddedDocumentBinaryObject") {
				if hasAttr(bin, "filename") {
					names = append(names, bin.attr("filename"))
				}
			}
			for _, ext := range att.all("ExternalReference") {
				f.extURIs = append(f.extURIs, ext.str("URI"))
			}
		}
	}
	f.filenameGroups = [][]string{names}

	walk(root, nil, func(n *node, anc []string) {
		parent := ""
		if len(anc) > 0 {
			parent = anc[len(anc)-1]
		}
		switch {
		case n.local == "EmbeddedDocumentBinaryObject":
			f.mimeCodes = append(f.mimeCodes, n.attr("mimeCode"))
		case !hasAttr(n, "schemeID"):
		case n.local == "ID" && parent == "PartyIdentification":
			f.schemes[0] = append(f.schemes[0], xrSchemeUse{n.attr("schemeID"),
				hasAncestor(anc, "AccountingSupplierParty") || hasAncestor(anc, "PayeeParty")})
		case n.local == "CompanyID" && parent == "PartyLegalEntity":
			f.schemes[1] = append(f.schemes[1], xrSchemeUse{scheme: n.attr("schemeID")})
		case n.local == "ID" && parent == "StandardItemIdentification":
			f.schemes[2] = append(f.schemes[2], xrSchemeUse{scheme: n.attr("schemeID")})
		case n.local == "EndpointID":
			f.schemes[3] = append(f.schemes[3], xrSchemeUse{scheme: n.attr("schemeID")})
		case n.local == "ID" && parent == "DeliveryLocation":
			f.schemes[4] = append(f.schemes[4], xrSchemeUse{scheme: n.attr("schemeID")})
		}
	})

	if inv.Syntax == SyntaxUBLInvoice {
		var sub func(n *node) xrSubLine
		sub = func(n *node) xrSubLine {
			s := xrSubLine{amount: textPtr(n.child("LineExtensionAmount"))}
			for _, k := range n.all("SubInvoiceLine") {
				s.kids = append(s.kids, sub(k))
			}
			return s
		}
		for _, ln := range root.all("InvoiceLine") {
			if ln.child("SubInvoiceLine") != nil {
				f.subLines = append(f.subLines, sub(ln))
			}
		}
		walk(root, nil, func(n *node, _ []string) {
			if n.local != "SubInvoiceLine" {
				return
			}
			for _, it := range n.all("Item") {
				f.subItems = append(f.subItems, len(it.all("ClassifiedTaxCategory")))
			}
		})
	}
	for _, pp := range root.all("PrepaidPayment") {
		amt := pp.child("PaidAmount")
		f.prepaid = append(f.prepaid, xrThirdPartyPayed{
			id: pp.str("ID"), paid: pp.str("PaidAmount"), instruction: pp.str("InstructionID"),
			paidPresent: amt != nil, currency: attrPtr(amt, "currencyID"),
		})
	}
	return f
}

// ciiXRFacts records the XRechnung facts of a CII CrossIndustryInvoice.
func ciiXRFacts(root *node) xrFacts {
	f := xrFacts{}
	tx := root.child("SupplyChainTradeTransaction")
	agr := tx.child("ApplicableHeaderTradeAgreement")
	dlv := tx.child("ApplicableHeaderTradeDelivery")
	stl := tx.child("ApplicableHeaderTradeSettlement")
	f.sellerParty = agr.child("SellerTradeParty") != nil

	// BR-DE-16 reads two existential comparisons over all lines: some
	// line tax has type code VAT, some has a listed category. Its
	// document-level branch compares a whole ram:CategoryTradeTax with
	// 'VAT', which only a childless element can satisfy; such an element
	// carries no category code, so the branch never holds.
	lineVAT := false
	var lineCodes []string
	for _, ln := range tx.all("IncludedSupplyChainTradeLineItem") {
		for _, t := range ln.path("SpecifiedLineTradeSettlement").all("ApplicableTradeTax") {
			for _, tc := range t.all("TypeCode") {
				lineVAT = lineVAT || tc.text == "VAT"
			}
			for _, c := range t.all("CategoryCode") {
				lineCodes = append(lineCodes, c.text)
			}
		}
	}
	if lineVAT {
		f.vatCodes = lineCodes
	}
	for _, tr := range agr.path("SellerTradeParty").all("SpecifiedTaxRegistration") {
		for _, id := range tr.all("ID") {
			s := normSpace(id.attr("schemeID"))
			f.sellerTaxIDs = f.sellerTaxIDs || ((s == "VA" || s == "FC") && normSpace(id.text) != "")
		}
	}
	f.sellerTaxIDs = f.sellerTaxIDs || agr.child("SellerTaxRepresentativeTradeParty") != nil

	for _, pt := range stl.all("SpecifiedTradePaymentTerms") {
		if n := pt.child("Description"); n != nil {
			f.termsNotes = append(f.termsNotes, termsText(n))
		}
		f.ddMandateID = f.ddMandateID || pt.child("DirectDebitMandateID") != nil
	}
	for _, t := range stl.all("ApplicableTradeTax") {
		ok := false
		for _, p := range t.all("RateApplicablePercent") {
			ok = ok || normSpace(p.text) != ""
		}
		f.vatRates = append(f.vatRates, ok)
	}
	f.precedingRef = stl.child("InvoiceReferencedDocument") != nil
	for _, ev := range dlv.all("ActualDeliverySupplyChainEvent") {
		f.deliveryDate = f.deliveryDate || ev.child("OccurrenceDateTime") != nil
	}
	f.ddCreditorID = stl.child("CreditorReferenceID") != nil
	for _, pm := range stl.all("SpecifiedTradeSettlementPaymentMeans") {
		m := xrMeans{
			code:             normSpace(pm.str("TypeCode")),
			creditAccount:    pm.child("PayeePartyCreditorFinancialAccount") != nil,
			creditIBAN:       pm.str("PayeePartyCreditorFinancialAccount", "IBANID"),
			card:             pm.child("ApplicableTradeSettlementFinancialCard") != nil,
			debitIBAN:        pm.str("PayerPartyDebtorFinancialAccount", "IBANID"),
			debitIBANPresent: pm.path("PayerPartyDebtorFinancialAccount", "IBANID") != nil,
			payeeInstitution: pm.child("PayeeSpecifiedCreditorFinancialInstitution") != nil,
			payerInstitution: pm.child("PayerSpecifiedDebtorFinancialInstitution") != nil,
		}
		f.ddDebitedAccount = f.ddDebitedAccount || m.debitIBANPresent
		f.means = append(f.means, m)
	}
	f.ddPresent = f.ddMandateID || f.ddCreditorID || f.ddDebitedAccount

	for _, ad := range agr.all("AdditionalReferencedDocument") {
		if ad.str("TypeCode") != "916" {
			continue
		}
		if u := ad.child("URIID"); u != nil {
			f.extURIs = append(f.extURIs, u.text)
		}
		f.supportNames += len(ad.all("Name"))
		f.supportObjects += len(ad.all("AttachmentBinaryObject"))
	}
	for _, ln := range tx.all("IncludedSupplyChainTradeLineItem") {
		a := ln.child("SpecifiedLineTradeAgreement")
		g, n := a.path("GrossPriceProductTradePrice", "BasisQuantity"), a.path("NetPriceProductTradePrice", "BasisQuantity")
		f.priceBases = append(f.priceBases, xrPriceBase{
			gross: textPtr(g), net: textPtr(n), grossUnit: attrPtr(g, "unitCode"), netUnit: attrPtr(n, "unitCode"),
		})
		if ln.child("AssociatedDocumentLineDocument") != nil {
			f.lineDocs++
		}
	}

	walk(root, nil, func(n *node, anc []string) {
		// BR-DE-22 compares filenames among sibling documents only.
		var names []string
		for _, ad := range n.all("AdditionalReferencedDocument") {
			for _, bin := range ad.all("AttachmentBinaryObject") {
				if hasAttr(bin, "filename") {
					names = append(names, bin.attr("filename"))
				}
			}
		}
		if len(names) > 1 {
			f.filenameGroups = append(f.filenameGroups, names)
		}
		parent := ""
		if len(anc) > 0 {
			parent = anc[len(anc)-1]
		}
		switch {
		case n.local == "ParentLineID":
			f.parentLineIDs = true
		case n.local == "AttachmentBinaryObject":
			f.mimeCodes = append(f.mimeCodes, n.attr("mimeCode"))
		case !hasAttr(n, "schemeID"):
		case n.local == "GlobalID" && parent == "SpecifiedTradeProduct":
			f.schemes[2] = append(f.schemes[2], xrSchemeUse{scheme: n.attr("schemeID")})
		case n.local == "GlobalID" && parent == "ShipToTradeParty":
			if len(anc) > 1 && anc[len(anc)-2] == "ApplicableHeaderTradeDelivery" {
				f.schemes[4] = append(f.schemes[4], xrSchemeUse{scheme: n.attr("schemeID")})
			}
		case n.local == "GlobalID":
			if !hasAncestor(anc, "SpecifiedTradeProduct") && !hasAncestor(anc, "ShipToTradeParty") {
				f.schemes[0] = append(f.schemes[0], xrSchemeUse{scheme: n.attr("schemeID")})
			}
		case n.local == "ID":
			if !hasAncestor(anc, "SpecifiedTaxRegistration") {
				f.schemes[1] = append(f.schemes[1], xrSchemeUse{scheme: n.attr("schemeID")})
			}
		case n.local == "URIID" && parent == "URIUniversalCommunication":
			f.schemes[3] = append(f.schemes[3], xrSchemeUse{scheme: n.attr("schemeID")})
		}
	})
	return f
}

// --- value checks ----------------------------------------------------------

var (
	// xrSkontoLine is $XR-SKONTO-REGEX.
	xrSkontoLine = regexp.MustCompile(`(^|\r?\n)#(SKONTO)#TAGE=([0-9]+#PROZENT=[0-9]+\.[0-9]{2})(#BASISBETRAG=-?[0-9]+\.[0-9]{2})?#$`)
	// xrSkontoSegment is the '#.+#' of BR-DE-18's tokenize (XPath '.'
	// matches neither CR nor LF).
	xrSkontoSegment = regexp.MustCompile(`#[^\n\r]+#`)
	xrSkontoTail    = regexp.MustCompile(`^\s*\n`)
	xrLineBreak     = regexp.MustCompile(`\r?\n`)
	xrEmail         = regexp.MustCompile(`^[^@ \t\n\r]+@([^@. \t\n\r]+\.)+[^@. \t\n\r]+$`)
	xrPhone         = regexp.MustCompile(`([0-9].*){3,}`)
	xrURL           = regexp.MustCompile(`^([a-zA-Z])([a-zA-Z0-9+.-])+:`)
	xrIBANShape     = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{0,30}$`)
)

// termsText is a payment terms text (BT-20) with the final line break the
// tree trimmed off restored, as BR-DE-18 reads the raw text.
func termsText(n *node) string {
	if n.endsWithBreak {
		return n.text + "\n"
	}
	return n.text
}

// skontoOK is BR-DE-18 for one payment terms text (as termsText gives it):
// every line starting with '#' is a well-formed discount line, and the
// text after the last "#…#" segment starts with a line break.
func skontoOK(text string) bool {
	for _, line := range xrLineBreak.Split(text, -1) {
		l := normSpace(line)
		if !strings.HasPrefix(l, "#") {
			continue
		}
		if !xrSkontoLine.MatchString(l) {
			return false
		}
		loc := xrSkontoSegment.FindAllStringIndex(text, -1)
		if len(loc) == 0 {
			return false
		}
		tail := text[loc[len(loc)-1][1]:]
		if !xrSkontoTail.MatchString(tail) {
			return false
		}
	}
	return true
}

// ibanOK is the IBAN test of BR-DE-19/20: whitespace removed, the shape,
// then ISO 7064 MOD 97-10 with letters as the Schematron maps them.
func ibanOK(raw string) bool {
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, raw)
	if !xrIBANShape.MatchString(s) {
		return false
	}
	var digits strings.Builder
	for _, r := range s[4:] + strings.ToUpper(s[:2]) + s[2:4] {
		if r > 64 {
			digits.WriteString(strconv.Itoa(int(r) - 55))
		} else {
			digits.WriteString(strconv.Itoa(int(r) - 48))
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// Code lists of the KoSIT Schematron 2.5.0, kept as the space-separated
// strings it tests with contains(): their junctions hold a double space,
// so an empty scheme passes there just as it does in the Schematron.
const (
	xrDIGACodes  = " XR01 XR02 XR03 "
	xrICDCodes   = " 0002 0003 0004 0005 0006 0007 0008 0009 0010 0011 0012 0013 0014 0015 0016 0017 0018 0019 0020 0021 0022 0023 0024 0025 0026 0027 0028 0029 0030 0031 0032 0033 0034 0035 0036 0037 0038 0039 0040 0041 0042 0043 0044 0045 0046 0047 0048 0049 0050 0051 0052 0053 0054 0055 0056 0057 0058 0059 0060 0061 0062 0063 0064 0065 0066 0067 0068 0069 0070 0071 0072 0073 0074 0075 0076 0077 0078 0079 0080 0081 0082 0083 0084 0085 0086 0087 0088 0089 0090 0091 0093 0094 0095 0096 0097 0098 0099 0100 0101 0102 0104 0105 0106 0107 0108 0109 0110 0111 0112 0113 0114 0115 0116 0117 0118 0119 0120 0121 0122 0123 0124 0125 0126 0127 0128 0129 0130 0131 0132 0133 0134 0135 0136 0137 0138 0139 0140 0141 0142 0143 0144 0145 0146 0147 0148 0149 0150 0151 0152 0153 0154 0155 0156 0157 0158 0159 0160 0161 0162 0163 0164 0165 0166 0167 0168 0169 0170 0171 0172 0173 0174 0175 0176 0177 0178 0179 0180 0183 0184 0185 0186 0187 0188 0189 0190 0191 0192 0193 0194 0195 0196 0197 0198 0199 0200 0201 0202 0203 0204 0205 0206 0207 0208 0209 0210 0211 0212 0213 0214 0215 0216 0217 0218 0219 0220 0221 0222 0223 0224 0225 0226 0227 0228 0229 0230 0231 0232 0233 0234 0235 0236 0237 0238 0239 0240 0241 0242 0243 0244"
	xrEASCodes   = " 0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0154 0158 0170 0177 0183 0184 0188 0190 0191 0192 0193 0194 0195 0196 0198 0199 0200 0201 0202 0203 0204 0205 0208 0209 0210 0211 0212 0213 0215 0216 0217 0218 0219 0220 0221 0225 0230 0235 0240 0244 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959 AN AQ AS AU EM "
	xrUNTDID7143 = " CVD  AA AB AC AD AE AF AG AH AI AJ AK AL AM AN AO AP AQ AR AS AT AU AV AW AX AY AZ BA BB BC BD BE BF BG BH BI BJ BK BL BM BN BO BP BQ BR BS BT BU BV BW BX BY BZ CC CG CL CR CV DR DW EC EF EMD EN FS GB GN GMN GS HS IB IN IS IT IZ MA MF MN MP NB ON PD PL PO PPI PV QS RC RN RU RY SA SG SK SN SRS SRT SRU SRV SRW SRX SRY SRZ SS SSA SSB SSC SSD SSE SSF SSG SSH SSI SSJ SSK SSL SSM SSN SSO SSP SSQ SSR SSS SST SSU SSV SSW SSX SSY SSZ ST STA STB STC STD STE STF STG STH STI STJ STK STL STM STN STO STP STQ STR STS STT STU STV STW STX STY STZ SUA SUB SUC SUD SUE SUF SUG SUH SUI SUJ SUK SUL SUM TG TSN TSO TSP TSQ TSR TSS TST TSU UA UP VN VP VS VX ZZZ "
)

// inCodeList is the Schematron's code-list membership test.
func inCodeList(list, code string) bool {
	c := normSpace(code)
	return !strings.Contains(c, " ") && strings.Contains(list, " "+c+" ")
}

var (
	xrVATCodes     = map[string]bool{"S": true, "Z": true, "E": true, "AE": true, "K": true, "G": true, "L": true, "M": true}
	xrTypeCodes    = map[string]bool{"326": true, "380": true, "384": true, "389": true, "381": true, "875": true, "876": true, "877": true}
	xrDEXMimeCodes = map[string]bool{"application/pdf": true, "image/png": true, "image/jpeg": true, "text/csv": true, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": true, "application/vnd.oasis.opendocument.spreadsheet": true, "application/xml": true}
	xrCVDVehicles  = map[string]bool{"M1": true, "M2": true, "M3": true, "N1": true, "N2": true, "N3": true}
	xrCVACodes     = map[string]bool{"clean": true, "zero-emission": true, "other": true}
	xrSchemeBT     = [5]string{"BT-29", "BT-30", "BT-157", "BT-34", "BT-71"}
)

func isExtension(inv *Invoice) bool { return inv.CustomizationID == xrExtensionID }
func isCVD(inv *Invoice) bool       { return inv.CustomizationID == xrCVDID }

// eachMeans checks the payment means whose BT-81 is one of codes.
func eachMeans(inv *Invoice, codes string, bt string, bad func(m *xrMeans) bool) []string {
	var out []string
	for i := range inv.xr.means {
		m := &inv.xr.means[i]
		if strings.Contains(" "+codes+" ", " "+m.code+" ") && bad(m) {
			out = append(out, idx("BG-16", i)+bt)
		}
	}
	return out
}

// ciiDirectDebit reports BG-19 in a CII payment means: the document's
// mandate (BT-89) or creditor id (BT-90), or this means' BT-91.
func ciiDirectDebit(inv *Invoice, m *xrMeans) bool {
	return inv.xr.ddMandateID || inv.xr.ddCreditorID || m.debitIBANPresent
}

func xrContact(inv *Invoice) *Contact {
	if inv.Seller.Contact == nil {
		return &Contact{}
	}
	return inv.Seller.Contact
}

// subSumOK is BR-DEX-02 for one line: its net amount equals the sum of
// its direct sub lines' amounts, and the same holds further down.
func subSumOK(s xrSubLine) bool {
	if len(s.kids) == 0 {
		return true
	}
	var sum Decimal
	for _, k := range s.kids {
		if k.amount != nil {
			v, err := ParseDecimal(*k.amount)
			if err != nil {
				return false
			}
			sum = sum.Add(v)
		}
		if !subSumOK(k) {
			return false
		}
	}
	if s.amount == nil {
		return false
	}
	v, err := ParseDecimal(*s.amount)
	return err == nil && v.Cmp(sum) == 0
}

// --- the rule table --------------------------------------------------------

// xrechnungRules are the rules of the KoSIT XRechnung Schematron. The
// extension (BR-DEX) and CVD rules guard themselves on BT-24 as the
// Schematron's patterns do.
var xrechnungRules = []rule{
	{"BR-DE-1", SeverityFatal, "An invoice shall contain payment instructions (BG-16).",
		func(inv *Invoice) []string { return when(len(inv.has.means) == 0, "BG-16") }},
	{"BR-DE-2", SeverityFatal, "The group SELLER CONTACT (BG-6) shall be provided.",
		func(inv *Invoice) []string { return when(inv.xr.sellerParty && inv.Seller.Contact == nil, "BG-4/BG-6") }},
	{"BR-DE-3", SeverityFatal, "The element Seller city (BT-37) shall be provided.",
		func(inv *Invoice) []string {
			a := inv.Seller.Address
			return when(a != nil && a.City == "", "BG-5/BT-37")
		}},
	{"BR-DE-4", SeverityFatal, "The element Seller post code (BT-38) shall be provided.",
		func(inv *Invoice) []string {
			a := inv.Seller.Address
			return when(a != nil && a.PostCode == "", "BG-5/BT-38")
		}},
	{"BR-DE-5", SeverityFatal, "The element Seller contact point (BT-41) shall be provided.",
		func(inv *Invoice) []string {
			c := inv.Seller.Contact
			return when(c != nil && c.Name == "", "BG-6/BT-41")
		}},
	{"BR-DE-6", SeverityFatal, "The element Seller contact telephone number (BT-42) shall be provided.",
		func(inv *Invoice) []string {
			c := inv.Seller.Contact
			return when(c != nil && c.Phone == "", "BG-6/BT-42")
		}},
	{"BR-DE-7", SeverityFatal, "The element Seller contact email address (BT-43) shall be provided.",
		func(inv *Invoice) []string {
			c := inv.Seller.Contact
			return when(c != nil && c.Email == "", "BG-6/BT-43")
		}},
	{"BR-DE-8", SeverityFatal, "The element Buyer city (BT-52) shall be provided.",
		func(inv *Invoice) []string {
			a := inv.Buyer.Address
			return when(a != nil && a.City == "", "BG-8/BT-52")
		}},
	{"BR-DE-9", SeverityFatal, "The element Buyer post code (BT-53) shall be provided.",
		func(inv *Invoice) []string {
			a := inv.Buyer.Address
			return when(a != nil && a.PostCode == "", "BG-8/BT-53")
		}},
	{"BR-DE-10", SeverityFatal, "The element Deliver to city (BT-77) shall be provided if the group DELIVER TO ADDRESS (BG-15) is provided.",
		func(inv *Invoice) []string {
			d := inv.Delivery
			return when(d != nil && d.Address != nil && d.Address.City == "", "BG-15/BT-77")
		}},
	{"BR-DE-11", SeverityFatal, "The element Deliver to post code (BT-78) shall be provided if the group DELIVER TO ADDRESS (BG-15) is provided.",
		func(inv *Invoice) []string {
			d := inv.Delivery
			return when(d != nil && d.Address != nil && d.Address.PostCode == "", "BG-15/BT-78")
		}},
	{"BR-DE-14", SeverityFatal, "The element VAT category rate (BT-119) shall be provided.",
		func(inv *Invoice) []string {
			var out []string
			for i, ok := range inv.xr.vatRates {
				if !ok {
					out = append(out, idx("BG-23", i)+"/BT-119")
				}
			}
			return out
		}},
	{"BR-DE-15", SeverityFatal, "The element Buyer reference (BT-10) shall be provided.",
		func(inv *Invoice) []string { return when(normSpace(inv.BuyerReference) == "", "BT-10") }},
	{"BR-DE-16", SeverityFatal, "If the VAT category codes S, Z, E, AE, K, G, L or M are used, at least one of Seller VAT identifier (BT-31), Seller tax registration identifier (BT-32) or SELLER TAX REPRESENTATIVE PARTY (BG-11) shall be provided.",
		func(inv *Invoice) []string {
			used := false
			for _, c := range inv.xr.vatCodes {
				used = used || xrVATCodes[c]
			}
			return when(used && !inv.xr.sellerTaxIDs, "BG-4/BT-31")
		}},
	{"BR-DE-17", SeverityWarning, "The Invoice type code (BT-3) should be one of 326, 380, 384, 389, 381, 875, 876, 877 (UNTDID 1001).",
		func(inv *Invoice) []string { return when(!xrTypeCodes[normSpace(inv.TypeCode)], "BT-3") }},
	{"BR-DE-18", SeverityFatal, "Discount terms in Payment terms (BT-20) shall follow #SKONTO#TAGE=n#PROZENT=n.nn#[BASISBETRAG=n.nn#], one per line, each followed by a line break.",
		func(inv *Invoice) []string {
			for _, t := range inv.xr.termsNotes {
				if !skontoOK(t) {
					return []string{"BT-20"}
				}
			}
			return nil
		}},
	{"BR-DE-19", SeverityWarning, "The Payment account identifier (BT-84) should be a valid IBAN if the Payment means type code (BT-81) is 58 (SEPA credit transfer).",
		func(inv *Invoice) []string {
			return eachMeans(inv, "58", "/BG-17/BT-84", func(m *xrMeans) bool { return !ibanOK(m.creditIBAN) })
		}},
	{"BR-DE-20", SeverityWarning, "The Debited account identifier (BT-91) should be a valid IBAN if the Payment means type code (BT-81) is 59 (SEPA direct debit).",
		func(inv *Invoice) []string {
			return eachMeans(inv, "59", "/BG-19/BT-91", func(m *xrMeans) bool { return !ibanOK(m.debitIBAN) })
		}},
	{"BR-DE-21", SeverityWarning, "The Specification identifier (BT-24) should be the identifier of XRechnung 3.0.",
		func(inv *Invoice) []string {
			c := inv.CustomizationID
			return when(c != xrCIUSID && c != xrExtensionID && c != xrCVDID, "BT-24")
		}},
	{"BR-DE-22", SeverityFatal, "The filename attributes of all attached documents (BT-125) shall be unique.",
		func(inv *Invoice) []string {
			for _, g := range inv.xr.filenameGroups {
				seen := map[string]bool{}
				for _, n := range g {
					if seen[n] {
						return []string{"BG-24/BT-125"}
					}
					seen[n] = true
				}
			}
			return nil
		}},
	{"BR-DE-23-a", SeverityFatal, "If the Payment means type code (BT-81) is a credit transfer code (30, 58), CREDIT TRANSFER (BG-17) shall be provided.",
		func(inv *Invoice) []string {
			return eachMeans(inv, "30 58", "/BG-17", func(m *xrMeans) bool { return !m.creditAccount })
		}},
	{"BR-DE-23-b", SeverityFatal, "If the Payment means type code (BT-81) is a credit transfer code (30, 58), PAYMENT CARD INFORMATION (BG-18) and DIRECT DEBIT (BG-19) shall not be provided.",
		func(inv *Invoice) []string {
			return eachMeans(inv, "30 58", "", func(m *xrMeans) bool {
				if inv.Syntax == SyntaxCII {
					return m.card || ciiDirectDebit(inv, m)
				}
				return m.card || m.mandate
			})
		}},
	{"BR-DE-24-a", SeverityFatal, "If the Payment means type code (BT-81) is a card payment code (48, 54, 55), PAYMENT CARD INFORMATION (BG-18) shall be provided.",
		func(inv *Invoice) []string {
			return eachMeans(inv, "48 54 55", "/BG-18", func(m *xrMeans) bool { return !m.card })
		}},
	{"BR-DE-24-b", SeverityFatal, "If the Payment means type code (BT-81) is a card payment code (48, 54, 55), CREDIT TRANSFER (BG-17) and DIRECT DEBIT (BG-19) shall not be provided.",
		func(inv *Invoice) []string {
			return eachMeans(inv, "48 54 55", "", func(m *xrMeans) bool {
				if inv.Syntax == SyntaxCII {
					return m.creditAccount || ciiDirectDebit(inv, m)
				}
				return m.creditAccount || m.mandate
			})
		}},
	{"BR-DE-25-a", SeverityFatal, "If the Payment means type code (BT-81) is a direct debit code (59), DIRECT DEBIT (BG-19) shall be provided.",
		func(inv *Invoice) []string {
			return eachMeans(inv, "59", "/BG-19", func(m *xrMeans) bool {
				if inv.Syntax == SyntaxCII {
					return !ciiDirectDebit(inv, m)
				}
				return !m.mandate
			})
		}},
	{"BR-DE-25-b", SeverityFatal, "If the Payment means type code (BT-81) is a direct debit code (59), CREDIT TRANSFER (BG-17) and PAYMENT CARD INFORMATION (BG-18) shall not be provided.",
		func(inv *Invoice) []string {
			return eachMeans(inv, "59", "", func(m *xrMeans) bool {
				return m.creditAccount || m.card || m.payeeInstitution || m.payerInstitution
			})
		}},
	{"BR-DE-26", SeverityWarning, "If the Invoice type code (BT-3) is 384 (Corrected invoice), PRECEDING INVOICE REFERENCE (BG-3) should be provided at least once.",
		func(inv *Invoice) []string {
			return when(normSpace(inv.TypeCode) == "384" && !inv.xr.precedingRef, "BG-3")
		}},
	{"BR-DE-27", SeverityWarning, "The Seller contact telephone number (BT-42) should contain at least three digits.",
		func(inv *Invoice) []string {
			return when(inv.Seller.Contact != nil && !xrPhone.MatchString(normSpace(xrContact(inv).Phone)), "BG-6/BT-42")
		}},
	{"BR-DE-28", SeverityWarning, "The Seller contact email address (BT-43) should contain exactly one @, not at either end, with a dot-separated domain after it.",
		func(inv *Invoice) []string {
			return when(inv.Seller.Contact != nil && !xrEmail.MatchString(normSpace(xrContact(inv).Email)), "BG-6/BT-43")
		}},
	{"BR-DE-30", SeverityFatal, "If DIRECT DEBIT (BG-19) is provided, the Bank assigned creditor identifier (BT-90) shall be provided.",
		func(inv *Invoice) []string {
			x := &inv.xr
			ok := x.ddCreditorID && (inv.Syntax != SyntaxCII || x.ddMandateID || x.ddDebitedAccount)
			return when(x.ddPresent && !ok, "BG-19/BT-90")
		}},
	{"BR-DE-31", SeverityFatal, "If DIRECT DEBIT (BG-19) is provided, the Debited account identifier (BT-91) shall be provided.",
		func(inv *Invoice) []string {
			x := &inv.xr
			ok := x.ddDebitedAccount && (inv.Syntax != SyntaxCII || x.ddMandateID || x.ddCreditorID)
			return when(x.ddPresent && !ok, "BG-19/BT-91")
		}},
	{"BR-DE-TMP-32", SeverityInformation, "An invoice should state the date of delivery or service: Actual delivery date (BT-72), Invoicing period (BG-14) or an Invoice line period (BG-26) in every line.",
		func(inv *Invoice) []string {
			if inv.xr.deliveryDate || inv.InvoicingPeriod != nil {
				return nil
			}
			for _, l := range inv.Lines {
				if l.Period == nil {
					return []string{"BT-72"}
				}
			}
			return nil
		}},
	{"BR-TMP-2", SeverityWarning, "The External document location (BT-124) shall be an absolute URL with a valid scheme.",
		func(inv *Invoice) []string {
			var out []string
			for i, u := range inv.xr.extURIs {
				if !xrURL.MatchString(u) {
					out = append(out, idx("BG-24", i)+"/BT-124")
				}
			}
			return out
		}},
	{"BR-TMP-3", SeverityFatal, "If the Item price base quantity (BT-149) is given on both the gross and the net price, the values shall be identical, and so shall their unit codes (BT-150) where both are given.",
		func(inv *Invoice) []string {
			var out []string
			for i, p := range inv.xr.priceBases {
				if p.gross == nil || p.net == nil {
					continue
				}
				unitsOK := p.grossUnit == nil || p.netUnit == nil || *p.grossUnit == *p.netUnit
				if *p.gross != *p.net || !unitsOK {
					out = append(out, idx("BG-25", i)+"/BG-29/BT-149")
				}
			}
			return out
		}},

	// Extension (CustomizationID of the XRechnung extension).
	{"BR-DEX-01", SeverityFatal, "An attached document (BT-125) uses a MIME code not allowed in the XRechnung extension (pdf, png, jpeg, csv, xlsx, ods, xml).",
		func(inv *Invoice) []string {
			var out []string
			for i, m := range inv.xr.mimeCodes {
				if isExtension(inv) && !xrDEXMimeCodes[m] {
					out = append(out, idx("BT-125", i))
				}
			}
			return out
		}},
	{"BR-DEX-02", SeverityWarning, "The Invoice line net amount (BT-131) of an INVOICE LINE (BG-25) or SUB INVOICE LINE (BG-DEX-01) should equal the sum of the net amounts of its direct sub invoice lines.",
		func(inv *Invoice) []string {
			if !isExtension(inv) {
				return nil
			}
			for _, s := range inv.xr.subLines {
				if !subSumOK(s) {
					return []string{"BG-25/BT-131"}
				}
			}
			return nil
		}},
	{"BR-DEX-03", SeverityFatal, "A SUB INVOICE LINE (BG-DEX-01) shall contain exactly one SUB INVOICE LINE VAT INFORMATION (BG-DEX-06).",
		func(inv *Invoice) []string {
			if !isExtension(inv) {
				return nil
			}
			for _, n := range inv.xr.subItems {
				if n != 1 {
					return []string{"BG-DEX-01/BG-DEX-06"}
				}
			}
			return nil
		}},
	xrSchemeRule("BR-DEX-04", 0, xrICDCodes, "A party identifier scheme (BT-29, BT-46, BT-60) shall be from the ISO 6523 ICD list or XR01, XR02, XR03 (SEPA for the seller and payee)."),
	xrSchemeRule("BR-DEX-05", 1, xrICDCodes, "A legal registration identifier scheme (BT-30, BT-47, BT-61) shall be from the ISO 6523 ICD list or XR01, XR02, XR03."),
	xrSchemeRule("BR-DEX-06", 2, xrICDCodes, "An Item standard identifier scheme (BT-157) shall be from the ISO 6523 ICD list or XR01, XR02, XR03."),
	xrSchemeRule("BR-DEX-07", 3, xrEASCodes, "An electronic address scheme (BT-34, BT-49) shall be from the CEF EAS list or XR01, XR02, XR03."),
	xrSchemeRule("BR-DEX-08", 4, xrICDCodes, "A Deliver to location identifier scheme (BT-71) shall be from the ISO 6523 ICD list or XR01, XR02, XR03."),
	{"BR-DEX-09", SeverityFatal, "Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) - Paid amount (BT-113) + Rounding amount (BT-114) + Σ Third party payment amount (BT-DEX-002).",
		func(inv *Invoice) []string {
			if !isExtension(inv) || inv.Syntax == SyntaxCII || !inv.has.monetaryTotal {
				return nil
			}
			if !inv.has.payable || !inv.has.taxInclusive {
				return []string{"BG-22/BT-115"}
			}
			var third Decimal
			for _, p := range inv.xr.prepaid {
				if p.paidPresent {
					v, err := ParseDecimal(p.paid)
					if err != nil {
						return []string{"BG-22/BT-115"}
					}
					third = third.Add(v)
				}
			}
			t := &inv.Totals
			left := roundHalfUp2(t.Payable.Sub(decOr0(t.Rounding)))
			right := roundHalfUp2(t.TaxInclusive.Sub(decOr0(t.Prepaid)).Add(third))
			return when(left.Cmp(right) != 0, "BG-22/BT-115")
		}},
	xrPrepaidRule("BR-DEX-10", "/BT-DEX-001", "The Third party payment type (BT-DEX-001) shall be provided if THIRD PARTY PAYMENT (BG-DEX-09) is provided.",
		func(inv *Invoice, p xrThirdPartyPayed) bool { return normSpace(p.id) == "" }),
	xrPrepaidRule("BR-DEX-11", "/BT-DEX-002", "The Third party payment amount (BT-DEX-002) shall be provided if THIRD PARTY PAYMENT (BG-DEX-09) is provided.",
		func(inv *Invoice, p xrThirdPartyPayed) bool { return normSpace(p.paid) == "" }),
	xrPrepaidRule("BR-DEX-12", "/BT-DEX-003", "The Third party payment description (BT-DEX-003) shall be provided if THIRD PARTY PAYMENT (BG-DEX-09) is provided.",
		func(inv *Invoice, p xrThirdPartyPayed) bool { return normSpace(p.instruction) == "" }),
	xrPrepaidRule("BR-DEX-13", "/BT-DEX-002", "The Third party payment amount (BT-DEX-002) shall have at most two decimals.",
		func(inv *Invoice, p xrThirdPartyPayed) bool {
			_, frac, _ := strings.Cut(p.paid, ".")
			return len([]rune(frac)) > 2
		}),
	xrPrepaidRule("BR-DEX-14", "/BT-DEX-002", "The currency of the Third party payment amount (BT-DEX-002) shall be the Invoice currency code (BT-5).",
		func(inv *Invoice, p xrThirdPartyPayed) bool {
			return p.currency == nil || *p.currency != inv.CurrencyCode
		}),
	{"BR-DEX-15", SeverityWarning, "This CII invoice seems to use sub invoice lines (ram:ParentLineID), which XRechnung does not support in CII.",
		func(inv *Invoice) []string {
			var out []string
			if isExtension(inv) && inv.xr.parentLineIDs {
				for i := 0; i < inv.xr.lineDocs; i++ {
					out = append(out, idx("BG-25", i))
				}
			}
			return out
		}},

	// Clean vehicles (CustomizationID of the CVD profile).
	{"BR-DE-CVD-01", SeverityFatal, "The Contract reference (BT-12) shall be provided.",
		func(inv *Invoice) []string {
			return when(isCVD(inv) && normSpace(inv.ContractReference) == "", "BT-12")
		}},
	{"BR-DE-CVD-02", SeverityFatal, "The Tender or lot reference (BT-17) shall be provided.",
		func(inv *Invoice) []string { return when(isCVD(inv) && normSpace(inv.TenderReference) == "", "BT-17") }},
	{"BR-DE-CVD-03", SeverityFatal, "An invoice shall contain at least one INVOICE LINE (BG-25) with an Item classification identifier (BT-158) of scheme 'CVD' and an Item attribute name (BT-160) 'cva'.",
		func(inv *Invoice) []string {
			if !isCVD(inv) {
				return nil
			}
			for i := range inv.Lines {
				if cvdClasses(&inv.Lines[i]) > 0 && cvaAttrs(&inv.Lines[i]) > 0 {
					return nil
				}
			}
			return []string{"BG-25"}
		}},
	{"BR-DE-CVD-04", SeverityFatal, "An Item classification identifier (BT-158) of scheme 'CVD' shall be an allowed vehicle category (M1, M2, M3, N1, N2, N3).",
		func(inv *Invoice) []string {
			return cvdEachClass(inv, func(c Identifier) bool { return normSpace(c.Scheme) == "CVD" && !xrCVDVehicles[normSpace(c.Value)] })
		}},
	{"BR-DE-CVD-05", SeverityFatal, "If the Item attribute name (BT-160) is 'cva', the Item attribute value (BT-161) shall be one of clean, zero-emission, other.",
		func(inv *Invoice) []string {
			var out []string
			if !isCVD(inv) {
				return nil
			}
			for i, l := range inv.Lines {
				for j, a := range l.Attributes {
					if a.Name == "cva" && !xrCVACodes[normSpace(a.Value)] {
						out = append(out, idx("BG-25", i)+idx("/BG-32", j)+"/BT-161")
					}
				}
			}
			return out
		}},
	{"BR-DE-CVD-06-a", SeverityFatal, "If an Item classification identifier (BT-158) has the scheme 'CVD', the same line shall have exactly one Item attribute name (BT-160) 'cva'.",
		func(inv *Invoice) []string {
			if !isCVD(inv) {
				return nil
			}
			return eachLine(inv, "", func(l *Line) bool { return cvdClasses(l) > 0 && cvaAttrs(l) != 1 })
		}},
	{"BR-DE-CVD-06-b", SeverityFatal, "If an Item attribute name (BT-160) is 'cva', the same line shall have exactly one Item classification identifier (BT-158) of scheme 'CVD'.",
		func(inv *Invoice) []string {
			if !isCVD(inv) {
				return nil
			}
			return eachLine(inv, "", func(l *Line) bool { return cvaAttrs(l) > 0 && cvdClasses(l) != 1 })
		}},
	{"BR-TMP-CVD-01", SeverityFatal, "The scheme of an Item classification identifier (BT-158) shall be from UNTDID 7143 (or 'CVD').",
		func(inv *Invoice) []string {
			return cvdEachClass(inv, func(c Identifier) bool { return !inCodeList(xrUNTDID7143, c.Scheme) })
		}},
}

func cvdClasses(l *Line) int {
	n := 0
	for _, c := range l.Classifications {
		if c.Scheme == "CVD" {
			n++
		}
	}
	return n
}

func cvaAttrs(l *Line) int {
	n := 0
	for _, a := range l.Attributes {
		if a.Name == "cva" {
			n++
		}
	}
	return n
}

func cvdEachClass(inv *Invoice, bad func(c Identifier) bool) []string {
	var out []string
	if !isCVD(inv) {
		return nil
	}
	for i, l := range inv.Lines {
		for j, c := range l.Classifications {
			if bad(c) {
				out = append(out, idx("BG-25", i)+idx("/BT-158", j))
			}
		}
	}
	return out
}

// xrSchemeRule builds BR-DEX-04 … BR-DEX-08: every scheme attribute of
// its kind is from list or the DIGA codes XR01 … XR03.
func xrSchemeRule(id string, kind int, list, msg string) rule {
	full := xrDIGACodes + list
	return rule{id, SeverityFatal, msg, func(inv *Invoice) []string {
		if !isExtension(inv) {
			return nil
		}
		var out []string
		for i, s := range inv.xr.schemes[kind] {
			if !inCodeList(full, s.scheme) && !(kind == 0 && s.sepaOK && normSpace(s.scheme) == "SEPA") {
				out = append(out, idx(xrSchemeBT[kind], i))
			}
		}
		return out
	}}
}

// xrPrepaidRule builds BR-DEX-10 … BR-DEX-14 over the third party
// payments of a UBL Invoice (the extension has none in CreditNote).
func xrPrepaidRule(id, bt, msg string, bad func(inv *Invoice, p xrThirdPartyPayed) bool) rule {
	return rule{id, SeverityFatal, msg, func(inv *Invoice) []string {
		if !isExtension(inv) || inv.Syntax != SyntaxUBLInvoice {
			return nil
		}
		var out []string
		for i, p := range inv.xr.prepaid {
			if bad(inv, p) {
				out = append(out, idx("BG-DEX-09", i)+bt)
			}
		}
		return out
	}}
}

// ciiSyntaxRules are two CEN CII syntax warnings the XRechnung test suite
// meets: the CEN Schematron counts BT-123 and BT-125 over all supporting
// documents (type code 916) together, so two described attachments are
// reported although each has one description.
var ciiSyntaxRules = []rule{
	{"CII-SR-475", SeverityWarning, "The Supporting document description (BT-123) should occur at most once among the supporting documents (type code 916).",
		func(inv *Invoice) []string { return when(inv.xr.supportNames > 1, "BG-24/BT-123") }},
	{"CII-SR-476", SeverityWarning, "The Attached document (BT-125) should occur at most once among the supporting documents (type code 916).",
		func(inv *Invoice) []string { return when(inv.xr.supportObjects > 1, "BG-24/BT-125") }},
}
