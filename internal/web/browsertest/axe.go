package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// wcagTags are the axe-core rule tags Axe checks by default: WCAG 2.0 and
// 2.1, levels A and AA, which BITV 2.0 requires of public bodies in Germany.
const wcagTags = `["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]`

// Violation is one axe-core rule that the page breaks.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"` // minor, moderate, serious or critical
	Help   string `json:"help"`
	URL    string `json:"helpUrl"`
	Nodes  []Node `json:"nodes"`
}

// Node is one element that breaks the rule.
type Node struct {
	Target  []string `json:"target"` // CSS selectors, outermost first
	HTML    string   `json:"html"`
	Summary string   `json:"summary"`
}

// axeRun runs the checks on the whole document and keeps only what a report
// needs; selectors into shadow roots or frames are joined with " >>> ".
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]})
  .then(r => r.violations.map(v => ({
    id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.map(s => Array.isArray(s) ? s.join(" >>> ") : String(s)),
      html: n.html, summary: n.failureSummary || ""
    }))
  })))`

// Axe injects the installed axe-core into the current page, unless it is
// there already, and returns the page's WCAG 2.0/2.1 A and AA violations;
// with tags, those of the rules so tagged instead (e.g. "best-practice").
func (b *Browser) Axe(t testing.TB, tags ...string) []Violation {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		t.Fatalf("axe: %v", err)
	}
	if !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](b.axeSource+"\n;true")); err != nil {
			t.Fatalf("axe: inject: %v", err)
		}
	}
	runOnly := wcagTags
	if len(tags) > 0 {
		js, err := json.Marshal(tags)
		if err != nil {
			t.Fatalf("axe: %v", err)
		}
		runOnly = string(js)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]Violation](fmt.Sprintf(axeRun, runOnly), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe: run: %v", err)
	}
	return vs
}

// Serious reports whether the violation is one that blocks or seriously
// hinders people who use assistive technology.
func (v Violation) Serious() bool { return v.Impact == "serious" || v.Impact == "critical" }

func (v Violation) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s [%s] %s (%s)", v.ID, v.Impact, v.Help, v.URL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&sb, "\n    %s: %s", strings.Join(n.Target, " "), n.HTML)
		if n.Summary != "" {
			fmt.Fprintf(&sb, "\n      %s", strings.ReplaceAll(n.Summary, "\n", "\n      "))
		}
	}
	return sb.String()
}

// RequireNoSeriousViolations fails t, listing each, if a violation is serious
// or critical; minor and moderate ones are logged.
func RequireNoSeriousViolations(t testing.TB, vs []Violation) {
	t.Helper()
	var serious []string
	for _, v := range vs {
		if v.Serious() {
			serious = append(serious, "  "+v.String())
		} else {
			t.Logf("axe (%s): %s", v.Impact, v.String())
		}
	}
	if len(serious) > 0 {
		t.Fatalf("%d serious or critical accessibility violation(s):\n%s", len(serious), strings.Join(serious, "\n"))
	}
}
