package einvoice

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const cenUnitDir = "../../../shared/corpus/einvoice-rules/cen-unit-tests/test"

// cenAssertion is one expectation of a VEFA test: kind is success, error,
// warning or fatal.
type cenAssertion struct {
	kind, rule string
}

// cenTest is one <test> of a VEFA validator test set.
type cenTest struct {
	file    string
	asserts []cenAssertion
	doc     []byte // the Invoice/CreditNote fragment, verbatim
}

// readCENTests splits a VEFA test set into its tests, keeping each
// document's bytes as written so they parse like a standalone file.
func readCENTests(t *testing.T, path string) []cenTest {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	var tests []cenTest
	var cur *cenTest
	inAssert := false
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch {
			case el.Name.Local == "test" && cur == nil:
				tests = append(tests, cenTest{file: filepath.Base(path)})
				cur = &tests[len(tests)-1]
			case cur != nil && el.Name.Local == "assert":
				inAssert = true
			case cur != nil && inAssert:
				switch el.Name.Local {
				case "success", "error", "warning", "fatal":
					var s string
					if err := dec.DecodeElement(&s, &el); err != nil {
						t.Fatalf("%s: %v", path, err)
					}
					cur.asserts = append(cur.asserts, cenAssertion{el.Name.Local, strings.TrimSpace(s)})
				}
			case cur != nil && (el.Name.Local == "Invoice" || el.Name.Local == "CreditNote"):
				if err := dec.Skip(); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				cur.doc = data[start:dec.InputOffset()]
			}
		case xml.EndElement:
			switch el.Name.Local {
			case "assert":
				inAssert = false
			case "test":
				cur = nil
			}
		}
	}
	return tests
}

func TestCENUnitTests(t *testing.T) {
	if _, err := os.Stat(cenUnitDir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CEN unit tests missing in CI: %v", err)
		}
		t.Skipf("CEN unit tests not present: %v", err)
	}
	implemented := map[string]Severity{}
	for _, r := range rules {
		implemented[r.ID] = r.Severity
	}
	type tally struct{ met, total int }
	perRule := map[string]*tally{}
	skipped, parseErrors, docs := 0, 0, 0
	for _, sub := range []string{"Invoice-unit-UBL", "CreditNote-unit-UBL"} {
		files, err := filepath.Glob(filepath.Join(cenUnitDir, sub, "*.xml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no test sets in %s: %v", sub, err)
		}
		for _, f := range files {
			for i, tc := range readCENTests(t, f) {
				docs++
				var relevant []cenAssertion
				for _, a := range tc.asserts {
					if _, ok := implemented[a.rule]; ok {
						relevant = append(relevant, a)
					} else {
						skipped++
					}
				}
				if len(relevant) == 0 {
					continue
				}
				inv, err := Parse(bytes.NewReader(tc.doc))
				if err != nil {
					parseErrors++
					t.Logf("%s/%s test %d: parse: %v", sub, tc.file, i+1, err)
					continue
				}
				findings := Validate(inv)
				for _, a := range relevant {
					tl := perRule[a.rule]
					if tl == nil {
						tl = &tally{}
						perRule[a.rule] = tl
					}
					tl.total++
					var fired []Finding
					for _, f := range findings {
						if f.Rule == a.rule {
							fired = append(fired, f)
						}
					}
					ok := false
					switch a.kind {
					case "success":
						ok = len(fired) == 0
					default:
						for _, f := range fired {
							switch {
							case a.kind == "warning" && f.Severity == SeverityWarning,
								// The VEFA sets write <error> for the
								// Schematron's fatal flag.
								(a.kind == "error" || a.kind == "fatal") &&
									(f.Severity == SeverityFatal || f.Severity == SeverityError):
								ok = true
							}
						}
					}
					if ok {
						tl.met++
					} else {
						t.Errorf("%s/%s test %d: %s %s not met (fired: %v)", sub, tc.file, i+1, a.kind, a.rule, fired)
					}
				}
			}
		}
	}
	ids := make([]string, 0, len(perRule))
	for id := range perRule {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t.Logf("%-9s %d/%d", id, perRule[id].met, perRule[id].total)
	}
	for _, r := range rules {
		if perRule[r.ID] == nil {
			t.Logf("%-9s no CEN unit test", r.ID)
		}
	}
	t.Logf("%d test documents, %d fragments unparsable, %d assertions on unimplemented rules skipped", docs, parseErrors, skipped)
}

func TestValidateCorpusAccepted(t *testing.T) {
	truth := loadTruth(t)
	raw, err := os.ReadFile(filepath.Join(corpusDir, "expected", "validation.json"))
	if err != nil {
		t.Fatalf("read validation.json: %v", err)
	}
	var verdicts map[string]struct {
		Accepted bool `json:"accepted"`
	}
	if err := json.Unmarshal(raw, &verdicts); err != nil {
		t.Fatalf("decode validation.json: %v", err)
	}
	if len(verdicts) != 80 {
		t.Fatalf("validation.json has %d entries, want 80", len(verdicts))
	}
	keys := make([]string, 0, len(verdicts))
	for k := range verdicts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, rel := range keys {
		if _, ok := truth[rel]; !ok {
			t.Errorf("%s: not in truth.json", rel)
		}
		if !verdicts[rel].Accepted {
			t.Errorf("%s: expected verdict is not accepted; this test assumes valid files", rel)
			continue
		}
		inv, _ := parseFile(t, rel)
		findings := Validate(inv)
		for _, f := range findings {
			if f.Severity == SeverityFatal || f.Severity == SeverityError {
				t.Errorf("%s: %s %s at %s: %s", rel, f.Severity, f.Rule, f.Location, f.Message)
			}
		}
		if !Accepted(findings) {
			t.Errorf("%s: not accepted", rel)
		}
	}
}

func TestValidateDeterministic(t *testing.T) {
	inv := &Invoice{Lines: []Line{{}, {}}}
	a, b := Validate(inv), Validate(inv)
	if len(a) == 0 {
		t.Fatal("empty invoice passed validation")
	}
	if !equalFindings(a, b) {
		t.Fatal("Validate is not deterministic")
	}
	if Accepted(a) {
		t.Fatal("empty invoice accepted")
	}
	if !Accepted([]Finding{{Rule: "X", Severity: SeverityWarning}, {Rule: "Y", Severity: SeverityInformation}}) {
		t.Fatal("warnings and information must not reject")
	}
}

func equalFindings(a, b []Finding) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRoundHalfUp2(t *testing.T) {
	for in, want := range map[string]string{
		"1.005": "1.01", "1.004": "1.00", "-1.005": "-1.00", "-1.006": "-1.01", "2.5": "2.5", "0.125": "0.13",
	} {
		if got := roundHalfUp2(MustDecimal(in)); got.Cmp(MustDecimal(want)) != 0 {
			t.Errorf("roundHalfUp2(%s) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string][2]string{"2.5": {"2", "3"}, "-2.5": {"-3", "-2"}, "4": {"4", "4"}, "4.00": {"4", "4"}} {
		f, c := floorCeil(MustDecimal(in))
		if f.Cmp(MustDecimal(want[0])) != 0 || c.Cmp(MustDecimal(want[1])) != 0 {
			t.Errorf("floorCeil(%s) = %s,%s, want %v", in, f, c, want)
		}
	}
}

// TestValidateCatchesTampering checks that a changed amount in a valid
// corpus invoice (both syntaxes) is reported by the calculation rules.
func TestValidateCatchesTampering(t *testing.T) {
	loadTruth(t)
	for _, rel := range []string{
		"xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_ubl.xml",
		"xrechnung-testsuite/src/test/business-cases/standard/01.01a-INVOICE_uncefact.xml",
	} {
		inv, _ := parseFile(t, rel)
		inv.Totals.Payable = inv.Totals.Payable.Add(NewDecimal(1, 2))
		inv.Lines[0].NetAmount = inv.Lines[0].NetAmount.Add(NewDecimal(1, 0))
		got := map[string]bool{}
		for _, f := range Validate(inv) {
			got[f.Rule] = true
		}
		for _, want := range []string{"BR-CO-10", "BR-CO-16"} {
			if !got[want] {
				t.Errorf("%s: tampered invoice did not trigger %s (got %v)", rel, want, got)
			}
		}
	}
}
