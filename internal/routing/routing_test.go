package routing

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustParse(t *testing.T, y string) *Rules {
	t.Helper()
	r, err := Parse([]byte(y))
	require.NoError(t, err)
	return r
}

// oneRule builds a rule file with a single rule whose `when` is given.
func oneRule(when string) string {
	return "rules:\n  - name: R\n    when: " + when + "\n    then: [{kind: assign, unit: \"10\"}]\n"
}

func TestConditions(t *testing.T) {
	tests := []struct {
		name   string
		when   string
		doc    Document
		match  bool
		reason string // substring of the reason when it matches
	}{
		{"type matches", `{type: [invoice, reminder]}`, Document{Type: "reminder", TypeConfidence: 0.9}, true, "Typ reminder (0.90)"},
		{"type scalar", `{type: letter}`, Document{Type: "letter", TypeConfidence: 0.9}, true, "Typ letter"},
		{"type other", `{type: [invoice]}`, Document{Type: "letter", TypeConfidence: 0.9}, false, ""},
		{"type default confidence holds at 0.6", `{type: [invoice]}`, Document{Type: "invoice", TypeConfidence: 0.6}, true, ""},
		{"type default confidence fails below 0.6", `{type: [invoice]}`, Document{Type: "invoice", TypeConfidence: 0.59}, false, ""},
		{"min_confidence holds", `{type: [invoice], min_confidence: 0.7}`, Document{Type: "invoice", TypeConfidence: 0.7}, true, ""},
		{"min_confidence fails", `{type: [invoice], min_confidence: 0.7}`, Document{Type: "invoice", TypeConfidence: 0.69}, false, ""},
		{"min_confidence lowered", `{type: [invoice], min_confidence: 0.3}`, Document{Type: "invoice", TypeConfidence: 0.4}, true, ""},
		{"confidence_below holds", `{confidence_below: 0.5}`, Document{Type: "letter", TypeConfidence: 0.42}, true, "Typ unsicher (letter 0.42 < 0.50)"},
		{"confidence_below fails", `{confidence_below: 0.5}`, Document{Type: "letter", TypeConfidence: 0.5}, false, ""},
		{"sender regex case-insensitive", `{sender: '^stadtwerke\b'}`, Document{Sender: "Stadtwerke Musterstadt GmbH"}, true, `Absender "Stadtwerke Musterstadt GmbH"`},
		{"sender no match", `{sender: '^stadtwerke\b'}`, Document{Sender: "Die Stadtwerke"}, false, ""},
		{"subject regex", `{subject: 'widerspruch'}`, Document{Subject: "WIDERSPRUCH gegen Bescheid"}, true, `Betreff enthält "WIDERSPRUCH"`},
		{"subject no match", `{subject: 'widerspruch'}`, Document{Subject: "Anfrage"}, false, ""},
		{"text any of", `{text: ['bauantrag', 'sondernutzung']}`, Document{Text: "Antrag auf\nSondernutzung öffentlicher Flächen"}, true, `Text enthält "Sondernutzung"`},
		{"text umlaut folding", `{text: ['LÄRM']}`, Document{Text: "wegen lärm in der Nacht"}, true, `"lärm"`},
		{"text none", `{text: ['bauantrag', 'sondernutzung']}`, Document{Text: "Guten Tag"}, false, ""},
		{"leitweg glob", `{leitweg_id: ["04011000-*"]}`, Document{LeitwegID: "04011000-1234512345-06"}, true, "Leitweg-ID 04011000-1234512345-06"},
		{"leitweg glob middle", `{leitweg_id: ["991-*-*"]}`, Document{LeitwegID: "991-33333TEST-33"}, true, ""},
		{"leitweg exact", `{leitweg_id: ["04011000-1234512345-06"]}`, Document{LeitwegID: "04011000-1234512345-06"}, true, ""},
		{"leitweg anchored", `{leitweg_id: ["04011000-*"]}`, Document{LeitwegID: "104011000-1"}, false, ""},
		{"leitweg dot literal", `{leitweg_id: ["0401.000-*"]}`, Document{LeitwegID: "04011000-1"}, false, ""},
		{"leitweg empty doc", `{leitweg_id: ["*"]}`, Document{}, false, ""},
		{"einvoice true", `{einvoice: true}`, Document{EInvoice: true}, true, "E-Rechnung"},
		{"einvoice true fails", `{einvoice: true}`, Document{}, false, ""},
		{"einvoice false", `{einvoice: false}`, Document{}, true, "keine E-Rechnung"},
		{"einvoice false fails", `{einvoice: false}`, Document{EInvoice: true}, false, ""},
		{"file_number known (closed file)", `{file_number: known}`, Document{FileNumber: "60.10.02-0017/2026"}, true, "Aktenzeichen 60.10.02-0017/2026 erkannt"},
		{"file_number known fails", `{file_number: known}`, Document{}, false, ""},
		{"file_number closed", `{file_number: closed}`, Document{FileNumber: "60.10.02-0017/2026"}, true, ""},
		{"file_number none", `{file_number: none}`, Document{}, true, "kein Aktenzeichen"},
		{"file_number none fails", `{file_number: none}`, Document{FileNumber: "60.10.02-0017/2026"}, false, ""},
		{"always", `{always: true}`, Document{}, true, "gilt immer"},
		{"all must hold", `{type: [invoice], einvoice: false, text: [bauamt]}`, Document{Type: "invoice", TypeConfidence: 0.9, Text: "Bauamt"}, true, "Typ invoice (0.90), keine E-Rechnung, Text enthält \"Bauamt\""},
		{"all must hold, one fails", `{type: [invoice], einvoice: false, text: [bauamt]}`, Document{Type: "invoice", TypeConfidence: 0.9, Text: "Kämmerei"}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, oneRule(tt.when))
			d := r.Route(tt.doc)
			if !tt.match {
				assert.True(t, d.Triage)
				assert.Equal(t, "", d.Rule)
				return
			}
			assert.False(t, d.Triage)
			assert.Equal(t, "R", d.Rule)
			assert.Equal(t, []Action{{Kind: Assign, Unit: "10"}}, d.Actions)
			assert.True(t, strings.HasPrefix(d.Reason, `Regel "R": `), d.Reason)
			assert.Contains(t, d.Reason, tt.reason)
		})
	}
}

const orderRules = `
rules:
  - name: Erste
    when: {text: [bauantrag]}
    then: [{kind: assign, unit: "63"}]
  - name: Zweite
    when: {text: [bauantrag, antrag]}
    then: [{kind: assign, unit: "60"}]
  - name: Unsicher
    when: {confidence_below: 0.5}
    then: [{kind: triage}]
  - name: Rest
    when: {always: true}
    then:
      - {kind: open_file, plan_code: "10.03.02", title: "{type}: {subject} ({sender})", unit: "10"}
      - {kind: assign, unit: "10"}
`

func TestRoute(t *testing.T) {
	r := mustParse(t, orderRules)
	tests := []struct {
		name string
		doc  Document
		want Decision
	}{
		{
			name: "first match wins",
			doc:  Document{Type: "letter", TypeConfidence: 0.9, Text: "Bauantrag"},
			want: Decision{Rule: "Erste", Reason: `Regel "Erste": Text enthält "Bauantrag"`, Actions: []Action{{Kind: Assign, Unit: "63"}}},
		},
		{
			name: "second when first fails",
			doc:  Document{Type: "letter", TypeConfidence: 0.9, Text: "Antrag auf Förderung"},
			want: Decision{Rule: "Zweite", Reason: `Regel "Zweite": Text enthält "Antrag"`, Actions: []Action{{Kind: Assign, Unit: "60"}}},
		},
		{
			name: "triage rule",
			doc:  Document{Type: "other", TypeConfidence: 0.2},
			want: Decision{Rule: "Unsicher", Reason: `Regel "Unsicher": Typ unsicher (other 0.20 < 0.50)`, Actions: []Action{{Kind: Triage}}, Triage: true},
		},
		{
			name: "catch-all with title template",
			doc:  Document{Type: "letter", TypeConfidence: 0.9, Sender: "Erika  Mustermann", Subject: "Frage zum\nHaushalt"},
			want: Decision{Rule: "Rest", Reason: `Regel "Rest": gilt immer`, Actions: []Action{
				{Kind: OpenFile, PlanCode: "10.03.02", Title: "letter: Frage zum Haushalt (Erika Mustermann)", Unit: "10"},
				{Kind: Assign, Unit: "10"},
			}},
		},
		{
			name: "open file wins over every rule",
			doc:  Document{Type: "letter", TypeConfidence: 0.9, Text: "Bauantrag", FileNumber: "63.01.01-0042/2026", FileOpen: true, FileUnit: "63"},
			want: Decision{Rule: BuiltinRule, Reason: "Aktenzeichen 63.01.01-0042/2026 erkannt (Akte offen)", Actions: []Action{
				{Kind: File, FileNumber: "63.01.01-0042/2026"}, {Kind: Assign, Unit: "63"},
			}},
		},
		{
			name: "invoice into open file is filed and approved",
			doc:  Document{Type: "invoice", TypeConfidence: 0.8, FileNumber: "60.10.02-0017/2026", FileOpen: true, FileUnit: "60"},
			want: Decision{Rule: BuiltinRule, Reason: "Aktenzeichen 60.10.02-0017/2026 erkannt (Akte offen), Rechnung: Freigabe durch 60", Actions: []Action{
				{Kind: File, FileNumber: "60.10.02-0017/2026"}, {Kind: Approve, Unit: "60"},
			}},
		},
		{
			name: "e-invoice into open file is filed and approved whatever the type",
			doc:  Document{Type: "other", TypeConfidence: 0.1, EInvoice: true, FileNumber: "60.10.02-0017/2026", FileOpen: true, FileUnit: "60"},
			want: Decision{Rule: BuiltinRule, Reason: "Aktenzeichen 60.10.02-0017/2026 erkannt (Akte offen), Rechnung: Freigabe durch 60", Actions: []Action{
				{Kind: File, FileNumber: "60.10.02-0017/2026"}, {Kind: Approve, Unit: "60"},
			}},
		},
		{
			name: "unsure invoice into open file is only filed and assigned",
			doc:  Document{Type: "invoice", TypeConfidence: 0.5, FileNumber: "60.10.02-0017/2026", FileOpen: true, FileUnit: "60"},
			want: Decision{Rule: BuiltinRule, Reason: "Aktenzeichen 60.10.02-0017/2026 erkannt (Akte offen)", Actions: []Action{
				{Kind: File, FileNumber: "60.10.02-0017/2026"}, {Kind: Assign, Unit: "60"},
			}},
		},
		{
			name: "open file without unit is filed and triaged",
			doc:  Document{Type: "letter", TypeConfidence: 0.9, FileNumber: "60.10.02-0017/2026", FileOpen: true},
			want: Decision{Rule: BuiltinRule, Reason: "Aktenzeichen 60.10.02-0017/2026 erkannt (Akte offen), keine zuständige Einheit", Actions: []Action{
				{Kind: File, FileNumber: "60.10.02-0017/2026"}, {Kind: Triage},
			}, Triage: true},
		},
		{
			name: "closed file falls through to the rules",
			doc:  Document{Type: "letter", TypeConfidence: 0.9, Text: "Bauantrag", FileNumber: "63.01.01-0001/2019", FileUnit: "63"},
			want: Decision{Rule: "Erste", Reason: `Regel "Erste": Text enthält "Bauantrag"; Akte 63.01.01-0001/2019 ist geschlossen (zdA)`, Actions: []Action{{Kind: Assign, Unit: "63"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, r.Route(tt.doc))
		})
	}
}

func TestRouteNothingMatches(t *testing.T) {
	r := mustParse(t, oneRule(`{text: [bauantrag]}`))
	tests := []struct {
		name string
		doc  Document
		want Decision
	}{
		{"no rule", Document{Type: "letter", TypeConfidence: 0.9, Text: "Hallo"},
			Decision{Reason: "Keine Regel traf zu", Actions: []Action{{Kind: Triage}}, Triage: true}},
		{"closed file, no rule", Document{Type: "letter", TypeConfidence: 0.9, FileNumber: "60.10.02-0017/2026", FileUnit: "60"},
			Decision{Reason: "Akte 60.10.02-0017/2026 ist geschlossen (zdA), keine Regel traf zu", Actions: []Action{{Kind: Triage}}, Triage: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, r.Route(tt.doc))
		})
	}
	t.Run("nil rules has only the built-in rule", func(t *testing.T) {
		var nr *Rules
		assert.Equal(t, BuiltinRule, nr.Route(Document{FileNumber: "1-1/2026", FileOpen: true, FileUnit: "10"}).Rule)
		assert.True(t, nr.Route(Document{}).Triage)
	})
}

func TestRouteDoesNotShareActions(t *testing.T) {
	r := mustParse(t, orderRules)
	d := r.Route(Document{Text: "Bauantrag"})
	d.Actions[0].Unit = "99"
	assert.Equal(t, "63", r.Route(Document{Text: "Bauantrag"}).Actions[0].Unit)
}

func TestParseErrors(t *testing.T) {
	rule := func(name, when, then string) string {
		return "  - name: " + name + "\n    when: " + when + "\n    then: " + then + "\n"
	}
	ok := rule("Gut", `{text: [x]}`, `[{kind: assign, unit: "10"}]`)
	tests := []struct {
		name  string
		yaml  string
		field string // RuleError.Field, "" when not a RuleError
		index int
		msg   string // substring of the message
	}{
		{"empty file", "", "", 0, "empty rule set"},
		{"only comments", "# nichts\n", "", 0, "empty rule set"},
		{"empty list", "rules: []\n", "", 0, "empty rule set"},
		{"null rules", "rules:\n", "", 0, "empty rule set"},
		{"top-level not a mapping", "- a\n", "", 0, "a mapping with the key `rules` expected"},
		{"unknown top-level key", "regeln: []\n", "regeln", 0, "unknown key (known: rules)"},
		{"unknown rule key", "rules:\n" + ok + "  - name: Zwei\n    wenn: {text: [x]}\n    then: [{kind: triage}]\n", "wenn", 2,
			`rule 2 "Zwei" (line 6): wenn: unknown key (known: name, when, then)`},
		{"unknown condition key", "rules:\n" + rule("Farbe", `{colour: red}`, `[{kind: triage}]`), "when.colour", 1, `rule 1 "Farbe" (line 3): when.colour: unknown key`},
		{"unknown action key", "rules:\n" + rule("A", `{text: [x]}`, `[{kind: assign, unit: "10", prio: 1}]`), "then[0].prio", 1, "then[0].prio: unknown key"},
		{"file_number in action", "rules:\n" + rule("A", `{text: [x]}`, `[{kind: assign, unit: "10", file_number: "1"}]`), "then[0].file_number", 1, "unknown key"},
		{"unknown action kind", "rules:\n" + rule("A", `{text: [x]}`, `[{kind: forward, unit: "10"}]`), "then[0].kind", 1, `rule 1 "A" (line 2): then[0].kind: unknown action kind "forward"`},
		{"missing action kind", "rules:\n" + rule("A", `{text: [x]}`, `[{unit: "10"}]`), "then[0].kind", 1, "then[0].kind: missing"},
		{"file kind reserved", "rules:\n" + rule("A", `{file_number: known}`, `[{kind: file}]`), "then[0].kind", 1, "built-in file-number rule"},
		{"bad text regex", "rules:\n" + ok + rule("B", `{text: [ok, 'bau(antrag']}`, `[{kind: triage}]`), "when.text[1]", 2, `rule 2 "B" (line 5): when.text[1]: bad regex "bau(antrag"`},
		{"bad sender regex", "rules:\n" + rule("B", `{sender: '[a-'}`, `[{kind: triage}]`), "when.sender", 1, "when.sender: bad regex"},
		{"bad subject regex", "rules:\n" + rule("B", `{subject: '*x'}`, `[{kind: triage}]`), "when.subject", 1, "when.subject: bad regex"},
		{"empty text pattern", "rules:\n" + rule("B", `{text: ['']}`, `[{kind: triage}]`), "when.text[0]", 1, "empty pattern"},
		{"open_file without plan_code", "rules:\n" + rule("C", `{text: [x]}`, `[{kind: open_file, title: "X"}]`), "then[0].plan_code", 1, `rule 1 "C" (line 2): then[0].plan_code: open_file needs plan_code`},
		{"open_file bad plan_code", "rules:\n" + rule("C", `{text: [x]}`, `[{kind: open_file, plan_code: "63-01"}]`), "then[0].plan_code", 1, `"63-01" is not a dotted plan code`},
		{"open_file unknown placeholder", "rules:\n" + rule("C", `{text: [x]}`, `[{kind: open_file, plan_code: "63.01.01", title: "{date}"}]`), "then[0].title", 1, "unknown placeholder {date}"},
		{"assign without unit", "rules:\n" + rule("D", `{text: [x]}`, `[{kind: assign}]`), "then[0].unit", 1, `rule 1 "D" (line 2): then[0].unit: assign needs unit`},
		{"approve without unit", "rules:\n" + rule("D", `{einvoice: true}`, `[{kind: approve, unit: " "}]`), "then[0].unit", 1, "then[0].unit: approve needs unit"},
		{"plan_code on assign", "rules:\n" + rule("D", `{text: [x]}`, `[{kind: assign, unit: "10", plan_code: "10.01"}]`), "then[0]", 1, "plan_code and title belong to open_file"},
		{"triage with unit", "rules:\n" + rule("D", `{text: [x]}`, `[{kind: triage, unit: "10"}]`), "then[0].unit", 1, "triage takes no unit"},
		{"triage with other actions", "rules:\n" + rule("D", `{text: [x]}`, `[{kind: assign, unit: "10"}, {kind: triage}]`), "then[1]", 1, "triage must be the only action"},
		{"no actions", "rules:\n" + rule("D", `{text: [x]}`, `[]`), "then", 1, "then: no action"},
		{"duplicate names", "rules:\n" + ok + ok, "name", 2, `rule 2 "Gut" (line 5): name: duplicate; rule 1 has the same name`},
		{"missing name", "rules:\n" + rule(`""`, `{text: [x]}`, `[{kind: triage}]`), "name", 1, "name: missing"},
		{"reserved name", "rules:\n" + rule("file-number", `{text: [x]}`, `[{kind: triage}]`), "name", 1, "built-in rule's name"},
		{"no condition", "rules:\n" + rule("E", `{}`, `[{kind: triage}]`), "when", 1, `rule 1 "E" (line 2): when: no condition; write ` + "`always: true`"},
		{"no when at all", "rules:\n  - name: E\n    then: [{kind: triage}]\n", "when", 1, "no condition"},
		{"always false", "rules:\n" + rule("E", `{always: false}`, `[{kind: triage}]`), "when", 1, "no condition"},
		{"always with conditions", "rules:\n" + rule("E", `{always: true, text: [x]}`, `[{kind: triage}]`), "when.always", 1, "cannot be combined"},
		{"unknown type", "rules:\n" + rule("F", `{type: [invoce]}`, `[{kind: triage}]`), "when.type[0]", 1, `unknown document type "invoce"`},
		{"min_confidence alone", "rules:\n" + rule("F", `{min_confidence: 0.7}`, `[{kind: triage}]`), "when.min_confidence", 1, "only together with type"},
		{"min_confidence range", "rules:\n" + rule("F", `{type: [letter], min_confidence: 70}`, `[{kind: triage}]`), "when.min_confidence", 1, "outside 0..1"},
		{"confidence_below range", "rules:\n" + rule("F", `{confidence_below: 0}`, `[{kind: triage}]`), "when.confidence_below", 1, "outside 0..1"},
		{"bad file_number", "rules:\n" + rule("F", `{file_number: open}`, `[{kind: triage}]`), "when.file_number", 1, `"open": known, closed or none expected`},
		{"empty leitweg pattern", "rules:\n" + rule("F", `{leitweg_id: [""]}`, `[{kind: triage}]`), "when.leitweg_id[0]", 1, "empty pattern"},
		{"wrong value type", "rules:\n" + rule("G", `{min_confidence: hoch, type: [letter]}`, `[{kind: triage}]`), "", 0, "line 3: cannot unmarshal !!str `hoch`"},
		{"yaml syntax", "rules:\n  - name: [\n", "", 0, "yaml:"},
		{"two documents", "rules:\n" + ok + "---\nrules:\n" + ok, "", 0, "more than one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse([]byte(tt.yaml))
			require.Error(t, err)
			assert.Nil(t, r)
			assert.ErrorIs(t, err, ErrInvalidRules)
			assert.Contains(t, err.Error(), tt.msg)
			var re *RuleError
			if errors.As(err, &re) {
				assert.Equal(t, tt.field, re.Field)
				assert.Equal(t, tt.index, re.Index)
			} else {
				assert.Empty(t, tt.field, "want a *RuleError, got %v", err)
			}
		})
	}
}

func TestNew(t *testing.T) {
	conf := 0.8
	r, err := New([]Rule{{Name: "Briefe", When: Conditions{Type: Patterns{"letter"}, MinConfidence: &conf}, Then: []Action{{Kind: Assign, Unit: "10"}}}})
	require.NoError(t, err)
	assert.Equal(t, "Briefe", r.Route(Document{Type: "letter", TypeConfidence: 0.8}).Rule)
	assert.True(t, r.Route(Document{Type: "letter", TypeConfidence: 0.7}).Triage)

	_, err = New(nil)
	assert.ErrorIs(t, err, ErrInvalidRules)
	_, err = New([]Rule{{Name: "X", When: Conditions{Always: true}, Then: []Action{{Kind: "wait"}}}})
	assert.EqualError(t, err, `invalid routing rules: rule 1 "X": then[0].kind: unknown action kind "wait" (known: open_file, assign, approve, triage)`)
}

func TestMarshalRoundTrip(t *testing.T) {
	for name, src := range map[string][]byte{"order": []byte(orderRules), "example": Example()} {
		t.Run(name, func(t *testing.T) {
			r, err := Parse(src)
			require.NoError(t, err)
			out, err := r.Marshal()
			require.NoError(t, err)
			back, err := Parse(out)
			require.NoError(t, err, string(out))
			assert.Equal(t, r.List(), back.List())
			again, err := back.Marshal()
			require.NoError(t, err)
			assert.Equal(t, string(out), string(again))
		})
	}
	t.Run("unset min_confidence stays unset", func(t *testing.T) {
		r := mustParse(t, oneRule(`{type: [invoice]}`))
		out, err := r.Marshal()
		require.NoError(t, err)
		assert.NotContains(t, string(out), "min_confidence")
		assert.Contains(t, string(out), "type: [invoice]")
	})
}

func TestExample(t *testing.T) {
	r, err := Parse(Example())
	require.NoError(t, err)
	assert.Equal(t, []string{
		"E-Rechnungen an die Gemeinde", "E-Rechnung mit fremder Leitweg-ID", "Papierrechnungen", "Mahnungen",
		"Bauanträge", "Widersprüche", "Sondernutzungen", "Grundsteuer", "Beschwerden an das Ordnungsamt",
		"Typ unsicher", "Sonstige Briefe",
	}, r.Names())
	for _, rule := range r.List() {
		for _, a := range rule.Then {
			if a.Kind == OpenFile {
				assert.Regexp(t, `^\d{2}\.\d{2}\.\d{2}$`, a.PlanCode, rule.Name)
			}
		}
	}

	tests := []struct {
		name    string
		doc     Document
		rule    string
		actions []Action
	}{
		{"e-invoice to our Leitweg-ID",
			Document{Type: "invoice", TypeConfidence: 1, EInvoice: true, LeitwegID: "04011000-1234512345-06", Sender: "Bürobedarf Müller GmbH"},
			"E-Rechnungen an die Gemeinde", []Action{{Kind: Approve, Unit: "20.1"}}},
		{"e-invoice to someone else",
			Document{Type: "invoice", TypeConfidence: 1, EInvoice: true, LeitwegID: "991-33333TEST-33"},
			"E-Rechnung mit fremder Leitweg-ID", []Action{{Kind: Triage}}},
		{"paper invoice",
			Document{Type: "invoice", TypeConfidence: 0.86, Sender: "Elektro Schmidt", Text: "Rechnung Nr. 2026-114\nfür Arbeiten am Bauhof"},
			"Papierrechnungen", []Action{{Kind: Approve, Unit: "20.1"}}},
		{"paper invoice mentioning a Bauantrag is still an invoice",
			Document{Type: "invoice", TypeConfidence: 0.9, Text: "Honorar für die Erstellung der Bauantragsunterlagen"},
			"Papierrechnungen", []Action{{Kind: Approve, Unit: "20.1"}}},
		{"reminder",
			Document{Type: "reminder", TypeConfidence: 0.8, Text: "2. Mahnung\nRechnung vom 01.02.2026 ist noch offen"},
			"Mahnungen", []Action{{Kind: Assign, Unit: "20.1"}}},
		{"Bauantrag",
			Document{Type: "letter", TypeConfidence: 0.75, Sender: "Erika Mustermann", Text: "hiermit reiche ich meinen Bauantrag für ein Einfamilienhaus ein"},
			"Bauanträge", []Action{{Kind: OpenFile, PlanCode: "63.01.01", Title: "Bauantrag Erika Mustermann", Unit: "63"}, {Kind: Assign, Unit: "63"}}},
		{"Widerspruch",
			Document{Type: "letter", TypeConfidence: 0.9, Text: "Gegen Ihren Bescheid vom 3. März 2026 lege ich hiermit Widerspruch ein."},
			"Widersprüche", []Action{{Kind: Assign, Unit: "30"}}},
		{"Widerspruch as heading",
			Document{Type: "letter", TypeConfidence: 0.9, Text: "Max Muster\nMusterweg 1\n\nWiderspruch gegen den Gebührenbescheid"},
			"Widersprüche", []Action{{Kind: Assign, Unit: "30"}}},
		{"Sondernutzung",
			Document{Type: "letter", TypeConfidence: 0.8, Sender: "Café am Markt", Text: "Antrag auf Sondernutzungserlaubnis für Außengastronomie"},
			"Sondernutzungen", []Action{{Kind: OpenFile, PlanCode: "66.01.02", Title: "Sondernutzung Café am Markt", Unit: "66"}, {Kind: Assign, Unit: "66"}}},
		{"Grundsteuer",
			Document{Type: "letter", TypeConfidence: 0.7, Text: "Frage zu meinem Grundsteuerbescheid 2026"},
			"Grundsteuer", []Action{{Kind: Assign, Unit: "20"}}},
		{"Ruhestörung",
			Document{Type: "letter", TypeConfidence: 0.9, Text: "Beschwerde wegen nächtlicher Ruhestörung in der Hauptstraße"},
			"Beschwerden an das Ordnungsamt", []Action{{Kind: Assign, Unit: "32"}}},
		{"unsure type",
			Document{Type: "letter", TypeConfidence: 0.35, Text: "unleserlich"},
			"Typ unsicher", []Action{{Kind: Triage}}},
		{"plain letter",
			Document{Type: "letter", TypeConfidence: 0.92, Text: "Einladung zum Sommerfest"},
			"Sonstige Briefe", []Action{{Kind: Assign, Unit: "10"}}},
		{"letter to a known open file",
			Document{Type: "letter", TypeConfidence: 0.9, Text: "Nachreichung zum Bauantrag", FileNumber: "63.01.01-0042/2026", FileOpen: true, FileUnit: "63"},
			BuiltinRule, []Action{{Kind: File, FileNumber: "63.01.01-0042/2026"}, {Kind: Assign, Unit: "63"}}},
		{"invoice to a known open file",
			Document{Type: "invoice", TypeConfidence: 0.9, FileNumber: "60.10.02-0017/2026", FileOpen: true, FileUnit: "60"},
			BuiltinRule, []Action{{Kind: File, FileNumber: "60.10.02-0017/2026"}, {Kind: Approve, Unit: "60"}}},
		{"letter to a closed file is not a plain letter",
			Document{Type: "letter", TypeConfidence: 0.92, Text: "Rückfrage", FileNumber: "63.01.01-0003/2015", FileUnit: "63"},
			"", []Action{{Kind: Triage}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := r.Route(tt.doc)
			assert.Equal(t, tt.rule, d.Rule, d.Reason)
			assert.Equal(t, tt.actions, d.Actions)
			assert.Equal(t, tt.actions[len(tt.actions)-1].Kind == Triage, d.Triage)
			assert.NotEmpty(t, d.Reason)
		})
	}

	t.Run("a notice's instructions on appeal are no Widerspruch", func(t *testing.T) {
		d := r.Route(Document{Type: "notice", TypeConfidence: 0.9, Text: "Rechtsbehelfsbelehrung: Gegen diesen Bescheid kann innerhalb eines Monats Widerspruch erhoben werden."})
		assert.NotEqual(t, "Widersprüche", d.Rule)
	})
	t.Run("Example returns a copy", func(t *testing.T) {
		b := Example()
		b[0] = 'X'
		assert.NotEqual(t, byte('X'), Example()[0])
	})
}
