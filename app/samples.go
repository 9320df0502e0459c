package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/intake"
	"github.com/aktenfluss/aktenfluss/internal/invoicepdf"
	"github.com/aktenfluss/aktenfluss/internal/letter"
	"github.com/aktenfluss/aktenfluss/internal/pdfa"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// Sample is one demo document.
type Sample struct {
	Name   string
	Source records.Source
	Data   []byte
}

// Samples returns the demo documents: a born-digital letter, a scanned page
// as PDF and as PNG, an XRechnung in UBL and in CII syntax, a hybrid
// ZUGFeRD-style PDF, an XRechnung whose totals are wrong (rejected and
// returned), and a damaged PDF that shows how a document that cannot be
// read is kept and marked.
func Samples() []Sample {
	return []Sample{
		{"Antrag-Baugenehmigung.pdf", records.SourceEmail, TextPDF(
			"Stadt Musterstadt - Bauordnungsamt",
			"Ihr Zeichen: 63.01.02-0001/2026",
			"Antrag auf Baugenehmigung fuer ein Einfamilienhaus",
			"Mit freundlichen Grüßen, Erika Mustermann")},
		{"Scan-Widerspruch.pdf", records.SourceMailroom, ScanPDF(widerspruch, 7)},
		{"Scan-Anhoerung.png", records.SourceMailroom, ScanPNG(anhoerung, 11)},
		{"Rechnung-4711-ubl.xml", records.SourceEInvoice, []byte(sampleUBL)},
		{"Rechnung-4712-cii.xml", records.SourceEInvoice, []byte(sampleCII)},
		{"Rechnung-4713-zugferd.pdf", records.SourceEmail, sampleHybrid()},
		// Totals that do not add up: rejected and handed back to the sender.
		{"Rechnung-4714-fehlerhaft.xml", records.SourceEInvoice, []byte(strings.Replace(strings.Replace(sampleUBL,
			"RE-2026-4711", "RE-2026-4714", 1), `<cbc:PayableAmount currencyID="EUR">119.00`, `<cbc:PayableAmount currencyID="EUR">191.00`, 1))},
		{"beschaedigt.pdf", records.SourceUpload, []byte("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\n%%EOF truncated by a failed transfer")},
	}
}

// FeedSamples gives the dev stack described by info the demo file plan,
// organisation and first file (SeedDemo), then publishes the samples.
func FeedSamples(ctx context.Context, info DevInfo) (int, error) {
	cfg := config.Defaults()
	info.Apply(&cfg)
	d, err := Connect(ctx, cfg, discardLogger(), Needs{NATS: true, Store: true})
	if err != nil {
		return 0, err
	}
	defer d.Close()
	numbers, err := records.NewFileNumberFormat(cfg.Records.FileNumberLayout)
	if err != nil {
		return 0, err
	}
	if _, err := SeedDemo(ctx, d.Store, numbers); err != nil {
		return 0, fmt.Errorf("demo file plan and organisation: %w", err)
	}
	pub := d.Publisher()
	proto := &records.ScanProtocol{Operator: "poststelle-1", Station: "scan-01", Profile: "A4-300dpi-grau", DPI: 300}
	n := 0
	for _, s := range Samples() {
		req := intake.PublishRequest{Name: s.Name, Reader: bytes.NewReader(s.Data), Source: s.Source, ReceivedAt: time.Now()}
		if s.Source == records.SourceMailroom {
			req.ScanProtocol = proto
		}
		if _, err := pub.Publish(ctx, req); err != nil {
			return n, fmt.Errorf("publish sample %s: %w", s.Name, err)
		}
		n++
	}
	return n, nil
}

// sampleHybrid is the CII sample as a hybrid PDF: a readable PDF/A-3
// carrying the XML as factur-x.xml, the way ZUGFeRD and Factur-X arrive.
func sampleHybrid() []byte {
	xml := strings.Replace(sampleCII, "RE-2026-4712", "RE-2026-4713", 1)
	inv, err := einvoice.Parse(strings.NewReader(xml))
	if err != nil {
		panic("demo sample: " + err.Error())
	}
	pdf, err := invoicepdf.Render(inv, []byte(xml), invoicepdf.Options{XMLName: "factur-x.xml"})
	if err != nil {
		panic("demo sample: " + err.Error())
	}
	return pdf
}

// TextPDF returns a one-page born-digital PDF showing lines of text with
// the standard Helvetica font (so it has a text layer).
func TextPDF(lines ...string) []byte {
	var content strings.Builder
	content.WriteString("BT /F1 12 Tf 72 770 Td 16 TL\n")
	for _, l := range lines {
		fmt.Fprintf(&content, "(%s) Tj T*\n", pdfEscape(l))
	}
	content.WriteString("ET\n")
	return buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		stream("", []byte(content.String())),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	})
}

// ScanPDF returns a one-page PDF as a scanner without OCR writes it: the
// page is a 300-dpi grey JPEG of a rendered letter, no text layer. seed
// varies skew and noise so that samples have distinct digests.
func ScanPDF(lines []string, seed int) []byte { return ScanPDFPages([][]string{lines}, seed) }

// ScanPDFPages is ScanPDF with one page per entry of pages.
func ScanPDFPages(pages [][]string, seed int) []byte {
	objects := []string{"<< /Type /Catalog /Pages 2 0 R >>", ""}
	var kids []string
	for i, lines := range pages {
		img := scanPage(lines, seed+i)
		jpg, err := letter.JPEG(img, 75)
		if err != nil {
			panic(err) // encoding an in-memory grey image cannot fail
		}
		b := img.Bounds()
		wPt, hPt := float64(b.Dx())*72/300, float64(b.Dy())*72/300
		page := len(objects) + 1
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
		objects = append(objects,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>", wPt, hPt, page+2, page+1),
			stream("", []byte(fmt.Sprintf("q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q\n", wPt, hPt))),
			stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode", b.Dx(), b.Dy()), jpg),
		)
	}
	objects[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages))
	return buildPDF(objects)
}

// ScanPNG returns a scanned letter as a 300-dpi grey PNG (with a pHYs chunk
// is not needed: intake assumes 300 dpi when a file does not say).
func ScanPNG(lines []string, seed int) []byte {
	data, err := letter.PNG(scanPage(lines, seed))
	if err != nil {
		panic(err) // encoding an in-memory grey image cannot fail
	}
	return data
}

func scanPage(lines []string, seed int) *image.Gray {
	img, err := letter.Render(lines, letter.Options{SkewDeg: float64(seed%5-2) * 0.3, Noise: 3, Seed: uint64(seed)})
	if err != nil {
		panic(err) // the embedded Go font always parses
	}
	return img
}

func stream(dict string, data []byte) string {
	return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data)
}

// pdfEscape writes s as a PDF string in WinAnsiEncoding, which covers
// German (ä, ö, ü, ß are their Latin-1 code points there).
func pdfEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\' || r == '(' || r == ')':
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		case r < 0x100:
			b.WriteByte(byte(r))
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// buildPDF numbers the objects 1…n in order and writes a correct xref table.
func buildPDF(objects []string) []byte {
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return buf.Bytes()
}

var widerspruch = []string{
	"Erika Mustermann",
	"Lindenallee 12, 12345 Musterstadt",
	"",
	"Stadt Musterstadt - Bauordnungsamt",
	"Rathausplatz 1",
	"12345 Musterstadt",
	"",
	"Ihr Zeichen: 63.01.02-0001/2026                 Musterstadt, 3. November 2026",
	"",
	"Widerspruch gegen den Bescheid vom 20. Oktober 2026",
	"",
	"Sehr geehrte Damen und Herren,",
	"",
	"gegen den oben genannten Bescheid lege ich hiermit fristgerecht",
	"Widerspruch ein. Die Begründung reiche ich innerhalb von vier",
	"Wochen nach. Bitte bestätigen Sie mir den Eingang.",
	"",
	"Mit freundlichen Grüßen",
	"Erika Mustermann",
}

var anhoerung = []string{
	"Landkreis Beispiel - Ordnungsamt",
	"Postfach 10 20 30, 12345 Musterstadt",
	"",
	"Stadt Musterstadt",
	"Hauptamt",
	"",
	"Az.: 32.10.04-0112/2026                         4. November 2026",
	"",
	"Anhörung nach § 28 VwVfG",
	"",
	"Sehr geehrte Damen und Herren,",
	"",
	"wir geben Ihnen Gelegenheit, sich bis zum 30. November 2026",
	"zu der beabsichtigten Entscheidung zu äußern.",
	"",
	"Mit freundlichen Grüßen",
	"Im Auftrag",
}

const sampleUBL = `<?xml version="1.0" encoding="UTF-8"?>
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>
  <cbc:ID>RE-2026-4711</cbc:ID>
  <cbc:IssueDate>2026-11-02</cbc:IssueDate>
  <cbc:DueDate>2026-12-02</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>04011000-12345-03</cbc:BuyerReference>
  <cac:AccountingSupplierParty><cac:Party>
    <cbc:EndpointID schemeID="EM">rechnung@buerobedarf-beispiel.de</cbc:EndpointID>
    <cac:PostalAddress><cbc:StreetName>Lindenallee 5</cbc:StreetName><cbc:CityName>Musterstadt</cbc:CityName><cbc:PostalZone>12345</cbc:PostalZone><cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyTaxScheme><cbc:CompanyID>DE123456789</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>Bürobedarf Beispiel GmbH</cbc:RegistrationName></cac:PartyLegalEntity>
    <cac:Contact><cbc:Name>Vertrieb</cbc:Name><cbc:Telephone>+49 30 1234567</cbc:Telephone><cbc:ElectronicMail>vertrieb@buerobedarf-beispiel.de</cbc:ElectronicMail></cac:Contact>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cbc:EndpointID schemeID="0204">04011000-12345-03</cbc:EndpointID>
    <cac:PostalAddress><cbc:StreetName>Rathausplatz 1</cbc:StreetName><cbc:CityName>Musterstadt</cbc:CityName><cbc:PostalZone>12345</cbc:PostalZone><cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>Stadt Musterstadt</cbc:RegistrationName></cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode><cac:PayeeFinancialAccount><cbc:ID>DE02120300000000202051</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>
  <cac:PaymentTerms><cbc:Note>Zahlbar innerhalb von 30 Tagen ohne Abzug.</cbc:Note></cac:PaymentTerms>
  <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">19.00</cbc:TaxAmount>
    <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">100.00</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">19.00</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>
  <cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount><cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount><cbc:TaxInclusiveAmount currencyID="EUR">119.00</cbc:TaxInclusiveAmount><cbc:PayableAmount currencyID="EUR">119.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
  <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="H87">20</cbc:InvoicedQuantity><cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Aktenordner A4, grau</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">5.00</cbc:PriceAmount></cac:Price></cac:InvoiceLine>
</ubl:Invoice>
`

const sampleCII = `<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument><ram:ID>RE-2026-4712</ram:ID><ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20261105</udt:DateTimeString></ram:IssueDateTime></rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>Wartung Heizungsanlage Rathaus</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>250.00</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">1</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>250.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:BuyerReference>04011000-12345-03</ram:BuyerReference>
      <ram:SellerTradeParty><ram:Name>Haustechnik Beispiel KG</ram:Name>
        <ram:DefinedTradeContact><ram:PersonName>Jana Beispiel</ram:PersonName><ram:TelephoneUniversalCommunication><ram:CompleteNumber>+49 30 1234567</ram:CompleteNumber></ram:TelephoneUniversalCommunication><ram:EmailURIUniversalCommunication><ram:URIID>rechnung@haustechnik-beispiel.de</ram:URIID></ram:EmailURIUniversalCommunication></ram:DefinedTradeContact>
        <ram:PostalTradeAddress><ram:PostcodeCode>12345</ram:PostcodeCode><ram:LineOne>Gartenweg 9</ram:LineOne><ram:CityName>Musterstadt</ram:CityName><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE987654321</ram:ID></ram:SpecifiedTaxRegistration></ram:SellerTradeParty>
      <ram:BuyerTradeParty><ram:Name>Stadt Musterstadt</ram:Name>
        <ram:PostalTradeAddress><ram:PostcodeCode>12345</ram:PostcodeCode><ram:LineOne>Rathausplatz 1</ram:LineOne><ram:CityName>Musterstadt</ram:CityName><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress></ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>58</ram:TypeCode><ram:PayeePartyCreditorFinancialAccount><ram:IBANID>DE02120300000000202051</ram:IBANID></ram:PayeePartyCreditorFinancialAccount></ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:ApplicableTradeTax><ram:CalculatedAmount>47.50</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>250.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:ApplicableTradeTax>
      <ram:SpecifiedTradePaymentTerms><ram:Description>Zahlbar bis 05.12.2026</ram:Description><ram:DueDateDateTime><udt:DateTimeString format="102">20261205</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:LineTotalAmount>250.00</ram:LineTotalAmount><ram:TaxBasisTotalAmount>250.00</ram:TaxBasisTotalAmount><ram:TaxTotalAmount currencyID="EUR">47.50</ram:TaxTotalAmount><ram:GrandTotalAmount>297.50</ram:GrandTotalAmount><ram:DuePayableAmount>297.50</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
`

// ArchivalPDF returns a one-page PDF/A-2b whose text layer carries lines
// over a plain white page image: a born-digital document that is archival
// already, so the archive step keeps it as it is. The intake benchmark and
// the batch tests use it to measure intake, not Ghostscript.
func ArchivalPDF(lines ...string) []byte {
	const w, h = 124, 175 // 15 dpi over A4: the image is only a background
	bg := image.NewGray(image.Rect(0, 0, w, h))
	for i := range bg.Pix {
		bg.Pix[i] = 255
	}
	page := pdfa.Page{WidthPt: 595.2, HeightPt: 840, Image: pdfa.NewImageFromGray(bg)}
	for i, l := range lines {
		y := 20 + float64(i)*3
		page.Words = append(page.Words, pdfa.Word{Text: l, X0: 12, Y0: y, X1: 12 + float64(len(l))*0.8, Y1: y + 2})
	}
	doc := pdfa.Document{Title: "Schreiben", Created: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Pages: []pdfa.Page{page}}
	doc.Modified = doc.Created
	var buf bytes.Buffer
	if err := pdfa.Write(&buf, doc); err != nil {
		panic(err) // a fixed in-memory document always writes
	}
	return buf.Bytes()
}
