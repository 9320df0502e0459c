package extract

import (
	"math/big"
	"regexp"
	"strings"
	"unicode"
)

// doc is the document's lines with the positions the rules refer to.
type doc struct {
	lines []line
	// flow is every line joined by "\n" (segments by "\t"), for patterns
	// that run over a line break; starts[i] is where line i begins.
	flow   string
	starts []int
	// salutation is the index of the first salutation line, -1 if none.
	salutation int
	// subject is the index range [subjFrom, subjTo) of the subject lines.
	subjFrom, subjTo int
}

func newDoc(lines []line) *doc {
	d := &doc{lines: lines, salutation: -1}
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		d.starts = append(d.starts, b.Len())
		b.WriteString(l.text)
	}
	d.flow = b.String()
	for i, l := range lines {
		if salutationPattern.MatchString(l.text) {
			d.salutation = i
			break
		}
	}
	return d
}

// head is the index after the last header line: the salutation, or for
// letters without one the first 40 % of page 1.
func (d *doc) head() int {
	if d.salutation >= 0 {
		return d.salutation
	}
	n := 0
	for n < len(d.lines) && d.lines[n].page == 0 {
		n++
	}
	return min(len(d.lines), max(1, n*2/5))
}

var (
	salutationPattern = regexp.MustCompile(`(?i)^\W{0,3}(sehr\s+geehrte|guten\s+tag|hallo\b|liebe[rs]?\s|moin\b|grüß\s+gott)`)
	// Label patterns. (?i) and [Il1] for the I of "Ihr", which OCR reads
	// as l or 1.
	ourRefLabel    = regexp.MustCompile(`(?i)(?:\b(?:[il1]hre?|[il1]hr)\s*(?:zeichen|aktenzeichen|az\.?|gesch(?:äfts|afts|\.)\s*-?\s*z(?:eichen|\.)|referenz)|\baktenzeichen|\baz\b\.?|\bgeschäftszeichen|\bgz\b\.)\s*:?`)
	theirRefPrefix = regexp.MustCompile(`(?i)\b(?:unser[e]?|mein[e]?|u\.)\s*$`)
	theirRefLabel  = regexp.MustCompile(`(?i)\b(?:unser[e]?|mein[e]?)\s*(?:zeichen|aktenzeichen|az\.?|gesch(?:äfts|afts|\.)\s*-?\s*z(?:eichen|\.)|referenz|auftragsnummer|kundennummer)\s*:?`)
	dateLabel      = regexp.MustCompile(`(?i)\b(?:datum|date)\s*:`)
	subjectLabel   = regexp.MustCompile(`(?i)^\W{0,2}(?:betreff|betr\.|subject)\s*:?\s*`)
	invoiceLabel   = regexp.MustCompile(`(?i)\b\p{L}*rechnung(?:s)?\s*-?\s*(?:nr|nummer|no)\b\.?\s*:?|\bre\.?\s*-\s*nr\.?\s*:?|\binvoice\s+(?:no|number)\.?\s*:?|\bbelegnummer\s*:?`)
	leitwegLabel   = regexp.MustCompile(`(?i)\bleitweg(?:s)?\s*-?\s*(?:id|nummer|nr\.?)?\s*:?`)
	stampWords     = regexp.MustCompile(`(?i)\b(?:eingegangen|eingang|posteingang|erhalten|received)\b`)
	refValueToken  = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N}./\-–_]*[\p{L}\p{N}]$`)
	shortPrefix    = regexp.MustCompile(`^\p{Lu}{1,4}$`)
	spacedSepA     = regexp.MustCompile(`([\p{L}\p{N}])\s*([./\-–])\s+(\p{N})`)
	spacedSepB     = regexp.MustCompile(`([\p{L}\p{N}])\s+([./\-–])\s*(\p{N})`)
	plzCity        = regexp.MustCompile(`^(\d{5})\s+(\p{L}[\p{L}\s.()\-/]*\p{L}\)?)`)
	streetPart     = regexp.MustCompile(`^\p{L}[\p{L}\p{N}\s.\-'’]*?\s?\d{1,4}\s?[a-zA-Z]?(?:\s?[-–/]\s?\d{1,4}[a-zA-Z]?)?$`)
	partSep        = regexp.MustCompile(`\s+[·•:\-–—|+*,;]+\s+|\s*[·•]\s*`)
)

func (d *doc) fill(r *Result) {
	d.findSubject(r)
	d.findReferences(r)
	d.findSender(r)
	d.findLetterDate(r)
	d.findIBANs(r)
	d.findAmount(r)
	d.findInvoiceNumber(r)
	d.findDueDate(r)
	d.findLeitweg(r)
}

// valueAfter returns the text after the label match in line l up to the
// next gap (tab): on the same segment, or in the next segment when the
// label ends its segment (an information block).
func valueAfter(text string, end int) string {
	rest := text[end:]
	rest = strings.TrimLeft(rest, " :.")
	if strings.HasPrefix(rest, "\t") {
		rest = strings.TrimLeft(rest, "\t :")
	}
	if i := strings.IndexByte(rest, '\t'); i >= 0 {
		rest = rest[:i]
	}
	return strings.TrimSpace(rest)
}

// refValue picks a file number from the text after a label: the first
// token with a digit, with a short upper-case prefix token ("BA 12/24",
// "III 2-17") kept.
func refValue(v string) string {
	// OCR puts spaces around separators in small print: "BA-84. 13- 4392/24".
	v = spacedSepA.ReplaceAllString(v, "$1$2$3")
	v = spacedSepB.ReplaceAllString(v, "$1$2$3")
	var toks []string
	for _, t := range strings.Fields(v) {
		if isWordish(t) {
			toks = append(toks, t)
		}
	}
	for i, t := range toks {
		t = strings.TrimRight(t, ",;:)].")
		t = strings.TrimLeft(t, "([")
		if !strings.ContainsFunc(t, unicode.IsDigit) {
			if i >= 1 {
				return ""
			}
			continue
		}
		if !refValueToken.MatchString(t) || len([]rune(t)) < 3 {
			return ""
		}
		if len(findDates(t)) > 0 && len(findDates(t)[0].iso) > 0 && findDates(t)[0].end-findDates(t)[0].start == len(t) {
			return "" // a date, not a file number
		}
		if i == 1 {
			p := toks[0]
			if !shortPrefix.MatchString(p) {
				return ""
			}
			t = p + " " + t
		}
		return t
	}
	return ""
}

func (d *doc) findReferences(r *Result) {
	seen := map[string]bool{}
	add := func(label, v string) {
		k := strings.ReplaceAll(v, " ", "")
		if v == "" || seen[k] {
			return
		}
		seen[k] = true
		r.References = append(r.References, Reference{Label: label, Value: v})
	}
	for i, l := range d.lines {
		for _, m := range ourRefLabel.FindAllStringIndex(l.text, -1) {
			if theirRefPrefix.MatchString(l.text[:m[0]]) {
				continue
			}
			label := strings.TrimRight(strings.TrimSpace(l.text[m[0]:m[1]]), ":")
			v := refValue(valueAfter(l.text, m[1]))
			if v == "" && strings.TrimSpace(l.text[m[1]:]) == "" && i+1 < len(d.lines) {
				// The label ends the line: the value wrapped onto the next
				// one (a subject "… (Az.\n12.05/2024-1)").
				v = refValue(d.lines[i+1].segs[0])
				if v != "" && !strings.ContainsAny(v, "./-") {
					v = ""
				}
			}
			if v != "" {
				add(normLabel(label), v)
			}
		}
	}
	for _, l := range d.lines {
		for _, m := range theirRefLabel.FindAllStringIndex(l.text, -1) {
			v := refValue(valueAfter(l.text, m[1]))
			if v != "" && r.SenderReference == "" {
				r.SenderReference = v
			}
		}
	}
	if r.SenderReference != "" {
		// A value quoted both as theirs and ours (OCR merged two rows) is
		// theirs.
		k := strings.ReplaceAll(r.SenderReference, " ", "")
		out := r.References[:0]
		for _, ref := range r.References {
			if strings.ReplaceAll(ref.Value, " ", "") != k {
				out = append(out, ref)
			}
		}
		r.References = out
	}
	if len(r.References) == 0 {
		d.unlabelledInfoRef(r, add)
	}
	if len(r.References) == 0 {
		r.References = nil
	}
}

func normLabel(l string) string {
	l = strings.Join(strings.Fields(l), " ")
	if len(l) > 0 && (l[0] == 'l' || l[0] == '1') {
		l = "I" + l[1:]
	}
	return l
}

// unlabelledInfoRef covers an information block whose first label OCR
// lost (a stamp or the return line beside it): a file-number-shaped value
// in the value column of the block, on the row just above "Unser
// Zeichen", with nothing readable where its label should be.
func (d *doc) unlabelledInfoRef(r *Result, add func(label, v string)) {
	for i, l := range d.lines {
		if l.xs == nil || !theirRefLabel.MatchString(l.text) || i == 0 {
			continue
		}
		// Column of the "Unser Zeichen" value.
		col := -1.0
		for k, s := range l.segs {
			if m := theirRefLabel.FindStringIndex(s); m != nil {
				if valueAfter(s, m[1]) != "" {
					col = -2 // value in the same segment: no column to align on
				} else if k+1 < len(l.segs) {
					col = l.xs[k+1]
				}
				break
			}
		}
		if col < 0 {
			return
		}
		prev := d.lines[i-1]
		if prev.page != l.page || prev.xs == nil || l.y-prev.y > 0.03 {
			return
		}
		for k, s := range prev.segs {
			if abs(prev.xs[k]-col) > 0.01 {
				continue
			}
			v := refValue(s)
			if v == "" || !strings.ContainsAny(v, "./") || strings.Contains(s, " ") && v != s {
				return
			}
			// Whatever stands left of it within the block must not be
			// a label of something else.
			if k > 0 {
				left := prev.segs[k-1]
				if dateLabel.MatchString(left) || invoiceLabel.MatchString(left) || theirRefLabel.MatchString(left) ||
					strings.Contains(strings.ToLower(left), "telefon") {
					return
				}
			}
			add("", v)
			return
		}
		return
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func (d *doc) findSubject(r *Result) {
	d.subjFrom, d.subjTo = -1, -1
	for i, l := range d.lines[:d.head()] {
		if m := subjectLabel.FindStringIndex(l.text); m != nil {
			s := strings.TrimSpace(l.text[m[1]:])
			to := i + 1
			if s == "" && i+1 < len(d.lines) {
				s = d.lines[i+1].text
				to = i + 2
			}
			if s != "" {
				r.Subject = cleanJoin([]string{s})
				d.subjFrom, d.subjTo = i, to
				return
			}
		}
	}
	if d.salutation <= 0 {
		return
	}
	// The subject stands right before the salutation: up to three lines,
	// back to a paragraph break or a header line.
	to := d.salutation
	from := to
	for from > 0 && to-from < 3 {
		l := d.lines[from-1]
		if l.page != d.lines[to-1].page || headerLine(l) {
			break
		}
		from--
		if l.br {
			break
		}
	}
	if from == to {
		return
	}
	var parts []string
	for _, l := range d.lines[from:to] {
		parts = append(parts, l.text)
	}
	r.Subject = cleanSubject(cleanJoin(parts))
	d.subjFrom, d.subjTo = from, to
}

// headerLine reports whether l belongs to the header above a subject: the
// address field, information block or date line.
func headerLine(l line) bool {
	if len(l.segs) > 1 {
		return true
	}
	t := l.text
	return headerLabel.MatchString(t) || plzCity.MatchString(t) || placeDate(t) != ""
}

// headerLabel matches a line that starts with a label of the information
// block or reference line.
var headerLabel = regexp.MustCompile(`(?i)^\W{0,2}(?:[il1]hre?\s+\p{L}+\.?|unsere?\s+\p{L}+\.?|meine?\s+\p{L}+\.?|aktenzeichen|az\.?|gz\.?|geschäftszeichen|datum|telefon|tel\.|telefax|fax|e-?mail|durchwahl|ansprechpartner\w*|sachbearbeit\w*|rechnungs?\s*-?\s*n\w*\.?|rechnungsdatum|kunden\s*-?\s*n\w*\.?|steuernummer|ust\.?\s*-?\s*id\w*\.?|leitweg\s*-?\s*id)\s*:`)

// cleanSubject trims specks OCR reads at the ends of a line: quotes,
// dashes, a trailing full stop.
func cleanSubject(s string) string {
	s = strings.TrimLeftFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	s = strings.TrimRightFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ')' && r != '?' && r != '!'
	})
	return s
}

func cleanJoin(parts []string) string {
	s := strings.Join(parts, " ")
	s = strings.ReplaceAll(s, "\t", " ")
	return strings.Join(strings.Fields(s), " ")
}

var placeDatePattern = regexp.MustCompile(`^\W{0,3}\p{L}[\p{L}\s.()\-/]{1,40},\s*(?:den\s+|am\s+)?(.+)$`)

// placeDate returns the ISO date of an "Ort, Datum" segment, "" if s is
// not one.
func placeDate(s string) string {
	m := placeDatePattern.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	ds := findDates(m[1])
	if len(ds) == 0 || ds[0].start > 2 {
		return ""
	}
	rest := strings.TrimSpace(m[1][ds[0].end:])
	if len([]rune(rest)) > 3 {
		return ""
	}
	return ds[0].iso
}

var notLetterDateBefore = regexp.MustCompile(`(?i)(?:\bvom|\bseit|\bbis|\bab|\bzum|\bam|\bdem|\bgeb\.|\bgeboren|\bbis zum|\bfrist)\s*$`)

func (d *doc) findLetterDate(r *Result) {
	head := d.head()
	// 1. "Datum:" in an information block or reference line.
	for _, l := range d.lines[:head] {
		if m := dateLabel.FindStringIndex(l.text); m != nil {
			v := valueAfter(l.text, m[1])
			if ds := findDates(v); len(ds) > 0 {
				r.LetterDate = ds[0].iso
				return
			}
		}
	}
	// 2. "Ort, Datum".
	for _, l := range d.lines[:head] {
		for _, s := range l.segs {
			if iso := placeDate(s); iso != "" {
				r.LetterDate = iso
				return
			}
		}
	}
	// Either may have landed after the salutation when OCR put the right
	// column after the body's first block; accept them on page 1.
	for _, l := range d.lines[head:] {
		if l.page != 0 {
			break
		}
		if m := dateLabel.FindStringIndex(l.text); m != nil {
			if ds := findDates(valueAfter(l.text, m[1])); len(ds) > 0 {
				r.LetterDate = ds[0].iso
				return
			}
		}
		for _, s := range l.segs {
			if iso := placeDate(s); iso != "" {
				r.LetterDate = iso
				return
			}
		}
	}
	// 3. A date standing alone in the header, not a stamp's, not one
	// that refers to another letter ("Ihr Schreiben vom …").
	for i, l := range d.lines[:head] {
		if i >= d.subjFrom && i < d.subjTo && d.subjFrom >= 0 {
			continue
		}
		if stampWords.MatchString(l.text) || i > 0 && stampWords.MatchString(d.lines[i-1].text) ||
			i > 1 && stampWords.MatchString(d.lines[i-2].text) {
			continue
		}
		for _, s := range l.segs {
			for _, dm := range findDates(s) {
				before := s[:dm.start]
				if notLetterDateBefore.MatchString(before) || strings.Contains(strings.ToLower(before), "schreiben") {
					continue
				}
				r.LetterDate = dm.iso
				return
			}
		}
	}
}

func (d *doc) findIBANs(r *Result) {
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			r.IBANs = append(r.IBANs, s)
		}
	}
	for _, l := range d.lines {
		for _, s := range l.segs {
			for _, ib := range findIBANs(s) {
				add(ib)
			}
		}
	}
	// An IBAN wrapped at the end of a line in running text.
	for i := 0; i+1 < len(d.lines); i++ {
		a, b := d.lines[i], d.lines[i+1]
		if len(a.segs) == 0 || len(b.segs) == 0 {
			continue
		}
		for _, ib := range findIBANs(a.segs[len(a.segs)-1] + " " + b.segs[0]) {
			add(ib)
		}
	}
}

var (
	// Labels of the total payable, most specific first.
	amountLabels = []*regexp.Regexp{
		// What is to be paid, dunning fees included.
		regexp.MustCompile(`(?i)\b(?:(?:noch\s+)?zu\s+zahlen(?:der\s+(?:gesamt)?betrag)?|zahlbetrag|zahlungsbetrag|gesamtforderung)\b`),
		// The invoice total.
		regexp.MustCompile(`(?i)\b(?:gesamtbetrag|rechnungsbetrag|endbetrag|gesamtsumme|rechnungssumme|gesamt\s*\(brutto\)|summe\s+brutto|bruttobetrag)\b`),
		// The open principal of a reminder.
		regexp.MustCompile(`(?i)\b(?:offener\s+betrag|offene\s+forderung|ausstehender\s+betrag|forderungsbetrag|rückstand)\b`),
		regexp.MustCompile(`(?i)\b(?:brutto|summe|gesamt|betrag|total)\b`),
	}
	moneyPattern = regexp.MustCompile(`(?:(EUR|€)\s?)?(-?\d{1,3}(?:[.'’]\s?\d{3}|\s\d{3})+|-?\d{1,9})\s?[,.]\s?(\d{2})\b\s?(EUR|€|Euro)?`)
)

func (d *doc) findAmount(r *Result) {
	for _, lab := range amountLabels {
		votes := map[string]int{}
		var order []string
		cur := map[string]string{}
		for _, l := range d.lines {
			for _, m := range lab.FindAllStringIndex(l.text, -1) {
				rest := l.text[m[1]:]
				mm := moneyPattern.FindStringSubmatchIndex(rest)
				if mm == nil || mm[0] > 40 || strings.ContainsAny(rest[:mm[0]], "%") {
					continue
				}
				gap := rest[:mm[0]]
				if strings.Count(gap, " ") > 5 {
					continue
				}
				intPart := strings.NewReplacer(".", "", "'", "", "’", "", " ", "").Replace(rest[mm[4]:mm[5]])
				v := decimalText(intPart + "." + rest[mm[6]:mm[7]])
				if v == "" {
					continue
				}
				if votes[v] == 0 {
					order = append(order, v)
				}
				votes[v]++
				if mm[2] >= 0 || mm[8] >= 0 {
					cur[v] = "EUR"
				}
			}
		}
		if len(order) == 0 {
			continue
		}
		best := order[0]
		for _, v := range order {
			if votes[v] > votes[best] {
				best = v
			}
		}
		r.Amount = best
		r.Currency = cur[best]
		return
	}
	d.amountFromParts(r)
}

var (
	netLabel = regexp.MustCompile(`(?i)\b(?:nettobetrag|netto(?:summe)?|summe\s+netto|zwischensumme)\b`)
	vatLabel = regexp.MustCompile(`(?i)\b(?:zzgl\.?|zuzüglich|\+)?\s*(?:ust|mwst|umsatzsteuer|mehrwertsteuer)\b[^\t]*`)
)

// amountFromParts adds net amount and VAT when the total itself is
// unreadable but both parts are printed; only when each is found exactly
// once, so a multi-rate invoice is left alone.
func (d *doc) amountFromParts(r *Result) {
	net, netCur := d.uniqueAmount(netLabel)
	vat, _ := d.uniqueAmount(vatLabel)
	if net == "" || vat == "" {
		return
	}
	a, ok1 := new(big.Rat).SetString(net)
	b, ok2 := new(big.Rat).SetString(vat)
	if !ok1 || !ok2 {
		return
	}
	r.Amount = new(big.Rat).Add(a, b).FloatString(2)
	r.Currency = netCur
	r.Warnings = append(r.Warnings, "amount computed from net amount and VAT: total unreadable")
}

func (d *doc) uniqueAmount(lab *regexp.Regexp) (string, string) {
	var vals []string
	cur := ""
	for _, l := range d.lines {
		m := lab.FindStringIndex(l.text)
		if m == nil {
			continue
		}
		segs := l.segs
		// The amount is the last money value on the line: after the
		// label and its rate ("zzgl. USt 19 %").
		last := ""
		for _, s := range segs {
			for _, mm := range moneyPattern.FindAllStringSubmatch(s, -1) {
				intPart := strings.NewReplacer(".", "", "'", "", "’", "", " ", "").Replace(mm[2])
				last = decimalText(intPart + "." + mm[3])
				if mm[1] != "" || mm[4] != "" {
					cur = "EUR"
				}
			}
		}
		if last != "" {
			vals = append(vals, last)
		}
	}
	if len(vals) != 1 {
		return "", ""
	}
	return vals[0], cur
}

func (d *doc) findInvoiceNumber(r *Result) {
	for _, l := range d.lines {
		for _, m := range invoiceLabel.FindAllStringIndex(l.text, -1) {
			if v := refValue(valueAfter(l.text, m[1])); v != "" && len(findDates(v)) == 0 {
				r.InvoiceNumber = v
				return
			}
		}
	}
}

var (
	dueCue     = regexp.MustCompile(`(?i)(?:fällig(?:keit)?\w*|zahlbar|zahlungsziel|zahlungsfrist)\b[^\n]{0,30}?$`)
	dueUntil   = regexp.MustCompile(`(?i)\bbis\s+(?:zum|spätestens(?:\s+(?:zum|am))?)\s*$`)
	paymentCue = regexp.MustCompile(`(?i)überweis|zahl|begleich|betrag|ausgleich`)
)

func (d *doc) findDueDate(r *Result) {
	flow := strings.ReplaceAll(d.flow, "\t", " ")
	for _, dm := range findDates(flow) {
		before := flow[max(0, dm.start-60):dm.start]
		before = strings.ReplaceAll(before, "\n", " ")
		if dueCue.MatchString(before) || dueUntil.MatchString(before) && paymentCue.MatchString(flow[max(0, dm.start-160):dm.start]) {
			r.DueDate = dm.iso
			return
		}
	}
}

var aroundHyphen = regexp.MustCompile(`\s*[-–]\s*`)

var leitwegValue = regexp.MustCompile(`^[0-9]{2,12}(?:-[0-9A-Za-z]{1,30})?-[0-9]{2}\b`)

func (d *doc) findLeitweg(r *Result) {
	for _, l := range d.lines {
		for _, m := range leitwegLabel.FindAllStringIndex(l.text, -1) {
			v := valueAfter(l.text, m[1])
			v = aroundHyphen.ReplaceAllString(v, "-")
			if id := leitwegValue.FindString(v); id != "" {
				setLeitweg(r, id)
				return
			}
		}
	}
}

func setLeitweg(r *Result, id string) {
	form, ok := ValidLeitwegID(id)
	if !form {
		return
	}
	r.LeitwegID = id
	if !ok {
		r.Warnings = append(r.Warnings, "leitweg-id "+id+": check digits wrong")
	}
}
