package records

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSamplePlanIsValidAndRoundTrips(t *testing.T) {
	p, err := ParsePlanYAML(SampleFilePlanYAML())
	require.NoError(t, err)
	require.Greater(t, len(p.Nodes), 50, "a realistic plan has three levels under a dozen departments")
	n, ok := p.Effective("63.01.01")
	require.True(t, ok)
	require.Equal(t, "Bauanträge", n.Title)
	require.Equal(t, 30, n.RetentionYears, "inherited from 63")
	require.Equal(t, "63", n.Unit)
	n, _ = p.Effective("20.02.01")
	require.Equal(t, "20.1", n.Unit, "inherited from 20.02, not from 20")

	y, err := p.MarshalYAML()
	require.NoError(t, err)
	back, err := ParsePlanYAML(y)
	require.NoError(t, err)
	require.Equal(t, p, back)

	c, err := p.MarshalCSV()
	require.NoError(t, err)
	back, err = ParsePlanCSV(c)
	require.NoError(t, err)
	require.Equal(t, p, back)
}

func TestPlanOrderIsNumeric(t *testing.T) {
	p, err := NewFilePlan([]PlanNode{
		{Code: "60", Title: "Bau", RetentionYears: 10, Unit: "60"},
		{Code: "60.10", Title: "b"}, {Code: "60.2", Title: "a"},
		{Code: "10", Title: "Haupt", RetentionYears: 10, Unit: "10"},
	})
	require.NoError(t, err)
	var codes []string
	for _, n := range p.Nodes {
		codes = append(codes, n.Code)
	}
	require.Equal(t, []string{"10", "60", "60.2", "60.10"}, codes)
	require.Len(t, p.Children("60"), 2)
}

func TestPlanErrors(t *testing.T) {
	top := PlanNode{Code: "60", Title: "Bau", RetentionYears: 10, Unit: "60"}
	for _, tc := range []struct {
		name  string
		nodes []PlanNode
		want  string
	}{
		{"empty", nil, "no nodes"},
		{"bad code", []PlanNode{top, {Code: "60.x", Title: "t"}}, "groups of 1 to 4 digits"},
		{"empty group", []PlanNode{top, {Code: "60..1", Title: "t"}}, "groups of 1 to 4 digits"},
		{"duplicate", []PlanNode{top, top}, "appears twice"},
		{"no title", []PlanNode{top, {Code: "60.1"}}, "has no title"},
		{"orphan", []PlanNode{top, {Code: "60.1.1", Title: "t"}}, "parent 60.1 is missing"},
		{"top without unit", []PlanNode{{Code: "60", Title: "Bau", RetentionYears: 10}}, "needs retention_years and unit"},
		{"retention", []PlanNode{top, {Code: "60.1", Title: "t", RetentionYears: 101}}, "outside 0..100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewFilePlan(tc.nodes)
			require.ErrorIs(t, err, ErrBadPlan)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestPlanYAMLRefusesUnquotedCodesAndUnknownKeys(t *testing.T) {
	_, err := ParsePlanYAML([]byte("plan:\n  - code: 60.10\n    title: x\n"))
	require.ErrorIs(t, err, ErrBadPlan)
	require.Contains(t, err.Error(), "must be quoted")
	_, err = ParsePlanYAML([]byte("plan:\n  - code: \"60\"\n    titel: x\n"))
	require.ErrorIs(t, err, ErrBadPlan)
	require.Contains(t, err.Error(), "titel")
}

func TestPlanCSVAcceptsSemicolonsAndBOM(t *testing.T) {
	p, err := ParsePlanCSV([]byte("\ufeffcode;title;retention_years;unit\n60;Bauverwaltung;10;60\n60.10;Bauleitplanung;;\n"))
	require.NoError(t, err)
	require.Len(t, p.Nodes, 2)
	_, err = ParsePlanCSV([]byte("code,title,years,unit\n"))
	require.ErrorContains(t, err, `want "retention_years"`)
	_, err = ParsePlanCSV([]byte("code,title,retention_years,unit\n60,Bau,zehn,60\n"))
	require.ErrorContains(t, err, "line 2")
}

func TestFileNumberFormat(t *testing.T) {
	f, err := NewFileNumberFormat("")
	require.NoError(t, err)
	require.Equal(t, "60.10.02-0017/2026", f.Format("60.10.02", 17, 2026))
	require.Equal(t, "60.10.02-12345/2026", f.Format("60.10.02", 12345, 2026), "the width is a minimum")
	code, seq, year, err := f.Parse(" 60.10.02-0017/2026 ")
	require.NoError(t, err)
	require.Equal(t, "60.10.02", code)
	require.EqualValues(t, 17, seq)
	require.Equal(t, 2026, year)
	for _, bad := range []string{"60.10.02-0017", "60.10.02/0017/2026", "x-0017/2026", "60.10.02-0000/2026", ""} {
		_, _, _, err := f.Parse(bad)
		require.ErrorIs(t, err, ErrBadFileNumber, bad)
	}

	f, err = NewFileNumberFormat("{year}/{code}.{seq:3}")
	require.NoError(t, err)
	n := f.Format("63.01", 7, 2025)
	require.Equal(t, "2025/63.01.007", n)
	code, seq, year, err = f.Parse(n)
	require.NoError(t, err)
	require.Equal(t, []any{"63.01", int64(7), 2025}, []any{code, seq, year})

	f, err = NewFileNumberFormat("{code} - {seq} / {yy}")
	require.NoError(t, err)
	_, _, year, err = f.Parse("63 - 4 / 26")
	require.NoError(t, err)
	require.Equal(t, 2026, year)

	for _, bad := range []string{"{code}-{seq}", "{code}{seq}/{year}", "{code}-{seq}/{year}/{yy}", "{code}-{code}/{seq}/{year}"} {
		_, err := NewFileNumberFormat(bad)
		require.Error(t, err, bad)
	}
}

func TestRetainUntilCountsWholeYearsAfterClosing(t *testing.T) {
	closed := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	f := File{RetentionYears: 10, ClosedAt: &closed}
	require.Equal(t, "2036-12-31", f.RetainUntil().Format(time.DateOnly))
	require.True(t, File{}.RetainUntil().IsZero())
}

func day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, RegisterLocation)
	if err != nil {
		panic(err)
	}
	return t.Add(10 * time.Hour)
}

func TestEscalationTarget(t *testing.T) {
	org := Organisation{
		Units: []Unit{
			{Code: "20", Name: "Kämmerei", Lead: "kaemmerin", Members: []string{"kaemmerin"}},
			{Code: "20.1", Name: "Rechnungseingang", Lead: "lead", Members: []string{"anna", "bernd", "lead"}, Parent: "20"},
		},
		Deputies: []Deputy{
			{User: "anna", Deputy: "bernd", Rank: 1},
			{User: "anna", Deputy: "lead", Rank: 2},
			{User: "lead", Deputy: "anna", Rank: 1},
		},
		Absences: []Absence{
			{User: "anna", From: "2026-12-01", Until: "2026-12-10"},
			{User: "bernd", From: "2026-12-05", Until: "2026-12-06"},
			{User: "lead", From: "2026-12-20", Until: "2026-12-31"},
			{User: "anna", From: "2026-12-24", Until: "2026-12-24"},
		},
	}
	for _, tc := range []struct {
		name, assignee, at, to, reason string
	}{
		{"assignee present goes to lead", "anna", "2026-11-30", "lead", "Leitung"},
		{"assignee absent goes to deputy", "anna", "2026-12-02", "bernd", "Vertretung bernd"},
		{"first deputy absent too: second deputy", "anna", "2026-12-05", "lead", "Vertretung lead"},
		{"unclaimed goes to lead", "", "2026-11-30", "lead", "niemand hat die Aufgabe übernommen"},
		{"lead absent: lead's deputy", "bernd", "2026-12-21", "anna", "lead ist abwesend"},
		{"lead and lead's deputy absent: parent lead", "bernd", "2026-12-24", "kaemmerin", "Leitung kaemmerin"},
		{"the lead's own task goes up a level", "lead", "2026-11-30", "kaemmerin", "Leitung kaemmerin"},
		{"the lead's deputy's task goes to the lead", "anna", "2026-11-30", "lead", "Leitung lead"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := org.EscalationTarget("20.1", tc.assignee, day(tc.at))
			require.NoError(t, err)
			require.Equal(t, tc.to, e.To)
			require.Contains(t, e.Reason, tc.reason)
		})
	}
	_, err := org.EscalationTarget("99", "anna", day("2026-11-30"))
	require.Error(t, err)
	_, err = org.EscalationTarget("20", "kaemmerin", day("2026-11-30"))
	require.ErrorContains(t, err, "nobody to escalate to", "the top lead's own task has nowhere to go")

	who, ok := org.StandIn("anna", day("2026-12-02"))
	require.True(t, ok)
	require.Equal(t, "bernd", who)
	who, _ = org.StandIn("anna", day("2026-12-11"))
	require.Equal(t, "anna", who, "the absence ends with its last day")
}

func TestAbsenceValidate(t *testing.T) {
	require.NoError(t, Absence{User: "a", From: "2026-01-01", Until: "2026-01-01"}.Validate())
	require.Error(t, Absence{User: "a", From: "2026-01-02", Until: "2026-01-01"}.Validate())
	require.Error(t, Absence{User: "a", From: "1.1.2026", Until: "2026-01-01"}.Validate())
	require.Error(t, Absence{From: "2026-01-01", Until: "2026-01-01"}.Validate())
	require.True(t, strings.Contains(Unit{Code: "1", Name: "x"}.Validate().Error(), "lead"))
}
