package auth

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// matrix is the expected policy, written out by hand: for each action and
// role three marks — own unit, other unit, not unit-bound — "+" allowed,
// "-" denied. It is not derived from Rules; a change there must be made
// here too, on purpose.
const matrix = `
action             mailroom  clerk  approver  auditor  registrar  admin
document.upload    +++       ---    ---       ---      ---        ---
register.read      +++       ---    ---       +++      +++        +++
document.read      ---       +-+    +-+       +++      +++        ---
document.download  ---       +-+    +-+       +++      +++        ---
quarantine.read    +++       ---    ---       +++      ---        ---
quarantine.retry   +++       ---    ---       ---      ---        ---
file.read          ---       +-+    +-+       +++      +++        ---
file.write         ---       +-+    +-+       ---      +++        ---
file.close         ---       +-+    +-+       ---      ---        ---
task.read          ---       +-+    +-+       +++      ---        ---
task.act           ---       +-+    +-+       ---      ---        ---
triage.read        ---       ---    ---       +++      +++        ---
triage.decide      ---       ---    ---       ---      +++        ---
invoice.read       ---       +-+    +-+       +++      ---        ---
invoice.certify    ---       +-+    +-+       ---      ---        ---
invoice.decide     ---       ---    +-+       ---      ---        ---
search             ---       +-+    +-+       +++      +++        ---
audit.read         ---       ---    ---       +++      ---        ---
audit.verify       ---       ---    ---       +++      ---        ---
audit.export       ---       ---    ---       +++      ---        ---
admin.users        ---       ---    ---       ---      ---        +++
admin.units        ---       ---    ---       ---      ---        +++
admin.fileplan     ---       ---    ---       ---      ---        +++
admin.routing      ---       ---    ---       ---      ---        +++
`

func parseMatrix(t *testing.T) map[Action]map[Role]string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(matrix), "\n")
	head := strings.Fields(lines[0])
	require.Equal(t, "action", head[0])
	var roles []Role
	for _, h := range head[1:] {
		r, err := ParseRole(h)
		require.NoError(t, err)
		roles = append(roles, r)
	}
	require.ElementsMatch(t, AllRoles, roles, "the matrix has a column for every role, and no other")
	out := map[Action]map[Role]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		require.Len(t, f, len(roles)+1, "row %q", l)
		a := Action(f[0])
		require.True(t, a.Valid(), "matrix row for unknown action %s", a)
		require.NotContains(t, out, a, "action %s twice", a)
		out[a] = map[Role]string{}
		for i, r := range roles {
			require.Regexp(t, `^[+-]{3}$`, f[i+1], "%s × %s", a, r)
			out[a][r] = f[i+1]
		}
	}
	for _, a := range AllActions {
		require.Contains(t, out, a, "no expectation for action %s", a)
	}
	return out
}

// TestAuthorisationMatrix asks Decide for every role × action × resource
// (own unit, other unit, not unit-bound) and compares with the matrix.
func TestAuthorisationMatrix(t *testing.T) {
	want := parseMatrix(t)
	resources := []struct {
		name string
		r    Resource
	}{
		{"own unit", Resource{Units: []string{"63"}}},
		{"other unit", Resource{Units: []string{"20"}}},
		{"not unit-bound", Resource{}},
	}
	checked := 0
	for _, role := range AllRoles {
		p := Principal{Login: "anna", Roles: []Role{role}, Units: []string{"63"}}
		for _, a := range AllActions {
			for i, res := range resources {
				d := Decide(p, a, res.r)
				exp := want[a][role][i] == '+'
				require.Equal(t, exp, d.Allowed, "%s × %s × %s: %s", role, a, res.name, d.Reason)
				require.NotEmpty(t, d.Reason, "%s × %s × %s: a reason is always given", role, a, res.name)
				checked++
			}
		}
	}
	require.Equal(t, len(AllRoles)*len(AllActions)*3, checked)
}

func TestRulesAreWellFormed(t *testing.T) {
	seen := map[[2]string]bool{}
	for _, g := range Rules {
		require.True(t, g.Role.Valid(), "%+v", g)
		require.True(t, g.Action.Valid(), "%+v", g)
		require.NotEqual(t, ScopeNone, g.Scope, "%+v: a rule grants something", g)
		k := [2]string{string(g.Role), string(g.Action)}
		require.False(t, seen[k], "rule %v twice", k)
		seen[k] = true
	}
	for _, a := range AllActions {
		require.NotEqual(t, string(a), a.Label(), "German label for %s", a)
	}
	for _, r := range AllRoles {
		require.NotEqual(t, string(r), r.Label(), "German label for %s", r)
	}
}

func TestReach(t *testing.T) {
	clerk := Principal{Login: "c", Roles: []Role{RoleClerk}, Units: []string{"63", "20"}}
	all, units := clerk.Reach(ActDocumentRead)
	require.False(t, all)
	require.Equal(t, []string{"63", "20"}, units)
	all, units = clerk.Reach(ActTriageDecide)
	require.False(t, all)
	require.Empty(t, units)
	all, _ = Principal{Login: "r", Roles: []Role{RoleRegistrar}}.Reach(ActDocumentRead)
	require.True(t, all)
}

func TestDecideCombinations(t *testing.T) {
	own, other := Resource{Units: []string{"63"}}, Resource{Units: []string{"20"}}
	// Roles add up: a clerk who is also an approver decides invoices.
	p := Principal{Login: "anna", Roles: []Role{RoleClerk, RoleApprover}, Units: []string{"63"}}
	require.True(t, Decide(p, ActInvoiceDecide, own).Allowed)
	require.False(t, Decide(p, ActInvoiceDecide, other).Allowed)
	// A thing of several units is reachable from any of them.
	require.True(t, Decide(p, ActDocumentRead, Resource{Units: []string{"20", "63"}}).Allowed)
	// An admin who is not an approver decides no invoice, not even with all units.
	admin := Principal{Login: "root", Roles: []Role{RoleAdmin}, Units: []string{"63", "20"}}
	d := Decide(admin, ActInvoiceDecide, own)
	require.False(t, d.Allowed)
	require.Contains(t, d.Reason, "Administration")
	require.Contains(t, d.Reason, "über Rechnungen entscheiden")
	// Other unit: the reason says so.
	d = Decide(Principal{Login: "b", Roles: []Role{RoleClerk}, Units: []string{"63"}}, ActFileRead, other)
	require.False(t, d.Allowed)
	require.Contains(t, d.Reason, "eigenen Organisationseinheiten")
	// A clerk in no unit reaches no unit's things.
	require.False(t, Decide(Principal{Login: "c", Roles: []Role{RoleClerk}}, ActFileRead, own).Allowed)
	// An empty unit code matches nobody.
	require.False(t, Decide(Principal{Login: "c", Roles: []Role{RoleClerk}, Units: []string{""}}, ActFileRead, Resource{Units: []string{""}}).Allowed)
	// No roles, unknown action.
	require.False(t, Decide(Principal{Login: "d", Units: []string{"63"}}, ActSearch, Resource{}).Allowed)
	d = Decide(p, Action("document.delete"), own)
	require.False(t, d.Allowed)
	require.Contains(t, d.Reason, "Unbekannte Aktion")
}

func TestAuditedRead(t *testing.T) {
	auditor := Principal{Login: "pruefer", Roles: []Role{RoleAuditor}}
	both := Principal{Login: "x", Roles: []Role{RoleClerk, RoleAuditor}, Units: []string{"63"}}
	clerk := Principal{Login: "y", Roles: []Role{RoleClerk}, Units: []string{"63"}}
	for _, a := range AllActions {
		granted := Decide(auditor, a, Resource{}).Allowed
		require.Equal(t, granted, AuditedRead(auditor, a), "auditor %s", a)
		require.Equal(t, granted, AuditedRead(both, a), "clerk+auditor %s", a)
		require.False(t, AuditedRead(clerk, a), "clerk %s", a)
	}
	require.True(t, AuditedRead(auditor, ActDocumentDownload))
	require.False(t, AuditedRead(auditor, ActAdminUsers))
}

func TestNewPrincipal(t *testing.T) {
	org := records.Organisation{Units: []records.Unit{
		{Code: "63", Name: "Bauordnungsamt", Lead: "lena", Members: []string{"anna", "bernd"}},
		{Code: "20", Name: "Kämmerei", Lead: "anna"},
		{Code: "32", Name: "Ordnungsamt", Lead: "kai", Members: []string{"carla"}},
	}}
	p := NewPrincipal("anna", []Role{RoleApprover, RoleClerk, RoleClerk}, org)
	require.Equal(t, []string{"20", "63"}, p.Units, "member of 63, lead of 20")
	require.Equal(t, []Role{RoleClerk, RoleApprover}, p.Roles)
	require.Empty(t, NewPrincipal("zoe", nil, org).Units)
}

func TestParseRoles(t *testing.T) {
	rs, err := ParseRoles("approver, Clerk,clerk")
	require.NoError(t, err)
	require.Equal(t, []Role{RoleClerk, RoleApprover}, rs)
	_, err = ParseRoles("clerk,chef")
	require.ErrorContains(t, err, `unbekannte Rolle "chef"`)
	_, err = ParseRoles(" , ")
	require.ErrorContains(t, err, "mindestens eine Rolle")
	require.Equal(t, []Role{RoleAuditor}, RolesFromStrings([]string{"auditor", "superuser"}), "unknown stored roles grant nothing")
	require.True(t, slices.Equal([]string{"clerk", "admin"}, RoleStrings([]Role{RoleClerk, RoleAdmin})))
}
