package routing

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Route decides where a document goes. The built-in file-number rule comes
// first: a quoted file number of an existing open file files the document
// there and gives the file's unit a task (an invoice also starts the
// approval with that unit). Otherwise the rules are tried in order and the
// first whose conditions all hold decides. A closed file is never filed
// into; the reason says so. Without a match the document goes to triage.
//
// Route is a pure function of its input and the rules, so it may run inside
// a workflow and gives the same answer on replay. A nil *Rules has only the
// built-in rule.
func (r *Rules) Route(d Document) Decision {
	if d.FileNumber != "" && d.FileOpen {
		return routeToFile(d)
	}
	closed := ""
	if d.FileNumber != "" {
		closed = fmt.Sprintf("Akte %s ist geschlossen (zdA)", d.FileNumber)
	}
	if r != nil {
		for _, c := range r.rules {
			why, ok := c.match(d)
			if !ok {
				continue
			}
			reason := fmt.Sprintf("Regel %q: %s", c.Name, strings.Join(why, ", "))
			if closed != "" {
				reason += "; " + closed
			}
			dec := Decision{Rule: c.Name, Reason: reason, Actions: make([]Action, len(c.Then))}
			for i, a := range c.Then {
				if a.Kind == OpenFile {
					a.Title = expandTitle(a.Title, d)
				}
				dec.Actions[i] = a
				if a.Kind == Triage {
					dec.Triage = true
				}
			}
			return dec
		}
	}
	reason := "Keine Regel traf zu"
	if closed != "" {
		reason = closed + ", keine Regel traf zu"
	}
	return Decision{Reason: reason, Actions: []Action{{Kind: Triage}}, Triage: true}
}

// IsInvoice reports whether the built-in rule treats a document as an
// invoice: an e-invoice, or typed invoice with at least
// DefaultMinConfidence.
func IsInvoice(d Document) bool {
	return d.EInvoice || (d.Type == "invoice" && d.TypeConfidence >= DefaultMinConfidence)
}

func routeToFile(d Document) Decision {
	dec := Decision{
		Rule:    BuiltinRule,
		Reason:  fmt.Sprintf("Aktenzeichen %s erkannt (Akte offen)", d.FileNumber),
		Actions: []Action{{Kind: File, FileNumber: d.FileNumber}},
	}
	if d.FileUnit == "" {
		// Filed, but nobody would get the task: a registrar picks the unit.
		dec.Reason += ", keine zuständige Einheit"
		dec.Actions = append(dec.Actions, Action{Kind: Triage})
		dec.Triage = true
		return dec
	}
	if IsInvoice(d) {
		dec.Reason += fmt.Sprintf(", Rechnung: Freigabe durch %s", d.FileUnit)
		dec.Actions = append(dec.Actions, Action{Kind: Approve, Unit: d.FileUnit})
		return dec
	}
	dec.Actions = append(dec.Actions, Action{Kind: Assign, Unit: d.FileUnit})
	return dec
}

// match reports whether all conditions hold and, if so, a short German
// reason per condition.
func (c *compiled) match(d Document) ([]string, bool) {
	w := c.When
	var why []string
	if w.Always {
		return []string{"gilt immer"}, true
	}
	if len(w.Type) > 0 {
		if !contains(w.Type, strings.ToLower(d.Type)) || d.TypeConfidence < c.minConf {
			return nil, false
		}
		why = append(why, fmt.Sprintf("Typ %s (%.2f)", d.Type, d.TypeConfidence))
	}
	if w.ConfidenceBelow != nil {
		if d.TypeConfidence >= *w.ConfidenceBelow {
			return nil, false
		}
		why = append(why, fmt.Sprintf("Typ unsicher (%s %.2f < %.2f)", orDash(d.Type), d.TypeConfidence, *w.ConfidenceBelow))
	}
	if w.EInvoice != nil {
		if d.EInvoice != *w.EInvoice {
			return nil, false
		}
		if d.EInvoice {
			why = append(why, "E-Rechnung")
		} else {
			why = append(why, "keine E-Rechnung")
		}
	}
	if len(c.leitweg) > 0 {
		ok := false
		for _, re := range c.leitweg {
			if d.LeitwegID != "" && re.MatchString(d.LeitwegID) {
				ok = true
				break
			}
		}
		if !ok {
			return nil, false
		}
		why = append(why, "Leitweg-ID "+d.LeitwegID)
	}
	switch w.FileNumber {
	case "known":
		if d.FileNumber == "" {
			return nil, false
		}
		why = append(why, fmt.Sprintf("Aktenzeichen %s erkannt", d.FileNumber))
	case "closed":
		if d.FileNumber == "" || d.FileOpen {
			return nil, false
		}
		why = append(why, fmt.Sprintf("Aktenzeichen %s erkannt", d.FileNumber))
	case "none":
		if d.FileNumber != "" {
			return nil, false
		}
		why = append(why, "kein Aktenzeichen")
	}
	if c.sender != nil {
		if !c.sender.MatchString(d.Sender) {
			return nil, false
		}
		why = append(why, fmt.Sprintf("Absender %q", snippet(d.Sender)))
	}
	if c.subject != nil {
		loc := c.subject.FindStringIndex(d.Subject)
		if loc == nil {
			return nil, false
		}
		why = append(why, fmt.Sprintf("Betreff enthält %q", snippet(d.Subject[loc[0]:loc[1]])))
	}
	if len(c.text) > 0 {
		found := false
		for _, re := range c.text {
			if loc := re.FindStringIndex(d.Text); loc != nil {
				why = append(why, fmt.Sprintf("Text enthält %q", snippet(d.Text[loc[0]:loc[1]])))
				found = true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	return why, true
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// snippet shortens a matched text for the reason: it is shown to people,
// not a copy of the letter.
func snippet(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

const maxTitle = 200

// expandTitle fills {sender}, {subject} and {type} and keeps the title to
// one line of reasonable length.
func expandTitle(tmpl string, d Document) string {
	if tmpl == "" {
		return ""
	}
	t := strings.NewReplacer("{sender}", d.Sender, "{subject}", d.Subject, "{type}", d.Type).Replace(tmpl)
	t = strings.Join(strings.Fields(t), " ")
	if utf8.RuneCountInString(t) > maxTitle {
		t = string([]rune(t)[:maxTitle]) + "…"
	}
	return t
}
