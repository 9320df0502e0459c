package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what a user does in the authority. A user may hold several.
type Role string

const (
	RoleMailroom  Role = "mailroom"  // Poststelle: scans, registers, quarantine
	RoleClerk     Role = "clerk"     // Sachbearbeitung of the own units
	RoleApprover  Role = "approver"  // clerk who also decides invoices of the own units
	RoleAuditor   Role = "auditor"   // Prüfung: reads everything, changes nothing
	RoleRegistrar Role = "registrar" // Registratur: triage and files of all units
	RoleAdmin     Role = "admin"     // administers users, units, plan, rules; no case work
)

// AllRoles lists the roles in a fixed order (for listings and tests).
var AllRoles = []Role{RoleMailroom, RoleClerk, RoleApprover, RoleAuditor, RoleRegistrar, RoleAdmin}

var roleLabels = map[Role]string{
	RoleMailroom:  "Poststelle",
	RoleClerk:     "Sachbearbeitung",
	RoleApprover:  "Anordnungsbefugnis",
	RoleAuditor:   "Prüfung",
	RoleRegistrar: "Registratur",
	RoleAdmin:     "Administration",
}

// Label is the German name shown to people.
func (r Role) Label() string {
	if l, ok := roleLabels[r]; ok {
		return l
	}
	return string(r)
}

// Valid reports whether r is one of AllRoles.
func (r Role) Valid() bool { return slices.Contains(AllRoles, r) }

// ParseRole reads a role name (case and surrounding space do not matter).
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", fmt.Errorf("unbekannte Rolle %q (möglich: %s)", s, roleList())
	}
	return r, nil
}

// ParseRoles reads a comma-separated list ("clerk,approver"), sorted in
// the order of AllRoles without duplicates. An empty list is an error:
// an account without a role can do nothing.
func ParseRoles(s string) ([]Role, error) {
	var out []Role
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		r, err := ParseRole(part)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("mindestens eine Rolle angeben (möglich: %s)", roleList())
	}
	return SortRoles(out), nil
}

// SortRoles orders roles as AllRoles does and drops duplicates.
func SortRoles(rs []Role) []Role {
	out := slices.Clone(rs)
	slices.SortFunc(out, func(a, b Role) int { return slices.Index(AllRoles, a) - slices.Index(AllRoles, b) })
	return slices.Compact(out)
}

// RolesFromStrings turns stored role names into roles; names this version
// does not know are dropped, so that a role removed from the code grants
// nothing.
func RolesFromStrings(ss []string) []Role {
	var out []Role
	for _, s := range ss {
		if r := Role(s); r.Valid() {
			out = append(out, r)
		}
	}
	return SortRoles(out)
}

// RoleStrings turns roles into the strings the store keeps.
func RoleStrings(rs []Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// RoleLabels joins the German names ("Sachbearbeitung, Prüfung").
func RoleLabels(rs []Role) string {
	ls := make([]string, len(rs))
	for i, r := range rs {
		ls[i] = r.Label()
	}
	return strings.Join(ls, ", ")
}

func roleList() string { return strings.Join(RoleStrings(AllRoles), ", ") }
