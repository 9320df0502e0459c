package approval

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/aktenfluss/aktenfluss/internal/einvoice"
)

// StageKind names a stage of the approval.
type StageKind string

// The stages a Dienstanweisung can put in order.
const (
	// StageFormal is the formal check of the e-invoice (validation against
	// EN 16931 and XRechnung). It is automatic and never a person's stage:
	// an invoice that reaches approval has passed it.
	StageFormal StageKind = "formal"
	// StageFactual is "sachlich richtig": the ordering unit confirms that
	// delivery or performance was as invoiced.
	StageFactual StageKind = "factual"
	// StageArithmetic is "rechnerisch richtig": amounts, VAT and the
	// contractual basis are right.
	StageArithmetic StageKind = "arithmetic"
	// StagePaymentOrder is the Anordnung: the order to the treasury to pay.
	StagePaymentOrder StageKind = "payment_order"
)

// Stage is one step of the approval, in the order of Config.Stages.
type Stage struct {
	Kind StageKind `yaml:"kind" json:"kind"`
	Name string    `yaml:"name,omitempty" json:"name,omitempty"` // German label, e.g. "sachlich richtig"
	// Auto (arithmetic only): the stage is settled without a person when
	// the e-invoice's calculation rules (EN 16931 BR-CO-*) passed.
	Auto bool `yaml:"auto,omitempty" json:"auto,omitempty"`
}

// Limit is one line of the approval matrix: User may order payments for
// Unit ("*" = every unit) up to UpTo (inclusive, in Config.Currency).
// Several lines for the same user and unit: the highest counts.
type Limit struct {
	User string `yaml:"user" json:"user"`
	Unit string `yaml:"unit" json:"unit"`
	UpTo string `yaml:"up_to" json:"up_to"` // decimal, e.g. "5000" or "25000.00"
}

// AnyUnit in Limit.Unit gives the limit for every unit.
const AnyUnit = "*"

// DeadlineConfig says when people are reminded and when an undecided
// stage escalates. Zero disables the respective timer.
type DeadlineConfig struct {
	// RemindBeforeDiscount: remind this long before the early-payment
	// discount (Skonto) runs out.
	RemindBeforeDiscount time.Duration `json:"remind_before_discount,omitempty"`
	// RemindBeforeDue: remind this long before the due date.
	RemindBeforeDue time.Duration `json:"remind_before_due,omitempty"`
	// EscalateAfter: a stage without a decision for this long goes to the
	// unit lead (records.Organisation.EscalationTarget).
	EscalateAfter time.Duration `json:"escalate_after,omitempty"`
}

// Config is one Land's (or one body's) Dienstanweisung for invoices: the
// stages, who may order payments up to which amount, and the deadlines.
// It travels as workflow input, so every field has a JSON tag; decimals
// stay strings.
type Config struct {
	Stages []Stage `json:"stages"`
	Matrix []Limit `json:"matrix"`
	// SecondSignatureAbove: a payment order for more than this amount
	// needs two signatures by different people ("" = never).
	SecondSignatureAbove string `json:"second_signature_above,omitempty"`
	// ExcludedUnits: members of these units decide no stage (the treasury:
	// who pays does not order or certify).
	ExcludedUnits []string `json:"excluded_units,omitempty"`
	// ArithmeticDiffersFromFactual: the arithmetic approver must not be the
	// factual approver. The law does not require it; some bodies do.
	ArithmeticDiffersFromFactual bool           `json:"arithmetic_differs_from_factual,omitempty"`
	Deadlines                    DeadlineConfig `json:"deadlines"`
	// DefaultUnit receives invoices whose buyer reference (Leitweg-ID)
	// names no unit; it is the invoice-receipt unit and may also certify
	// arithmetic correctness.
	DefaultUnit string `json:"default_unit"`
	// Currency of the matrix and threshold amounts; default EUR.
	Currency string `json:"currency,omitempty"`
}

// ErrInvalidConfig is wrapped by every error of ParseConfig and Validate.
var ErrInvalidConfig = errors.New("invalid approval configuration")

// configFile is the YAML form: durations are strings there, so a bad one
// is reported with its field name.
type configFile struct {
	Stages                       []Stage       `yaml:"stages"`
	Matrix                       []Limit       `yaml:"matrix"`
	SecondSignatureAbove         string        `yaml:"second_signature_above"`
	ExcludedUnits                []string      `yaml:"excluded_units"`
	ArithmeticDiffersFromFactual bool          `yaml:"arithmetic_differs_from_factual"`
	Deadlines                    deadlinesFile `yaml:"deadlines"`
	DefaultUnit                  string        `yaml:"default_unit"`
	Currency                     string        `yaml:"currency"`
}

type deadlinesFile struct {
	RemindBeforeDiscount string `yaml:"remind_before_discount"`
	RemindBeforeDue      string `yaml:"remind_before_due"`
	EscalateAfter        string `yaml:"escalate_after"`
}

// ParseConfig reads a Dienstanweisung in YAML (see ExampleConfig). Unknown
// keys, a second document, malformed decimals or durations and an
// impossible stage order are errors wrapping ErrInvalidConfig that name
// the field.
func ParseConfig(yamlBytes []byte) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(yamlBytes))
	dec.KnownFields(true) // a misspelt key is an error, not a silent default
	var f configFile
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: empty document", ErrInvalidConfig)
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: more than one YAML document", ErrInvalidConfig)
	}
	c := &Config{
		Stages:                       f.Stages,
		Matrix:                       f.Matrix,
		SecondSignatureAbove:         strings.TrimSpace(f.SecondSignatureAbove),
		ExcludedUnits:                f.ExcludedUnits,
		ArithmeticDiffersFromFactual: f.ArithmeticDiffersFromFactual,
		DefaultUnit:                  strings.TrimSpace(f.DefaultUnit),
		Currency:                     strings.TrimSpace(f.Currency),
	}
	var err error
	for _, d := range []struct {
		field string
		in    string
		out   *time.Duration
	}{
		{"deadlines.remind_before_discount", f.Deadlines.RemindBeforeDiscount, &c.Deadlines.RemindBeforeDiscount},
		{"deadlines.remind_before_due", f.Deadlines.RemindBeforeDue, &c.Deadlines.RemindBeforeDue},
		{"deadlines.escalate_after", f.Deadlines.EscalateAfter, &c.Deadlines.EscalateAfter},
	} {
		if *d.out, err = parseDuration(d.field, d.in); err != nil {
			return nil, err
		}
	}
	if c.Currency == "" {
		c.Currency = "EUR"
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func parseDuration(field, s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %s: %q is not a duration (write e.g. 72h or 90m)", ErrInvalidConfig, field, s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%w: %s: %q is negative", ErrInvalidConfig, field, s)
	}
	return d, nil
}

// Validate checks a configuration built in code or read from history with
// the same rules as ParseConfig.
func (c *Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
	}
	if len(c.Stages) == 0 {
		return bad("stages", "no stages")
	}
	seen := map[StageKind]int{}
	for i, s := range c.Stages {
		field := fmt.Sprintf("stages[%d].kind", i)
		switch s.Kind {
		case StageFormal, StageFactual, StageArithmetic, StagePaymentOrder:
		case "":
			return bad(field, "missing (formal, factual, arithmetic or payment_order)")
		default:
			return bad(field, "%q is not a stage (formal, factual, arithmetic or payment_order)", s.Kind)
		}
		if j, dup := seen[s.Kind]; dup {
			return bad(field, "%s appears twice (also stages[%d])", s.Kind, j)
		}
		seen[s.Kind] = i
		if s.Auto && s.Kind != StageArithmetic {
			return bad(fmt.Sprintf("stages[%d].auto", i), "only the arithmetic stage can be automatic")
		}
	}
	if c.Stages[0].Kind != StageFormal {
		return bad("stages", "must start with formal, not %s", c.Stages[0].Kind)
	}
	if last := c.Stages[len(c.Stages)-1].Kind; last != StagePaymentOrder {
		return bad("stages", "must end with payment_order, not %s", last)
	}
	if _, ok := seen[StageFactual]; !ok {
		return bad("stages", "factual (sachlich richtig) is missing; it must come before payment_order")
	}
	if len(c.Matrix) == 0 {
		return bad("matrix", "nobody may order payments")
	}
	type key struct{ user, unit string }
	lines := map[key]int{}
	for i, l := range c.Matrix {
		field := fmt.Sprintf("matrix[%d]", i)
		if strings.TrimSpace(l.User) == "" {
			return bad(field+".user", "missing")
		}
		if strings.TrimSpace(l.Unit) == "" {
			return bad(field+".unit", "missing (a unit code or %q)", AnyUnit)
		}
		d, err := einvoice.ParseDecimal(l.UpTo)
		if err != nil {
			return bad(field+".up_to", "%q is not a decimal amount (write e.g. \"5000\" or \"5000.00\")", l.UpTo)
		}
		if d.Sign() < 0 {
			return bad(field+".up_to", "%q is negative", l.UpTo)
		}
		k := key{l.User, l.Unit}
		if j, dup := lines[k]; dup {
			return bad(field, "%s for unit %s appears twice (also matrix[%d])", l.User, l.Unit, j)
		}
		lines[k] = i
	}
	if c.SecondSignatureAbove != "" {
		d, err := einvoice.ParseDecimal(c.SecondSignatureAbove)
		if err != nil {
			return bad("second_signature_above", "%q is not a decimal amount", c.SecondSignatureAbove)
		}
		if d.Sign() < 0 {
			return bad("second_signature_above", "%q is negative", c.SecondSignatureAbove)
		}
	}
	for i, u := range c.ExcludedUnits {
		if strings.TrimSpace(u) == "" {
			return bad(fmt.Sprintf("excluded_units[%d]", i), "empty unit code")
		}
	}
	if c.DefaultUnit == "" {
		return bad("default_unit", "missing (the invoice-receipt unit)")
	}
	if slices.Contains(c.ExcludedUnits, c.DefaultUnit) {
		return bad("default_unit", "%s is an excluded unit", c.DefaultUnit)
	}
	if c.Currency != "" && (len(c.Currency) != 3 || strings.ToUpper(c.Currency) != c.Currency) {
		return bad("currency", "%q is not an ISO 4217 code such as EUR", c.Currency)
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{
		{"deadlines.remind_before_discount", c.Deadlines.RemindBeforeDiscount},
		{"deadlines.remind_before_due", c.Deadlines.RemindBeforeDue},
		{"deadlines.escalate_after", c.Deadlines.EscalateAfter},
	} {
		if d.v < 0 {
			return bad(d.field, "negative")
		}
	}
	return nil
}

// Stage returns the configured stage of a kind.
func (c *Config) Stage(kind StageKind) (Stage, bool) {
	for _, s := range c.Stages {
		if s.Kind == kind {
			return s, true
		}
	}
	return Stage{}, false
}

// currency is the configured currency, EUR when unset.
func (c *Config) currency() string {
	if c.Currency == "" {
		return "EUR"
	}
	return c.Currency
}

//go:embed example.yaml
var example []byte

// ExampleConfig returns the Dienstanweisung of the demo municipality
// (Beispielgemeinde); ParseConfig accepts it.
func ExampleConfig() []byte { return append([]byte(nil), example...) }
