package extract

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
)

// cue is one piece of evidence for a type: where the pattern must occur
// (the subject and heading, or anywhere) and how much it weighs.
type cue struct {
	t       DocType
	heading bool // only in the subject or the first lines
	weight  float64
	re      *regexp.Regexp
	name    string
}

var cues = []cue{
	{TypeInvoice, true, 3, regexp.MustCompile(`(?i)\b\p{L}*rechnung\b|\bgutschrift\b|\binvoice\b`), `keyword "Rechnung"`},
	{TypeInvoice, false, 1.5, regexp.MustCompile(`(?i)\b\p{L}*rechnungs?\s*-?\s*(?:nr|nummer)\b`), "invoice number"},
	{TypeInvoice, false, 1, regexp.MustCompile(`(?i)\b(?:zzgl\.?|zuzüglich|inkl\.?)\s*(?:ust|mwst|umsatzsteuer|mehrwertsteuer)|\bnettobetrag\b|\bumsatzsteuer\b`), "VAT lines"},
	{TypeInvoice, false, 1, regexp.MustCompile(`(?i)\b(?:gesamtbetrag|rechnungsbetrag|bruttobetrag|zahlbetrag)\b`), "total amount"},
	{TypeInvoice, false, 0.5, regexp.MustCompile(`(?i)\bleistungszeitraum\b|\bpos\.\s|\beinzelpreis\b`), "invoice table"},

	{TypeReminder, true, 4, regexp.MustCompile(`(?i)\b(?:\d\.\s*)?mahnung\b|\bzahlungserinnerung\b|\bletzte\s+erinnerung\b|\bzahlungsaufforderung\b`), `keyword "Mahnung"`},
	{TypeReminder, false, 1.5, regexp.MustCompile(`(?i)\bmahngebühr|\bmahnkosten|\bverzugszinsen|\bsäumniszuschl\p{L}*\s+(?:in\s+höhe|von|werden\s+erhoben)`), "dunning charges"},
	{TypeReminder, false, 1.5, regexp.MustCompile(`(?i)\b(?:noch\s+(?:nicht|kein)\w*\s+(?:beglichen|bezahlt|eingegangen|zahlungseingang))|\bzahlungsrückstand|\bbereits\s+fällig|\büberfällig|\boffene[nr]?\s+(?:betrag|posten|forderung)`), "overdue payment"},

	{TypeNotice, true, 3, regexp.MustCompile(`(?i)^(?:\p{L}+\s+)?\p{L}*bescheid\b|\bbescheid\s+(?:über|zur|zum|für)\b`), `keyword "Bescheid" in heading`},
	{TypeNotice, false, 3, regexp.MustCompile(`(?i)\brechtsbehelfsbelehrung\b|\brechtsmittelbelehrung\b`), "Rechtsbehelfsbelehrung"},
	{TypeNotice, false, 1, regexp.MustCompile(`(?i)\bwird\s+(?:hiermit\s+)?(?:wie\s+folgt\s+)?festgesetzt|\bsetze[n]?\s+(?:wir|ich)?\s*\p{L}*\s*fest\b|\bergeht\s+folgender\b|\bhiermit\s+(?:genehmigt|erteilt|abgelehnt)`), "decision wording"},
	{TypeNotice, false, 1.5, regexp.MustCompile(`(?i)\bgegen\s+diesen\s+bescheid\b|\binnerhalb\s+eines\s+monats\s+nach\s+(?:bekanntgabe|zustellung)`), "appeal instructions"},

	{TypeLetter, true, 2, regexp.MustCompile(`(?i)^\W*(?:antrag|widerspruch|anfrage|beschwerde|mängelanzeige|anzeige|einspruch|stellungnahme|bauantrag|bauvoranfrage|anmeldung|kündigung|bitte|mitteilung)\b|\bwiderspruch\s+gegen\b`), "application or objection"},
	{TypeLetter, false, 1, regexp.MustCompile(`(?i)\b(?:beantrage[n]?|hiermit\s+(?:lege|legen)\s+\p{L}+\s+widerspruch|bitte[n]?\s+(?:wir|ich)\s+(?:sie|um)|reichen\s+wir)\b`), "request wording"},
	{TypeLetter, false, 0.5, regexp.MustCompile(`(?i)\bmit\s+freundlichen\s+grüßen\b|\bsehr\s+geehrte`), "letter form"},
}

func classify(d *doc, inv *einvoice.Invoice, r *Result) {
	if inv != nil {
		r.Type, r.TypeConfidence, r.TypeReason = TypeInvoice, 1, "structured e-invoice"
		if inv.TypeCode != "" {
			r.TypeReason += " (type code " + inv.TypeCode + ")"
		}
		return
	}
	if strings.TrimSpace(d.flow) == "" {
		r.Type, r.TypeConfidence, r.TypeReason = TypeOther, 0, "no text"
		return
	}
	heading := r.Subject
	if heading == "" {
		// No subject found: the first lines after the header stand in.
		var parts []string
		for _, l := range d.lines[:min(len(d.lines), d.head()+2)] {
			parts = append(parts, l.text)
		}
		heading = strings.Join(parts, "\n")
	}
	body := d.flow
	score := map[DocType]float64{}
	why := map[DocType][]string{}
	for _, c := range cues {
		text := body
		if c.heading {
			text = heading
		}
		if c.re.MatchString(text) {
			score[c.t] += c.weight
			why[c.t] = append(why[c.t], c.name)
		}
	}
	// Facts found by the field rules count too.
	if r.Amount != "" {
		score[TypeInvoice] += 1
		score[TypeReminder] += 0.5
	}
	if r.InvoiceNumber != "" {
		score[TypeReminder] += 0.5
	}
	// A letter is the default for anything with a salutation.
	score[TypeLetter] += 0.5
	types := []DocType{TypeInvoice, TypeReminder, TypeNotice, TypeLetter}
	sort.SliceStable(types, func(i, j int) bool { return score[types[i]] > score[types[j]] })
	best, second := types[0], types[1]
	// Confidence: a logistic of the margin between the two best.
	margin := score[best] - score[second]
	r.Type = best
	r.TypeConfidence = math.Round(100/(1+math.Exp(-1.2*margin))) / 100
	reasons := why[best]
	if best == TypeInvoice && r.Amount != "" {
		reasons = append(reasons, "amount "+r.Amount)
	}
	if len(reasons) == 0 {
		reasons = []string{"no stronger evidence; default"}
	}
	if len(reasons) > 3 {
		reasons = reasons[:3]
	}
	r.TypeReason = strings.Join(reasons, " + ")
	if margin < 1 {
		r.TypeReason += fmt.Sprintf(" (close to %s)", second)
	}
}
