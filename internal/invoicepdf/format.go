package invoicepdf

import (
	"strconv"
	"strings"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
)

// germanNumber writes a decimal literal ("-1234.5") the German way
// ("-1.234,5"), padding the fraction to at least minFrac digits. It works
// on the digits as written — never through a float — so nothing the seller
// wrote is rounded away.
func germanNumber(lit string, minFrac int) string {
	neg := strings.HasPrefix(lit, "-")
	lit = strings.TrimLeft(lit, "+-")
	intPart, frac, _ := strings.Cut(lit, ".")
	if intPart == "" {
		intPart = "0"
	}
	for len(frac) < minFrac {
		frac += "0"
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteByte(',')
		b.WriteString(frac)
	}
	return b.String()
}

// amount formats a monetary amount with at least two decimals.
func amount(d einvoice.Decimal) string { return germanNumber(d.String(), 2) }

// amountPtr formats an optional amount; "" when absent.
func amountPtr(d *einvoice.Decimal) string {
	if d == nil {
		return ""
	}
	return amount(*d)
}

// quantity formats a quantity exactly as written.
func quantity(d einvoice.Decimal) string { return germanNumber(d.String(), 0) }

// percent formats a rate: trailing fraction zeros go ("19.00" → "19 %"),
// which changes no value.
func percent(d *einvoice.Decimal) string {
	if d == nil {
		return ""
	}
	s := d.String()
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return germanNumber(s, 0) + " %"
}

// germanDate turns an ISO date "2024-03-15" into "15.03.2024"; anything
// else is shown as written.
func germanDate(s string) string {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' && isDigits(s[:4]+s[5:7]+s[8:]) {
		return s[8:] + "." + s[5:7] + "." + s[:4]
	}
	return s
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// period formats a start–end period; either end may be missing.
func period(p *einvoice.Period) string {
	if p == nil || p.Start == "" && p.End == "" {
		return ""
	}
	switch {
	case p.Start == "":
		return "bis " + germanDate(p.End)
	case p.End == "":
		return "ab " + germanDate(p.Start)
	}
	return germanDate(p.Start) + " – " + germanDate(p.End)
}

// groupIBAN writes an IBAN in groups of four, as printed on paper; other
// account identifiers are left alone.
func groupIBAN(s string) string {
	compact := strings.ReplaceAll(s, " ", "")
	if len(compact) < 15 || len(compact) > 34 || !isIBANShape(compact) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(compact); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(compact[i:min(i+4, len(compact))])
	}
	return b.String()
}

func isIBANShape(s string) bool {
	for i, c := range []byte(s) {
		switch {
		case i < 2 && c >= 'A' && c <= 'Z':
		case i >= 2 && i < 4 && c >= '0' && c <= '9':
		case i >= 4 && (c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'):
		default:
			return false
		}
	}
	return true
}

// withCode shows a code with its German name: "Rechnung (380)", or the
// bare code when the list does not know it.
func withCode(names map[string]string, code string) string {
	if code == "" {
		return ""
	}
	if n, ok := names[code]; ok {
		return n + " (" + code + ")"
	}
	return code
}

// typeNames are the invoice type codes (UNTDID 1001) XRechnung admits,
// with the names the KoSIT visualisation uses.
var typeNames = map[string]string{
	"326": "Teilrechnung",
	"380": "Rechnung",
	"381": "Gutschrift",
	"383": "Belastungsanzeige",
	"384": "Korrekturrechnung",
	"386": "Vorauszahlungsrechnung",
	"389": "Selbst ausgestellte Rechnung",
	"261": "Selbst ausgestellte Gutschrift",
	"393": "Factoring-Rechnung",
	"396": "Factoring-Gutschrift",
	"751": "Rechnungsinformation für Buchungszwecke",
	"875": "Abschlagsrechnung (Bauleistung)",
	"876": "Teilschlussrechnung (Bauleistung)",
	"877": "Schlussrechnung (Bauleistung)",
}

// documentNoun is the word for the document in titles: credit notes are
// no invoices, and a clerk must see that at first glance.
func documentNoun(code string) string {
	switch code {
	case "381", "261", "396":
		return "Gutschrift"
	}
	return "Rechnung"
}

// paymentMeansNames are UNTDID 4461 payment means.
var paymentMeansNames = map[string]string{
	"1":   "Nicht definiert",
	"10":  "Barzahlung",
	"20":  "Scheck",
	"30":  "Überweisung",
	"31":  "Debit Transfer",
	"42":  "Zahlung auf Bankkonto",
	"48":  "Bankkarte",
	"49":  "Lastschrift",
	"54":  "Kreditkarte",
	"55":  "Debitkarte",
	"57":  "Dauerauftrag",
	"58":  "SEPA-Überweisung",
	"59":  "SEPA-Lastschrift",
	"68":  "Online-Zahlungsdienst",
	"97":  "Verrechnung",
	"ZZZ": "Gegenseitig vereinbart",
}

// vatCategoryNames are UNTDID 5305 VAT categories as EN 16931 uses them.
var vatCategoryNames = map[string]string{
	"S":  "Umsatzsteuer (Normalsatz oder ermäßigter Satz)",
	"Z":  "Nullsatz",
	"E":  "Steuerbefreit",
	"AE": "Umkehrung der Steuerschuldnerschaft",
	"K":  "Innergemeinschaftliche Lieferung",
	"G":  "Ausfuhr (Drittland)",
	"O":  "Nicht steuerbar",
	"L":  "IGIC (Kanarische Inseln)",
	"M":  "IPSI (Ceuta und Melilla)",
}

// taxPointCodes are UNTDID 2005 codes for the VAT point date (BT-8).
var taxPointCodes = map[string]string{
	"3":   "Rechnungsdatum",
	"35":  "Liefer- bzw. Leistungsdatum",
	"432": "Zahlungsdatum",
}

// noteSubjects are the UNTDID 4451 subject codes seen in German invoices.
var noteSubjects = map[string]string{
	"AAI": "Allgemeine Information",
	"AAB": "Zahlungsbedingungen",
	"ABL": "Rechtliche Hinweise",
	"ACY": "Einleitung",
	"CUS": "Zollangaben",
	"PMT": "Zahlungsinformation",
	"REG": "Regulatorische Angaben",
	"SUR": "Anmerkungen des Verkäufers",
	"TXD": "Steuerangaben",
}

// unitNames are the UN/ECE Recommendation 20/21 unit codes common in
// public-sector invoices, as short German names.
var unitNames = map[string]string{
	"C62": "Stück", "H87": "Stück", "XPP": "Stück", "EA": "Stück", "PCE": "Stück",
	"HUR": "Std.", "MIN": "Min.", "DAY": "Tag", "WEE": "Woche", "MON": "Monat", "ANN": "Jahr",
	"KGM": "kg", "GRM": "g", "TNE": "t", "MTR": "m", "KMT": "km", "CMT": "cm", "MMT": "mm",
	"MTK": "m²", "MTQ": "m³", "LTR": "l", "MLT": "ml", "KWH": "kWh", "MWH": "MWh",
	"SET": "Satz", "LS": "pauschal", "P1": "%", "XBX": "Karton", "XPK": "Packung", "PR": "Paar",
	"E48": "Leistung", "NAR": "Anzahl", "XBO": "Flasche", "XRO": "Rolle", "XSA": "Sack",
}

// unit shows a unit code as its short name, or the code itself.
func unit(code string) string {
	if n, ok := unitNames[code]; ok {
		return n
	}
	return code
}

// countryNames: the neighbours and frequent trading partners; other
// ISO 3166 codes are shown as they are.
var countryNames = map[string]string{
	"DE": "Deutschland", "AT": "Österreich", "CH": "Schweiz", "FR": "Frankreich", "NL": "Niederlande",
	"BE": "Belgien", "LU": "Luxemburg", "DK": "Dänemark", "PL": "Polen", "CZ": "Tschechien",
	"IT": "Italien", "ES": "Spanien", "GB": "Vereinigtes Königreich", "SE": "Schweden", "US": "USA",
}

func country(code string) string {
	if n, ok := countryNames[code]; ok {
		return n
	}
	return code
}

// schemeNames explain the identifier schemes (ISO 6523 ICD, EAS) a clerk
// meets most.
var schemeNames = map[string]string{
	"EM":   "E-Mail",
	"0204": "Leitweg-ID",
	"9930": "USt-IdNr.",
	"0088": "GLN",
	"0060": "DUNS",
	"0160": "GTIN",
	"0002": "SIRENE",
	"0198": "ERSTORG",
}

// withScheme shows an identifier with its scheme in brackets.
func withScheme(id *einvoice.Identifier) string {
	if id == nil || id.Value == "" {
		return ""
	}
	if id.Scheme == "" {
		return id.Value
	}
	if n, ok := schemeNames[id.Scheme]; ok {
		return id.Value + " (" + n + ")"
	}
	return id.Value + " (Schema " + id.Scheme + ")"
}

// byteSize writes a file size exactly, German grouping: "150.128 Bytes".
func byteSize(n int64) string {
	if n == 1 {
		return "1 Byte"
	}
	return germanNumber(strconv.FormatInt(n, 10), 0) + " Bytes"
}
