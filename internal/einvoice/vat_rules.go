package einvoice

import "strings"

// VAT-category rules of EN 16931 (BR-S, BR-Z, BR-E, BR-AE, BR-IC, BR-G,
// BR-O, and IGIC and IPSI as BR-AF and BR-AG), following the CEN UBL
// Schematron 1.3.x. The families share one
// shape: 01 breakdown presence, 02–04 party identifiers for lines,
// allowances and charges of the category, 05–07 the rates there, 08 the
// taxable amount, 09 the tax amount, 10 the exemption reason; some
// families add rules of their own.

// vatCategory describes what differs between the family rules.
type vatCategory struct {
	code   string // BT-118 / BT-151 / BT-95 / BT-102 value
	prefix string // rule id prefix, e.g. "BR-S"
	name   string // category name as the rule texts write it
	// exactlyOne: the invoice shall hold exactly one breakdown of the
	// category (all but S, which may have one per rate).
	exactlyOne bool
	// partyIDs reports whether the party identifiers rule (02–04) holds.
	partyIDs    func(inv *Invoice) bool
	partyIDsLoc string
	partyIDsMsg string
	rate        rateRule
	// exemption: true when the breakdown shall have an exemption reason,
	// false when it shall not.
	exemption bool
	// perRate: the taxable amount (08) is checked per VAT rate and the tax
	// amount (09) is the rate applied to it (S, L, M); otherwise the
	// category has one breakdown and no tax.
	perRate bool
}

type rateRule int

const (
	ratePositive    rateRule = iota // > 0
	rateZero                        // = 0
	rateAbsent                      // not given
	rateNonNegative                 // >= 0
)

func (r rateRule) bad(rate *Decimal) bool {
	switch r {
	case ratePositive:
		return rate == nil || rate.Sign() <= 0
	case rateZero:
		return rate == nil || rate.Sign() != 0
	case rateNonNegative:
		return rate == nil || rate.Sign() < 0
	default:
		return rate != nil
	}
}

func (r rateRule) text() string {
	switch r {
	case ratePositive:
		return "shall be greater than zero"
	case rateZero:
		return "shall be 0 (zero)"
	case rateNonNegative:
		return "shall be 0 (zero) or greater than zero"
	default:
		return "shall not be given"
	}
}

// sellerVATOrRep: the Seller VAT identifier (BT-31), tax registration
// identifier (BT-32) or the tax representative VAT identifier (BT-63).
func sellerVATOrRep(inv *Invoice) bool {
	if inv.Seller.VATID != "" || inv.Seller.TaxRegistrationID != "" {
		return true
	}
	r := inv.TaxRepresentative
	return r != nil && (r.VATID != "" || r.TaxRegistrationID != "")
}

// sellerVATOnlyOrRep: BT-31 or BT-63, without BT-32.
func sellerVATOnlyOrRep(inv *Invoice) bool {
	if inv.Seller.VATID != "" {
		return true
	}
	r := inv.TaxRepresentative
	return r != nil && r.VATID != ""
}

func lineHasCat(inv *Invoice, code string) bool {
	for i := range inv.Lines {
		if inv.Lines[i].VATCategory == code {
			return true
		}
	}
	return false
}

func acHasCat(list []AllowanceCharge, code string) bool {
	for i := range list {
		if list[i].VATCategory == code {
			return true
		}
	}
	return false
}

func ratesEqual(a, b *Decimal) bool {
	if a == nil || b == nil {
		return false
	}
	return a.Equal(*b)
}

// categoryBase sums the line net amounts plus charges minus allowances of
// the category; with rate set, only those items of that rate. It reports
// whether any item matched.
func categoryBase(inv *Invoice, code string, rate *Decimal) (Decimal, bool) {
	var s Decimal
	found := false
	match := func(cat string, r *Decimal) bool {
		return cat == code && (rate == nil || ratesEqual(r, rate))
	}
	for _, l := range inv.Lines {
		if match(l.VATCategory, l.VATRate) {
			s, found = s.Add(l.NetAmount), true
		}
	}
	for _, c := range inv.Charges {
		if match(c.VATCategory, c.VATRate) {
			s, found = s.Add(c.Amount), true
		}
	}
	for _, a := range inv.Allowances {
		if match(a.VATCategory, a.VATRate) {
			s, found = s.Sub(a.Amount), true
		}
	}
	return s, found
}

func absDec(d Decimal) Decimal {
	if d.Sign() < 0 {
		return d.Neg()
	}
	return d
}

// withinOne reports a-1 < b < a+1.
func withinOne(a, b Decimal) bool {
	one := NewDecimal(1, 0)
	return a.Sub(one).Cmp(b) < 0 && a.Add(one).Cmp(b) > 0
}

// categoryRules builds the 01–10 rules of one VAT category.
func categoryRules(c vatCategory) []rule {
	id := func(n string) string { return c.prefix + "-" + n }
	inCat := func(v *VATBreakdown) bool { return v.Category == c.code }
	var out []rule

	// 01: breakdown presence.
	msg01 := "An Invoice that contains an Invoice line (BG-25), a Document level allowance (BG-20) or a Document level charge (BG-21) where the VAT category code (BT-151, BT-95 or BT-102) is \"" + c.name + "\" shall contain "
	if c.exactlyOne {
		msg01 += "exactly one VAT breakdown (BG-23) with the VAT category code (BT-118) equal to \"" + c.name + "\"."
	} else {
		msg01 += "in the VAT breakdown (BG-23) at least one VAT category code (BT-118) equal with \"" + c.name + "\"."
	}
	out = append(out, rule{id("01"), SeverityFatal, msg01, func(inv *Invoice) []string {
		used := lineHasCat(inv, c.code) || acHasCat(inv.Allowances, c.code) || acHasCat(inv.Charges, c.code)
		n := 0
		for i := range inv.VATBreakdown {
			if inCat(&inv.VATBreakdown[i]) {
				n++
			}
		}
		ok := n == 0
		if used {
			ok = n > 0
			if c.exactlyOne {
				ok = n == 1
			}
		}
		return when(!ok, "BG-23/BT-118")
	}})

	// 02–04: party identifiers.
	for _, p := range []struct {
		n, what string
		uses    func(inv *Invoice) bool
	}{
		{"02", "an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151)", func(inv *Invoice) bool { return lineHasCat(inv, c.code) }},
		{"03", "a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95)", func(inv *Invoice) bool { return acHasCat(inv.Allowances, c.code) }},
		{"04", "a Document level charge (BG-21) where the Document level charge VAT category code (BT-102)", func(inv *Invoice) bool { return acHasCat(inv.Charges, c.code) }},
	} {
		out = append(out, rule{id(p.n), SeverityFatal,
			"An Invoice that contains " + p.what + " is \"" + c.name + "\" " + c.partyIDsMsg,
			func(inv *Invoice) []string { return when(p.uses(inv) && !c.partyIDs(inv), c.partyIDsLoc) }})
	}

	// 05–07: rates.
	out = append(out,
		rule{id("05"), SeverityFatal, "In an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is \"" + c.name + "\" the Invoiced item VAT rate (BT-152) " + c.rate.text() + ".",
			func(inv *Invoice) []string {
				return eachLine(inv, "/BT-152", func(l *Line) bool { return l.VATCategory == c.code && c.rate.bad(l.VATRate) })
			}},
		rule{id("06"), SeverityFatal, "In a Document level allowance (BG-20) where the Document level allowance VAT category code (BT-95) is \"" + c.name + "\" the Document level allowance VAT rate (BT-96) " + c.rate.text() + ".",
			func(inv *Invoice) []string {
				return eachAC(inv.Allowances, "BG-20", "/BT-96", func(a *AllowanceCharge) bool { return a.VATCategory == c.code && c.rate.bad(a.VATRate) })
			}},
		rule{id("07"), SeverityFatal, "In a Document level charge (BG-21) where the Document level charge VAT category code (BT-102) is \"" + c.name + "\" the Document level charge VAT rate (BT-103) " + c.rate.text() + ".",
			func(inv *Invoice) []string {
				return eachAC(inv.Charges, "BG-21", "/BT-103", func(a *AllowanceCharge) bool { return a.VATCategory == c.code && c.rate.bad(a.VATRate) })
			}},
	)

	// 08: taxable amount.
	if c.perRate {
		out = append(out, rule{id("08"), SeverityFatal, "For each different value of VAT category rate (BT-119) where the VAT category code (BT-118) is \"" + c.name + "\", the VAT category taxable amount (BT-116) in a VAT breakdown (BG-23) shall equal the sum of Invoice line net amounts (BT-131) plus the sum of document level charge amounts (BT-99) minus the sum of document level allowance amounts (BT-92) where the VAT category code (BT-151, BT-102, BT-95) is \"" + c.name + "\" and the VAT rate (BT-152, BT-103, BT-96) equals the VAT category rate (BT-119).",
			func(inv *Invoice) []string {
				return eachVAT(inv, "/BT-116", func(v *VATBreakdown) bool {
					if !inCat(v) || v.Rate == nil {
						return false
					}
					sum, found := categoryBase(inv, c.code, v.Rate)
					if c.code != "S" {
						// BR-AF-08/BR-AG-08 test the sum only, and only
						// an invoice with lines can meet it.
						return !v.hasTaxable || len(inv.Lines) == 0 || !withinOne(v.TaxableAmount, sum)
					}
					if !found {
						return !v.hasTaxable || v.TaxableAmount.Sign() != 0
					}
					return !v.hasTaxable || !withinOne(v.TaxableAmount, sum)
				})
			}})
	} else {
		out = append(out, rule{id("08"), SeverityFatal, "In a VAT breakdown (BG-23) where the VAT category code (BT-118) is \"" + c.name + "\" the VAT category taxable amount (BT-116) shall equal the sum of Invoice line net amounts (BT-131) minus the sum of Document level allowance amounts (BT-92) plus the sum of Document level charge amounts (BT-99) where the VAT category codes (BT-151, BT-95, BT-102) are \"" + c.name + "\".",
			func(inv *Invoice) []string {
				return eachVAT(inv, "/BT-116", func(v *VATBreakdown) bool {
					if !inCat(v) {
						return false
					}
					sum, _ := categoryBase(inv, c.code, nil)
					return !v.hasTaxable || !v.TaxableAmount.Equal(sum)
				})
			}})
	}

	// 09: tax amount.
	if c.perRate {
		out = append(out, rule{id("09"), SeverityFatal, "The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where VAT category code (BT-118) is \"" + c.name + "\" shall equal the VAT category taxable amount (BT-116) multiplied by the VAT category rate (BT-119).",
			func(inv *Invoice) []string {
				return eachVAT(inv, "/BT-117", func(v *VATBreakdown) bool {
					if !inCat(v) {
						return false
					}
					if v.Rate == nil || !v.hasTaxable || !v.hasTaxAmount {
						return true
					}
					p := absDec(v.TaxableAmount).Mul(*v.Rate)
					p = Decimal{unscaled: p.int(), scale: p.scale + 2} // ÷ 100
					return !withinOne(absDec(v.TaxAmount), roundHalfUp2(p))
				})
			}})
	} else {
		out = append(out, rule{id("09"), SeverityFatal, "The VAT category tax amount (BT-117) in a VAT breakdown (BG-23) where the VAT category code (BT-118) equals \"" + c.name + "\" shall equal 0 (zero).",
			func(inv *Invoice) []string {
				return eachVAT(inv, "/BT-117", func(v *VATBreakdown) bool {
					return inCat(v) && (!v.hasTaxAmount || v.TaxAmount.Sign() != 0)
				})
			}})
	}

	// 10: exemption reason.
	if c.exemption {
		out = append(out, rule{id("10"), SeverityFatal, "A VAT breakdown (BG-23) with VAT Category code (BT-118) \"" + c.name + "\" shall have a VAT exemption reason code (BT-121) or a VAT exemption reason text (BT-120).",
			func(inv *Invoice) []string {
				return eachVAT(inv, "/BT-120", func(v *VATBreakdown) bool {
					return inCat(v) && strings.TrimSpace(v.ExemptionReason) == "" && strings.TrimSpace(v.ExemptionCode) == ""
				})
			}})
	} else {
		out = append(out, rule{id("10"), SeverityFatal, "A VAT breakdown (BG-23) with VAT Category code (BT-118) \"" + c.name + "\" shall not have a VAT exemption reason code (BT-121) or VAT exemption reason text (BT-120).",
			func(inv *Invoice) []string {
				return eachVAT(inv, "/BT-120", func(v *VATBreakdown) bool {
					return inCat(v) && (v.ExemptionReason != "" || v.ExemptionCode != "")
				})
			}})
	}
	return out
}

const (
	msgSellerVAT = "shall contain the Seller VAT Identifier (BT-31), the Seller tax registration identifier (BT-32) and/or the Seller tax representative VAT identifier (BT-63)."
)

// vatRules is the table of the VAT-category rules, appended to coreRules.
var vatRules = buildVATRules()

func buildVATRules() []rule {
	var out []rule
	out = append(out, categoryRules(vatCategory{code: "S", prefix: "BR-S", name: "Standard rated",
		partyIDs: sellerVATOrRep, partyIDsLoc: "BG-4/BT-31", partyIDsMsg: msgSellerVAT,
		rate: ratePositive, perRate: true})...)
	out = append(out, categoryRules(vatCategory{code: "Z", prefix: "BR-Z", name: "Zero rated", exactlyOne: true,
		partyIDs: sellerVATOrRep, partyIDsLoc: "BG-4/BT-31", partyIDsMsg: msgSellerVAT,
		rate: rateZero})...)
	out = append(out, categoryRules(vatCategory{code: "E", prefix: "BR-E", name: "Exempt from VAT", exactlyOne: true,
		partyIDs: sellerVATOrRep, partyIDsLoc: "BG-4/BT-31", partyIDsMsg: msgSellerVAT,
		rate: rateZero, exemption: true})...)
	out = append(out, categoryRules(vatCategory{code: "AE", prefix: "BR-AE", name: "Reverse charge", exactlyOne: true,
		partyIDs: func(inv *Invoice) bool {
			b := &inv.Buyer
			return sellerVATOrRep(inv) && (b.VATID != "" || b.LegalRegistrationID != nil)
		},
		partyIDsLoc: "BG-7/BT-48",
		partyIDsMsg: "shall contain the Seller VAT Identifier (BT-31), the Seller Tax registration identifier (BT-32) and/or the Seller tax representative VAT identifier (BT-63) and the Buyer VAT identifier (BT-48) and/or the Buyer legal registration identifier (BT-47).",
		rate:        rateZero, exemption: true})...)
	out = append(out, categoryRules(vatCategory{code: "K", prefix: "BR-IC", name: "Intra-community supply", exactlyOne: true,
		partyIDs: func(inv *Invoice) bool {
			return sellerVATOnlyOrRep(inv) && inv.Buyer.VATID != ""
		},
		partyIDsLoc: "BG-7/BT-48",
		partyIDsMsg: "shall contain the Seller VAT Identifier (BT-31) or the Seller tax representative VAT identifier (BT-63) and the Buyer VAT identifier (BT-48).",
		rate:        rateZero, exemption: true})...)
	out = append(out,
		rule{"BR-IC-11", SeverityFatal, "In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is \"Intra-community supply\" the Actual delivery date (BT-72) or the Invoicing period (BG-14) shall not be blank.",
			func(inv *Invoice) []string {
				if !breakdownHas(inv, "K") {
					return nil
				}
				if inv.Delivery != nil && inv.Delivery.Date != "" {
					return nil
				}
				if p := inv.InvoicingPeriod; p != nil && (p.Start != "" || p.End != "") || inv.TaxPointDateCode != "" {
					return nil
				}
				for _, l := range inv.Lines {
					if p := l.Period; p != nil && (p.Start != "" || p.End != "") {
						return nil
					}
				}
				return []string{"BG-13/BT-72"}
			}},
		rule{"BR-IC-12", SeverityFatal, "In an Invoice with a VAT breakdown (BG-23) where the VAT category code (BT-118) is \"Intra-community supply\" the Deliver to country code (BT-80) shall not be blank.",
			func(inv *Invoice) []string {
				d := inv.Delivery
				return when(breakdownHas(inv, "K") && (d == nil || d.Address == nil || d.Address.CountryCode == ""), "BG-13/BG-15/BT-80")
			}},
	)
	out = append(out, categoryRules(vatCategory{code: "G", prefix: "BR-G", name: "Export outside the EU", exactlyOne: true,
		partyIDs: sellerVATOnlyOrRep, partyIDsLoc: "BG-4/BT-31",
		partyIDsMsg: "shall contain the Seller VAT Identifier (BT-31) or the Seller tax representative VAT identifier (BT-63).",
		rate:        rateZero, exemption: true})...)
	out = append(out, categoryRules(vatCategory{code: "O", prefix: "BR-O", name: "Not subject to VAT", exactlyOne: true,
		partyIDs: func(inv *Invoice) bool {
			r := inv.TaxRepresentative
			return inv.Seller.VATID == "" && inv.Buyer.VATID == "" && (r == nil || r.VATID == "")
		},
		partyIDsLoc: "BG-4/BT-31",
		partyIDsMsg: "shall not contain the Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) or the Buyer VAT identifier (BT-48).",
		rate:        rateAbsent, exemption: true})...)
	out = append(out,
		rule{"BR-O-11", SeverityFatal, "An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) \"Not subject to VAT\" shall not contain other VAT breakdown groups (BG-23).",
			func(inv *Invoice) []string {
				return when(breakdownHas(inv, "O") && len(inv.VATBreakdown) > 1, "BG-23")
			}},
		rule{"BR-O-12", SeverityFatal, "An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) \"Not subject to VAT\" shall not contain an Invoice line (BG-25) where the Invoiced item VAT category code (BT-151) is not \"Not subject to VAT\".",
			func(inv *Invoice) []string {
				if !breakdownHas(inv, "O") {
					return nil
				}
				return eachLine(inv, "/BT-151", func(l *Line) bool { return l.VATCategory != "O" })
			}},
		rule{"BR-O-13", SeverityFatal, "An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) \"Not subject to VAT\" shall not contain Document level allowances (BG-20) where Document level allowance VAT category code (BT-95) is not \"Not subject to VAT\".",
			func(inv *Invoice) []string {
				if !breakdownHas(inv, "O") {
					return nil
				}
				return eachAC(inv.Allowances, "BG-20", "/BT-95", func(a *AllowanceCharge) bool { return a.VATCategory != "O" })
			}},
		rule{"BR-O-14", SeverityFatal, "An Invoice that contains a VAT breakdown group (BG-23) with a VAT category code (BT-118) \"Not subject to VAT\" shall not contain Document level charges (BG-21) where Document level charge VAT category code (BT-102) is not \"Not subject to VAT\".",
			func(inv *Invoice) []string {
				if !breakdownHas(inv, "O") {
					return nil
				}
				return eachAC(inv.Charges, "BG-21", "/BT-102", func(a *AllowanceCharge) bool { return a.VATCategory != "O" })
			}},
	)
	// IGIC (Canary Islands) and IPSI (Ceuta and Melilla) are taxed like
	// standard rate, with rates of zero or more. The CEN Schematron
	// reports them under the assert ids BR-AF-nn and BR-AG-nn (its texts
	// say BR-IG-nn and BR-IP-nn); the ids here are the assert ids, which
	// validators report and the CEN unit tests assert.
	out = append(out, categoryRules(vatCategory{code: "L", prefix: "BR-AF", name: "IGIC",
		partyIDs: sellerVATOrRep, partyIDsLoc: "BG-4/BT-31", partyIDsMsg: msgSellerVAT,
		rate: rateNonNegative, perRate: true})...)
	out = append(out, categoryRules(vatCategory{code: "M", prefix: "BR-AG", name: "IPSI",
		partyIDs: sellerVATOrRep, partyIDsLoc: "BG-4/BT-31", partyIDsMsg: msgSellerVAT,
		rate: rateNonNegative, perRate: true})...)
	return out
}

func breakdownHas(inv *Invoice, code string) bool {
	for i := range inv.VATBreakdown {
		if inv.VATBreakdown[i].Category == code {
			return true
		}
	}
	return false
}
