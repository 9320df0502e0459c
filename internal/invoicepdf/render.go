package invoicepdf

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/pdfa/flow"
)

// ErrInvalidInput reports a call without an invoice or without its XML.
var ErrInvalidInput = errors.New("invoicepdf: invalid input")

// DefaultXMLName is the attachment name of the embedded XML, the name
// ZUGFeRD/Factur-X use for the XRECHNUNG profile.
const DefaultXMLName = "xrechnung.xml"

// Options tune a rendition. The zero value is ready to use.
type Options struct {
	// XMLName is the file name of the embedded XML (default
	// DefaultXMLName).
	XMLName string
	// Created is the document date of the PDF and the modification date
	// of the embedded XML, typically when the invoice was received. Zero:
	// the invoice's issue date at midnight UTC, so that the same invoice
	// always renders to the same bytes.
	Created time.Time
	// Creator is written to the document information (e.g. the service
	// name); empty: none.
	Creator string
}

// Render draws inv as an A4 PDF/A-3b in the manner of the KoSIT
// visualisation and embeds xml, the invoice's original XML, as an
// associated file. inv must be the model parsed from xml.
func Render(inv *einvoice.Invoice, xml []byte, opt Options) ([]byte, error) {
	pd, err := document(inv, xml, opt)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := pdfa.Write(&buf, pd); err != nil {
		return nil, fmt.Errorf("render invoice: %w", err)
	}
	return buf.Bytes(), nil
}

// document lays out the rendition and describes the PDF/A file.
func document(inv *einvoice.Invoice, xml []byte, opt Options) (pdfa.Document, error) {
	if inv == nil || len(xml) == 0 {
		return pdfa.Document{}, fmt.Errorf("render invoice: no invoice or no xml: %w", ErrInvalidInput)
	}
	f, err := flow.GoFonts()
	if err != nil {
		return pdfa.Document{}, fmt.Errorf("render invoice: %w", err)
	}
	if opt.XMLName == "" {
		opt.XMLName = DefaultXMLName
	}
	created := opt.Created
	if created.IsZero() {
		if t, err := time.Parse("2006-01-02", inv.IssueDate); err == nil {
			created = t
		} else {
			// No usable date at all: a fixed one keeps the output
			// deterministic; PDF/A-3 needs some date on the attachment.
			created = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		}
	}

	r := &renderer{inv: inv, f: f, xmlName: opt.XMLName, d: flow.NewDoc(flow.A4())}
	r.draw()
	r.pageFurniture()

	noun := documentNoun(inv.TypeCode)
	pd := pdfa.Document{
		Title:    strings.TrimSpace(noun + " " + inv.Number),
		Author:   inv.Seller.Name,
		Subject:  noun + " " + inv.Number + " an " + inv.Buyer.Name + ", Darstellung der elektronischen Rechnung",
		Keywords: []string{"E-Rechnung", "XRechnung", "EN 16931"},
		Creator:  opt.Creator,
		Created:  created,
		Language: "de-DE",
		Pages:    r.d.PDFPages(),
		Attachments: []pdfa.Attachment{{
			Name:      opt.XMLName,
			MediaType: "text/xml",
			// Source, not Alternative (which ZUGFeRD uses): the XML is
			// the legal original of the invoice and this PDF was derived
			// from it, which is exactly what ISO 19005-3 means by Source.
			Relationship: "Source",
			Description:  "Elektronische Rechnung (rechtlich maßgebliches Original)",
			Data:         xml,
			Modified:     created,
		}},
	}
	return pd, nil
}

// renderer holds one rendition's state.
type renderer struct {
	inv     *einvoice.Invoice
	f       flow.Fonts
	xmlName string
	d       *flow.Doc
}

func (r *renderer) body() flow.Style { return r.f.Body() }
func (r *renderer) bold() flow.Style { return r.f.BodyBold() }
func (r *renderer) small() flow.Style {
	return flow.Style{Font: r.f.Regular, Size: 7.5, Color: flow.Gray(0.22)}
}
func (r *renderer) label() flow.Style { return r.f.Label() }
func (r *renderer) th() flow.Style    { return r.f.TableHeader() }

func (r *renderer) draw() {
	r.title()
	r.parties("Verkäufer", &r.inv.Seller, "Käufer", &r.inv.Buyer)
	r.header()
	r.parties("Zahlungsempfänger", r.inv.Payee, "Steuervertreter des Verkäufers", r.inv.TaxRepresentative)
	r.delivery()
	r.lines()
	r.docAllowancesCharges()
	r.vat()
	r.totals()
	r.payment()
	r.notes()
	r.attachments()
	r.closing()
}

// title draws the document's name, number and date at the top of page 1.
func (r *renderer) title() {
	inv := r.inv
	big := flow.Style{Font: r.f.Bold, Size: 17, Color: flow.Accent}
	name := typeNames[inv.TypeCode]
	if name == "" {
		name = documentNoun(inv.TypeCode)
	}
	r.d.Print(big, name)
	sub := "Nr. " + inv.Number
	if inv.IssueDate != "" {
		sub += " vom " + germanDate(inv.IssueDate)
	}
	st := flow.Style{Font: r.f.Regular, Size: 10.5}
	r.d.Print(st, flow.Ellipsize(sub, st, flow.A4BodyWidth))
	r.d.Down(4)
}

// kvTable is a label/value list.
func (r *renderer) kvTable() *flow.Table {
	return &flow.Table{X: flow.A4Margin, Cols: []flow.Column{{Width: 165}, {Width: flow.A4BodyWidth - 165}}, PadX: 2, PadY: 1.6}
}

type kv struct{ k, v string }

// kvSection draws a heading and the non-empty label/value pairs; nothing
// at all when every value is empty.
func (r *renderer) kvSection(title string, pairs []kv) {
	var rows [][][]flow.Para
	for _, p := range pairs {
		if strings.TrimSpace(p.v) == "" {
			continue
		}
		rows = append(rows, [][]flow.Para{{r.label().Para(p.k)}, {r.body().Para(p.v)}})
	}
	if len(rows) == 0 {
		return
	}
	t := r.kvTable()
	r.d.Heading(r.f.Heading(), title, t.Height(rows[0]))
	r.d.Run(t, rows)
}

func (r *renderer) header() {
	inv := r.inv
	var preceding []string
	for _, p := range inv.PrecedingInvoices {
		s := p.Number
		if p.IssueDate != "" {
			s += " vom " + germanDate(p.IssueDate)
		}
		preceding = append(preceding, s)
	}
	taxPoint := germanDate(inv.TaxPointDate)
	if inv.TaxPointDateCode != "" {
		taxPoint = strings.TrimSpace(taxPoint + " " + "Code: " + withCode(taxPointCodes, inv.TaxPointDateCode))
	}
	currency := inv.CurrencyCode
	if inv.TaxCurrencyCode != "" && inv.TaxCurrencyCode != inv.CurrencyCode {
		currency += " (Steuerwährung " + inv.TaxCurrencyCode + ")"
	}
	r.kvSection("Rechnungskopf", []kv{
		{"Rechnungsnummer", inv.Number},
		{"Rechnungsdatum", germanDate(inv.IssueDate)},
		{"Rechnungsart", withCode(typeNames, inv.TypeCode)},
		{"Währung", currency},
		{"Leistungszeitraum", period(inv.InvoicingPeriod)},
		{"Steuerlicher Leistungszeitpunkt", taxPoint},
		{"Fälligkeitsdatum", germanDate(inv.DueDate)},
		{"Leitweg-ID / Käuferreferenz", inv.BuyerReference},
		{"Projektnummer", inv.ProjectReference},
		{"Vertragsnummer", inv.ContractReference},
		{"Bestellnummer", inv.OrderReference},
		{"Auftragsnummer", inv.SalesOrderReference},
		{"Wareneingangsmeldung", inv.ReceivingAdviceRef},
		{"Versandanzeige", inv.DespatchAdviceRef},
		{"Vergabenummer / Los", inv.TenderReference},
		{"Objektkennung", inv.ObjectIdentifier},
		{"Buchungsreferenz des Käufers", inv.BuyerAccountingRef},
		{"Vorausgegangene Rechnungen", strings.Join(preceding, "\n")},
		{"Prozesskennung", inv.ProfileID},
		{"Spezifikationskennung", inv.CustomizationID},
	})
}

// partyParas describes a party as the paragraphs of one cell.
func (r *renderer) partyParas(p *einvoice.Party) []flow.Para {
	if p == nil {
		return nil
	}
	body, small := r.body(), r.small()
	ps := []flow.Para{r.bold().Para(p.Name)}
	if p.TradingName != "" && p.TradingName != p.Name {
		ps = append(ps, body.Para("Handelsname: "+p.TradingName))
	}
	ps = append(ps, r.addressParas(p.Address)...)
	add := func(label, v string) {
		if v != "" {
			ps = append(ps, small.Para(label+": "+v))
		}
	}
	for i := range p.Identifiers {
		add("Kennung", withScheme(&p.Identifiers[i]))
	}
	add("Registernummer", withScheme(p.LegalRegistrationID))
	add("USt-IdNr.", p.VATID)
	add("Steuernummer", p.TaxRegistrationID)
	add("Elektronische Adresse", withScheme(p.ElectronicAddress))
	if c := p.Contact; c != nil {
		add("Kontakt", c.Name)
		add("Telefon", c.Phone)
		add("E-Mail", c.Email)
	}
	add("Rechtliche Informationen", p.LegalInfo)
	return ps
}

func (r *renderer) addressParas(a *einvoice.Address) []flow.Para {
	if a == nil {
		return nil
	}
	var ps []flow.Para
	for _, l := range []string{a.Line1, a.Line2, a.Line3, strings.TrimSpace(a.PostCode + " " + a.City)} {
		if l != "" {
			ps = append(ps, r.body().Para(l))
		}
	}
	region := a.Subdivision
	if a.CountryCode != "" {
		if region != "" {
			region += ", "
		}
		region += country(a.CountryCode)
	}
	if region != "" {
		ps = append(ps, r.body().Para(region))
	}
	return ps
}

// parties draws two parties side by side under their role headings; a
// missing party leaves its column empty, two missing ones draw nothing.
func (r *renderer) parties(t1 string, p1 *einvoice.Party, t2 string, p2 *einvoice.Party) {
	if p1 == nil && p2 == nil {
		return
	}
	var titles []string
	var cells [][]flow.Para
	for _, x := range []struct {
		t string
		p *einvoice.Party
	}{{t1, p1}, {t2, p2}} {
		if x.p != nil {
			titles = append(titles, x.t)
			cells = append(cells, r.partyParas(x.p))
		}
	}
	half := (flow.A4BodyWidth - 16) / 2
	t := &flow.Table{X: flow.A4Margin, PadX: 0, PadY: 2}
	t.Cols = []flow.Column{{Width: half}, {Width: 16}, {Width: half}}
	hs := r.f.Heading()
	t.Header = []flow.Para{hs.Para(titles[0]), hs.Para(""), hs.Para("")}
	row := [][]flow.Para{cells[0], nil, nil}
	if len(cells) > 1 {
		t.Header[2] = hs.Para(titles[1])
		row[2] = cells[1]
	}
	// The party headings look like section headings, without the shaded
	// table header: draw them as a plain row.
	header := t.Header
	t.Header = nil
	r.d.Need(hs.Lead() + 14 + min(t.Height(row), 120))
	if !r.d.AtTop() {
		r.d.Down(10)
	}
	r.d.DrawCells(t, t.LayoutRow([][]flow.Para{{header[0]}, nil, {header[2]}}), r.d.Y())
	r.d.Down(hs.Lead() + 2*t.PadY)
	y := r.d.Y()
	r.d.Canvas().Line(flow.A4Margin, y, flow.A4Margin+half, y, 0.8, flow.HeadingRule)
	if len(cells) > 1 {
		r.d.Canvas().Line(flow.A4Margin+half+16, y, flow.A4Margin+flow.A4BodyWidth, y, 0.8, flow.HeadingRule)
	}
	r.d.Down(3)
	r.d.Run(t, [][][]flow.Para{row})
}

func (r *renderer) delivery() {
	dl := r.inv.Delivery
	if dl == nil {
		return
	}
	var addr []string
	for _, p := range r.addressParas(dl.Address) {
		addr = append(addr, p.Text)
	}
	r.kvSection("Lieferung", []kv{
		{"Empfänger", dl.PartyName},
		{"Lieferort-Kennung", withScheme(dl.LocationID)},
		{"Lieferdatum", germanDate(dl.Date)},
		{"Lieferanschrift", strings.Join(addr, "\n")},
	})
}

// lineColumns: Pos., Bezeichnung, Menge, Einheit, Einzelpreis, USt,
// Gesamtpreis.
func (r *renderer) lineTable() *flow.Table {
	cols := []flow.Column{{Width: 28}, {}, {Width: 52, Align: flow.Right}, {Width: 44}, {Width: 66, Align: flow.Right}, {Width: 48, Align: flow.Right}, {Width: 72, Align: flow.Right}}
	rest := flow.A4BodyWidth
	for _, c := range cols {
		rest -= c.Width
	}
	cols[1].Width = rest
	cur := r.inv.CurrencyCode
	th := r.th()
	return &flow.Table{X: flow.A4Margin, Cols: cols, Rules: true, PadX: 3, PadY: 2.5, Header: []flow.Para{
		th.Para("Pos."), th.Para("Bezeichnung"), th.Para("Menge"), th.Para("Einheit"),
		th.Para("Einzelpreis netto " + cur), th.Para("USt"), th.Para("Gesamtpreis netto " + cur),
	}}
}

func (r *renderer) lines() {
	if len(r.inv.Lines) == 0 {
		return
	}
	t := r.lineTable()
	rows := make([][][]flow.Para, len(r.inv.Lines))
	for i := range r.inv.Lines {
		rows[i] = r.lineRow(&r.inv.Lines[i])
	}
	r.d.Heading(r.f.Heading(), "Rechnungspositionen", t.HeaderHeight()+t.Height(rows[0])*0.5)
	r.d.Run(t, rows)
}

func (r *renderer) lineRow(l *einvoice.Line) [][]flow.Para {
	body, small := r.body(), r.small()
	desc := []flow.Para{r.bold().Para(l.ItemName)}
	add := func(s string) {
		if strings.TrimSpace(s) != "" {
			desc = append(desc, small.Para(s))
		}
	}
	add(l.ItemDescription)
	if l.Note != "" {
		add("Hinweis: " + l.Note)
	}
	var ids []string
	if l.SellerItemID != "" {
		ids = append(ids, "Art.-Nr. Verkäufer: "+l.SellerItemID)
	}
	if l.BuyerItemID != "" {
		ids = append(ids, "Art.-Nr. Käufer: "+l.BuyerItemID)
	}
	add(strings.Join(ids, " · "))
	add(prefixed("Standardkennung: ", withScheme(l.StandardItemID)))
	for i := range l.Classifications {
		add(prefixed("Klassifikation: ", withScheme(&l.Classifications[i])))
	}
	for _, a := range l.Attributes {
		add(a.Name + ": " + a.Value)
	}
	add(prefixed("Abrechnungszeitraum: ", period(l.Period)))
	add(prefixed("Bestellposition: ", l.OrderLineRef))
	add(prefixed("Buchungsreferenz: ", l.AccountingRef))
	add(prefixed("Objektkennung: ", l.ObjectID))
	var price []string
	if l.Price.Gross != nil {
		price = append(price, "Bruttopreis "+amountPtr(l.Price.Gross))
	}
	if l.Price.Discount != nil {
		price = append(price, "Preisnachlass "+amountPtr(l.Price.Discount))
	}
	if bq := l.Price.BaseQuantity; bq != nil {
		bu := l.Price.BaseUnit
		if bu == "" {
			bu = l.Unit
		}
		// A price per one unit of the line's unit is what the table
		// already says; only another base changes its meaning.
		if !bq.Equal(einvoice.NewDecimal(1, 0)) || bu != l.Unit {
			price = append(price, "Preis je "+quantity(*bq)+" "+unit(bu))
		}
	}
	add(strings.Join(price, " · "))
	for _, a := range l.Allowances {
		add(allowanceText("Nachlass", a))
	}
	for _, c := range l.Charges {
		add(allowanceText("Zuschlag", c))
	}
	vat := l.VATCategory
	if p := percent(l.VATRate); p != "" {
		vat += " " + p
	}
	return [][]flow.Para{
		{body.Para(l.ID)}, desc,
		{body.Para(quantity(l.Quantity))}, {body.Para(unit(l.Unit))},
		{body.Para(amount(l.Price.Net))}, {body.Para(vat)}, {body.Para(amount(l.NetAmount))},
	}
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// allowanceText describes a line allowance or charge in one line.
func allowanceText(kind string, a einvoice.AllowanceCharge) string {
	s := kind
	reason := a.Reason
	if a.ReasonCode != "" {
		reason = strings.TrimSpace(reason + " (Code " + a.ReasonCode + ")")
	}
	if reason != "" {
		s += " " + reason
	}
	s += ": " + amount(a.Amount)
	if a.Percent != nil && a.BaseAmount != nil {
		s += " (" + percent(a.Percent) + " von " + amountPtr(a.BaseAmount) + ")"
	} else if a.BaseAmount != nil {
		s += " (Grundbetrag " + amountPtr(a.BaseAmount) + ")"
	}
	return s
}

func (r *renderer) docAllowancesCharges() {
	inv := r.inv
	if len(inv.Allowances)+len(inv.Charges) == 0 {
		return
	}
	body, th := r.body(), r.th()
	cur := inv.CurrencyCode
	t := &flow.Table{X: flow.A4Margin, Rules: true, PadX: 3, PadY: 2.5, Cols: []flow.Column{
		{Width: 60}, {}, {Width: 72, Align: flow.Right}, {Width: 48, Align: flow.Right}, {Width: 58, Align: flow.Right}, {Width: 72, Align: flow.Right},
	}, Header: []flow.Para{th.Para("Art"), th.Para("Grund"), th.Para("Grundbetrag " + cur), th.Para("Prozent"), th.Para("USt"), th.Para("Betrag " + cur)}}
	t.Cols[1].Width = flow.A4BodyWidth - 60 - 72 - 48 - 58 - 72
	var rows [][][]flow.Para
	add := func(kind string, list []einvoice.AllowanceCharge) {
		for _, a := range list {
			reason := a.Reason
			if a.ReasonCode != "" {
				reason = strings.TrimSpace(reason + " (Code " + a.ReasonCode + ")")
			}
			vat := a.VATCategory
			if p := percent(a.VATRate); p != "" {
				vat += " " + p
			}
			rows = append(rows, [][]flow.Para{{body.Para(kind)}, {body.Para(reason)}, {body.Para(amountPtr(a.BaseAmount))},
				{body.Para(percent(a.Percent))}, {body.Para(vat)}, {body.Para(amount(a.Amount))}})
		}
	}
	add("Nachlass", inv.Allowances)
	add("Zuschlag", inv.Charges)
	r.d.Heading(r.f.Heading(), "Nachlässe und Zuschläge auf Dokumentenebene", 40)
	r.d.Run(t, rows)
}

func (r *renderer) vat() {
	inv := r.inv
	if len(inv.VATBreakdown) == 0 {
		return
	}
	body, th := r.body(), r.th()
	cur := inv.CurrencyCode
	t := &flow.Table{X: flow.A4Margin, Rules: true, PadX: 3, PadY: 2.5, Cols: []flow.Column{
		{Width: 150}, {Width: 48, Align: flow.Right}, {Width: 82, Align: flow.Right}, {Width: 82, Align: flow.Right}, {},
	}, Header: []flow.Para{th.Para("Kategorie"), th.Para("Satz"), th.Para("Basisbetrag " + cur), th.Para("Steuerbetrag " + cur), th.Para("Befreiungsgrund")}}
	t.Cols[4].Width = flow.A4BodyWidth - 150 - 48 - 82 - 82
	var rows [][][]flow.Para
	for _, v := range inv.VATBreakdown {
		reason := v.ExemptionReason
		if v.ExemptionCode != "" {
			reason = strings.TrimSpace(reason + "\n" + v.ExemptionCode)
		}
		cat := v.Category
		if n, ok := vatCategoryNames[v.Category]; ok {
			cat += " – " + n
		}
		rows = append(rows, [][]flow.Para{{body.Para(cat)}, {body.Para(percent(v.Rate))}, {body.Para(amount(v.TaxableAmount))},
			{body.Para(amount(v.TaxAmount))}, {body.Para(reason)}})
	}
	r.d.Heading(r.f.Heading(), "Umsatzsteueraufschlüsselung", 40)
	r.d.Run(t, rows)
}

func (r *renderer) totals() {
	inv, tt := r.inv, r.inv.Totals
	cur := " " + inv.CurrencyCode
	body, bold := r.body(), flow.Style{Font: r.f.Bold, Size: 10}
	t := &flow.Table{X: flow.A4Margin, PadX: 3, PadY: 1.8, Cols: []flow.Column{{Width: flow.A4BodyWidth - 300}, {Width: 190}, {Width: 110, Align: flow.Right}}}
	var rows [][][]flow.Para
	add := func(label, v string, st flow.Style) {
		if v == "" {
			return
		}
		rows = append(rows, [][]flow.Para{nil, {st.Para(label)}, {st.Para(v + cur)}})
	}
	add("Summe der Positionen (netto)", amount(tt.LineNet), body)
	add("Summe der Nachlässe", amountPtr(tt.Allowances), body)
	add("Summe der Zuschläge", amountPtr(tt.Charges), body)
	add("Gesamtbetrag netto", amount(tt.TaxExclusive), body)
	add("Umsatzsteuer", amountPtr(tt.Tax), body)
	if tt.TaxInTaxCurrency != nil && inv.TaxCurrencyCode != "" {
		rows = append(rows, [][]flow.Para{nil, {body.Para("Umsatzsteuer in Steuerwährung")},
			{body.Para(amountPtr(tt.TaxInTaxCurrency) + " " + inv.TaxCurrencyCode)}})
	}
	add("Gesamtbetrag brutto", amount(tt.TaxInclusive), body)
	add("Vorauszahlung", amountPtr(tt.Prepaid), body)
	add("Rundungsbetrag", amountPtr(tt.Rounding), body)
	add("Zahlbetrag", amount(tt.Payable), bold)
	r.d.Heading(r.f.Heading(), "Gesamtbeträge", t.Height(rows[0])*float64(len(rows)))
	r.d.Run(t, rows)
}

func (r *renderer) payment() {
	inv, p := r.inv, r.inv.PaymentInstructions
	pairs := []kv{
		{"Zahlungsart", withCode(paymentMeansNames, p.MeansCode)},
		{"Zahlungsart (Text)", p.MeansText},
		{"Verwendungszweck", p.RemittanceInfo},
	}
	for i, ct := range p.CreditTransfers {
		n := ""
		if len(p.CreditTransfers) > 1 {
			n = " (" + strconv.Itoa(i+1) + ")"
		}
		account := groupIBAN(ct.IBAN)
		label := "IBAN"
		if account == "" {
			account, label = ct.ProprietaryID, "Kontonummer"
		}
		pairs = append(pairs, kv{label + n, account}, kv{"BIC" + n, ct.BIC}, kv{"Kontoinhaber" + n, ct.AccountName})
	}
	if c := p.Card; c != nil {
		pairs = append(pairs, kv{"Kartennummer", c.PAN}, kv{"Karteninhaber", c.Holder})
	}
	if dd := p.DirectDebit; dd != nil {
		pairs = append(pairs, kv{"Mandatsreferenz", dd.MandateID}, kv{"Gläubiger-ID", dd.CreditorID},
			kv{"Belastetes Konto", groupIBAN(dd.DebitedAccount)})
	}
	pairs = append(pairs, kv{"Zahlungsbedingungen", inv.PaymentTerms}, kv{"Fälligkeitsdatum", germanDate(inv.DueDate)})
	r.kvSection("Zahlungsdaten", pairs)
}

func (r *renderer) notes() {
	if len(r.inv.Notes) == 0 {
		return
	}
	t := &flow.Table{X: flow.A4Margin, Cols: []flow.Column{{Width: flow.A4BodyWidth}}, PadX: 2, PadY: 2.5, Rules: true}
	var rows [][][]flow.Para
	for _, n := range r.inv.Notes {
		var ps []flow.Para
		if n.SubjectCode != "" {
			ps = append(ps, r.label().Para("Betreff: "+withCode(noteSubjects, n.SubjectCode)))
		}
		ps = append(ps, r.body().Para(n.Text))
		rows = append(rows, [][]flow.Para{ps})
	}
	r.d.Heading(r.f.Heading(), "Bemerkungen", t.Height(rows[0])*0.5)
	r.d.Run(t, rows)
}

func (r *renderer) attachments() {
	if len(r.inv.Attachments) == 0 {
		return
	}
	body, th := r.body(), r.th()
	t := &flow.Table{X: flow.A4Margin, Rules: true, PadX: 3, PadY: 2.5, Cols: []flow.Column{
		{Width: 100}, {}, {Width: 105}, {Width: 75}, {Width: 66, Align: flow.Right},
	}, Header: []flow.Para{th.Para("Kennung"), th.Para("Beschreibung"), th.Para("Dateiname"), th.Para("MIME-Typ"), th.Para("Größe")}}
	t.Cols[1].Width = flow.A4BodyWidth - 100 - 105 - 75 - 66
	var rows [][][]flow.Para
	for _, a := range r.inv.Attachments {
		size := ""
		if a.HasContent() {
			size = byteSize(a.Size)
		}
		desc := []flow.Para{body.Para(a.Description)}
		if a.URI != "" {
			desc = append(desc, r.small().Para("Verweis: "+a.URI))
		}
		rows = append(rows, [][]flow.Para{{body.Para(a.ID)}, desc, {body.Para(a.Filename)}, {body.Para(a.MimeCode)}, {body.Para(size)}})
	}
	r.d.Heading(r.f.Heading(), "Rechnungsanhänge", 40)
	r.d.Run(t, rows)
}

// closing says which file is the legal original.
func (r *renderer) closing() {
	st := r.small()
	text := "Diese Darstellung wurde automatisch aus der elektronischen Rechnung erzeugt. " +
		"Rechtlich maßgeblich ist die eingebettete XML-Datei „" + r.xmlName + "“."
	r.d.Paragraph(st, text, 12)
}

// pageFurniture adds the short header and "Seite n von m" to every page,
// once the number of pages is known.
func (r *renderer) pageFurniture() {
	head := documentNoun(r.inv.TypeCode) + " " + r.inv.Number
	if r.inv.IssueDate != "" {
		head += " vom " + germanDate(r.inv.IssueDate)
	}
	if r.inv.Seller.Name != "" {
		head += " · " + r.inv.Seller.Name
	}
	foot := "Darstellung der elektronischen Rechnung · Original: " + r.xmlName + " (eingebettet)"
	r.d.Furnish(r.f.Furniture(), head, foot)
}
