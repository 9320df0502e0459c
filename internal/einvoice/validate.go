package einvoice

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// Severity grades a validation finding, as the EN 16931 and XRechnung
// Schematron flags do.
type Severity string

// Severities. Fatal and error make an invoice unacceptable; warning and
// information do not.
const (
	SeverityFatal       Severity = "fatal"
	SeverityError       Severity = "error"
	SeverityWarning     Severity = "warning"
	SeverityInformation Severity = "information"
)

// Finding is one violated business rule. Location names the offending
// element by its EN 16931 semantic id (BT-/BG-), with a 1-based index for
// repeated groups, e.g. "BG-25[2]/BT-129" or "BG-22/BT-115"; it is the same
// for UBL and CII.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	Location string   `json:"location"`
}

// rule is one business rule: check returns the locations that violate it.
type rule struct {
	ID       string
	Severity Severity
	Message  string
	check    func(inv *Invoice) []string
}

// Validate checks the invoice in the scenario its syntax and
// Specification identifier (BT-24) select (see Scenario): the EN 16931
// business rules always, the XRechnung rules for XRechnung 3.0 (with the
// severities KoSIT's validator configuration sets for the scenario), and
// one refusal instead of any rule for a Factur-X/ZUGFeRD MINIMUM or
// BASIC WL document, which is no invoice. Findings come in rule-table
// order, then in document order within a rule, so equal invoices give
// equal results.
//
// The invoice must come from Parse: the presence rules (BR-12 … BR-15,
// BR-22, BR-24, BR-26, …) read presence information the parsers record
// and JSON does not carry, so a model decoded from JSON or built by hand
// reports those elements as missing.
func Validate(inv *Invoice) []Finding {
	return selectScenario(inv).validate(inv)
}

// Accepted reports whether no finding is fatal or an error.
func Accepted(findings []Finding) bool {
	for _, f := range findings {
		if f.Severity == SeverityFatal || f.Severity == SeverityError {
			return false
		}
	}
	return true
}

// RuleIDs lists the ids of every implemented rule in table order: the
// EN 16931 rules, the CEN CII syntax rules and the XRechnung rules.
func RuleIDs() []string {
	var ids []string
	for _, table := range [][]rule{rules, ciiSyntaxRules, xrechnungRules} {
		for _, r := range table {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// --- helpers -------------------------------------------------------------

func when(cond bool, loc string) []string {
	if cond {
		return []string{loc}
	}
	return nil
}

func idx(group string, i int) string { return fmt.Sprintf("%s[%d]", group, i+1) }

// eachLine collects the locations of lines failing bad.
func eachLine(inv *Invoice, bt string, bad func(l *Line) bool) []string {
	var out []string
	for i := range inv.Lines {
		if bad(&inv.Lines[i]) {
			out = append(out, idx("BG-25", i)+bt)
		}
	}
	return out
}

func eachAC(list []AllowanceCharge, group, bt string, bad func(a *AllowanceCharge) bool) []string {
	var out []string
	for i := range list {
		if bad(&list[i]) {
			out = append(out, idx(group, i)+bt)
		}
	}
	return out
}

// eachLineAC checks line allowances (BG-27) or charges (BG-28).
func eachLineAC(inv *Invoice, charges bool, bt string, bad func(a *AllowanceCharge) bool) []string {
	var out []string
	for i := range inv.Lines {
		list, group := inv.Lines[i].Allowances, "/BG-27"
		if charges {
			list, group = inv.Lines[i].Charges, "/BG-28"
		}
		out = append(out, eachAC(list, idx("BG-25", i)+group, bt, bad)...)
	}
	return out
}

func eachVAT(inv *Invoice, bt string, bad func(v *VATBreakdown) bool) []string {
	var out []string
	for i := range inv.VATBreakdown {
		if bad(&inv.VATBreakdown[i]) {
			out = append(out, idx("BG-23", i)+bt)
		}
	}
	return out
}

// periodReversed reports an end date before the start date (ISO dates
// compare as strings; other formats are not judged).
func periodReversed(p *Period) bool {
	if p == nil || len(p.Start) != 10 || len(p.End) != 10 {
		return false
	}
	return p.End < p.Start
}

func noReason(a *AllowanceCharge) bool { return a.Reason == "" && a.ReasonCode == "" }

// roundHalfUp2 rounds to 2 places like XPath round(x*100) div 100, which
// the CEN Schematron uses: halves round towards positive infinity.
func roundHalfUp2(d Decimal) Decimal {
	if d.scale <= 2 {
		return d
	}
	k := d.scale - 2
	half := new(big.Int).Mul(big.NewInt(5), pow10(k-1))
	q := new(big.Int).Add(d.int(), half)
	q.Div(q, pow10(k)) // Euclidean division by a positive divisor = floor
	return Decimal{unscaled: q, scale: 2}
}

// floorCeil returns ⌊d⌋ and ⌈d⌉ as integers.
func floorCeil(d Decimal) (Decimal, Decimal) {
	if d.scale <= 0 {
		return d, d
	}
	div := pow10(d.scale)
	f := new(big.Int).Div(d.int(), div)
	c := new(big.Int).Set(f)
	if new(big.Int).Mul(f, div).Cmp(d.int()) != 0 {
		c.Add(c, big.NewInt(1))
	}
	return Decimal{unscaled: f}, Decimal{unscaled: c}
}

// roundHalfUp0 is XPath round(): nearest integer, halves towards +∞.
func roundHalfUp0(d Decimal) Decimal {
	if d.scale <= 0 {
		return d
	}
	f, _ := floorCeil(d.Add(NewDecimal(5, 1)))
	return f
}

func sumAmounts(list []AllowanceCharge) Decimal {
	var s Decimal
	for _, a := range list {
		s = s.Add(a.Amount)
	}
	return s
}

func decOr0(p *Decimal) Decimal {
	if p == nil {
		return Decimal{}
	}
	return *p
}

// sellerHasID reports any seller identifier BR-CO-26 accepts: VAT id, tax
// registration, party identifier (incl. the SEPA creditor id UBL carries
// there) or legal registration id.
func sellerHasID(inv *Invoice) bool {
	s := &inv.Seller
	if s.VATID != "" || s.TaxRegistrationID != "" || len(s.Identifiers) > 0 || s.LegalRegistrationID != nil {
		return true
	}
	dd := inv.PaymentInstructions.DirectDebit
	return inv.Syntax != SyntaxCII && dd != nil && dd.CreditorID != ""
}

// vatPrefixes is the country list of the CEN Schematron's BR-CO-09
// (ISO 3166-1 alpha-2 plus EL for Greece and XI for Northern Ireland).
const vatPrefixes = "AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BL BJ BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH EL ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
	"MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
	"UM US UY UZ VA VC VE VG VI VN VU WF WS XI YE YT ZA ZM ZW"

// badVATPrefix reports a VAT identifier whose first two characters are no
// country code; like the Schematron's contains(), an absent id passes.
func badVATPrefix(id string) bool {
	if id == "" {
		return false
	}
	r := []rune(id)
	if len(r) > 2 {
		r = r[:2]
	}
	return !strings.Contains(vatPrefixes, string(r))
}

// --- the rule table --------------------------------------------------------

// rules is the table of implemented EN 16931 (CEN/TC 434, validation
// artefacts 1.3.x) business rules: the core and calculation rules, then
// the VAT-category rules (vat_rules.go). Read-only.
var rules = slices.Concat(coreRules, vatRules, codeListRules, syntaxRules)

// coreRules holds the BR-nn and BR-CO rules.
var coreRules = []rule{
	{"BR-01", SeverityFatal, "An Invoice shall have a Specification identifier (BT-24).",
		func(inv *Invoice) []string { return when(inv.CustomizationID == "", "BT-24") }},
	{"BR-02", SeverityFatal, "An Invoice shall have an Invoice number (BT-1).",
		func(inv *Invoice) []string { return when(inv.Number == "", "BT-1") }},
	{"BR-03", SeverityFatal, "An Invoice shall have an Invoice issue date (BT-2).",
		func(inv *Invoice) []string { return when(inv.IssueDate == "", "BT-2") }},
	{"BR-04", SeverityFatal, "An Invoice shall have an Invoice type code (BT-3).",
		func(inv *Invoice) []string { return when(inv.TypeCode == "", "BT-3") }},
	{"BR-05", SeverityFatal, "An Invoice shall have an Invoice currency code (BT-5).",
		func(inv *Invoice) []string { return when(inv.CurrencyCode == "", "BT-5") }},
	{"BR-06", SeverityFatal, "An Invoice shall contain the Seller name (BT-27).",
		func(inv *Invoice) []string { return when(!inv.Seller.hasLegalName, "BG-4/BT-27") }},
	{"BR-07", SeverityFatal, "An Invoice shall contain the Buyer name (BT-44).",
		func(inv *Invoice) []string { return when(!inv.Buyer.hasLegalName, "BG-7/BT-44") }},
	{"BR-08", SeverityFatal, "An Invoice shall contain the Seller postal address (BG-5).",
		func(inv *Invoice) []string { return when(inv.Seller.Address == nil, "BG-4/BG-5") }},
	{"BR-09", SeverityFatal, "The Seller postal address (BG-5) shall contain a Seller country code (BT-40).",
		func(inv *Invoice) []string {
			a := inv.Seller.Address
			return when(a != nil && a.CountryCode == "", "BG-5/BT-40")
		}},
	{"BR-10", SeverityFatal, "An Invoice shall contain the Buyer postal address (BG-8).",
		func(inv *Invoice) []string { return when(inv.Buyer.Address == nil, "BG-7/BG-8") }},
	{"BR-11", SeverityFatal, "The Buyer postal address (BG-8) shall contain a Buyer country code (BT-55).",
		func(inv *Invoice) []string {
			a := inv.Buyer.Address
			return when(a != nil && a.CountryCode == "", "BG-8/BT-55")
		}},
	{"BR-12", SeverityFatal, "An Invoice shall have the Sum of Invoice line net amount (BT-106).",
		func(inv *Invoice) []string { return when(!inv.has.lineNet, "BG-22/BT-106") }},
	{"BR-13", SeverityFatal, "An Invoice shall have the Invoice total amount without VAT (BT-109).",
		func(inv *Invoice) []string { return when(!inv.has.taxExclusive, "BG-22/BT-109") }},
	{"BR-14", SeverityFatal, "An Invoice shall have the Invoice total amount with VAT (BT-112).",
		func(inv *Invoice) []string { return when(!inv.has.taxInclusive, "BG-22/BT-112") }},
	{"BR-15", SeverityFatal, "An Invoice shall have the Amount due for payment (BT-115).",
		func(inv *Invoice) []string { return when(!inv.has.payable, "BG-22/BT-115") }},
	{"BR-16", SeverityFatal, "An Invoice shall have at least one Invoice line (BG-25).",
		func(inv *Invoice) []string { return when(len(inv.Lines) == 0, "BG-25") }},
	{"BR-17", SeverityFatal, "The Payee name (BT-59) shall be provided in the Invoice, if the Payee (BG-10) is different from the Seller (BG-4).",
		func(inv *Invoice) []string { return when(inv.Payee != nil && !inv.Payee.hasPartyName, "BG-10/BT-59") }},
	{"BR-18", SeverityFatal, "The Seller tax representative name (BT-62) shall be provided in the Invoice, if the Seller (BG-4) has a Seller tax representative party (BG-11).",
		func(inv *Invoice) []string {
			r := inv.TaxRepresentative
			return when(r != nil && !r.hasPartyName, "BG-11/BT-62")
		}},
	{"BR-19", SeverityFatal, "The Seller tax representative postal address (BG-12) shall be provided in the Invoice, if the Seller (BG-4) has a Seller tax representative party (BG-11).",
		func(inv *Invoice) []string {
			r := inv.TaxRepresentative
			return when(r != nil && r.Address == nil, "BG-11/BG-12")
		}},
	{"BR-20", SeverityFatal, "The Seller tax representative postal address (BG-12) shall contain a Tax representative country code (BT-69), if the Seller (BG-4) has a Seller tax representative party (BG-11).",
		func(inv *Invoice) []string {
			r := inv.TaxRepresentative
			return when(r != nil && r.Address != nil && r.Address.CountryCode == "", "BG-12/BT-69")
		}},
	{"BR-21", SeverityFatal, "Each Invoice line (BG-25) shall have an Invoice line identifier (BT-126).",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BT-126", func(l *Line) bool { return l.ID == "" })
		}},
	{"BR-22", SeverityFatal, "Each Invoice line (BG-25) shall have an Invoiced quantity (BT-129).",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BT-129", func(l *Line) bool { return !l.hasQuantity })
		}},
	{"BR-23", SeverityFatal, "An Invoice line (BG-25) shall have an Invoiced quantity unit of measure code (BT-130).",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BT-130", func(l *Line) bool { return l.Unit == "" })
		}},
	{"BR-24", SeverityFatal, "Each Invoice line (BG-25) shall have an Invoice line net amount (BT-131).",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BT-131", func(l *Line) bool { return !l.hasNetAmount })
		}},
	{"BR-25", SeverityFatal, "Each Invoice line (BG-25) shall contain the Item name (BT-153).",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BT-153", func(l *Line) bool { return l.ItemName == "" })
		}},
	{"BR-26", SeverityFatal, "Each Invoice line (BG-25) shall contain the Item net price (BT-146).",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BG-29/BT-146", func(l *Line) bool { return !l.hasPrice })
		}},
	{"BR-27", SeverityFatal, "The Item net price (BT-146) shall NOT be negative.",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BG-29/BT-146", func(l *Line) bool { return !l.hasPrice || l.Price.Net.Sign() < 0 })
		}},
	{"BR-28", SeverityFatal, "The Item gross price (BT-148) shall NOT be negative.",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BG-29/BT-148", func(l *Line) bool { return l.Price.Gross != nil && l.Price.Gross.Sign() < 0 })
		}},
	{"BR-29", SeverityFatal, "If both Invoicing period start date (BT-73) and end date (BT-74) are given then the end date shall be later or equal to the start date.",
		func(inv *Invoice) []string { return when(periodReversed(inv.InvoicingPeriod), "BG-14/BT-74") }},
	{"BR-30", SeverityFatal, "If both Invoice line period start date (BT-134) and end date (BT-135) are given then the end date shall be later or equal to the start date.",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BG-26/BT-135", func(l *Line) bool { return periodReversed(l.Period) })
		}},
	{"BR-31", SeverityFatal, "Each Document level allowance (BG-20) shall have a Document level allowance amount (BT-92).",
		func(inv *Invoice) []string {
			return eachAC(inv.Allowances, "BG-20", "/BT-92", func(a *AllowanceCharge) bool { return !a.hasAmount })
		}},
	{"BR-32", SeverityFatal, "Each Document level allowance (BG-20) shall have a Document level allowance VAT category code (BT-95).",
		func(inv *Invoice) []string {
			return eachAC(inv.Allowances, "BG-20", "/BT-95", func(a *AllowanceCharge) bool { return a.VATCategory == "" })
		}},
	{"BR-33", SeverityFatal, "Each Document level allowance (BG-20) shall have a Document level allowance reason (BT-97) or a Document level allowance reason code (BT-98).",
		func(inv *Invoice) []string { return eachAC(inv.Allowances, "BG-20", "/BT-97", noReason) }},
	{"BR-36", SeverityFatal, "Each Document level charge (BG-21) shall have a Document level charge amount (BT-99).",
		func(inv *Invoice) []string {
			return eachAC(inv.Charges, "BG-21", "/BT-99", func(a *AllowanceCharge) bool { return !a.hasAmount })
		}},
	{"BR-37", SeverityFatal, "Each Document level charge (BG-21) shall have a Document level charge VAT category code (BT-102).",
		func(inv *Invoice) []string {
			return eachAC(inv.Charges, "BG-21", "/BT-102", func(a *AllowanceCharge) bool { return a.VATCategory == "" })
		}},
	{"BR-38", SeverityFatal, "Each Document level charge (BG-21) shall have a Document level charge reason (BT-104) or a Document level charge reason code (BT-105).",
		func(inv *Invoice) []string { return eachAC(inv.Charges, "BG-21", "/BT-104", noReason) }},
	{"BR-41", SeverityFatal, "Each Invoice line allowance (BG-27) shall have an Invoice line allowance amount (BT-136).",
		func(inv *Invoice) []string {
			return eachLineAC(inv, false, "/BT-136", func(a *AllowanceCharge) bool { return !a.hasAmount })
		}},
	{"BR-42", SeverityFatal, "Each Invoice line allowance (BG-27) shall have an Invoice line allowance reason (BT-139) or an Invoice line allowance reason code (BT-140).",
		func(inv *Invoice) []string { return eachLineAC(inv, false, "/BT-139", noReason) }},
	{"BR-43", SeverityFatal, "Each Invoice line charge (BG-28) shall have an Invoice line charge amount (BT-141).",
		func(inv *Invoice) []string {
			return eachLineAC(inv, true, "/BT-141", func(a *AllowanceCharge) bool { return !a.hasAmount })
		}},
	{"BR-44", SeverityFatal, "Each Invoice line charge (BG-28) shall have an Invoice line charge reason (BT-144) or an Invoice line charge reason code (BT-145).",
		func(inv *Invoice) []string { return eachLineAC(inv, true, "/BT-144", noReason) }},
	{"BR-45", SeverityFatal, "Each VAT breakdown (BG-23) shall have a VAT category taxable amount (BT-116).",
		func(inv *Invoice) []string {
			return eachVAT(inv, "/BT-116", func(v *VATBreakdown) bool { return !v.hasTaxable })
		}},
	{"BR-46", SeverityFatal, "Each VAT breakdown (BG-23) shall have a VAT category tax amount (BT-117).",
		func(inv *Invoice) []string {
			return eachVAT(inv, "/BT-117", func(v *VATBreakdown) bool { return !v.hasTaxAmount })
		}},
	{"BR-47", SeverityFatal, "Each VAT breakdown (BG-23) shall be defined through a VAT category code (BT-118).",
		func(inv *Invoice) []string {
			return eachVAT(inv, "/BT-118", func(v *VATBreakdown) bool { return v.Category == "" })
		}},
	{"BR-48", SeverityFatal, "Each VAT breakdown (BG-23) shall have a VAT category rate (BT-119), except if the Invoice is not subject to VAT.",
		func(inv *Invoice) []string {
			return eachVAT(inv, "/BT-119", func(v *VATBreakdown) bool { return v.Rate == nil && v.Category != "O" })
		}},
	{"BR-49", SeverityFatal, "A Payment instruction (BG-16) shall specify the Payment means type code (BT-81).",
		func(inv *Invoice) []string {
			var out []string
			for i, m := range inv.has.means {
				if !m.hasCode {
					out = append(out, idx("BG-16", i)+"/BT-81")
				}
			}
			return out
		}},
	{"BR-50", SeverityFatal, "A Payment account identifier (BT-84) shall be present if Credit transfer (BG-17) information is provided in the Invoice.",
		func(inv *Invoice) []string {
			var out []string
			for i, m := range inv.has.means {
				for j, id := range m.accountID {
					if id == "" {
						out = append(out, idx("BG-16", i)+idx("/BG-17", j)+"/BT-84")
					}
				}
			}
			return out
		}},
	{"BR-51", SeverityWarning, "In accordance with card payments security standards an invoice should never include a full card primary account number (BT-87); at most the last 4 to 6 digits.",
		func(inv *Invoice) []string {
			c := inv.PaymentInstructions.Card
			return when(c != nil && len(c.PAN) > 10, "BG-18/BT-87")
		}},
	{"BR-52", SeverityFatal, "Each Additional supporting document (BG-24) shall contain a Supporting document reference (BT-122).",
		func(inv *Invoice) []string {
			var out []string
			for i, a := range inv.Attachments {
				if a.ID == "" {
					out = append(out, idx("BG-24", i)+"/BT-122")
				}
			}
			return out
		}},
	{"BR-53", SeverityFatal, "If the VAT accounting currency code (BT-6) is present, then the Invoice total VAT amount in accounting currency (BT-111) shall be provided.",
		func(inv *Invoice) []string {
			return when(inv.TaxCurrencyCode != "" && inv.TaxCurrencyCode != inv.CurrencyCode && inv.Totals.TaxInTaxCurrency == nil, "BG-22/BT-111")
		}},
	{"BR-54", SeverityFatal, "Each Item attribute (BG-32) shall contain an Item attribute name (BT-160) and an Item attribute value (BT-161).",
		func(inv *Invoice) []string {
			var out []string
			for i, l := range inv.Lines {
				for j, a := range l.Attributes {
					if a.Name == "" || a.Value == "" {
						out = append(out, idx("BG-25", i)+idx("/BG-32", j))
					}
				}
			}
			return out
		}},
	{"BR-55", SeverityFatal, "Each Preceding Invoice reference (BG-3) shall contain a Preceding Invoice reference (BT-25).",
		func(inv *Invoice) []string {
			var out []string
			for i, r := range inv.PrecedingInvoices {
				if r.Number == "" {
					out = append(out, idx("BG-3", i)+"/BT-25")
				}
			}
			return out
		}},
	{"BR-56", SeverityFatal, "Each Seller tax representative party (BG-11) shall have a Seller tax representative VAT identifier (BT-63).",
		func(inv *Invoice) []string {
			r := inv.TaxRepresentative
			return when(r != nil && r.VATID == "", "BG-11/BT-63")
		}},
	{"BR-57", SeverityFatal, "Each Deliver to address (BG-15) shall contain a Deliver to country code (BT-80).",
		func(inv *Invoice) []string {
			d := inv.Delivery
			return when(d != nil && d.Address != nil && d.Address.CountryCode == "", "BG-13/BG-15/BT-80")
		}},
	{"BR-61", SeverityFatal, "If the Payment means type code (BT-81) means SEPA credit transfer, Local credit transfer or Non-SEPA international credit transfer, the Payment account identifier (BT-84) shall be present.",
		func(inv *Invoice) []string {
			var out []string
			for i, m := range inv.has.means {
				if m.code != "30" && m.code != "58" {
					continue
				}
				ok := false
				for _, id := range m.accountID {
					if strings.TrimSpace(id) != "" {
						ok = true
					}
				}
				if !ok {
					out = append(out, idx("BG-16", i)+"/BG-17/BT-84")
				}
			}
			return out
		}},
	{"BR-62", SeverityFatal, "The Seller electronic address (BT-34) shall have a Scheme identifier.",
		func(inv *Invoice) []string {
			e := inv.Seller.ElectronicAddress
			return when(e != nil && e.Scheme == "", "BG-4/BT-34")
		}},
	{"BR-63", SeverityFatal, "The Buyer electronic address (BT-49) shall have a Scheme identifier.",
		func(inv *Invoice) []string {
			e := inv.Buyer.ElectronicAddress
			return when(e != nil && e.Scheme == "", "BG-7/BT-49")
		}},
	{"BR-64", SeverityFatal, "The Item standard identifier (BT-157) shall have a Scheme identifier.",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BT-157", func(l *Line) bool { return l.StandardItemID != nil && l.StandardItemID.Scheme == "" })
		}},
	{"BR-65", SeverityFatal, "The Item classification identifier (BT-158) shall have a Scheme identifier.",
		func(inv *Invoice) []string {
			var out []string
			for i, l := range inv.Lines {
				for j, c := range l.Classifications {
					if c.Scheme == "" {
						out = append(out, idx("BG-25", i)+idx("/BT-158", j))
					}
				}
			}
			return out
		}},

	// Calculation and conditional rules.
	{"BR-CO-03", SeverityFatal, "Value added tax point date (BT-7) and Value added tax point date code (BT-8) are mutually exclusive.",
		func(inv *Invoice) []string { return when(inv.TaxPointDate != "" && inv.TaxPointDateCode != "", "BT-7") }},
	{"BR-CO-04", SeverityFatal, "Each Invoice line (BG-25) shall be categorized with an Invoiced item VAT category code (BT-151).",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BT-151", func(l *Line) bool { return l.VATCategory == "" })
		}},
	{"BR-CO-09", SeverityFatal, "The Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) and the Buyer VAT identifier (BT-48) shall have a prefix in accordance with ISO code ISO 3166-1 alpha-2 by which the country of issue may be identified. Nevertheless, Greece may use the prefix 'EL'.",
		func(inv *Invoice) []string {
			var out []string
			out = append(out, when(badVATPrefix(inv.Seller.VATID), "BG-4/BT-31")...)
			if r := inv.TaxRepresentative; r != nil {
				out = append(out, when(badVATPrefix(r.VATID), "BG-11/BT-63")...)
			}
			return append(out, when(badVATPrefix(inv.Buyer.VATID), "BG-7/BT-48")...)
		}},
	{"BR-CO-10", SeverityFatal, "Sum of Invoice line net amount (BT-106) = Σ Invoice line net amount (BT-131).",
		func(inv *Invoice) []string {
			if !inv.has.monetaryTotal {
				return nil
			}
			var s Decimal
			for _, l := range inv.Lines {
				s = s.Add(l.NetAmount)
			}
			return when(!inv.has.lineNet || !inv.Totals.LineNet.Equal(roundHalfUp2(s)), "BG-22/BT-106")
		}},
	{"BR-CO-11", SeverityFatal, "Sum of allowances on document level (BT-107) = Σ Document level allowance amount (BT-92).",
		func(inv *Invoice) []string {
			if !inv.has.monetaryTotal {
				return nil
			}
			t := inv.Totals.Allowances
			if t == nil {
				return when(len(inv.Allowances) > 0, "BG-22/BT-107")
			}
			return when(!t.Equal(roundHalfUp2(sumAmounts(inv.Allowances))), "BG-22/BT-107")
		}},
	{"BR-CO-12", SeverityFatal, "Sum of charges on document level (BT-108) = Σ Document level charge amount (BT-99).",
		func(inv *Invoice) []string {
			if !inv.has.monetaryTotal {
				return nil
			}
			t := inv.Totals.Charges
			if t == nil {
				return when(len(inv.Charges) > 0, "BG-22/BT-108")
			}
			return when(!t.Equal(roundHalfUp2(sumAmounts(inv.Charges))), "BG-22/BT-108")
		}},
	{"BR-CO-13", SeverityFatal, "Invoice total amount without VAT (BT-109) = Σ Invoice line net amount (BT-131) - Sum of allowances on document level (BT-107) + Sum of charges on document level (BT-108).",
		func(inv *Invoice) []string {
			if !inv.has.monetaryTotal {
				return nil
			}
			t := &inv.Totals
			want := t.LineNet.Add(decOr0(t.Charges)).Sub(decOr0(t.Allowances))
			return when(!inv.has.taxExclusive || !inv.has.lineNet || !t.TaxExclusive.Equal(roundHalfUp2(want)), "BG-22/BT-109")
		}},
	{"BR-CO-14", SeverityFatal, "Invoice total VAT amount (BT-110) = Σ VAT category tax amount (BT-117).",
		func(inv *Invoice) []string {
			if inv.Totals.Tax == nil || len(inv.VATBreakdown) == 0 {
				return nil
			}
			var s Decimal
			for _, v := range inv.VATBreakdown {
				s = s.Add(v.TaxAmount)
			}
			return when(!inv.Totals.Tax.Equal(roundHalfUp2(s)), "BG-22/BT-110")
		}},
	{"BR-CO-15", SeverityFatal, "Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + Invoice total VAT amount (BT-110).",
		func(inv *Invoice) []string {
			t := &inv.Totals
			if inv.Syntax == SyntaxCII {
				if !inv.has.monetaryTotal {
					return nil
				}
				if t.Tax == nil {
					return when(!t.TaxInclusive.Equal(t.TaxExclusive), "BG-22/BT-112")
				}
				return when(!t.TaxInclusive.Equal(roundHalfUp2(t.TaxExclusive.Add(*t.Tax))), "BG-22/BT-112")
			}
			if inv.CurrencyCode == "" {
				return nil
			}
			if inv.has.docTaxTotals != 1 || t.Tax == nil || !inv.has.taxInclusive || !inv.has.taxExclusive {
				return []string{"BG-22/BT-112"}
			}
			return when(!t.TaxInclusive.Equal(roundHalfUp2(t.TaxExclusive.Add(*t.Tax))), "BG-22/BT-112")
		}},
	{"BR-CO-16", SeverityFatal, "Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) - Paid amount (BT-113) + Rounding amount (BT-114).",
		func(inv *Invoice) []string {
			if !inv.has.monetaryTotal {
				return nil
			}
			t := &inv.Totals
			want := t.TaxInclusive.Sub(decOr0(t.Prepaid)).Add(decOr0(t.Rounding))
			return when(!inv.has.payable || !inv.has.taxInclusive || !t.Payable.Equal(roundHalfUp2(want)), "BG-22/BT-115")
		}},
	{"BR-CO-17", SeverityFatal, "VAT category tax amount (BT-117) = VAT category taxable amount (BT-116) x (VAT category rate (BT-119) / 100), rounded to two decimals.",
		func(inv *Invoice) []string {
			return eachVAT(inv, "/BT-117", func(v *VATBreakdown) bool {
				if v.Rate == nil || roundHalfUp0(*v.Rate).Sign() == 0 {
					return v.TaxAmount.Sign() != 0
				}
				p := v.TaxableAmount.Mul(*v.Rate)
				p = Decimal{unscaled: p.int(), scale: p.scale + 2} // ÷ 100
				lo, hi := floorCeil(p)
				return v.TaxAmount.Cmp(lo) < 0 || v.TaxAmount.Cmp(hi) > 0
			})
		}},
	{"BR-CO-18", SeverityFatal, "An Invoice shall at least have one VAT breakdown group (BG-23).",
		func(inv *Invoice) []string { return when(len(inv.VATBreakdown) == 0, "BG-23") }},
	{"BR-CO-19", SeverityFatal, "If Invoicing period (BG-14) is used, the Invoicing period start date (BT-73) or the Invoicing period end date (BT-74) shall be filled, or both.",
		func(inv *Invoice) []string {
			// UBL carries the VAT point date code (BT-8) in the same
			// element; the CEN Schematron accepts a period holding only it.
			p := inv.InvoicingPeriod
			return when(p != nil && p.Start == "" && p.End == "" && inv.TaxPointDateCode == "", "BG-14")
		}},
	{"BR-CO-20", SeverityFatal, "If Invoice line period (BG-26) is used, the Invoice line period start date (BT-134) or the Invoice line period end date (BT-135) shall be filled, or both.",
		func(inv *Invoice) []string {
			return eachLine(inv, "/BG-26", func(l *Line) bool { return l.Period != nil && l.Period.Start == "" && l.Period.End == "" })
		}},
	{"BR-CO-21", SeverityFatal, "Each Document level allowance (BG-20) shall contain a Document level allowance reason (BT-97) or a Document level allowance reason code (BT-98), or both.",
		func(inv *Invoice) []string { return eachAC(inv.Allowances, "BG-20", "/BT-97", noReason) }},
	{"BR-CO-22", SeverityFatal, "Each Document level charge (BG-21) shall contain a Document level charge reason (BT-104) or a Document level charge reason code (BT-105), or both.",
		func(inv *Invoice) []string { return eachAC(inv.Charges, "BG-21", "/BT-104", noReason) }},
	{"BR-CO-23", SeverityFatal, "Each Invoice line allowance (BG-27) shall contain an Invoice line allowance reason (BT-139) or an Invoice line allowance reason code (BT-140), or both.",
		func(inv *Invoice) []string { return eachLineAC(inv, false, "/BT-139", noReason) }},
	{"BR-CO-24", SeverityFatal, "Each Invoice line charge (BG-28) shall contain an Invoice line charge reason (BT-144) or an Invoice line charge reason code (BT-145), or both.",
		func(inv *Invoice) []string { return eachLineAC(inv, true, "/BT-144", noReason) }},
	{"BR-CO-25", SeverityFatal, "In case the Amount due for payment (BT-115) is positive, either the Payment due date (BT-9) or the Payment terms (BT-20) shall be present.",
		func(inv *Invoice) []string {
			// The CEN UBL artefacts apply BR-CO-25 to Invoice only, not
			// to CreditNote documents.
			if inv.Syntax == SyntaxUBLCreditNote {
				return nil
			}
			return when(inv.has.payable && inv.Totals.Payable.Sign() > 0 && inv.DueDate == "" && inv.PaymentTerms == "", "BT-9")
		}},
	{"BR-CO-26", SeverityFatal, "In order for the buyer to automatically identify a supplier, the Seller identifier (BT-29), the Seller legal registration identifier (BT-30) and/or the Seller VAT identifier (BT-31) shall be present.",
		func(inv *Invoice) []string { return when(!sellerHasID(inv), "BG-4/BT-29") }},
}
