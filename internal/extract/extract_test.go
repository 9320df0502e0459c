package extract

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/ocr"
)

// Hand-made letters in the forms German administrations receive. IBANs
// are the published example DE89 3704 0044 0532 0130 00 and variants.
const (
	invoiceText = `Elektro Sommer GmbH
Am Anger 7 · 99084 Erfurt · Telefon 0361 12345
Elektro Sommer GmbH · Am Anger 7 · 99084 Erfurt
Stadt Musterhausen
Bauamt
Rathausplatz 1
12345 Musterhausen
Ihr Zeichen: 61.2/2024-0815
Unser Zeichen: es-2024-17
Rechnungsnr.: RE-2024-00042
Erfurt, 05.03.2024
Rechnung Nr. RE-2024-00042 – Wartung Straßenbeleuchtung
Sehr geehrte Damen und Herren,
wir berechnen Ihnen unsere Leistungen wie folgt.
Pos. Beschreibung Menge Einzelpreis Gesamt
1 Monteurstunden 10 Std. 58,00 580,00
Nettobetrag 580,00 EUR
zzgl. USt 19 % 110,20 EUR
Gesamtbetrag 690,20 EUR
Bitte überweisen Sie den Gesamtbetrag von 690,20 EUR bis zum 04.04.2024 auf das Konto
IBAN DE89 3704 0044 0532 0130 00.
Mit freundlichen Grüßen
Elektro Sommer GmbH
Elektro Sommer GmbH · Am Anger 7 · 99084 Erfurt · Geschäftsführer: Uwe Sommer
Bankverbindung: Sparkasse · IBAN DE89 3704 0044 0532 0130 00 · BIC COBADEFFXXX`

	reminderText = `Stadtwerke Beispielstadt GmbH
Werkstraße 1 · 01067 Dresden
Stadtwerke Beispielstadt GmbH · Werkstraße 1 · 01067 Dresden
Gemeinde Musterdorf
Kämmerei
Dorfstraße 2
01234 Musterdorf
Unser Zeichen: SW-M-2024-3
Datum: 12. Juni 2024
2. Mahnung – Rechnung Nr. 2024-1177 vom 02.04.2024
Sehr geehrte Damen und Herren,
trotz unserer Zahlungserinnerung ist der Betrag noch nicht beglichen.
Offener Betrag: 1.250,00 EUR
zuzüglich Mahngebühr 5,00 EUR
Zu zahlender Betrag: 1.255,00 EUR
Bitte zahlen Sie bis spätestens 26.06.2024.
Mit freundlichen Grüßen
Stadtwerke Beispielstadt GmbH`

	noticeText = `Landkreis Musterkreis – Der Landrat
Kreisstraße 3 · 06108 Halle (Saale)
Landkreis Musterkreis · Kreisstraße 3 · 06108 Halle (Saale)
Gemeinde Musterdorf
Dorfstraße 2
01234 Musterdorf
Ihr Aktenzeichen: 32.1-04/2024
Unser Aktenzeichen: 63-BV-2024-0099
Halle (Saale), den 3. Juli 2024
Bescheid über die Erteilung einer Baugenehmigung
Sehr geehrte Damen und Herren,
auf Ihren Antrag vom 12.02.2024 ergeht folgender Bescheid: Die Baugenehmigung wird hiermit erteilt.
Die Gebühr wird auf 350,00 EUR festgesetzt.
Rechtsbehelfsbelehrung
Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben werden.
Mit freundlichen Grüßen
Im Auftrag`

	letterText = `Dr. Erika Mustermann
Lindenallee 5 · 10115 Berlin
Dr. Erika Mustermann · Lindenallee 5 · 10115 Berlin
EINGEGANGEN
28.02.2024
Stadt Musterhausen
Ordnungsamt
Rathausplatz 1
12345 Musterhausen
Berlin, 21. Februar 2024
Widerspruch gegen den Gebührenbescheid vom 01.02.2024 (Az. OA-12.7-0042/24)
Sehr geehrte Damen und Herren,
gegen den oben genannten Bescheid lege ich hiermit Widerspruch ein.
Von Mahnungen bitte ich bis zur Entscheidung abzusehen.
Mit freundlichen Grüßen
Erika Mustermann`
)

func TestExtractText(t *testing.T) {
	t.Run("invoice", func(t *testing.T) {
		r := Extract(Input{Text: invoiceText})
		assert.Equal(t, TypeInvoice, r.Type, r.TypeReason)
		assert.Greater(t, r.TypeConfidence, 0.8)
		assert.Equal(t, Party{Name: "Elektro Sommer GmbH", Address: "Am Anger 7, 99084 Erfurt"}, r.Sender)
		assert.Equal(t, "2024-03-05", r.LetterDate)
		assert.Equal(t, []Reference{{Label: "Ihr Zeichen", Value: "61.2/2024-0815"}}, r.References)
		assert.Equal(t, "es-2024-17", r.SenderReference)
		assert.Equal(t, "RE-2024-00042", r.InvoiceNumber)
		assert.Equal(t, "690.20", r.Amount)
		assert.Equal(t, "EUR", r.Currency)
		assert.Equal(t, []string{"DE89370400440532013000"}, r.IBANs)
		assert.Equal(t, "2024-04-04", r.DueDate)
		assert.Equal(t, "Rechnung Nr. RE-2024-00042 – Wartung Straßenbeleuchtung", r.Subject)
	})
	t.Run("reminder", func(t *testing.T) {
		r := Extract(Input{Text: reminderText})
		assert.Equal(t, TypeReminder, r.Type, r.TypeReason)
		assert.Equal(t, "2024-06-12", r.LetterDate)
		assert.Equal(t, "1255.00", r.Amount, "the amount to pay, with the dunning fee")
		assert.Equal(t, "SW-M-2024-3", r.SenderReference)
		assert.Empty(t, r.References, "Unser Zeichen is never ours")
		assert.Equal(t, "2024-06-26", r.DueDate)
	})
	t.Run("notice", func(t *testing.T) {
		r := Extract(Input{Text: noticeText})
		assert.Equal(t, TypeNotice, r.Type, r.TypeReason)
		assert.Equal(t, "2024-07-03", r.LetterDate)
		assert.Equal(t, []Reference{{Label: "Ihr Aktenzeichen", Value: "32.1-04/2024"}}, r.References)
		assert.Equal(t, "63-BV-2024-0099", r.SenderReference)
		assert.Equal(t, "Landkreis Musterkreis – Der Landrat", r.Sender.Name)
		assert.Equal(t, "Kreisstraße 3, 06108 Halle (Saale)", r.Sender.Address)
	})
	t.Run("letter with stamp", func(t *testing.T) {
		r := Extract(Input{Text: letterText})
		assert.Equal(t, TypeLetter, r.Type, r.TypeReason)
		assert.Equal(t, "2024-02-21", r.LetterDate, "not the stamp's 28.02.2024, not the notice's date")
		assert.Equal(t, []Reference{{Label: "Az.", Value: "OA-12.7-0042/24"}}, r.References)
		assert.Equal(t, "Dr. Erika Mustermann", r.Sender.Name)
		assert.Empty(t, r.IBANs)
		assert.Empty(t, r.Amount)
	})
}

func TestHostile(t *testing.T) {
	t.Run("invalid IBAN never returned", func(t *testing.T) {
		for _, s := range []string{
			"IBAN DE89 3704 0044 0532 0130 01",  // last digit changed
			"IBAN DE98 3704 0044 0532 0130 00",  // check digits swapped
			"IBAN DE89 3704 0044 0532 0130",     // too short
			"IBAN XX89 3704 0044 0532 0130 00",  // no country
			"Konto DE12 3456 7890 1234 5678 90", // made up
		} {
			r := Extract(Input{Text: s})
			assert.Empty(t, r.IBANs, s)
		}
		r := Extract(Input{Text: "IBAN DE89 37O4 0044 O532 0l30 00"})
		assert.Equal(t, []string{"DE89370400440532013000"}, r.IBANs, "OCR confusions undone only where the checksum confirms")
	})
	t.Run("Unser Zeichen never our reference", func(t *testing.T) {
		for _, s := range []string{
			"Unser Zeichen: 12.05/2024-1",
			"Unser Az.: 12.05/2024-1",
			"Unser Aktenzeichen: 12.05/2024-1",
			"Mein Zeichen: 12.05/2024-1",
			"Unser Zeichen\t12.05/2024-1",
		} {
			r := Extract(Input{Text: s})
			assert.Empty(t, r.References, s)
			assert.Equal(t, "12.05/2024-1", r.SenderReference, s)
		}
	})
	t.Run("stamp date not the letter date", func(t *testing.T) {
		text := "Max Muster\nHauptstraße 1 · 12345 Musterstadt\nEINGEGANGEN\n14.05.2024\nStadt Beispiel\n" +
			"Ihr Schreiben vom 02.04.2024\nAnfrage\nSehr geehrte Damen und Herren,\nText."
		r := Extract(Input{Text: text})
		assert.Empty(t, r.LetterDate, "only the stamp's and a quoted letter's date are there")
		r = Extract(Input{Text: strings.Replace(text, "Anfrage", "Musterstadt, 10.05.2024\nAnfrage", 1)})
		assert.Equal(t, "2024-05-10", r.LetterDate)
	})
	t.Run("dates must exist", func(t *testing.T) {
		r := Extract(Input{Text: "Datum: 31.02.2024"})
		assert.Empty(t, r.LetterDate)
	})
	t.Run("no text", func(t *testing.T) {
		r := Extract(Input{})
		assert.Equal(t, TypeOther, r.Type)
		assert.Zero(t, r.TypeConfidence)
	})
	t.Run("widerspruch against a Bescheid is a letter", func(t *testing.T) {
		r := Extract(Input{Text: "Widerspruch gegen den Bescheid vom 01.02.2024\nSehr geehrte Damen und Herren,\n" +
			"der Bescheid wurde mir am 03.02.2024 zugestellt. Die Gebühr wurde auf 50,00 EUR festgesetzt."})
		assert.Equal(t, TypeLetter, r.Type, r.TypeReason)
	})
}

func TestLeitwegID(t *testing.T) {
	for _, tc := range []struct {
		id         string
		form, good bool
	}{
		{"04011000-1234512345-06", true, true},
		{"991-33333TEST-33", true, true},
		{"04011000-1234512345-07", true, false},
		{"991-01234-38", true, true},
		{"991-01234-44", true, false},
		{"12.05/2024", false, false},
	} {
		form, good := ValidLeitwegID(tc.id)
		assert.Equal(t, [2]bool{tc.form, tc.good}, [2]bool{form, good}, tc.id)
	}
	r := Extract(Input{Text: "Leitweg-ID: 04011000-1234512345-07"})
	assert.Equal(t, "04011000-1234512345-07", r.LeitwegID, "kept with a wrong check digit")
	require.Len(t, r.Warnings, 1)
	assert.Contains(t, r.Warnings[0], "check digits")
	r = Extract(Input{Text: "Leitweg-ID: 04011000-1234512345-06"})
	assert.Equal(t, "04011000-1234512345-06", r.LeitwegID)
	assert.Empty(t, r.Warnings)
}

func TestMatchFile(t *testing.T) {
	files := map[string]bool{"12.05.03/2024-123": true, "456.07/2024-0012": true, "BA-12.05-0123/24": true}
	known := func(s string) bool { return files[s] }
	for _, tc := range []struct {
		refs []Reference
		want string
	}{
		{[]Reference{{Value: "12.05.03/2024-123"}}, "12.05.03/2024-123"},
		{[]Reference{{Value: "12.05.03 / 2024 - 123"}}, "12.05.03/2024-123"},
		{[]Reference{{Value: "456.O7/2024-OO12"}}, "456.07/2024-0012"},
		{[]Reference{{Value: "l2.05.03/2024-l23"}}, "12.05.03/2024-123"},
		{[]Reference{{Value: "BA-12.05-0123/24"}}, "BA-12.05-0123/24"},
		{[]Reference{{Value: "8A-12.05-0123/24"}}, ""},   // a letter misread as a digit: no guess
		{[]Reference{{Value: "12.05.03/2024-124"}}, ""},  // a neighbour
		{[]Reference{{Value: "12.05.03/2024-1234"}}, ""}, // longer
		{[]Reference{{Value: "12.05.03/2024"}}, ""},      // a prefix
		{[]Reference{{Value: "x"}, {Value: "456.07/2024-0012"}}, "456.07/2024-0012"},
		{nil, ""},
	} {
		got, ok := MatchFile(tc.refs, known)
		assert.Equal(t, tc.want, got, "%v", tc.refs)
		assert.Equal(t, tc.want != "", ok)
	}
	_, ok := MatchFile([]Reference{{Value: "12.05.03/2024-123"}}, nil)
	assert.False(t, ok)
}

func TestEInvoiceWins(t *testing.T) {
	inv := &einvoice.Invoice{
		Number: "INV-9", IssueDate: "2024-05-02", DueDate: "2024-06-01", CurrencyCode: "EUR", TypeCode: "380",
		BuyerReference: "991-01234-38",
		Seller:         einvoice.Party{Name: "Muster AG", Address: &einvoice.Address{Line1: "Weg 1", PostCode: "12345", City: "Ort"}},
		PaymentInstructions: einvoice.Payment{CreditTransfers: []einvoice.CreditTransfer{
			{IBAN: "DE89 3704 0044 0532 0130 00"}, {IBAN: "DE00370400440532013000"}}},
		Totals: einvoice.Totals{TaxInclusive: einvoice.MustDecimal("119"), Payable: einvoice.MustDecimal("100.5")},
	}
	r := Extract(Input{Text: invoiceText, Invoice: inv})
	assert.Equal(t, TypeInvoice, r.Type)
	assert.Equal(t, 1.0, r.TypeConfidence)
	assert.Equal(t, "INV-9", r.InvoiceNumber)
	assert.Equal(t, "2024-05-02", r.LetterDate)
	assert.Equal(t, "100.50", r.Amount, "BT-115")
	assert.Equal(t, []string{"DE89370400440532013000"}, r.IBANs, "the invalid one dropped")
	assert.Equal(t, Party{Name: "Muster AG", Address: "Weg 1, 12345 Ort"}, r.Sender)
	assert.Equal(t, "991-01234-38", r.LeitwegID)
	assert.Equal(t, []string{"e-invoice IBAN with wrong checksum dropped"}, r.Warnings)
	assert.Equal(t, []Reference{{Label: "Ihr Zeichen", Value: "61.2/2024-0815"}}, r.References, "text fills what the XML lacks")
}

// TestInfoBlockPositions: an information block beside the address field
// shares its baselines; plain text would separate "Ihr Zeichen:" from its
// value. Words carry the positions.
func TestInfoBlockPositions(t *testing.T) {
	var words []ocr.Word
	line := 0
	put := func(x, y int, s string) {
		for _, w := range strings.Fields(s) {
			words = append(words, ocr.Word{Text: w, X0: x, Y0: y, X1: x + 24*len([]rune(w)), Y1: y + 40, Confidence: 90, Line: line})
			x += 24*len([]rune(w)) + 14
		}
		line++
	}
	put(300, 150, "Bau Weber GmbH")
	put(300, 560, "Bau Weber GmbH · Ring 2 · 39104 Magdeburg")
	put(300, 620, "Gemeinde Beispiel")
	put(300, 680, "Markt 1")
	put(300, 740, "39999 Beispiel")
	// The block on the right: labels at x=1480, values at x=1870, on
	// the same baselines as the address lines; Tesseract gives them as
	// separate lines.
	put(1480, 620, "Ihr Zeichen:")
	put(1870, 622, "12.05.03/2024-123")
	put(1480, 680, "Unser Zeichen:")
	put(1870, 682, "bw-2024-1")
	put(1480, 740, "Datum:")
	put(1870, 742, "12. März 2024")
	put(300, 900, "Antrag auf Sondernutzung")
	put(300, 1000, "Sehr geehrte Damen und Herren,")
	page := ocr.Page{Width: 2480, Height: 3508, Words: words,
		Text: "Bau Weber GmbH\n\nIhr Zeichen:\nUnser Zeichen:\nDatum:\n\n12.05.03/2024-123\nbw-2024-1\n12. März 2024"}
	r := Extract(Input{Pages: []ocr.Page{page}})
	assert.Equal(t, []Reference{{Label: "Ihr Zeichen", Value: "12.05.03/2024-123"}}, r.References)
	assert.Equal(t, "bw-2024-1", r.SenderReference)
	assert.Equal(t, "2024-03-12", r.LetterDate)
	assert.Equal(t, "Bau Weber GmbH", r.Sender.Name)
	assert.Equal(t, "Ring 2, 39104 Magdeburg", r.Sender.Address)
	assert.Equal(t, "Antrag auf Sondernutzung", r.Subject)

	// The same page scanned upside down: boxes in the stored image,
	// Orientation says how to turn it.
	flipped := page
	flipped.Orientation = 180
	flipped.Words = nil
	for _, w := range page.Words {
		w.X0, w.X1 = page.Width-w.X1, page.Width-w.X0
		w.Y0, w.Y1 = page.Height-w.Y1, page.Height-w.Y0
		flipped.Words = append(flipped.Words, w)
	}
	assert.Equal(t, r, Extract(Input{Pages: []ocr.Page{flipped}}))
}
