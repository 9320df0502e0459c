package approval

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const baseYAML = `stages:
  - {kind: formal, name: "formale Prüfung"}
  - {kind: factual, name: "sachlich richtig"}
  - {kind: arithmetic, name: "rechnerisch richtig", auto: true}
  - {kind: payment_order, name: "Anordnung"}
matrix:
  - {user: m.wolf, unit: "20.1", up_to: "5000"}
  - {user: k.brandt, unit: "*", up_to: "250000.00"}
second_signature_above: "25000"
excluded_units: ["20.3"]
default_unit: "20.1"
currency: EUR
deadlines:
  remind_before_discount: 72h
  remind_before_due: 120h
  escalate_after: 168h
`

func TestExampleConfigParses(t *testing.T) {
	c, err := ParseConfig(ExampleConfig())
	require.NoError(t, err)
	require.Equal(t, []StageKind{StageFormal, StageFactual, StageArithmetic, StagePaymentOrder},
		[]StageKind{c.Stages[0].Kind, c.Stages[1].Kind, c.Stages[2].Kind, c.Stages[3].Kind})
	require.True(t, c.Stages[2].Auto)
	require.Equal(t, "sachlich richtig", c.Stages[1].Name)
	require.Equal(t, "25000", c.SecondSignatureAbove)
	require.Equal(t, []string{"20.3"}, c.ExcludedUnits)
	require.Equal(t, "20.1", c.DefaultUnit)
	require.Equal(t, "EUR", c.Currency)
	require.Equal(t, DeadlineConfig{RemindBeforeDiscount: 72 * time.Hour, RemindBeforeDue: 120 * time.Hour, EscalateAfter: 168 * time.Hour}, c.Deadlines)
	require.Contains(t, c.Matrix, Limit{User: "h.albrecht", Unit: "*", UpTo: "1000000"})
	require.Contains(t, c.Matrix, Limit{User: "g.richter", Unit: "63", UpTo: "25000"})

	// The configuration travels as workflow input: JSON must round-trip.
	b, err := json.Marshal(c)
	require.NoError(t, err)
	var back Config
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, *c, back)
	require.NoError(t, back.Validate())

	// ExampleConfig hands out a copy.
	ExampleConfig()[0] = 'X'
	_, err = ParseConfig(ExampleConfig())
	require.NoError(t, err)
}

func TestParseConfigDefaults(t *testing.T) {
	y := strings.Replace(baseYAML, "currency: EUR\n", "", 1)
	y = strings.Replace(y, "second_signature_above: \"25000\"\n", "", 1)
	y = y[:strings.Index(y, "deadlines:")]
	c, err := ParseConfig([]byte(y))
	require.NoError(t, err)
	require.Equal(t, "EUR", c.Currency)
	require.Empty(t, c.SecondSignatureAbove)
	require.Zero(t, c.Deadlines)
	require.False(t, c.ArithmeticDiffersFromFactual)
}

func TestParseConfigErrors(t *testing.T) {
	rep := func(old, new string) string {
		if !strings.Contains(baseYAML, old) {
			panic("test base lacks " + old)
		}
		return strings.Replace(baseYAML, old, new, 1)
	}
	tests := []struct {
		name string
		yaml string
		want string // part of the message: the field
	}{
		{"empty", "", "empty document"},
		{"syntax", "stages: [", "yaml"},
		{"two documents", baseYAML + "---\nstages: []\n", "more than one YAML document"},
		{"unknown top key", baseYAML + "second_signature: \"1\"\n", "field second_signature not found"},
		{"unknown stage key", rep("auto: true}", "auto: true, automatic: true}"), "field automatic not found"},
		{"unknown matrix key", rep(`up_to: "5000"}`, `up_to: "5000", limit: 3}`), "field limit not found"},
		{"unknown deadline key", rep("escalate_after: 168h", "escalate_after: 168h\n  remind_after: 24h"), "field remind_after not found"},
		{"auto not a bool", rep("auto: true}", "auto: sometimes}"), "sometimes"},
		{"no stages", rep("stages:\n  - {kind: formal, name: \"formale Prüfung\"}\n  - {kind: factual, name: \"sachlich richtig\"}\n  - {kind: arithmetic, name: \"rechnerisch richtig\", auto: true}\n  - {kind: payment_order, name: \"Anordnung\"}\n", "stages: []\n"), "stages: no stages"},
		{"stage kind unknown", rep("kind: factual", "kind: sachlich"), `stages[1].kind: "sachlich" is not a stage`},
		{"stage kind missing", rep("{kind: factual, ", "{"), "stages[1].kind: missing"},
		{"stage twice", rep("kind: arithmetic", "kind: factual"), "stages[2].kind: factual appears twice"},
		{"auto on factual", rep(`name: "sachlich richtig"}`, `name: "sachlich richtig", auto: true}`), "stages[1].auto: only the arithmetic stage"},
		{"not starting with formal", rep("kind: formal", "kind: arithmetic"), "stages[2].kind: arithmetic appears twice"},
		{"first stage factual", rep("  - {kind: formal, name: \"formale Prüfung\"}\n", ""), "stages: must start with formal"},
		{"last stage not payment order", rep("kind: payment_order", "kind: arithmetic"), "appears twice"},
		{"payment order not last", rep("  - {kind: payment_order, name: \"Anordnung\"}\n", "") + "", "must end with payment_order"},
		{"factual missing", rep("  - {kind: factual, name: \"sachlich richtig\"}\n", ""), "factual (sachlich richtig) is missing"},
		{"matrix empty", rep("matrix:\n  - {user: m.wolf, unit: \"20.1\", up_to: \"5000\"}\n  - {user: k.brandt, unit: \"*\", up_to: \"250000.00\"}\n", "matrix: []\n"), "matrix: nobody may order payments"},
		{"matrix user missing", rep("user: m.wolf, ", ""), "matrix[0].user: missing"},
		{"matrix unit missing", rep(`unit: "20.1", `, ""), "matrix[0].unit: missing"},
		{"matrix up_to not decimal", rep(`up_to: "5000"`, `up_to: "5.000,00"`), `matrix[0].up_to: "5.000,00" is not a decimal`},
		{"matrix up_to missing", rep(`, up_to: "5000"`, ""), `matrix[0].up_to: "" is not a decimal`},
		{"matrix up_to negative", rep(`up_to: "5000"`, `up_to: "-1"`), `matrix[0].up_to: "-1" is negative`},
		{"matrix same user and unit twice", rep(`user: k.brandt, unit: "*"`, `user: m.wolf, unit: "20.1"`), "matrix[1]: m.wolf for unit 20.1 appears twice"},
		{"second signature not decimal", rep(`second_signature_above: "25000"`, `second_signature_above: "25 TEUR"`), `second_signature_above: "25 TEUR" is not a decimal`},
		{"second signature negative", rep(`second_signature_above: "25000"`, `second_signature_above: "-5"`), `second_signature_above: "-5" is negative`},
		{"excluded unit empty", rep(`excluded_units: ["20.3"]`, `excluded_units: ["20.3", ""]`), "excluded_units[1]: empty unit code"},
		{"default unit missing", rep(`default_unit: "20.1"`, `default_unit: ""`), "default_unit: missing"},
		{"default unit excluded", rep(`default_unit: "20.1"`, `default_unit: "20.3"`), "default_unit: 20.3 is an excluded unit"},
		{"currency", rep("currency: EUR", "currency: Euro"), `currency: "Euro" is not an ISO 4217 code`},
		{"remind_before_discount", rep("remind_before_discount: 72h", "remind_before_discount: 3 Tage"), `deadlines.remind_before_discount: "3 Tage" is not a duration`},
		{"remind_before_due", rep("remind_before_due: 120h", "remind_before_due: 5d"), `deadlines.remind_before_due: "5d" is not a duration`},
		{"escalate_after", rep("escalate_after: 168h", "escalate_after: eine Woche"), `deadlines.escalate_after: "eine Woche" is not a duration`},
		{"negative duration", rep("escalate_after: 168h", "escalate_after: -1h"), `deadlines.escalate_after: "-1h" is negative`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tt.yaml))
			require.Error(t, err)
			require.Nil(t, c)
			require.True(t, errors.Is(err, ErrInvalidConfig), "%v", err)
			require.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestValidateInCode(t *testing.T) {
	c, err := ParseConfig([]byte(baseYAML))
	require.NoError(t, err)
	c.Deadlines.RemindBeforeDue = -time.Hour
	require.ErrorContains(t, c.Validate(), "deadlines.remind_before_due: negative")
	require.ErrorIs(t, (&Config{}).Validate(), ErrInvalidConfig)
}
