package records

import (
	"fmt"
	"slices"
	"time"
)

// Unit is an organisational unit (Amt, Sachgebiet) that owns files and has
// an inbox. Users are plain login names; the auth issue adds accounts.
type Unit struct {
	Code    string   `yaml:"code" json:"code"` // e.g. "63" or "20.1"
	Name    string   `yaml:"name" json:"name"`
	Lead    string   `yaml:"lead" json:"lead"`                                 // Amtsleitung / Sachgebietsleitung
	Members []string `yaml:"members,omitempty" json:"members,omitempty"`       // clerks; the lead is a member too
	Parent  string   `yaml:"parent,omitempty" json:"parent,omitempty"`         // the unit above, e.g. "20" for "20.1"
	Mailbox string   `yaml:"leitweg_id,omitempty" json:"leitweg_id,omitempty"` // Leitweg-ID that addresses this unit, if any
}

// IsMember reports whether a user belongs to the unit (the lead does).
func (u Unit) IsMember(user string) bool {
	return user != "" && (user == u.Lead || slices.Contains(u.Members, user))
}

// Validate checks what the store needs.
func (u Unit) Validate() error {
	if u.Code == "" || u.Name == "" {
		return fmt.Errorf("unit needs a code and a name")
	}
	if u.Lead == "" {
		return fmt.Errorf("unit %s needs a lead (escalations go there)", u.Code)
	}
	return nil
}

// Deputy says who stands in for a user while that user is absent
// (Vertretung). Rank orders several deputies: 1 is asked first.
type Deputy struct {
	User   string `yaml:"user" json:"user"`
	Deputy string `yaml:"deputy" json:"deputy"`
	Rank   int    `yaml:"rank,omitempty" json:"rank,omitempty"`
}

// Absence marks a user absent for a period of whole days, From and Until
// inclusive, counted in German local time.
type Absence struct {
	ID     int64  `json:"id,omitempty"`
	User   string `yaml:"user" json:"user"`
	From   string `yaml:"from" json:"from"`   // YYYY-MM-DD
	Until  string `yaml:"until" json:"until"` // YYYY-MM-DD, inclusive
	Reason string `yaml:"reason,omitempty" json:"reason,omitempty"`
}

// Covers reports whether the absence includes the day of t.
func (a Absence) Covers(t time.Time) bool {
	d := t.In(RegisterLocation).Format(time.DateOnly)
	return a.From <= d && d <= a.Until
}

// Validate checks the dates.
func (a Absence) Validate() error {
	if a.User == "" {
		return fmt.Errorf("absence needs a user")
	}
	from, err := time.Parse(time.DateOnly, a.From)
	if err != nil {
		return fmt.Errorf("absence from %q: want YYYY-MM-DD", a.From)
	}
	until, err := time.Parse(time.DateOnly, a.Until)
	if err != nil {
		return fmt.Errorf("absence until %q: want YYYY-MM-DD", a.Until)
	}
	if until.Before(from) {
		return fmt.Errorf("absence ends (%s) before it starts (%s)", a.Until, a.From)
	}
	return nil
}

// Organisation is the units with their deputies and absences: what
// assignment and escalation need to know at one moment.
type Organisation struct {
	Units    []Unit    `yaml:"units" json:"units"`
	Deputies []Deputy  `yaml:"deputies,omitempty" json:"deputies,omitempty"`
	Absences []Absence `yaml:"absences,omitempty" json:"absences,omitempty"`
}

// Unit returns a unit by code.
func (o Organisation) Unit(code string) (Unit, bool) {
	for _, u := range o.Units {
		if u.Code == code {
			return u, true
		}
	}
	return Unit{}, false
}

// Absent reports whether a user is absent at t.
func (o Organisation) Absent(user string, t time.Time) bool {
	for _, a := range o.Absences {
		if a.User == user && a.Covers(t) {
			return true
		}
	}
	return false
}

// DeputiesOf lists a user's deputies by rank.
func (o Organisation) DeputiesOf(user string) []string {
	var ds []Deputy
	for _, d := range o.Deputies {
		if d.User == user {
			ds = append(ds, d)
		}
	}
	slices.SortStableFunc(ds, func(a, b Deputy) int { return a.Rank - b.Rank })
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Deputy
	}
	return out
}

// PresentDeputy is the first deputy of user who is not absent at t.
func (o Organisation) PresentDeputy(user string, t time.Time) (string, bool) {
	for _, d := range o.DeputiesOf(user) {
		if !o.Absent(d, t) {
			return d, true
		}
	}
	return "", false
}

// StandIn returns who acts for user at t: the user when present, else the
// first present deputy. ok is false when neither is available.
func (o Organisation) StandIn(user string, t time.Time) (who string, ok bool) {
	if !o.Absent(user, t) {
		return user, true
	}
	return o.PresentDeputy(user, t)
}

// Escalation is where an overdue task goes, and why.
type Escalation struct {
	To     string `json:"to"`
	Reason string `json:"reason"` // German, for the task history
}

// EscalationTarget decides who gets an overdue task of a unit at t. When
// the assignee is absent, a present deputy of the assignee takes it; when
// the assignee is present (or nobody has claimed it, or no deputy is
// present), the unit lead does, or the lead's deputy while the lead is
// absent, or the lead of the parent unit as the last resort. A task the
// lead holds goes to the parent unit's lead.
func (o Organisation) EscalationTarget(unitCode, assignee string, t time.Time) (Escalation, error) {
	u, ok := o.Unit(unitCode)
	if !ok {
		return Escalation{}, fmt.Errorf("unit %q is not known", unitCode)
	}
	if assignee != "" && o.Absent(assignee, t) {
		if d, ok := o.PresentDeputy(assignee, t); ok && d != assignee {
			return Escalation{To: d, Reason: fmt.Sprintf("Frist überschritten; %s ist abwesend, Vertretung %s übernimmt", assignee, d)}, nil
		}
	}
	why := "Frist überschritten; Eskalation an die Leitung"
	if assignee == "" {
		why = "Frist überschritten, niemand hat die Aufgabe übernommen; Eskalation an die Leitung"
	}
	for cur := u; ; {
		// The lead's own overdue task goes up a level, not to the lead's
		// deputy: that would hand it back and forth between the two.
		if cur.Lead != assignee {
			if !o.Absent(cur.Lead, t) {
				return Escalation{To: cur.Lead, Reason: why + " " + cur.Lead}, nil
			}
			if d, ok := o.PresentDeputy(cur.Lead, t); ok && d != assignee {
				return Escalation{To: d, Reason: why + fmt.Sprintf("; %s ist abwesend, Vertretung %s übernimmt", cur.Lead, d)}, nil
			}
		}
		parent, ok := o.Unit(cur.Parent)
		if cur.Parent == "" || !ok {
			return Escalation{}, fmt.Errorf("unit %s: nobody to escalate to at %s (lead and deputies absent)", unitCode, t.In(RegisterLocation).Format(time.DateOnly))
		}
		cur = parent
	}
}
