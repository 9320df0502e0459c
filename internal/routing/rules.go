package routing

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Document is what routing knows about one document after OCR and
// extraction. It carries no bytes and no ids: routing decides from content
// and from what the records store said about a quoted file number.
type Document struct {
	Type           string  `json:"type"`            // extraction's doc type: invoice, letter, reminder, notice, other
	TypeConfidence float64 `json:"type_confidence"` // 0..1
	Sender         string  `json:"sender,omitempty"`
	Subject        string  `json:"subject,omitempty"`
	Text           string  `json:"text,omitempty"` // full text; text patterns are matched against it
	LeitwegID      string  `json:"leitweg_id,omitempty"`
	EInvoice       bool    `json:"einvoice,omitempty"`    // arrived as an e-invoice (XML or hybrid)
	FileNumber     string  `json:"file_number,omitempty"` // quoted file number that matched an EXISTING file, "" if none
	FileOpen       bool    `json:"file_open,omitempty"`   // that file is open (not closed/zdA)
	FileUnit       string  `json:"file_unit,omitempty"`   // that file's responsible unit
}

// ActionKind says what happens to a routed document.
type ActionKind string

const (
	// File puts the document into the recognised file. Only the built-in
	// file-number rule produces it, so a rule file can never file into a
	// closed file or into a file it does not know.
	File ActionKind = "file"
	// OpenFile opens a new file under a plan code and puts the document in.
	OpenFile ActionKind = "open_file"
	// Assign puts a task into a unit's inbox.
	Assign ActionKind = "assign"
	// Approve starts the invoice approval with the unit's factual check.
	Approve ActionKind = "approve"
	// Triage hands the document to a registrar who decides.
	Triage ActionKind = "triage"
)

// Document types produced by extraction; a rule's type condition must name
// one of them so that a typo ("invoce") fails at load time, not silently.
var knownTypes = []string{"invoice", "letter", "reminder", "notice", "other"}

// KnownTypes lists the document types a type condition may name.
func KnownTypes() []string { return append([]string(nil), knownTypes...) }

// DefaultMinConfidence is the type confidence a type condition requires
// when the rule does not set min_confidence. The built-in rule uses it too
// to decide whether a filed document is an invoice.
const DefaultMinConfidence = 0.6

// BuiltinRule is the name recorded when the built-in file-number rule decides.
const BuiltinRule = "file-number"

// Action is one step of a decision. In a rule file only kind, plan_code,
// title and unit are written; FileNumber is filled by Route for kind file.
type Action struct {
	Kind       ActionKind `yaml:"kind" json:"kind"`
	PlanCode   string     `yaml:"plan_code,omitempty" json:"plan_code,omitempty"` // open_file
	Title      string     `yaml:"title,omitempty" json:"title,omitempty"`         // open_file: template with {sender}, {subject}, {type}; expanded in a Decision
	Unit       string     `yaml:"unit,omitempty" json:"unit,omitempty"`           // assign/approve (required), open_file (optional): whose inbox gets the task
	FileNumber string     `yaml:"-" json:"file_number,omitempty"`                 // set in a Decision for kind file
}

// Decision is the outcome of routing one document. It is recorded with the
// document so that a registrar can see why it went where it went.
type Decision struct {
	Rule    string   `json:"rule"`    // rule name, BuiltinRule, or "" when nothing matched
	Reason  string   `json:"reason"`  // short German explanation
	Actions []Action `json:"actions"` // e.g. [open_file, assign], [approve], [file, assign], [triage]
	Triage  bool     `json:"triage"`
}

// Patterns is a list of strings that may be written in YAML as one scalar
// or as a sequence; conditions over it hold when any element matches.
type Patterns []string

// UnmarshalYAML accepts `x` as well as `[x, y]`.
func (p *Patterns) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var s string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*p = Patterns{s}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*p = l
	return nil
}

// Conditions of one rule. Every condition that is set must hold; a list
// holds when any of its elements does.
type Conditions struct {
	// Type holds when the document's type is one of these and its type
	// confidence is at least MinConfidence (DefaultMinConfidence if unset).
	Type          Patterns `yaml:"type,omitempty,flow" json:"type,omitempty"`
	MinConfidence *float64 `yaml:"min_confidence,omitempty" json:"min_confidence,omitempty"`
	// ConfidenceBelow holds when the type confidence is below it, whatever
	// the type; it expresses "extraction is unsure" (usually → triage).
	ConfidenceBelow *float64 `yaml:"confidence_below,omitempty" json:"confidence_below,omitempty"`
	Sender          string   `yaml:"sender,omitempty" json:"sender,omitempty"`   // regex, case-insensitive
	Subject         string   `yaml:"subject,omitempty" json:"subject,omitempty"` // regex, case-insensitive
	Text            Patterns `yaml:"text,omitempty" json:"text,omitempty"`       // regexes, case-insensitive, any
	LeitwegID       Patterns `yaml:"leitweg_id,omitempty,flow" json:"leitweg_id,omitempty"`
	EInvoice        *bool    `yaml:"einvoice,omitempty" json:"einvoice,omitempty"`
	// FileNumber is "known" (a recognised existing file, open or closed),
	// "closed" (recognised and closed) or "none" (no file recognised). An
	// open recognised file never reaches the rules: the built-in rule wins.
	FileNumber string `yaml:"file_number,omitempty" json:"file_number,omitempty"`
	// Always must be set for a rule without conditions, so that a catch-all
	// is written on purpose and not by forgetting `when`.
	Always bool `yaml:"always,omitempty" json:"always,omitempty"`
}

func (c Conditions) empty() bool {
	return len(c.Type) == 0 && c.MinConfidence == nil && c.ConfidenceBelow == nil &&
		c.Sender == "" && c.Subject == "" && len(c.Text) == 0 && len(c.LeitwegID) == 0 &&
		c.EInvoice == nil && c.FileNumber == ""
}

// Rule is one named routing rule as written in the rule file.
type Rule struct {
	Name string     `yaml:"name" json:"name"`
	When Conditions `yaml:"when" json:"when"`
	Then []Action   `yaml:"then" json:"then"`
}

// ruleFile is the document shape of a rule file.
type ruleFile struct {
	Rules []Rule `yaml:"rules"`
}

// Rules is a parsed and validated rule set. It is immutable and safe for
// concurrent use.
type Rules struct {
	rules []compiled
}

type compiled struct {
	Rule
	minConf float64
	sender  *regexp.Regexp
	subject *regexp.Regexp
	text    []*regexp.Regexp
	leitweg []*regexp.Regexp
}

// ErrInvalidRules is matched (errors.Is) by every error Parse and New return
// for a rule set that cannot be used.
var ErrInvalidRules = errors.New("invalid routing rules")

// RuleError locates a problem in a rule set: the rule (1-based index and
// name), its line in the rule file when known, and the field.
type RuleError struct {
	Index int    // 1-based; 0 for a problem of the whole file
	Name  string // rule name, if it has one
	Line  int    // line in the YAML file, 0 if unknown
	Field string // e.g. "when.text[1]", "then[0].plan_code"
	Msg   string
}

func (e *RuleError) Error() string {
	var b strings.Builder
	b.WriteString(ErrInvalidRules.Error())
	b.WriteString(": ")
	if e.Index > 0 {
		fmt.Fprintf(&b, "rule %d", e.Index)
		if e.Name != "" {
			fmt.Fprintf(&b, " %q", e.Name)
		}
		if e.Line > 0 {
			fmt.Fprintf(&b, " (line %d)", e.Line)
		}
		b.WriteString(": ")
	} else if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is makes errors.Is(err, ErrInvalidRules) true.
func (e *RuleError) Is(target error) bool { return target == ErrInvalidRules }

// Parse reads a rule file:
//
//	rules:
//	  - name: Bauanträge
//	    when: {text: ['\bbauantr(a|ä)g']}
//	    then:
//	      - {kind: open_file, plan_code: "63.01.01", title: "Bauantrag {sender}"}
//	      - {kind: assign, unit: "63"}
//
// Unknown keys, unknown action kinds, bad regular expressions, missing
// plan codes or units, duplicate names and rules without a condition are
// errors (*RuleError, matching ErrInvalidRules).
func Parse(yamlBytes []byte) (*Rules, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(yamlBytes, &root); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRules, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, &RuleError{Msg: "empty rule set"}
	}
	lines, err := checkKeys(root.Content[0])
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(yamlBytes))
	dec.KnownFields(true)
	var f ruleFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRules, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &RuleError{Msg: "more than one YAML document; put all rules under one `rules:` key"}
	}
	return build(f.Rules, lines)
}

// New validates rules given as Go values, with the same checks as Parse.
func New(rules []Rule) (*Rules, error) { return build(rules, nil) }

// Names lists the rule names in evaluation order.
func (r *Rules) Names() []string {
	if r == nil {
		return nil
	}
	out := make([]string, len(r.rules))
	for i, c := range r.rules {
		out[i] = c.Name
	}
	return out
}

// List returns a copy of the rules as written, in evaluation order.
func (r *Rules) List() []Rule {
	if r == nil {
		return nil
	}
	out := make([]Rule, len(r.rules))
	for i, c := range r.rules {
		out[i] = c.Rule
		out[i].Then = append([]Action(nil), c.Then...)
	}
	return out
}

// Marshal writes the rule set in the rule-file format; Parse reads it back
// into an equal rule set.
func (r *Rules) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(ruleFile{Rules: r.List()}); err != nil {
		return nil, fmt.Errorf("marshal routing rules: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("marshal routing rules: %w", err)
	}
	return buf.Bytes(), nil
}

//go:embed example.yaml
var example []byte

// Example returns the sample rule file of a municipality (Gemeinde
// Musterstadt) whose units and plan codes follow the sample file plan.
func Example() []byte { return append([]byte(nil), example...) }

// checkKeys walks the YAML tree and reports unknown keys with the rule they
// belong to, which the decoder's KnownFields error cannot name. It returns
// the line of every rule for later messages.
func checkKeys(doc *yaml.Node) ([]int, error) {
	if doc.Kind != yaml.MappingNode {
		return nil, &RuleError{Line: doc.Line, Msg: "a mapping with the key `rules` expected"}
	}
	if err := unknownKeys(doc, reflect.TypeOf(ruleFile{}), 0, "", ""); err != nil {
		return nil, err
	}
	var rules *yaml.Node
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "rules" {
			rules = doc.Content[i+1]
		}
	}
	if rules == nil || (rules.Kind == yaml.ScalarNode && rules.Tag == "!!null") {
		return nil, &RuleError{Line: doc.Line, Msg: "empty rule set"}
	}
	if rules.Kind != yaml.SequenceNode {
		return nil, &RuleError{Line: rules.Line, Field: "rules", Msg: "a list of rules expected"}
	}
	lines := make([]int, len(rules.Content))
	for i, rn := range rules.Content {
		lines[i] = rn.Line
		if rn.Kind != yaml.MappingNode {
			return nil, &RuleError{Index: i + 1, Line: rn.Line, Msg: "a mapping with name, when and then expected"}
		}
		name := ""
		for j := 0; j+1 < len(rn.Content); j += 2 {
			if rn.Content[j].Value == "name" {
				name = rn.Content[j+1].Value
			}
		}
		if err := unknownKeys(rn, reflect.TypeOf(Rule{}), i+1, name, ""); err != nil {
			return nil, err
		}
		for j := 0; j+1 < len(rn.Content); j += 2 {
			key, val := rn.Content[j].Value, rn.Content[j+1]
			switch {
			case key == "when" && val.Kind == yaml.MappingNode:
				if err := unknownKeys(val, reflect.TypeOf(Conditions{}), i+1, name, "when."); err != nil {
					return nil, err
				}
			case key == "then" && val.Kind == yaml.SequenceNode:
				for k, an := range val.Content {
					if an.Kind != yaml.MappingNode {
						continue // a bare `- triage` is decoded below and rejected there
					}
					if err := unknownKeys(an, reflect.TypeOf(Action{}), i+1, name, fmt.Sprintf("then[%d].", k)); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	return lines, nil
}

func unknownKeys(m *yaml.Node, t reflect.Type, index int, name, prefix string) error {
	known := yamlKeys(t)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if !contains(known, k.Value) {
			return &RuleError{Index: index, Name: name, Line: k.Line, Field: prefix + k.Value,
				Msg: fmt.Sprintf("unknown key (known: %s)", strings.Join(known, ", "))}
		}
	}
	return nil
}

// yamlKeys lists the YAML keys of a struct from its tags, so the key check
// cannot drift from the types.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || name == "" {
			continue
		}
		keys = append(keys, name)
	}
	return keys
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

var (
	planCodeRE    = regexp.MustCompile(`^[0-9]{1,4}(\.[0-9]{1,4})*$`)
	placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)
)

// build validates rules and compiles their patterns. lines (may be nil) are
// the rules' lines in the rule file.
func build(rules []Rule, lines []int) (*Rules, error) {
	if len(rules) == 0 {
		return nil, &RuleError{Msg: "empty rule set"}
	}
	out := &Rules{rules: make([]compiled, 0, len(rules))}
	seen := make(map[string]int, len(rules))
	for i, rule := range rules {
		line := 0
		if i < len(lines) {
			line = lines[i]
		}
		fail := func(field, format string, args ...any) error {
			return &RuleError{Index: i + 1, Name: rule.Name, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
		}
		rule.Name = strings.TrimSpace(rule.Name)
		switch {
		case rule.Name == "":
			return nil, fail("name", "missing")
		case rule.Name == BuiltinRule:
			return nil, fail("name", "%q is the built-in rule's name", BuiltinRule)
		}
		if prev, ok := seen[rule.Name]; ok {
			return nil, fail("name", "duplicate; rule %d has the same name", prev)
		}
		seen[rule.Name] = i + 1
		c := compiled{Rule: rule, minConf: DefaultMinConfidence}
		w := rule.When

		if w.empty() && !w.Always {
			return nil, fail("when", "no condition; write `always: true` for a rule that matches every document")
		}
		if w.Always && !w.empty() {
			return nil, fail("when.always", "cannot be combined with other conditions")
		}
		for j, t := range w.Type {
			if !contains(knownTypes, t) {
				return nil, fail(fmt.Sprintf("when.type[%d]", j), "unknown document type %q (known: %s)", t, strings.Join(knownTypes, ", "))
			}
		}
		if w.MinConfidence != nil {
			if len(w.Type) == 0 {
				return nil, fail("when.min_confidence", "applies only together with type; use confidence_below for unsure documents")
			}
			if *w.MinConfidence < 0 || *w.MinConfidence > 1 {
				return nil, fail("when.min_confidence", "%v is outside 0..1", *w.MinConfidence)
			}
			c.minConf = *w.MinConfidence
		}
		if w.ConfidenceBelow != nil && (*w.ConfidenceBelow <= 0 || *w.ConfidenceBelow > 1) {
			return nil, fail("when.confidence_below", "%v is outside 0..1 (0 would never hold)", *w.ConfidenceBelow)
		}
		var err error
		if c.sender, err = compileRegex(w.Sender); err != nil {
			return nil, fail("when.sender", "%v", err)
		}
		if c.subject, err = compileRegex(w.Subject); err != nil {
			return nil, fail("when.subject", "%v", err)
		}
		for j, p := range w.Text {
			if p == "" {
				return nil, fail(fmt.Sprintf("when.text[%d]", j), "empty pattern would match every document")
			}
			re, err := compileRegex(p)
			if err != nil {
				return nil, fail(fmt.Sprintf("when.text[%d]", j), "%v", err)
			}
			c.text = append(c.text, re)
		}
		for j, g := range w.LeitwegID {
			if strings.TrimSpace(g) == "" {
				return nil, fail(fmt.Sprintf("when.leitweg_id[%d]", j), "empty pattern")
			}
			c.leitweg = append(c.leitweg, compileGlob(g))
		}
		switch w.FileNumber {
		case "", "known", "closed", "none":
		default:
			return nil, fail("when.file_number", "%q: known, closed or none expected", w.FileNumber)
		}

		if len(rule.Then) == 0 {
			return nil, fail("then", "no action")
		}
		for j, a := range rule.Then {
			field := fmt.Sprintf("then[%d]", j)
			if err := checkAction(a, len(rule.Then)); err != nil {
				return nil, fail(field+err.field, "%s", err.msg)
			}
		}
		c.Then = append([]Action(nil), rule.Then...)
		out.rules = append(out.rules, c)
	}
	return out, nil
}

type actionError struct{ field, msg string }

func checkAction(a Action, n int) *actionError {
	switch a.Kind {
	case OpenFile:
		if a.PlanCode == "" {
			return &actionError{".plan_code", "open_file needs plan_code"}
		}
		if !planCodeRE.MatchString(a.PlanCode) {
			return &actionError{".plan_code", fmt.Sprintf("%q is not a dotted plan code like 63.01.01", a.PlanCode)}
		}
		for _, ph := range placeholderRE.FindAllString(a.Title, -1) {
			switch ph {
			case "{sender}", "{subject}", "{type}":
			default:
				return &actionError{".title", fmt.Sprintf("unknown placeholder %s (known: {sender}, {subject}, {type})", ph)}
			}
		}
		return nil
	case Assign, Approve:
		if strings.TrimSpace(a.Unit) == "" {
			return &actionError{".unit", fmt.Sprintf("%s needs unit", a.Kind)}
		}
	case Triage:
		if n > 1 {
			return &actionError{"", "triage must be the only action of a rule"}
		}
	case File:
		return &actionError{".kind", "file is done only by the built-in file-number rule (recognised open file); use open_file or assign"}
	case "":
		return &actionError{".kind", "missing"}
	default:
		return &actionError{".kind", fmt.Sprintf("unknown action kind %q (known: open_file, assign, approve, triage)", a.Kind)}
	}
	if a.PlanCode != "" || a.Title != "" {
		return &actionError{"", fmt.Sprintf("plan_code and title belong to open_file, not %s", a.Kind)}
	}
	if a.Kind == Triage && a.Unit != "" {
		return &actionError{".unit", "triage takes no unit; the registrars decide"}
	}
	return nil
}

func compileRegex(p string) (*regexp.Regexp, error) {
	if p == "" {
		return nil, nil
	}
	re, err := regexp.Compile("(?i)" + p)
	if err != nil {
		return nil, fmt.Errorf("bad regex %q: %v", p, err)
	}
	return re, nil
}

// compileGlob turns a pattern whose only wildcard is * into an anchored,
// case-insensitive regexp; every other character is literal.
func compileGlob(g string) *regexp.Regexp {
	parts := strings.Split(strings.TrimSpace(g), "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("(?i)^" + strings.Join(parts, ".*") + "$")
}
