package records

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// PlanNode is one position of the file plan (Aktenplan): a dotted code such
// as 60.10.02, its title, how long files under it are kept after closing, and
// the unit that is responsible (Federführung). Files are opened under a node;
// the parent of 60.10.02 is 60.10, of 60.10 it is 60.
type PlanNode struct {
	Code           string `yaml:"code" json:"code"`
	Title          string `yaml:"title" json:"title"`
	RetentionYears int    `yaml:"retention_years,omitempty" json:"retention_years,omitempty"` // 0: inherited from the parent
	Unit           string `yaml:"unit,omitempty" json:"unit,omitempty"`                       // "": inherited from the parent
	// Children is used only in the nested YAML form; FilePlan.Nodes is flat.
	Children []PlanNode `yaml:"children,omitempty" json:"-"`
}

// Parent is the code of the node above, "" for a top-level node.
func (n PlanNode) Parent() string {
	i := strings.LastIndexByte(n.Code, '.')
	if i < 0 {
		return ""
	}
	return n.Code[:i]
}

// Level is 1 for a top-level code (60), 2 for 60.10 and so on.
func (n PlanNode) Level() int { return strings.Count(n.Code, ".") + 1 }

// FilePlan is the whole Aktenplan, flat and sorted by code.
type FilePlan struct {
	Nodes []PlanNode `json:"nodes"`
}

// ErrBadPlan is returned (wrapped) for a file plan that cannot be used.
var ErrBadPlan = errors.New("invalid file plan")

// ValidatePlanCode checks the shape of a code: one or more groups of digits
// separated by dots, e.g. 60, 60.10, 60.10.02. Leading zeros are kept as
// written; 60.1 and 60.01 are different codes.
func ValidatePlanCode(code string) error {
	if code == "" {
		return fmt.Errorf("%w: empty plan code", ErrBadPlan)
	}
	for _, g := range strings.Split(code, ".") {
		if g == "" || len(g) > 4 {
			return fmt.Errorf("%w: plan code %q: groups of 1 to 4 digits separated by dots expected", ErrBadPlan, code)
		}
		for _, c := range g {
			if c < '0' || c > '9' {
				return fmt.Errorf("%w: plan code %q: groups of 1 to 4 digits separated by dots expected", ErrBadPlan, code)
			}
		}
	}
	return nil
}

// NewFilePlan flattens, sorts and validates nodes: codes well formed and
// unique, every parent present, titles non-empty, retention 0 to 100 years,
// and every top-level node with a retention period and a unit, so that every
// node has an effective one.
func NewFilePlan(nodes []PlanNode) (FilePlan, error) {
	var flat []PlanNode
	var walk func(ns []PlanNode)
	walk = func(ns []PlanNode) {
		for _, n := range ns {
			kids := n.Children
			n.Children = nil
			n.Code = strings.TrimSpace(n.Code)
			n.Title = strings.TrimSpace(n.Title)
			n.Unit = strings.TrimSpace(n.Unit)
			flat = append(flat, n)
			walk(kids)
		}
	}
	walk(nodes)
	if len(flat) == 0 {
		return FilePlan{}, fmt.Errorf("%w: no nodes", ErrBadPlan)
	}
	seen := make(map[string]bool, len(flat))
	for _, n := range flat {
		if err := ValidatePlanCode(n.Code); err != nil {
			return FilePlan{}, err
		}
		if seen[n.Code] {
			return FilePlan{}, fmt.Errorf("%w: plan code %s appears twice", ErrBadPlan, n.Code)
		}
		seen[n.Code] = true
		if n.Title == "" {
			return FilePlan{}, fmt.Errorf("%w: plan code %s has no title", ErrBadPlan, n.Code)
		}
		if n.RetentionYears < 0 || n.RetentionYears > 100 {
			return FilePlan{}, fmt.Errorf("%w: plan code %s: retention of %d years is outside 0..100", ErrBadPlan, n.Code, n.RetentionYears)
		}
	}
	for _, n := range flat {
		if p := n.Parent(); p != "" && !seen[p] {
			return FilePlan{}, fmt.Errorf("%w: plan code %s: parent %s is missing", ErrBadPlan, n.Code, p)
		}
		if n.Parent() == "" && (n.RetentionYears == 0 || n.Unit == "") {
			return FilePlan{}, fmt.Errorf("%w: top-level plan code %s needs retention_years and unit (lower levels inherit them)", ErrBadPlan, n.Code)
		}
	}
	sort.Slice(flat, func(i, j int) bool { return lessCode(flat[i].Code, flat[j].Code) })
	return FilePlan{Nodes: flat}, nil
}

// lessCode orders codes numerically group by group: 2 < 10, 60 < 60.10.
func lessCode(a, b string) bool {
	ag, bg := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(ag) && i < len(bg); i++ {
		if ag[i] == bg[i] {
			continue
		}
		ai, _ := strconv.Atoi(ag[i])
		bi, _ := strconv.Atoi(bg[i])
		if ai != bi {
			return ai < bi
		}
		return ag[i] < bg[i]
	}
	return len(ag) < len(bg)
}

// Node returns the node with a code.
func (p FilePlan) Node(code string) (PlanNode, bool) {
	i := sort.Search(len(p.Nodes), func(i int) bool { return !lessCode(p.Nodes[i].Code, code) })
	if i < len(p.Nodes) && p.Nodes[i].Code == code {
		return p.Nodes[i], true
	}
	return PlanNode{}, false
}

// Effective returns the node with its retention period and unit filled in
// from the nearest ancestor that sets them.
func (p FilePlan) Effective(code string) (PlanNode, bool) {
	n, ok := p.Node(code)
	if !ok {
		return PlanNode{}, false
	}
	for c := n.Parent(); (n.RetentionYears == 0 || n.Unit == "") && c != ""; {
		a, _ := p.Node(c)
		if n.RetentionYears == 0 {
			n.RetentionYears = a.RetentionYears
		}
		if n.Unit == "" {
			n.Unit = a.Unit
		}
		c = a.Parent()
	}
	return n, true
}

// Children lists the direct children of a code ("" for the top level).
func (p FilePlan) Children(code string) []PlanNode {
	var out []PlanNode
	for _, n := range p.Nodes {
		if n.Parent() == code {
			out = append(out, n)
		}
	}
	return out
}

// Tree returns the nodes nested by code, as written to YAML.
func (p FilePlan) Tree() []PlanNode {
	var build func(code string) []PlanNode
	build = func(code string) []PlanNode {
		kids := p.Children(code)
		for i := range kids {
			kids[i].Children = build(kids[i].Code)
		}
		return kids
	}
	return build("")
}

type planYAML struct {
	Plan []PlanNode `yaml:"plan"`
}

// ParsePlanYAML reads a file plan written as nested YAML:
//
//	plan:
//	  - code: "60"
//	    title: Bauverwaltung
//	    retention_years: 10
//	    unit: "60"
//	    children:
//	      - code: "60.10"
//	        title: Bauleitplanung
//
// Codes must be quoted when they could read as numbers (60.10 is a float in
// YAML); unquoted numbers are refused rather than guessed.
func ParsePlanYAML(b []byte) (FilePlan, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return FilePlan{}, fmt.Errorf("%w: yaml: %v", ErrBadPlan, err)
	}
	if err := checkQuotedCodes(&doc); err != nil {
		return FilePlan{}, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var y planYAML
	if err := dec.Decode(&y); err != nil {
		return FilePlan{}, fmt.Errorf("%w: yaml: %v", ErrBadPlan, err)
	}
	return NewFilePlan(y.Plan)
}

// checkQuotedCodes refuses code: 60.10 (a YAML float that would become
// "60.1") so that a plan never silently loses a digit.
func checkQuotedCodes(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "code" && v.Kind == yaml.ScalarNode && v.Style == 0 && v.Tag == "!!float" {
				return fmt.Errorf("%w: line %d: plan code %s must be quoted (\"%s\"), or YAML reads it as a number", ErrBadPlan, v.Line, v.Value, v.Value)
			}
		}
	}
	for _, c := range n.Content {
		if err := checkQuotedCodes(c); err != nil {
			return err
		}
	}
	return nil
}

// MarshalYAML writes the plan nested, with codes quoted.
func (p FilePlan) MarshalYAML() ([]byte, error) {
	var quote func(ns []PlanNode) []*yaml.Node
	quote = func(ns []PlanNode) []*yaml.Node {
		var out []*yaml.Node
		for _, n := range ns {
			m := &yaml.Node{Kind: yaml.MappingNode}
			add := func(k string, v *yaml.Node) {
				m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, v)
			}
			add("code", &yaml.Node{Kind: yaml.ScalarNode, Value: n.Code, Style: yaml.DoubleQuotedStyle})
			add("title", &yaml.Node{Kind: yaml.ScalarNode, Value: n.Title})
			if n.RetentionYears != 0 {
				add("retention_years", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(n.RetentionYears)})
			}
			if n.Unit != "" {
				add("unit", &yaml.Node{Kind: yaml.ScalarNode, Value: n.Unit, Style: yaml.DoubleQuotedStyle})
			}
			if len(n.Children) > 0 {
				add("children", &yaml.Node{Kind: yaml.SequenceNode, Content: quote(n.Children)})
			}
			out = append(out, m)
		}
		return out
	}
	root := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "plan"},
		{Kind: yaml.SequenceNode, Content: quote(p.Tree())},
	}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

var planCSVHeader = []string{"code", "title", "retention_years", "unit"}

// ParsePlanCSV reads a flat plan: a header row code,title,retention_years,unit
// (in that order; ";" or "," as separator, as spreadsheets export it), then
// one row per node in any order.
func ParsePlanCSV(b []byte) (FilePlan, error) {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	sep := ','
	if first, _, _ := bytes.Cut(b, []byte("\n")); bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		sep = ';'
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = sep
	r.FieldsPerRecord = len(planCSVHeader)
	head, err := r.Read()
	if err != nil {
		return FilePlan{}, fmt.Errorf("%w: csv header: %v", ErrBadPlan, err)
	}
	for i, h := range planCSVHeader {
		if strings.ToLower(strings.TrimSpace(head[i])) != h {
			return FilePlan{}, fmt.Errorf("%w: csv header: column %d is %q, want %q (header: %s)", ErrBadPlan, i+1, head[i], h, strings.Join(planCSVHeader, ","))
		}
	}
	var nodes []PlanNode
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return FilePlan{}, fmt.Errorf("%w: csv: %v", ErrBadPlan, err)
		}
		n := PlanNode{Code: rec[0], Title: rec[1], Unit: rec[3]}
		if s := strings.TrimSpace(rec[2]); s != "" {
			y, err := strconv.Atoi(s)
			if err != nil {
				line, _ := r.FieldPos(2)
				return FilePlan{}, fmt.Errorf("%w: csv line %d: retention_years %q is not a number", ErrBadPlan, line, s)
			}
			n.RetentionYears = y
		}
		nodes = append(nodes, n)
	}
	return NewFilePlan(nodes)
}

// MarshalCSV writes the plan flat, comma-separated, with a header row.
func (p FilePlan) MarshalCSV() ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(planCSVHeader); err != nil {
		return nil, err
	}
	for _, n := range p.Nodes {
		y := ""
		if n.RetentionYears != 0 {
			y = strconv.Itoa(n.RetentionYears)
		}
		if err := w.Write([]string{n.Code, n.Title, y, n.Unit}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

//go:embed sample_fileplan.yaml
var samplePlan []byte

// SampleFilePlanYAML is the demo plan of a municipality, structured like
// the KGSt outline (10 Hauptamt, 20 Kämmerei, … 80 Wirtschaft).
func SampleFilePlanYAML() []byte { return samplePlan }
