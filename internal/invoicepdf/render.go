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
	f, err := loadFonts()
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

	r := &renderer{inv: inv, f: f, xmlName: opt.XMLName, d: &doc{}}
	r.d.newPage()
	r.draw()
	r.pageFurniture()

	noun := documentNoun(inv.TypeCode)
	pages := make([]pdfa.Page, len(r.d.pages))
	for i, c := range r.d.pages {
		pages[i] = pdfa.Page{WidthPt: pageW, HeightPt: pageH, Canvas: c}
	}
	pd := pdfa.Document{
		Title:    strings.TrimSpace(noun + " " + inv.Number),
		Author:   inv.Seller.Name,
		Subject:  noun + " " + inv.Number + " an " + inv.Buyer.Name + ", Darstellung der elektronischen Rechnung",
		Keywords: []string{"E-Rechnung", "XRechnung", "EN 16931"},
		Creator:  opt.Creator,
		Created:  created,
		Language: "de-DE",
		Pages:    pages,
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
	f       fonts
	xmlName string
	d       *doc
}

func (r *renderer) body() style  { return style{font: r.f.regular, size: 8.5} }
func (r *renderer) bold() style  { return style{font: r.f.bold, size: 8.5} }
func (r *renderer) small() style { return style{font: r.f.regular, size: 7.5, gray: 0.22} }
func (r *renderer) label() style { return style{font: r.f.regular, size: 8.5, gray: labelGray} }
func (r *renderer) th() style    { return style{font: r.f.bold, size: 8} }

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
	big := style{font: r.f.bold, size: 17, color: &accent}
	name := typeNames[inv.TypeCode]
	if name == "" {
		name = documentNoun(inv.TypeCode)
	}
	r.d.text(big, marginX, r.d.y-big.size, name)
	r.d.y -= big.lead()
	sub := "Nr. " + inv.Number
	if inv.IssueDate != "" {
		sub += " vom " + germanDate(inv.IssueDate)
	}
	st := style{font: r.f.regular, size: 10.5}
	r.d.text(st, marginX, r.d.y-st.size, ellipsize(sub, st, bodyW))
	r.d.y -= st.lead() + 4
}

// kvTable is a label/value list.
func (r *renderer) kvTable() *table {
	return &table{x: marginX, cols: []column{{width: 165}, {width: bodyW - 165}}, padX: 2, padY: 1.6}
}

type kv struct{ k, v string }

// kvSection draws a heading and the non-empty label/value pairs; nothing
// at all when every value is empty.
func (r *renderer) kvSection(title string, pairs []kv) {
	var rows [][][]para
	for _, p := range pairs {
		if strings.TrimSpace(p.v) == "" {
			continue
		}
		rows = append(rows, [][]para{{{p.k, r.label()}}, {{p.v, r.body()}}})
	}
	if len(rows) == 0 {
		return
	}
	t := r.kvTable()
	r.d.heading(r.f, title, t.rowHeight(t.layoutRow(rows[0])))
	r.d.run(t, rows)
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
func (r *renderer) partyParas(p *einvoice.Party) []para {
	if p == nil {
		return nil
	}
	body, small := r.body(), r.small()
	ps := []para{{p.Name, r.bold()}}
	if p.TradingName != "" && p.TradingName != p.Name {
		ps = append(ps, para{"Handelsname: " + p.TradingName, body})
	}
	ps = append(ps, r.addressParas(p.Address)...)
	add := func(label, v string) {
		if v != "" {
			ps = append(ps, para{label + ": " + v, small})
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

func (r *renderer) addressParas(a *einvoice.Address) []para {
	if a == nil {
		return nil
	}
	var ps []para
	for _, l := range []string{a.Line1, a.Line2, a.Line3, strings.TrimSpace(a.PostCode + " " + a.City)} {
		if l != "" {
			ps = append(ps, para{l, r.body()})
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
		ps = append(ps, para{region, r.body()})
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
	var cells [][]para
	for _, x := range []struct {
		t string
		p *einvoice.Party
	}{{t1, p1}, {t2, p2}} {
		if x.p != nil {
			titles = append(titles, x.t)
			cells = append(cells, r.partyParas(x.p))
		}
	}
	half := (bodyW - 16) / 2
	t := &table{x: marginX, padX: 0, padY: 2}
	t.cols = []column{{width: half}, {width: 16}, {width: half}}
	hs := style{font: r.f.bold, size: 11.5, color: &accent}
	t.header = []para{{titles[0], hs}, {"", hs}, {"", hs}}
	row := [][]para{cells[0], nil, nil}
	if len(cells) > 1 {
		t.header[2] = para{titles[1], hs}
		row[2] = cells[1]
	}
	// The party headings look like section headings, without the shaded
	// table header: draw them as a plain row.
	header := t.header
	t.header = nil
	r.d.need(hs.lead() + 14 + min(t.rowHeight(t.layoutRow(row)), 120))
	if r.d.y < bodyTop {
		r.d.y -= 10
	}
	r.d.drawCells(t, t.layoutRow([][]para{{header[0]}, nil, {header[2]}}), r.d.y)
	r.d.y -= hs.lead() + 2*t.padY
	r.d.c.Line(marginX, r.d.y, marginX+half, r.d.y, 0.8, 0.45)
	if len(cells) > 1 {
		r.d.c.Line(marginX+half+16, r.d.y, marginX+bodyW, r.d.y, 0.8, 0.45)
	}
	r.d.y -= 3
	r.d.run(t, [][][]para{row})
}

func (r *renderer) delivery() {
	dl := r.inv.Delivery
	if dl == nil {
		return
	}
	var addr []string
	for _, p := range r.addressParas(dl.Address) {
		addr = append(addr, p.text)
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
func (r *renderer) lineTable() *table {
	cols := []column{{width: 28}, {}, {width: 52, align: right}, {width: 44}, {width: 66, align: right}, {width: 48, align: right}, {width: 72, align: right}}
	rest := bodyW
	for _, c := range cols {
		rest -= c.width
	}
	cols[1].width = rest
	cur := r.inv.CurrencyCode
	th := r.th()
	return &table{x: marginX, cols: cols, rules: true, padX: 3, padY: 2.5, header: []para{
		{"Pos.", th}, {"Bezeichnung", th}, {"Menge", th}, {"Einheit", th},
		{"Einzelpreis netto " + cur, th}, {"USt", th}, {"Gesamtpreis netto " + cur, th},
	}}
}

func (r *renderer) lines() {
	if len(r.inv.Lines) == 0 {
		return
	}
	t := r.lineTable()
	rows := make([][][]para, len(r.inv.Lines))
	for i := range r.inv.Lines {
		rows[i] = r.lineRow(&r.inv.Lines[i])
	}
	hdr := t.header
	r.d.heading(r.f, "Rechnungspositionen", t.rowHeight(t.layoutRow(toRow(hdr)))+t.rowHeight(t.layoutRow(rows[0]))*0.5)
	r.d.run(t, rows)
}

func toRow(ps []para) [][]para {
	row := make([][]para, len(ps))
	for i, p := range ps {
		row[i] = []para{p}
	}
	return row
}

func (r *renderer) lineRow(l *einvoice.Line) [][]para {
	body, small := r.body(), r.small()
	desc := []para{{l.ItemName, r.bold()}}
	add := func(s string) {
		if strings.TrimSpace(s) != "" {
			desc = append(desc, para{s, small})
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
	return [][]para{
		{{l.ID, body}}, desc,
		{{quantity(l.Quantity), body}}, {{unit(l.Unit), body}},
		{{amount(l.Price.Net), body}}, {{vat, body}}, {{amount(l.NetAmount), body}},
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
	t := &table{x: marginX, rules: true, padX: 3, padY: 2.5, cols: []column{
		{width: 60}, {}, {width: 72, align: right}, {width: 48, align: right}, {width: 58, align: right}, {width: 72, align: right},
	}, header: []para{{"Art", th}, {"Grund", th}, {"Grundbetrag " + cur, th}, {"Prozent", th}, {"USt", th}, {"Betrag " + cur, th}}}
	t.cols[1].width = bodyW - 60 - 72 - 48 - 58 - 72
	var rows [][][]para
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
			rows = append(rows, [][]para{{{kind, body}}, {{reason, body}}, {{amountPtr(a.BaseAmount), body}},
				{{percent(a.Percent), body}}, {{vat, body}}, {{amount(a.Amount), body}}})
		}
	}
	add("Nachlass", inv.Allowances)
	add("Zuschlag", inv.Charges)
	r.d.heading(r.f, "Nachlässe und Zuschläge auf Dokumentenebene", 40)
	r.d.run(t, rows)
}

func (r *renderer) vat() {
	inv := r.inv
	if len(inv.VATBreakdown) == 0 {
		return
	}
	body, th := r.body(), r.th()
	cur := inv.CurrencyCode
	t := &table{x: marginX, rules: true, padX: 3, padY: 2.5, cols: []column{
		{width: 150}, {width: 48, align: right}, {width: 82, align: right}, {width: 82, align: right}, {},
	}, header: []para{{"Kategorie", th}, {"Satz", th}, {"Basisbetrag " + cur, th}, {"Steuerbetrag " + cur, th}, {"Befreiungsgrund", th}}}
	t.cols[4].width = bodyW - 150 - 48 - 82 - 82
	var rows [][][]para
	for _, v := range inv.VATBreakdown {
		reason := v.ExemptionReason
		if v.ExemptionCode != "" {
			reason = strings.TrimSpace(reason + "\n" + v.ExemptionCode)
		}
		cat := v.Category
		if n, ok := vatCategoryNames[v.Category]; ok {
			cat += " – " + n
		}
		rows = append(rows, [][]para{{{cat, body}}, {{percent(v.Rate), body}}, {{amount(v.TaxableAmount), body}},
			{{amount(v.TaxAmount), body}}, {{reason, body}}})
	}
	r.d.heading(r.f, "Umsatzsteueraufschlüsselung", 40)
	r.d.run(t, rows)
}

func (r *renderer) totals() {
	inv, tt := r.inv, r.inv.Totals
	cur := " " + inv.CurrencyCode
	body, bold := r.body(), style{font: r.f.bold, size: 10}
	t := &table{x: marginX, padX: 3, padY: 1.8, cols: []column{{width: bodyW - 300}, {width: 190}, {width: 110, align: right}}}
	var rows [][][]para
	add := func(label, v string, st style) {
		if v == "" {
			return
		}
		rows = append(rows, [][]para{nil, {{label, st}}, {{v + cur, st}}})
	}
	add("Summe der Positionen (netto)", amount(tt.LineNet), body)
	add("Summe der Nachlässe", amountPtr(tt.Allowances), body)
	add("Summe der Zuschläge", amountPtr(tt.Charges), body)
	add("Gesamtbetrag netto", amount(tt.TaxExclusive), body)
	add("Umsatzsteuer", amountPtr(tt.Tax), body)
	if tt.TaxInTaxCurrency != nil && inv.TaxCurrencyCode != "" {
		rows = append(rows, [][]para{nil, {{"Umsatzsteuer in Steuerwährung", body}},
			{{amountPtr(tt.TaxInTaxCurrency) + " " + inv.TaxCurrencyCode, body}}})
	}
	add("Gesamtbetrag brutto", amount(tt.TaxInclusive), body)
	add("Vorauszahlung", amountPtr(tt.Prepaid), body)
	add("Rundungsbetrag", amountPtr(tt.Rounding), body)
	add("Zahlbetrag", amount(tt.Payable), bold)
	r.d.heading(r.f, "Gesamtbeträge", t.rowHeight(t.layoutRow(rows[0]))*float64(len(rows)))
	r.d.run(t, rows)
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
	t := &table{x: marginX, cols: []column{{width: bodyW}}, padX: 2, padY: 2.5, rules: true}
	var rows [][][]para
	for _, n := range r.inv.Notes {
		var ps []para
		if n.SubjectCode != "" {
			ps = append(ps, para{"Betreff: " + withCode(noteSubjects, n.SubjectCode), r.label()})
		}
		ps = append(ps, para{n.Text, r.body()})
		rows = append(rows, [][]para{ps})
	}
	r.d.heading(r.f, "Bemerkungen", t.rowHeight(t.layoutRow(rows[0]))*0.5)
	r.d.run(t, rows)
}

func (r *renderer) attachments() {
	if len(r.inv.Attachments) == 0 {
		return
	}
	body, th := r.body(), r.th()
	t := &table{x: marginX, rules: true, padX: 3, padY: 2.5, cols: []column{
		{width: 100}, {}, {width: 105}, {width: 75}, {width: 66, align: right},
	}, header: []para{{"Kennung", th}, {"Beschreibung", th}, {"Dateiname", th}, {"MIME-Typ", th}, {"Größe", th}}}
	t.cols[1].width = bodyW - 100 - 105 - 75 - 66
	var rows [][][]para
	for _, a := range r.inv.Attachments {
		size := ""
		if a.HasContent() {
			size = byteSize(a.Size)
		}
		desc := []para{{a.Description, body}}
		if a.URI != "" {
			desc = append(desc, para{"Verweis: " + a.URI, r.small()})
		}
		rows = append(rows, [][]para{{{a.ID, body}}, desc, {{a.Filename, body}}, {{a.MimeCode, body}}, {{size, body}}})
	}
	r.d.heading(r.f, "Rechnungsanhänge", 40)
	r.d.run(t, rows)
}

// closing says which file is the legal original.
func (r *renderer) closing() {
	st := r.small()
	text := "Diese Darstellung wurde automatisch aus der elektronischen Rechnung erzeugt. " +
		"Rechtlich maßgeblich ist die eingebettete XML-Datei „" + r.xmlName + "“."
	lines := wrap(text, st, bodyW)
	r.d.need(12 + st.lead()*float64(len(lines)))
	r.d.y -= 12
	for _, l := range lines {
		r.d.text(st, marginX, r.d.y-st.size, l)
		r.d.y -= st.lead()
	}
}

// pageFurniture adds the short header and "Seite n von m" to every page,
// once the number of pages is known.
func (r *renderer) pageFurniture() {
	n := len(r.d.pages)
	st := style{font: r.f.regular, size: 8, gray: 0.3}
	head := documentNoun(r.inv.TypeCode) + " " + r.inv.Number
	if r.inv.IssueDate != "" {
		head += " vom " + germanDate(r.inv.IssueDate)
	}
	if r.inv.Seller.Name != "" {
		head += " · " + r.inv.Seller.Name
	}
	for i, c := range r.d.pages {
		page := "Seite " + strconv.Itoa(i+1) + " von " + strconv.Itoa(n)
		pw := st.font.Width(page, st.size)
		r.d.c = c
		r.d.text(st, marginX, pageH-36, ellipsize(head, st, bodyW-pw-20))
		r.d.text(st, marginX+bodyW-pw, pageH-36, page)
		c.Line(marginX, pageH-42, marginX+bodyW, pageH-42, 0.5, ruleGray)
		foot := "Darstellung der elektronischen Rechnung · Original: " + r.xmlName + " (eingebettet)"
		c.Line(marginX, 38, marginX+bodyW, 38, 0.5, ruleGray)
		r.d.text(st, marginX, 28, ellipsize(foot, st, bodyW))
	}
}
