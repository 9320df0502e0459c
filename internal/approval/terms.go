package approval

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// Where Terms.Due came from.
const (
	SourceDueDate = "due_date"   // BT-9
	SourceText    = "terms_text" // BT-20, counted from the issue date
	SourceNone    = "none"       // neither gave a due date
)

// Where Terms.Discounts came from.
const (
	DiscountXRechnung = "xrechnung" // #SKONTO#TAGE=n#PROZENT=p# lines
	DiscountText      = "text"      // free text such as "2 % Skonto bei Zahlung innerhalb von 10 Tagen"
)

// Discount is one early-payment discount (Skonto) tier.
type Discount struct {
	Date    string `json:"date,omitempty"` // last day, YYYY-MM-DD ("" when the issue date is missing)
	Days    int    `json:"days,omitempty"` // counted from the issue date; 0 for a fixed date
	Percent string `json:"percent"`        // as written, decimal point, e.g. "2.00"
	Base    string `json:"base,omitempty"` // BASISBETRAG when the seller gave one
	Amount  string `json:"amount,omitempty"`
	// PayableWithDiscount is the payable amount less the discount.
	PayableWithDiscount string `json:"payable_with_discount,omitempty"`
}

// Terms are the payment deadlines of an invoice. The Discount* fields
// repeat the earliest tier of Discounts, the one a slow approval loses
// first. Amounts are decimal strings with two places.
type Terms struct {
	Due             string     `json:"due,omitempty"` // YYYY-MM-DD
	DiscountDate    string     `json:"discount_date,omitempty"`
	DiscountPercent string     `json:"discount_percent,omitempty"`
	DiscountAmount  string     `json:"discount_amount,omitempty"`
	Discounts       []Discount `json:"discounts,omitempty"`
	Source          string     `json:"source"` // SourceDueDate, SourceText or SourceNone
	DiscountSource  string     `json:"discount_source,omitempty"`
}

var (
	// xrSkonto is the structured form XRechnung (BR-DE-18) prescribes, one
	// tier a line; read leniently (PROZENT without two places, spaces).
	xrSkonto = regexp.MustCompile(`(?mi)^[ \t]*#SKONTO#TAGE=([0-9]{1,4})#PROZENT=([0-9]{1,3}(?:\.[0-9]+)?)#(?:BASISBETRAG=(-?[0-9]+(?:\.[0-9]+)?)#)?`)
	// xrLine is any structured #…# line (also #VERZUG#): not free text.
	xrLine = regexp.MustCompile(`(?m)^[ \t]*#.*#[ \t]*\r?$`)

	// Free-text Skonto, each with a percent and either days or a date.
	pct        = `\b([0-9]{1,3}(?:[.,][0-9]{1,2})?)\s*%`
	days       = `\b([0-9]{1,3})\s*(?:Kalender)?tage`
	date       = `([0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}|[0-9]{4}-[0-9]{2}-[0-9]{2})`
	daysOrBis  = `(?:` + days + `|bis\s+(?:zum\s+)?` + date + `)`
	textSkonto = []struct {
		re      *regexp.Regexp
		percent int // submatch indexes
		days    int
		date    int
	}{
		// "innerhalb von 14 Tagen mit 2 % Skonto", "bis zum 10.12.2026 2 % Skonto"
		{regexp.MustCompile(`(?i)` + daysOrBis + `[^%#\n0-9]{0,40}?` + pct + `\s*Skonto`), 3, 1, 2},
		// "2 % Skonto bei Zahlung innerhalb von 10 Tagen", "3% Skonto bis zum 10.12.2026"
		{regexp.MustCompile(`(?i)` + pct + `\s*Skonto\b[^%#\n]{0,60}?` + daysOrBis), 1, 2, 3},
		// "Skonto: 3 % bei Zahlung innerhalb von 7 Tagen"
		{regexp.MustCompile(`(?i)Skonto[^%#\n0-9]{0,30}?` + pct + `[^%#\n]{0,60}?` + daysOrBis), 1, 2, 3},
		// shorthand "10 Tage 2 %, 30 Tage netto"
		{regexp.MustCompile(`(?i)` + days + `n?\s+` + pct), 2, 1, 0},
	}

	// notSkonto marks a match that ran into the net terms
	// ("30 Tage netto oder 2 % Skonto …"): not a Skonto clause.
	notSkonto = regexp.MustCompile(`(?i)\bnetto\b|ohne\s+abzug`)

	// Net terms, in order of preference; the first that matches wins.
	netDate = regexp.MustCompile(`(?i)(?:bis\s+(?:zum\s+|spätestens\s+(?:zum\s+|am\s+)?)?|spätestens\s+(?:am\s+|zum\s+)?|fällig\s+(?:am\s+|zum\s+)?)` + date)
	netDays = []*regexp.Regexp{
		regexp.MustCompile(`(?i)` + days + `n?\s+(?:rein\s+)?netto`),
		regexp.MustCompile(`(?i)netto\s+(?:Kasse\s+)?(?:innerhalb\s+(?:von\s+)?|binnen\s+|in\s+)?` + days),
		regexp.MustCompile(`(?i)` + days + `n?\s+ohne\s+Abzug`),
		regexp.MustCompile(`(?i)(?:zahlbar|fällig|zahlung|zahlungsziel|zahlungsfrist|überweisung)[^%#\n0-9]{0,40}?` + days),
		regexp.MustCompile(`(?i)(?:innerhalb|binnen)\s+(?:von\s+)?` + days),
		regexp.MustCompile(`(?i)(?:within|net)\s+([0-9]{1,3})\s*days?`),
		regexp.MustCompile(`(?i)\bnet\s+([0-9]{1,3})\b`),
	}
	netNow = regexp.MustCompile(`(?i)(?:zahlbar|fällig)\s+sofort|sofort\s+(?:zahlbar|fällig|ohne\s+Abzug|netto)|ohne\s+Abzug\s+sofort`)
)

// PaymentTerms works out the due date and early-payment discounts.
//
// The due date is BT-9 (dueDate) when given, else read from the terms text
// BT-20: "zahlbar innerhalb (von) 30 Tagen", "30 Tage netto", "zahlbar bis
// zum 15.12.2026", "sofort fällig", counted in calendar days from the
// issue date BT-2 (not moved off weekends: a reminder comes early rather
// than late). Discounts come from XRechnung's structured lines
// "#SKONTO#TAGE=14#PROZENT=2.00#" (optionally "#BASISBETRAG=…#", one tier
// a line), else from free text ("2 % Skonto bei Zahlung innerhalb von 10
// Tagen"); the discount is the base (BASISBETRAG, else payable) times the
// percentage, rounded half up to cents.
//
// Text that says nothing readable is not an error: the fields stay empty
// and Source is SourceNone. Malformed dates or amounts passed in are.
func PaymentTerms(issueDate, dueDate, termsText, payable string) (Terms, error) {
	var t Terms
	var issue time.Time
	if s := strings.TrimSpace(issueDate); s != "" {
		var err error
		if issue, err = time.Parse(time.DateOnly, s); err != nil {
			return Terms{}, fmt.Errorf("payment terms: issue date %q: want YYYY-MM-DD", issueDate)
		}
	}
	var pay einvoice.Decimal
	hasPay := false
	if s := strings.TrimSpace(payable); s != "" {
		var err error
		if pay, err = einvoice.ParseDecimal(s); err != nil {
			return Terms{}, fmt.Errorf("payment terms: payable %q: %w", payable, err)
		}
		hasPay = true
	}
	after := func(n int) string {
		if issue.IsZero() {
			return ""
		}
		return issue.AddDate(0, 0, n).Format(time.DateOnly)
	}
	discount := func(days int, date, percent, base string) (Discount, bool) {
		p, err := einvoice.ParseDecimal(strings.ReplaceAll(percent, ",", "."))
		if err != nil || p.Sign() <= 0 || p.Cmp(einvoice.NewDecimal(100, 0)) >= 0 {
			return Discount{}, false
		}
		d := Discount{Days: days, Date: date, Percent: p.String(), Base: base}
		if date == "" {
			d.Date = after(days)
		}
		b, hasBase := pay, hasPay
		if base != "" {
			if bd, err := einvoice.ParseDecimal(base); err == nil {
				b, hasBase = bd, true
			}
		}
		if hasBase {
			amount := percentOf(b, p)
			d.Amount = amount.String()
			if hasPay {
				d.PayableWithDiscount = pay.Sub(amount).Round(2).String()
			}
		}
		return d, true
	}

	text := termsText
	for _, m := range xrSkonto.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		if d, ok := discount(n, "", m[2], m[3]); ok {
			t.Discounts = append(t.Discounts, d)
			t.DiscountSource = DiscountXRechnung
		}
	}
	free := xrLine.ReplaceAllString(text, " ")
	if len(t.Discounts) == 0 {
		for _, p := range textSkonto {
			var blank [][2]int
			for _, loc := range p.re.FindAllStringSubmatchIndex(free, -1) {
				if notSkonto.MatchString(free[loc[0]:loc[1]]) {
					continue
				}
				sub := func(i int) string {
					if i == 0 || loc[2*i] < 0 {
						return ""
					}
					return free[loc[2*i]:loc[2*i+1]]
				}
				// A Skonto clause, even one with an implausible
				// percentage, is not the payment period.
				blank = append(blank, [2]int{loc[0], loc[1]})
				n, _ := strconv.Atoi(sub(p.days))
				fixed := ""
				if s := sub(p.date); s != "" {
					var ok bool
					if fixed, ok = germanDate(s); !ok {
						continue
					}
				}
				if d, ok := discount(n, fixed, sub(p.percent), ""); ok {
					t.Discounts = append(t.Discounts, d)
					t.DiscountSource = DiscountText
				}
			}
			// Blank what was read so later patterns and the net terms
			// below do not read a Skonto period again.
			b := []byte(free)
			for _, r := range blank {
				for i := r[0]; i < r[1]; i++ {
					b[i] = ' '
				}
			}
			free = string(b)
		}
	}
	slices.SortStableFunc(t.Discounts, func(a, b Discount) int { return strings.Compare(a.Date, b.Date) })
	if len(t.Discounts) > 0 {
		first := t.Discounts[0]
		t.DiscountDate, t.DiscountPercent, t.DiscountAmount = first.Date, first.Percent, first.Amount
	}

	t.Source = SourceNone
	if s := strings.TrimSpace(dueDate); s != "" {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return Terms{}, fmt.Errorf("payment terms: due date %q: want YYYY-MM-DD", dueDate)
		}
		t.Due, t.Source = s, SourceDueDate
		return t, nil
	}
	if m := netDate.FindStringSubmatch(free); m != nil {
		if d, ok := germanDate(m[1]); ok {
			t.Due, t.Source = d, SourceText
			return t, nil
		}
	}
	if issue.IsZero() {
		return t, nil // periods cannot be counted without the issue date
	}
	for _, re := range netDays {
		if m := re.FindStringSubmatch(free); m != nil {
			n, _ := strconv.Atoi(m[1])
			t.Due, t.Source = after(n), SourceText
			return t, nil
		}
	}
	if netNow.MatchString(free) {
		t.Due, t.Source = after(0), SourceText
	}
	return t, nil
}

// germanDate reads "15.12.2026" or "2026-12-15" into YYYY-MM-DD.
func germanDate(s string) (string, bool) {
	for _, layout := range []string{"2.1.2006", time.DateOnly} {
		if d, err := time.Parse(layout, s); err == nil {
			return d.Format(time.DateOnly), true
		}
	}
	return "", false
}

// Reminder kinds.
const (
	ReminderDiscount = "discount"
	ReminderDue      = "due"
)

// Reminder is one instant at which the people holding an invoice are
// reminded of a deadline.
type Reminder struct {
	Kind     string    `json:"kind"`     // ReminderDiscount or ReminderDue
	Deadline string    `json:"deadline"` // the day, YYYY-MM-DD
	At       time.Time `json:"at"`
}

// DeadlineInstant is when a deadline day begins in German local time:
// money due on a day should have left before it, so the day's start is
// the instant reminders count back from.
func DeadlineInstant(day string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(day), records.RegisterLocation)
	if err != nil {
		return time.Time{}, fmt.Errorf("deadline %q: want YYYY-MM-DD", day)
	}
	return t, nil
}

// Reminders lists the reminder instants for the terms, earliest first:
// RemindBeforeDiscount before the start of each discount day,
// RemindBeforeDue before the start of the due day (whole days as
// calendar days in German local time). A zero duration or a
// missing date gives no reminder. Instants in the past are included; the
// workflow skips those before workflow.Now.
func Reminders(t Terms, d DeadlineConfig) ([]Reminder, error) {
	var out []Reminder
	add := func(kind, day string, before time.Duration) error {
		if day == "" || before <= 0 {
			return nil
		}
		at, err := DeadlineInstant(day)
		if err != nil {
			return fmt.Errorf("reminders: %w", err)
		}
		if before%(24*time.Hour) == 0 {
			// Whole days count in calendar days, so "120h" before a day
			// is five days earlier at midnight also across a DST change.
			at = at.AddDate(0, 0, -int(before/(24*time.Hour)))
		} else {
			at = at.Add(-before)
		}
		out = append(out, Reminder{Kind: kind, Deadline: day, At: at})
		return nil
	}
	for _, disc := range t.Discounts {
		if err := add(ReminderDiscount, disc.Date, d.RemindBeforeDiscount); err != nil {
			return nil, err
		}
	}
	if len(t.Discounts) == 0 {
		if err := add(ReminderDiscount, t.DiscountDate, d.RemindBeforeDiscount); err != nil {
			return nil, err
		}
	}
	if err := add(ReminderDue, t.Due, d.RemindBeforeDue); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Reminder) int { return a.At.Compare(b.At) })
	return out, nil
}
