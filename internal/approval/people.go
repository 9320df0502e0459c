package approval

import (
	"slices"
	"sort"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// Assignees lists who may decide stage of cs now — exactly the people
// Check lets through, in name order — so that the approvers' inboxes show
// the invoice to them and to nobody else. A deputy appears while the
// colleague is absent.
func (c *Config) Assignees(cs Case, stage StageKind, org records.Organisation, at time.Time) []string {
	var candidates []string
	add := func(p string) {
		if p != "" && !slices.Contains(candidates, p) {
			candidates = append(candidates, p)
		}
	}
	for _, u := range org.Units {
		for _, p := range unitPeople(u) {
			add(p)
		}
	}
	for _, l := range c.Matrix {
		add(l.User)
	}
	for _, d := range org.Deputies {
		add(d.Deputy)
	}
	var out []string
	for _, p := range candidates {
		if org.Absent(p, at) {
			continue
		}
		if _, err := c.Check(cs, stage, p, org, at); err == nil {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// CheckCancel decides whether user may cancel the approval of cs (an
// invoice withdrawn by its sender, entered twice, sent to the wrong
// authority): the lead of the receiving unit, a present deputy of that
// lead while the lead is absent, or anyone whose payment-order limit
// covers the amount for the unit. Members of excluded units never may.
func (c *Config) CheckCancel(cs Case, user string, org records.Organisation, at time.Time) error {
	if user == "" {
		return refuse(ReasonNoUser, "Es ist keine Person angemeldet.")
	}
	if _, rejected := Rejection(cs); rejected || c.Complete(cs) {
		return refuse(ReasonClosed, "Über diese Rechnung ist bereits abschließend entschieden.")
	}
	if u, excluded := c.excludedUnitOf(user, org); excluded {
		return refuse(ReasonExcluded, "Mitglieder der %s dürfen keine Rechnungen stornieren.", u.Name)
	}
	if u, ok := org.Unit(cs.Unit); ok {
		if u.Lead == user {
			return nil
		}
		if org.Absent(u.Lead, at) && slices.Contains(org.DeputiesOf(u.Lead), user) {
			return nil
		}
	}
	if amount, err := einvoice.ParseDecimal(cs.Amount); err == nil {
		if lim, ok := c.limitFor(user, cs.Unit); ok && lim.Cmp(amount) >= 0 {
			return nil
		}
	}
	return refuse(ReasonNotMember, "Stornieren darf nur die Leitung der Organisationseinheit %s oder wer den Betrag anordnen darf.", cs.Unit)
}
