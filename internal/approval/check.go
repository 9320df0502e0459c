package approval

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// Decision is one person's decision on one stage. OnBehalfOf is set when a
// deputy acted for an absent colleague; User is always who acted.
type Decision struct {
	Stage      StageKind `json:"stage"`
	User       string    `json:"user"`
	OnBehalfOf string    `json:"on_behalf_of,omitempty"`
	Approve    bool      `json:"approve"`
	Comment    string    `json:"comment,omitempty"`
	At         time.Time `json:"at"`
}

// Case is what the checks need to know about one invoice under approval.
type Case struct {
	InvoiceID int64  `json:"invoice_id"`
	Amount    string `json:"amount"`   // payable amount (BT-115), decimal
	Currency  string `json:"currency"` // BT-5
	Unit      string `json:"unit"`     // ordering / receiving unit
	// CalculationOK: the e-invoice's calculation rules passed, so an
	// automatic arithmetic stage needs nobody.
	CalculationOK bool       `json:"calculation_ok"`
	Decisions     []Decision `json:"decisions,omitempty"` // in the order they were taken
}

// Reason classifies a refusal for programs; Refusal.Message is for people.
type Reason string

// Why Check refuses.
const (
	ReasonNoUser            Reason = "no_user"
	ReasonUnknownStage      Reason = "unknown_stage"     // not a stage of this configuration
	ReasonAutomatic         Reason = "automatic"         // the stage is nobody's to decide
	ReasonClosed            Reason = "closed"            // rejected or fully approved
	ReasonExcluded          Reason = "excluded"          // member of an excluded unit (treasury)
	ReasonAlreadyDecided    Reason = "already_decided"   // same person, same stage
	ReasonNotCurrent        Reason = "not_current"       // another stage waits
	ReasonInvalidCase       Reason = "invalid_case"      // no unit, unknown unit, bad amount
	ReasonNotMember         Reason = "not_member"        // not in the unit, not a deputy of anyone there
	ReasonPrincipalPresent  Reason = "principal_present" // deputy, but the principal is present
	ReasonFourEyes          Reason = "four_eyes"         // separation of duties
	ReasonSecondSignature   Reason = "second_signature"  // second signer must differ from the first
	ReasonLimit             Reason = "limit"             // approval limit too low
	ReasonNoLimit           Reason = "no_limit"          // no approval limit for the unit
	ReasonCurrency          Reason = "currency"          // invoice currency is not the matrix currency
	ReasonCommentRequired   Reason = "comment_required"  // a rejection needs a reason
	ReasonDecisionMalformed Reason = "decision_malformed"
)

// ErrRefused matches every *Refusal (errors.Is).
var ErrRefused = errors.New("approval decision refused")

// Refusal is Check's answer when a person may not decide. Message is
// German and meant for the person (the Update validator returns it).
type Refusal struct {
	Reason  Reason `json:"reason"`
	Message string `json:"message"`
}

func (r *Refusal) Error() string { return r.Message }

// Is makes errors.Is(err, ErrRefused) true.
func (r *Refusal) Is(target error) bool { return target == ErrRefused }

func refuse(reason Reason, format string, args ...any) error {
	return &Refusal{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// NeedsPerson reports whether a stage waits for a person: formal never
// does; an automatic arithmetic stage does only when the calculation
// rules failed.
func NeedsPerson(s Stage, calculationOK bool) bool {
	switch s.Kind {
	case StageFormal:
		return false
	case StageArithmetic:
		return !(s.Auto && calculationOK)
	default:
		return true
	}
}

// PersonStages lists the stages of a case that wait for people, in order.
func (c *Config) PersonStages(cs Case) []Stage {
	var out []Stage
	for _, s := range c.Stages {
		if NeedsPerson(s, cs.CalculationOK) {
			out = append(out, s)
		}
	}
	return out
}

// Rejection returns the decision that rejected the invoice, if any. A
// rejection ends the case.
func Rejection(cs Case) (Decision, bool) {
	for _, d := range cs.Decisions {
		if !d.Approve {
			return d, true
		}
	}
	return Decision{}, false
}

// SignaturesNeeded is how many payment-order signatures the case needs:
// two above SecondSignatureAbove, else one. An amount that does not parse
// needs two (and Check refuses every payment order on it anyway).
func (c *Config) SignaturesNeeded(cs Case) int {
	if c.SecondSignatureAbove == "" {
		return 1
	}
	amount, err := einvoice.ParseDecimal(cs.Amount)
	if err != nil {
		return 2
	}
	threshold, err := einvoice.ParseDecimal(c.SecondSignatureAbove)
	if err != nil || amount.Cmp(threshold) > 0 {
		return 2
	}
	return 1
}

func (c *Config) needed(cs Case, kind StageKind) int {
	if kind == StagePaymentOrder {
		return c.SignaturesNeeded(cs)
	}
	return 1
}

func approvals(cs Case, kind StageKind) []Decision {
	var out []Decision
	for _, d := range cs.Decisions {
		if d.Stage == kind && d.Approve {
			out = append(out, d)
		}
	}
	return out
}

// Current returns the stage waiting for a decision: "" when the case is
// complete or rejected.
func (c *Config) Current(cs Case) StageKind {
	if _, rejected := Rejection(cs); rejected {
		return ""
	}
	for _, s := range c.PersonStages(cs) {
		if len(approvals(cs, s.Kind)) < c.needed(cs, s.Kind) {
			return s.Kind
		}
	}
	return ""
}

// Complete reports whether every person stage is approved (with the second
// payment-order signature when the amount needs it) and nothing rejected.
func (c *Config) Complete(cs Case) bool {
	_, rejected := Rejection(cs)
	return !rejected && c.Current(cs) == ""
}

// Check decides whether user may decide stage of cs at the instant at. It
// returns whom the user acts for (a deputy for an absent colleague; ""
// when acting in their own right) or a *Refusal with a German message.
//
// Factual: a member of cs.Unit, or a deputy of a member while that member
// is absent. Arithmetic: the same for cs.Unit or DefaultUnit (the
// invoice-receipt unit), not the factual approver when
// ArithmeticDiffersFromFactual. Payment order: a user whose matrix limit
// for cs.Unit (or "*") covers the amount, or a deputy of such a user while
// that user is absent (with that user's limit); neither the actor nor the
// person acted for may have certified factual or arithmetic correctness,
// and a second signature must come from a different person. Members of
// ExcludedUnits decide nothing; nobody decides a stage twice; after a
// rejection nothing more is decided.
func (c *Config) Check(cs Case, stage StageKind, user string, org records.Organisation, at time.Time) (onBehalfOf string, err error) {
	user = strings.TrimSpace(user)
	if user == "" {
		return "", refuse(ReasonNoUser, "Es ist keine Person angemeldet.")
	}
	st, ok := c.Stage(stage)
	if !ok {
		if n := stageNoun(stage); n != "" {
			return "", refuse(ReasonUnknownStage, "Die Stufe »%s« ist in der Dienstanweisung nicht vorgesehen.", n)
		}
		return "", refuse(ReasonUnknownStage, "Unbekannte Freigabestufe »%s«.", stage)
	}
	if !NeedsPerson(st, cs.CalculationOK) {
		if stage == StageFormal {
			return "", refuse(ReasonAutomatic, "Die formale Prüfung erfolgt automatisch.")
		}
		return "", refuse(ReasonAutomatic, "Die rechnerische Richtigkeit ist automatisch festgestellt: die Rechenregeln der E-Rechnung sind erfüllt.")
	}
	if d, rejected := Rejection(cs); rejected {
		return "", refuse(ReasonClosed, "Die Rechnung wurde bereits bei der Stufe »%s« abgelehnt; weitere Entscheidungen sind nicht möglich.", stageNoun(d.Stage))
	}
	cur := c.Current(cs)
	if cur == "" {
		return "", refuse(ReasonClosed, "Die Rechnung ist bereits vollständig freigegeben.")
	}
	if u, excluded := c.excludedUnitOf(user, org); excluded {
		return "", refuse(ReasonExcluded, "Mitglieder der %s dürfen keine Rechnungen freigeben.", u.Name)
	}
	for _, d := range cs.Decisions {
		if d.Stage != stage {
			continue
		}
		if d.User == user {
			return "", refuse(ReasonAlreadyDecided, "%s", alreadyDecided(stage))
		}
		if d.OnBehalfOf == user {
			return "", refuse(ReasonAlreadyDecided, "%s hat in Ihrer Vertretung bereits entschieden: %s", d.User, alreadyDecided(stage))
		}
	}
	if stage != cur {
		if slices.IndexFunc(c.Stages, func(s Stage) bool { return s.Kind == stage }) <
			slices.IndexFunc(c.Stages, func(s Stage) bool { return s.Kind == cur }) {
			return "", refuse(ReasonNotCurrent, "Die %s ist bereits festgestellt; die Rechnung wartet auf die %s.", stageNoun(stage), stageNoun(cur))
		}
		return "", refuse(ReasonNotCurrent, "Die Rechnung wartet nicht auf die %s, sondern auf die %s.", stageNoun(stage), stageNoun(cur))
	}
	if strings.TrimSpace(cs.Unit) == "" {
		return "", refuse(ReasonInvalidCase, "Der Rechnung ist keine Organisationseinheit zugeordnet.")
	}
	switch stage {
	case StageFactual:
		return c.memberCapacity(stage, user, []string{cs.Unit}, nil, org, at)
	case StageArithmetic:
		units := []string{cs.Unit}
		if c.DefaultUnit != "" && c.DefaultUnit != cs.Unit {
			units = append(units, c.DefaultUnit)
		}
		var forbidden map[string]bool
		if c.ArithmeticDiffersFromFactual {
			forbidden = deciders(cs, StageFactual)
		}
		return c.memberCapacity(stage, user, units, forbidden, org, at)
	case StagePaymentOrder:
		return c.orderCapacity(cs, user, org, at)
	}
	return "", refuse(ReasonUnknownStage, "Unbekannte Freigabestufe »%s«.", stage)
}

// Apply checks a decision at d.At and returns the case with the decision
// appended (OnBehalfOf filled in by Check). A rejection needs a comment.
// cs is not modified.
func (c *Config) Apply(cs Case, d Decision, org records.Organisation) (Case, error) {
	if d.At.IsZero() {
		return cs, refuse(ReasonDecisionMalformed, "Die Entscheidung hat keinen Zeitpunkt.")
	}
	if !d.Approve && strings.TrimSpace(d.Comment) == "" {
		return cs, refuse(ReasonCommentRequired, "Bitte begründen Sie die Ablehnung.")
	}
	d.User = strings.TrimSpace(d.User)
	onBehalfOf, err := c.Check(cs, d.Stage, d.User, org, d.At)
	if err != nil {
		return cs, err
	}
	d.OnBehalfOf = onBehalfOf
	out := cs
	out.Decisions = append(slices.Clone(cs.Decisions), d)
	return out, nil
}

// memberCapacity: user belongs to one of units, or stands in for an absent
// member of them. forbidden people may neither act nor be acted for.
func (c *Config) memberCapacity(stage StageKind, user string, unitCodes []string, forbidden map[string]bool, org records.Organisation, at time.Time) (string, error) {
	var units []records.Unit
	for _, code := range unitCodes {
		u, ok := org.Unit(code)
		if !ok {
			if code == unitCodes[0] {
				return "", refuse(ReasonInvalidCase, "Die Organisationseinheit %s ist nicht bekannt.", code)
			}
			continue // a misconfigured default unit does not block the ordering unit
		}
		units = append(units, u)
	}
	if forbidden[user] {
		return "", refuse(ReasonFourEyes, "Die rechnerische Richtigkeit darf nicht von der Person festgestellt werden, die die sachliche Richtigkeit bestätigt hat.")
	}
	for _, u := range units {
		if u.IsMember(user) {
			return "", nil
		}
	}
	var present, blocked []string
	for _, u := range units {
		for _, m := range unitPeople(u) {
			if m == user || !slices.Contains(org.DeputiesOf(m), user) || slices.Contains(present, m) || slices.Contains(blocked, m) {
				continue
			}
			if _, excluded := c.excludedUnitOf(m, org); excluded {
				continue
			}
			switch {
			case !org.Absent(m, at):
				present = append(present, m)
			case forbidden[m]:
				blocked = append(blocked, m)
			default:
				return m, nil
			}
		}
	}
	if len(blocked) > 0 {
		return "", refuse(ReasonFourEyes, "Sie dürfen die rechnerische Richtigkeit nicht in Vertretung von %s feststellen: %s hat die sachliche Richtigkeit bestätigt.", blocked[0], blocked[0])
	}
	if len(present) > 0 {
		return "", refuse(ReasonPrincipalPresent, "Sie vertreten %s nur während einer Abwesenheit.", joinNames(present))
	}
	labels := make([]string, len(units))
	for i, u := range units {
		labels[i] = u.Code + " " + u.Name
	}
	return "", refuse(ReasonNotMember, "Sie gehören nicht zur Organisationseinheit %s und können die %s nicht bestätigen.", strings.Join(labels, " oder "), stageNoun(stage))
}

// orderCapacity is Check for the payment order.
func (c *Config) orderCapacity(cs Case, user string, org records.Organisation, at time.Time) (string, error) {
	amount, err := einvoice.ParseDecimal(cs.Amount)
	if err != nil {
		return "", refuse(ReasonInvalidCase, "Der Rechnungsbetrag »%s« ist keine gültige Zahl.", cs.Amount)
	}
	if cur := strings.ToUpper(strings.TrimSpace(cs.Currency)); cur != "" && cur != c.currency() {
		return "", refuse(ReasonCurrency, "Die Anordnungsrahmen gelten in %s; die Rechnung lautet auf %s und muss von der Kämmerei gesondert angeordnet werden.", c.currency(), cur)
	}
	unitLabel := cs.Unit
	if u, ok := org.Unit(cs.Unit); ok {
		unitLabel = u.Code + " " + u.Name
	}
	certifiers := deciders(cs, StageFactual, StageArithmetic)
	firstSigners := deciders(cs, StagePaymentOrder)
	if certifiers[user] {
		return "", refuse(ReasonFourEyes, "Die Anordnung darf nicht von der Person erteilt werden, die die sachliche oder rechnerische Richtigkeit festgestellt hat.")
	}
	if firstSigners[user] {
		return "", refuse(ReasonSecondSignature, "Die zweite Unterschrift zur Anordnung muss von einer anderen Person kommen als die erste.")
	}
	own, hasOwn := c.limitFor(user, cs.Unit)
	if hasOwn && own.Cmp(amount) >= 0 {
		return "", nil
	}
	var present []string
	var blockedFourEyes, blockedSecond string
	for _, l := range c.Matrix {
		p := l.User
		if p == user || slices.Contains(present, p) || !slices.Contains(org.DeputiesOf(p), user) {
			continue
		}
		lim, ok := c.limitFor(p, cs.Unit)
		if !ok || lim.Cmp(amount) < 0 {
			continue
		}
		if _, excluded := c.excludedUnitOf(p, org); excluded {
			continue
		}
		switch {
		case !org.Absent(p, at):
			present = append(present, p)
		case certifiers[p]:
			blockedFourEyes = p
		case firstSigners[p]:
			blockedSecond = p
		default:
			return p, nil
		}
	}
	if blockedFourEyes != "" {
		return "", refuse(ReasonFourEyes, "Die Anordnung darf nicht in Vertretung von %s erteilt werden: %s hat die sachliche oder rechnerische Richtigkeit festgestellt.", blockedFourEyes, blockedFourEyes)
	}
	if blockedSecond != "" {
		return "", refuse(ReasonSecondSignature, "Die zweite Unterschrift zur Anordnung muss von einer anderen Person kommen als die erste (%s).", blockedSecond)
	}
	limitMsg := fmt.Sprintf("Sie haben keinen Anordnungsrahmen für die Organisationseinheit %s.", unitLabel)
	reason := ReasonNoLimit
	if hasOwn {
		limitMsg = fmt.Sprintf("Ihr Anordnungsrahmen (bis %s) deckt den Betrag von %s nicht.", formatAmount(own, c.currency()), formatAmount(amount, c.currency()))
		reason = ReasonLimit
	}
	if len(present) > 0 {
		return "", refuse(ReasonPrincipalPresent, "%s Sie vertreten %s nur während einer Abwesenheit.", limitMsg, joinNames(present))
	}
	return "", refuse(reason, "%s", limitMsg)
}

// limitFor is the highest matrix limit of user for unit (its own line or
// "*"). Lines for a parent unit do not cover its sub-units: the matrix
// says exactly what the Dienstanweisung says.
func (c *Config) limitFor(user, unit string) (einvoice.Decimal, bool) {
	var best einvoice.Decimal
	found := false
	for _, l := range c.Matrix {
		if l.User != user || (l.Unit != unit && l.Unit != AnyUnit) {
			continue
		}
		d, err := einvoice.ParseDecimal(l.UpTo)
		if err != nil {
			continue // Validate rejects it; an unreadable line grants nothing
		}
		if !found || d.Cmp(best) > 0 {
			best, found = d, true
		}
	}
	return best, found
}

// excludedUnitOf returns the first excluded unit user belongs to.
func (c *Config) excludedUnitOf(user string, org records.Organisation) (records.Unit, bool) {
	for _, code := range c.ExcludedUnits {
		if u, ok := org.Unit(code); ok && u.IsMember(user) {
			if u.Name == "" {
				u.Name = "Organisationseinheit " + u.Code
			}
			return u, true
		}
	}
	return records.Unit{}, false
}

// deciders is everyone who decided one of the stages, in person or as the
// colleague a deputy acted for: both carry the responsibility.
func deciders(cs Case, kinds ...StageKind) map[string]bool {
	out := map[string]bool{}
	for _, d := range cs.Decisions {
		if slices.Contains(kinds, d.Stage) {
			out[d.User] = true
			if d.OnBehalfOf != "" {
				out[d.OnBehalfOf] = true
			}
		}
	}
	return out
}

// unitPeople is the lead and the members, each once, lead first.
func unitPeople(u records.Unit) []string {
	var out []string
	for _, p := range append([]string{u.Lead}, u.Members...) {
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// stageNoun is the German noun phrase for a stage in messages.
func stageNoun(k StageKind) string {
	switch k {
	case StageFormal:
		return "formale Prüfung"
	case StageFactual:
		return "sachliche Richtigkeit"
	case StageArithmetic:
		return "rechnerische Richtigkeit"
	case StagePaymentOrder:
		return "Anordnung"
	}
	return ""
}

func alreadyDecided(k StageKind) string {
	switch k {
	case StageFactual:
		return "Sie haben bereits die sachliche Richtigkeit bestätigt."
	case StageArithmetic:
		return "Sie haben bereits die rechnerische Richtigkeit bestätigt."
	case StagePaymentOrder:
		return "Sie haben die Anordnung bereits erteilt; die zweite Unterschrift muss von einer anderen Person kommen."
	}
	return "Sie haben über diese Stufe bereits entschieden."
}

// joinNames writes "a", "a und b", "a, b und c".
func joinNames(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " und " + names[len(names)-1]
}

// ReceivingUnit is the unit whose Leitweg-ID (Mailbox) equals the buyer
// reference (BT-10), compared trimmed and case-insensitively; def when
// none does.
func ReceivingUnit(buyerReference string, org records.Organisation, def string) string {
	ref := strings.TrimSpace(buyerReference)
	if ref == "" {
		return def
	}
	for _, u := range org.Units {
		if m := strings.TrimSpace(u.Mailbox); m != "" && strings.EqualFold(m, ref) {
			return u.Code
		}
	}
	return def
}
