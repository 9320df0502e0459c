package approval

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
	"github.com/aktenfluss/aktenfluss/internal/records"
)

// testOrg is the demo municipality with its treasury (20.3 Stadtkasse).
func testOrg(absent ...string) records.Organisation {
	org := records.Organisation{
		Units: []records.Unit{
			{Code: "10", Name: "Hauptamt", Lead: "h.albrecht", Members: []string{"h.albrecht", "p.sommer"}},
			{Code: "20", Name: "Kämmerei", Lead: "k.brandt", Members: []string{"k.brandt"}},
			{Code: "20.1", Name: "Rechnungseingang", Parent: "20", Lead: "m.wolf", Members: []string{"m.wolf", "a.schneider", "b.krause"}, Mailbox: "04011000-1234512345-06"},
			{Code: "20.3", Name: "Stadtkasse", Parent: "20", Lead: "s.kaiser", Members: []string{"s.kaiser", "d.jung"}},
			{Code: "63", Name: "Bauordnung", Lead: "g.richter", Members: []string{"g.richter", "e.koch", "t.berger"}, Mailbox: "04011000-63-12"},
		},
		Deputies: []records.Deputy{
			{User: "m.wolf", Deputy: "a.schneider", Rank: 1},
			{User: "k.brandt", Deputy: "m.wolf", Rank: 1},
			{User: "g.richter", Deputy: "e.koch", Rank: 1},
			{User: "e.koch", Deputy: "t.berger", Rank: 1},
			{User: "e.koch", Deputy: "n.keller", Rank: 2}, // from another unit
			{User: "t.berger", Deputy: "e.koch", Rank: 1},
			{User: "h.albrecht", Deputy: "p.sommer", Rank: 1},
			{User: "b.krause", Deputy: "d.jung", Rank: 1}, // a treasury member as deputy
		},
	}
	for _, u := range absent {
		org.Absences = append(org.Absences, records.Absence{User: u, From: "2026-03-09", Until: "2026-03-13"})
	}
	return org
}

var checkAt = time.Date(2026, 3, 10, 10, 0, 0, 0, records.RegisterLocation)

func exampleConfig(t *testing.T) *Config {
	t.Helper()
	c, err := ParseConfig(ExampleConfig())
	require.NoError(t, err)
	return c
}

func approve(stage StageKind, user, onBehalfOf string) Decision {
	return Decision{Stage: stage, User: user, OnBehalfOf: onBehalfOf, Approve: true, At: checkAt.Add(-time.Hour)}
}

func TestCheck(t *testing.T) {
	cfg := exampleConfig(t)
	noAuto := exampleConfig(t)
	noAuto.Stages[2].Auto = false
	fourEyesArith := exampleConfig(t)
	fourEyesArith.ArithmeticDiffersFromFactual = true
	noArith := exampleConfig(t)
	noArith.Stages = append(noArith.Stages[:2:2], noArith.Stages[3])

	bau := func(amount string, ds ...Decision) Case {
		return Case{InvoiceID: 7, Amount: amount, Currency: "EUR", Unit: "63", Decisions: ds}
	}
	bauCalcOK := func(amount string, ds ...Decision) Case {
		c := bau(amount, ds...)
		c.CalculationOK = true
		return c
	}
	eingang := func(amount string, ds ...Decision) Case {
		return Case{InvoiceID: 8, Amount: amount, Currency: "EUR", Unit: "20.1", Decisions: ds}
	}
	certified := []Decision{approve(StageFactual, "e.koch", ""), approve(StageArithmetic, "b.krause", "")}
	certifiedEingang := []Decision{approve(StageFactual, "a.schneider", ""), approve(StageArithmetic, "b.krause", "")}

	tests := []struct {
		name       string
		cfg        *Config
		cs         Case
		stage      StageKind
		user       string
		absent     []string
		wantBehalf string
		wantReason Reason // "" = allowed
		wantMsg    string // exact message when set
	}{
		// sachlich richtig
		{name: "factual: member", cs: bau("100.00"), stage: StageFactual, user: "e.koch"},
		{name: "factual: lead", cs: bau("100.00"), stage: StageFactual, user: "g.richter"},
		{name: "factual: non-member", cs: bau("100.00"), stage: StageFactual, user: "m.wolf", wantReason: ReasonNotMember,
			wantMsg: "Sie gehören nicht zur Organisationseinheit 63 Bauordnung und können die sachliche Richtigkeit nicht bestätigen."},
		{name: "factual: deputy from another unit while member absent", cs: bau("100.00"), stage: StageFactual, user: "n.keller", absent: []string{"e.koch"}, wantBehalf: "e.koch"},
		{name: "factual: deputy while member present", cs: bau("100.00"), stage: StageFactual, user: "n.keller", wantReason: ReasonPrincipalPresent,
			wantMsg: "Sie vertreten e.koch nur während einer Abwesenheit."},
		{name: "factual: same person twice", cs: bau("100.00", approve(StageFactual, "e.koch", "")), stage: StageFactual, user: "e.koch", wantReason: ReasonAlreadyDecided,
			wantMsg: "Sie haben bereits die sachliche Richtigkeit bestätigt."},
		{name: "factual: principal after deputy acted", cs: bau("100.00", approve(StageFactual, "n.keller", "e.koch")), stage: StageFactual, user: "e.koch", wantReason: ReasonAlreadyDecided,
			wantMsg: "n.keller hat in Ihrer Vertretung bereits entschieden: Sie haben bereits die sachliche Richtigkeit bestätigt."},
		{name: "factual: already done by a colleague", cs: bau("100.00", approve(StageFactual, "e.koch", "")), stage: StageFactual, user: "t.berger", wantReason: ReasonNotCurrent,
			wantMsg: "Die sachliche Richtigkeit ist bereits festgestellt; die Rechnung wartet auf die rechnerische Richtigkeit."},
		{name: "factual: no unit", cs: Case{Amount: "1"}, stage: StageFactual, user: "e.koch", wantReason: ReasonInvalidCase,
			wantMsg: "Der Rechnung ist keine Organisationseinheit zugeordnet."},
		{name: "factual: unknown unit", cs: Case{Amount: "1", Unit: "99"}, stage: StageFactual, user: "e.koch", wantReason: ReasonInvalidCase,
			wantMsg: "Die Organisationseinheit 99 ist nicht bekannt."},

		// rechnerisch richtig
		{name: "arithmetic: member of the ordering unit", cs: bau("100.00", approve(StageFactual, "e.koch", "")), stage: StageArithmetic, user: "t.berger"},
		{name: "arithmetic: member of the invoice-receipt unit", cs: bau("100.00", approve(StageFactual, "e.koch", "")), stage: StageArithmetic, user: "b.krause"},
		{name: "arithmetic: same person as factual allowed by default", cs: bau("100.00", approve(StageFactual, "e.koch", "")), stage: StageArithmetic, user: "e.koch"},
		{name: "arithmetic: same person as factual refused when configured", cfg: fourEyesArith, cs: bau("100.00", approve(StageFactual, "e.koch", "")), stage: StageArithmetic, user: "e.koch", wantReason: ReasonFourEyes,
			wantMsg: "Die rechnerische Richtigkeit darf nicht von der Person festgestellt werden, die die sachliche Richtigkeit bestätigt hat."},
		{name: "arithmetic: deputy for the factual approver refused when configured", cfg: fourEyesArith, cs: bau("100.00", approve(StageFactual, "e.koch", "")), stage: StageArithmetic, user: "n.keller", absent: []string{"e.koch"}, wantReason: ReasonFourEyes,
			wantMsg: "Sie dürfen die rechnerische Richtigkeit nicht in Vertretung von e.koch feststellen: e.koch hat die sachliche Richtigkeit bestätigt."},
		{name: "arithmetic: outsider", cs: bau("100.00", approve(StageFactual, "e.koch", "")), stage: StageArithmetic, user: "h.albrecht", wantReason: ReasonNotMember,
			wantMsg: "Sie gehören nicht zur Organisationseinheit 63 Bauordnung oder 20.1 Rechnungseingang und können die rechnerische Richtigkeit nicht bestätigen."},
		{name: "arithmetic: automatic when the calculation rules passed", cs: bauCalcOK("100.00", approve(StageFactual, "e.koch", "")), stage: StageArithmetic, user: "b.krause", wantReason: ReasonAutomatic},
		{name: "arithmetic: a person when not automatic", cfg: noAuto, cs: bauCalcOK("100.00", approve(StageFactual, "e.koch", "")), stage: StageArithmetic, user: "b.krause"},
		{name: "arithmetic: not configured", cfg: noArith, cs: bau("100.00", approve(StageFactual, "e.koch", "")), stage: StageArithmetic, user: "b.krause", wantReason: ReasonUnknownStage,
			wantMsg: "Die Stufe »rechnerische Richtigkeit« ist in der Dienstanweisung nicht vorgesehen."},

		// Anordnung
		{name: "order: unit limit covers", cs: bau("12345.67", certified...), stage: StagePaymentOrder, user: "g.richter"},
		{name: "order: after automatic arithmetic", cs: bauCalcOK("12345.67", approve(StageFactual, "e.koch", "")), stage: StagePaymentOrder, user: "g.richter"},
		{name: "order: without arithmetic stage", cfg: noArith, cs: bau("12345.67", approve(StageFactual, "e.koch", "")), stage: StagePaymentOrder, user: "g.richter"},
		{name: "order: limit exactly the amount", cs: bau("25000.00", certified...), stage: StagePaymentOrder, user: "g.richter"},
		{name: "order: by the factual approver", cs: bau("100.00", approve(StageFactual, "g.richter", ""), approve(StageArithmetic, "b.krause", "")), stage: StagePaymentOrder, user: "g.richter", wantReason: ReasonFourEyes,
			wantMsg: "Die Anordnung darf nicht von der Person erteilt werden, die die sachliche oder rechnerische Richtigkeit festgestellt hat."},
		{name: "order: by the arithmetic approver", cs: bau("100.00", approve(StageFactual, "e.koch", ""), approve(StageArithmetic, "g.richter", "")), stage: StagePaymentOrder, user: "g.richter", wantReason: ReasonFourEyes,
			wantMsg: "Die Anordnung darf nicht von der Person erteilt werden, die die sachliche oder rechnerische Richtigkeit festgestellt hat."},
		{name: "order: by the person a factual deputy acted for", cs: bau("100.00", approve(StageFactual, "e.koch", "g.richter"), approve(StageArithmetic, "b.krause", "")), stage: StagePaymentOrder, user: "g.richter", wantReason: ReasonFourEyes},
		{name: "order: deputy while principal absent", cs: eingang("12345.67", certifiedEingang...), stage: StagePaymentOrder, user: "m.wolf", absent: []string{"k.brandt"}, wantBehalf: "k.brandt"},
		{name: "order: deputy while principal present", cs: eingang("12345.67", certifiedEingang...), stage: StagePaymentOrder, user: "m.wolf", wantReason: ReasonPrincipalPresent,
			wantMsg: "Ihr Anordnungsrahmen (bis 5.000,00 EUR) deckt den Betrag von 12.345,67 EUR nicht. Sie vertreten k.brandt nur während einer Abwesenheit."},
		{name: "order: deputy with own limit acts in own right", cs: eingang("4999.99", certifiedEingang...), stage: StagePaymentOrder, user: "m.wolf", absent: []string{"k.brandt"}},
		{name: "order: deputy who certified factual, acting for someone else", cs: bau("100.00", certified...), stage: StagePaymentOrder, user: "e.koch", absent: []string{"g.richter"}, wantReason: ReasonFourEyes,
			wantMsg: "Die Anordnung darf nicht von der Person erteilt werden, die die sachliche oder rechnerische Richtigkeit festgestellt hat."},
		{name: "order: deputy for the factual approver", cs: bau("100.00", approve(StageFactual, "g.richter", ""), approve(StageArithmetic, "b.krause", "")), stage: StagePaymentOrder, user: "e.koch", absent: []string{"g.richter"}, wantReason: ReasonFourEyes,
			wantMsg: "Die Anordnung darf nicht in Vertretung von g.richter erteilt werden: g.richter hat die sachliche oder rechnerische Richtigkeit festgestellt."},
		{name: "order: deputy acting for an absent orderer", cs: bau("100.00", approve(StageFactual, "t.berger", ""), approve(StageArithmetic, "b.krause", "")), stage: StagePaymentOrder, user: "e.koch", absent: []string{"g.richter"}, wantBehalf: "g.richter"},
		{name: "order: no limit for the unit", cs: bau("24000.5", certified...), stage: StagePaymentOrder, user: "a.schneider", wantReason: ReasonNoLimit,
			wantMsg: "Sie haben keinen Anordnungsrahmen für die Organisationseinheit 63 Bauordnung."},
		{name: "order: the absence of someone not deputised for does not help", cs: eingang("12345.67", certifiedEingang...), stage: StagePaymentOrder, user: "m.wolf", absent: []string{"h.albrecht"}, wantReason: ReasonPrincipalPresent},
		{name: "order: unit limit too low", cs: bau("1234567.8", certified...), stage: StagePaymentOrder, user: "g.richter", wantReason: ReasonLimit,
			wantMsg: "Ihr Anordnungsrahmen (bis 25.000,00 EUR) deckt den Betrag von 1.234.567,80 EUR nicht."},
		{name: "order: unit limit does not cover another unit", cs: eingang("100.00", certifiedEingang...), stage: StagePaymentOrder, user: "g.richter", wantReason: ReasonNoLimit,
			wantMsg: "Sie haben keinen Anordnungsrahmen für die Organisationseinheit 20.1 Rechnungseingang."},
		{name: "order: * limit covers every unit", cs: bau("20000", certified...), stage: StagePaymentOrder, user: "k.brandt"},
		{name: "order: highest of unit and * limit counts", cs: Case{Amount: "100000", Currency: "EUR", Unit: "20", Decisions: []Decision{approve(StageFactual, "k.brandt", ""), approve(StageArithmetic, "b.krause", "")}}, stage: StagePaymentOrder, user: "h.albrecht"},
		{name: "order: * limit too low", cs: bau("250000.01", certified...), stage: StagePaymentOrder, user: "k.brandt", wantReason: ReasonLimit,
			wantMsg: "Ihr Anordnungsrahmen (bis 250.000,00 EUR) deckt den Betrag von 250.000,01 EUR nicht."},
		{name: "order: before factual", cs: bau("100.00"), stage: StagePaymentOrder, user: "g.richter", wantReason: ReasonNotCurrent,
			wantMsg: "Die Rechnung wartet nicht auf die Anordnung, sondern auf die sachliche Richtigkeit."},
		{name: "order: before arithmetic", cs: bau("100.00", approve(StageFactual, "e.koch", "")), stage: StagePaymentOrder, user: "g.richter", wantReason: ReasonNotCurrent,
			wantMsg: "Die Rechnung wartet nicht auf die Anordnung, sondern auf die rechnerische Richtigkeit."},
		{name: "order: foreign currency", cs: Case{Amount: "100", Currency: "USD", Unit: "63", Decisions: certified}, stage: StagePaymentOrder, user: "g.richter", wantReason: ReasonCurrency},
		{name: "order: bad amount", cs: bau("1.234,56", certified...), stage: StagePaymentOrder, user: "g.richter", wantReason: ReasonInvalidCase},

		// second signature (above 25.000 EUR)
		{name: "second: first signature", cs: bau("30000", certified...), stage: StagePaymentOrder, user: "k.brandt"},
		{name: "second: different person", cs: bau("30000", append(certified, approve(StagePaymentOrder, "k.brandt", ""))...), stage: StagePaymentOrder, user: "h.albrecht"},
		{name: "second: same person", cs: bau("30000", append(certified, approve(StagePaymentOrder, "k.brandt", ""))...), stage: StagePaymentOrder, user: "k.brandt", wantReason: ReasonAlreadyDecided,
			wantMsg: "Sie haben die Anordnung bereits erteilt; die zweite Unterschrift muss von einer anderen Person kommen."},
		{name: "second: deputy acting for the first signer", cs: bau("30000", append(certified, approve(StagePaymentOrder, "k.brandt", ""))...), stage: StagePaymentOrder, user: "m.wolf", absent: []string{"k.brandt"}, wantReason: ReasonSecondSignature,
			wantMsg: "Die zweite Unterschrift zur Anordnung muss von einer anderen Person kommen als die erste (k.brandt)."},
		{name: "second: principal after the deputy signed", cs: bau("30000", append(certified, approve(StagePaymentOrder, "p.sommer", "h.albrecht"))...), stage: StagePaymentOrder, user: "h.albrecht", wantReason: ReasonAlreadyDecided},
		{name: "second: deputy who gave the first signature, now for another", cs: bau("30000", append(certified, approve(StagePaymentOrder, "m.wolf", "k.brandt"))...), stage: StagePaymentOrder, user: "m.wolf", absent: []string{"k.brandt"}, wantReason: ReasonAlreadyDecided},
		{name: "second: deputy of a different orderer", cs: bau("30000", append(certified, approve(StagePaymentOrder, "k.brandt", ""))...), stage: StagePaymentOrder, user: "p.sommer", absent: []string{"h.albrecht"}, wantBehalf: "h.albrecht"},
		{name: "second: limit of the second signer too low", cs: bau("30000", append(certified, approve(StagePaymentOrder, "k.brandt", ""))...), stage: StagePaymentOrder, user: "g.richter", wantReason: ReasonLimit,
			wantMsg: "Ihr Anordnungsrahmen (bis 25.000,00 EUR) deckt den Betrag von 30.000,00 EUR nicht."},
		{name: "second: not needed at the threshold", cs: bau("25000.00", append(certified, approve(StagePaymentOrder, "k.brandt", ""))...), stage: StagePaymentOrder, user: "h.albrecht", wantReason: ReasonClosed,
			wantMsg: "Die Rechnung ist bereits vollständig freigegeben."},

		// the treasury decides nothing
		{name: "treasury: factual", cs: bau("100.00"), stage: StageFactual, user: "s.kaiser", wantReason: ReasonExcluded,
			wantMsg: "Mitglieder der Stadtkasse dürfen keine Rechnungen freigeben."},
		{name: "treasury: arithmetic as deputy of an absent member", cs: bau("100.00", approve(StageFactual, "e.koch", "")), stage: StageArithmetic, user: "d.jung", absent: []string{"b.krause"}, wantReason: ReasonExcluded,
			wantMsg: "Mitglieder der Stadtkasse dürfen keine Rechnungen freigeben."},
		{name: "treasury: payment order", cs: bau("100.00", certified...), stage: StagePaymentOrder, user: "d.jung", wantReason: ReasonExcluded},
		{name: "treasury: even a stage that is not current", cs: bau("100.00"), stage: StagePaymentOrder, user: "s.kaiser", wantReason: ReasonExcluded},

		// closed cases and stages that are nobody's
		{name: "after a rejection", cs: bau("100.00", Decision{Stage: StageFactual, User: "e.koch", Comment: "nicht geliefert", At: checkAt}), stage: StageArithmetic, user: "b.krause", wantReason: ReasonClosed,
			wantMsg: "Die Rechnung wurde bereits bei der Stufe »sachliche Richtigkeit« abgelehnt; weitere Entscheidungen sind nicht möglich."},
		{name: "after a rejection, same stage", cs: bau("100.00", Decision{Stage: StageFactual, User: "e.koch", Comment: "nicht geliefert", At: checkAt}), stage: StageFactual, user: "t.berger", wantReason: ReasonClosed},
		{name: "after completion", cs: bau("100.00", append(certified, approve(StagePaymentOrder, "g.richter", ""))...), stage: StagePaymentOrder, user: "k.brandt", wantReason: ReasonClosed},
		{name: "formal", cs: bau("100.00"), stage: StageFormal, user: "e.koch", wantReason: ReasonAutomatic, wantMsg: "Die formale Prüfung erfolgt automatisch."},
		{name: "unknown stage", cs: bau("100.00"), stage: "booking", user: "e.koch", wantReason: ReasonUnknownStage, wantMsg: "Unbekannte Freigabestufe »booking«."},
		{name: "no user", cs: bau("100.00"), stage: StageFactual, user: " ", wantReason: ReasonNoUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cfg
			if tt.cfg != nil {
				c = tt.cfg
			}
			behalf, err := c.Check(tt.cs, tt.stage, tt.user, testOrg(tt.absent...), checkAt)
			if tt.wantReason == "" {
				require.NoError(t, err)
				require.Equal(t, tt.wantBehalf, behalf)
				return
			}
			require.Error(t, err)
			require.ErrorIs(t, err, ErrRefused)
			var r *Refusal
			require.True(t, errors.As(err, &r))
			require.Equal(t, tt.wantReason, r.Reason, r.Message)
			if tt.wantMsg != "" {
				require.Equal(t, tt.wantMsg, r.Message)
			}
			require.Empty(t, behalf)
		})
	}
}

func TestCurrentAndComplete(t *testing.T) {
	cfg := exampleConfig(t)
	f := approve(StageFactual, "e.koch", "")
	a := approve(StageArithmetic, "b.krause", "")
	o1 := approve(StagePaymentOrder, "k.brandt", "")
	o2 := approve(StagePaymentOrder, "h.albrecht", "")
	rejected := Decision{Stage: StageArithmetic, User: "b.krause", Comment: "falsch gerechnet"}
	tests := []struct {
		name          string
		amount        string
		calculationOK bool
		ds            []Decision
		want          StageKind
		complete      bool
	}{
		{"new", "100", false, nil, StageFactual, false},
		{"factual done", "100", false, []Decision{f}, StageArithmetic, false},
		{"factual done, calculation ok", "100", true, []Decision{f}, StagePaymentOrder, false},
		{"certified", "100", false, []Decision{f, a}, StagePaymentOrder, false},
		{"ordered", "100", false, []Decision{f, a, o1}, "", true},
		{"automatic arithmetic, ordered", "100", true, []Decision{f, o1}, "", true},
		{"automatic arithmetic skipped only when ok", "100", false, []Decision{f, o1}, StageArithmetic, false},
		{"above threshold, one signature", "25000.01", false, []Decision{f, a, o1}, StagePaymentOrder, false},
		{"above threshold, two signatures", "25000.01", false, []Decision{f, a, o1, o2}, "", true},
		{"at threshold, one signature", "25000", false, []Decision{f, a, o1}, "", true},
		{"rejected", "100", false, []Decision{f, rejected}, "", false},
		{"bad amount never completes", "x", false, []Decision{f, a, o1}, StagePaymentOrder, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := Case{Amount: tt.amount, Unit: "63", CalculationOK: tt.calculationOK, Decisions: tt.ds}
			require.Equal(t, tt.want, cfg.Current(cs))
			require.Equal(t, tt.complete, cfg.Complete(cs))
		})
	}
	require.Equal(t, 1, (&Config{}).SignaturesNeeded(Case{Amount: "1e9"}))
}

func TestNeedsPerson(t *testing.T) {
	require.False(t, NeedsPerson(Stage{Kind: StageFormal}, false))
	require.True(t, NeedsPerson(Stage{Kind: StageFactual}, true))
	require.True(t, NeedsPerson(Stage{Kind: StageArithmetic}, true))
	require.True(t, NeedsPerson(Stage{Kind: StageArithmetic, Auto: true}, false))
	require.False(t, NeedsPerson(Stage{Kind: StageArithmetic, Auto: true}, true))
	require.True(t, NeedsPerson(Stage{Kind: StagePaymentOrder}, true))
}

// TestApplyWalk runs a whole approval with a deputy and a second signature.
func TestApplyWalk(t *testing.T) {
	cfg := exampleConfig(t)
	org := testOrg("h.albrecht")
	cs := Case{InvoiceID: 1, Amount: "30000.00", Currency: "EUR", Unit: "63"}
	steps := []Decision{
		{Stage: StageFactual, User: "e.koch", Approve: true, At: checkAt},
		{Stage: StageArithmetic, User: "b.krause", Approve: true, At: checkAt},
		{Stage: StagePaymentOrder, User: "k.brandt", Approve: true, At: checkAt},
		{Stage: StagePaymentOrder, User: "p.sommer", Approve: true, At: checkAt},
	}
	for _, d := range steps {
		before := len(cs.Decisions)
		next, err := cfg.Apply(cs, d, org)
		require.NoError(t, err, d.User)
		require.Len(t, cs.Decisions, before, "Apply must not modify its input")
		cs = next
	}
	require.True(t, cfg.Complete(cs))
	require.Equal(t, "h.albrecht", cs.Decisions[3].OnBehalfOf)

	_, err := cfg.Apply(Case{Amount: "1", Unit: "63"}, Decision{Stage: StageFactual, User: "e.koch", At: checkAt}, org)
	var r *Refusal
	require.ErrorAs(t, err, &r)
	require.Equal(t, ReasonCommentRequired, r.Reason)
	require.Equal(t, "Bitte begründen Sie die Ablehnung.", r.Message)

	_, err = cfg.Apply(Case{Amount: "1", Unit: "63"}, Decision{Stage: StageFactual, User: "e.koch", Approve: true}, org)
	require.ErrorAs(t, err, &r)
	require.Equal(t, ReasonDecisionMalformed, r.Reason)

	// A rejection with a reason ends the case.
	rej, err := cfg.Apply(Case{Amount: "1", Unit: "63"}, Decision{Stage: StageFactual, User: "e.koch", Comment: "Leistung nicht erbracht", At: checkAt}, org)
	require.NoError(t, err)
	require.Equal(t, StageKind(""), cfg.Current(rej))
	require.False(t, cfg.Complete(rej))
	d, ok := Rejection(rej)
	require.True(t, ok)
	require.Equal(t, "e.koch", d.User)
}

func TestReceivingUnit(t *testing.T) {
	org := testOrg()
	tests := []struct{ ref, want string }{
		{"04011000-1234512345-06", "20.1"},
		{"  04011000-63-12 \n", "63"},
		{"04011000-1234512345-06", "20.1"},
		{"04011000-63-12", "63"},
		{"04011000-63-12-x", "20.1"},
		{"", "20.1"},
		{"   ", "20.1"},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			require.Equal(t, tt.want, ReceivingUnit(tt.ref, org, "20.1"))
		})
	}
	// case-insensitive
	org.Units[2].Mailbox = "991-ABC-42"
	require.Equal(t, "20.1", ReceivingUnit("991-abc-42", org, "10"))
	require.Equal(t, "10", ReceivingUnit("991-abc-43", org, "10"))
}

func TestFormatAmount(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0,00 EUR", "5": "5,00 EUR", "999.999": "1.000,00 EUR", "1234.5": "1.234,50 EUR",
		"12345.67": "12.345,67 EUR", "1000000": "1.000.000,00 EUR", "-1234.56": "-1.234,56 EUR", "100000.005": "100.000,01 EUR",
	} {
		d, err := einvoice.ParseDecimal(in)
		require.NoError(t, err)
		require.Equal(t, want, formatAmount(d, "EUR"), in)
	}
}
