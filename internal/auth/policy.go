package auth

import (
	"fmt"
	"slices"

	"github.com/aktenfluss/aktenfluss/internal/records"
)

// Action is something a person asks to do. Every endpoint and page maps to
// exactly one.
type Action string

const (
	ActDocumentUpload   Action = "document.upload"
	ActRegisterRead     Action = "register.read"
	ActDocumentRead     Action = "document.read"
	ActDocumentDownload Action = "document.download"
	ActQuarantineRead   Action = "quarantine.read"
	ActQuarantineRetry  Action = "quarantine.retry"
	ActFileRead         Action = "file.read"
	ActFileWrite        Action = "file.write"
	ActFileClose        Action = "file.close"
	ActTaskRead         Action = "task.read"
	ActTaskAct          Action = "task.act"
	ActTriageRead       Action = "triage.read"
	ActTriageDecide     Action = "triage.decide"
	ActInvoiceRead      Action = "invoice.read"
	ActInvoiceCertify   Action = "invoice.certify" // sachlich / rechnerisch richtig
	ActInvoiceDecide    Action = "invoice.decide"  // every stage, the Anordnung included
	ActSearch           Action = "search"
	ActAuditRead        Action = "audit.read"
	ActAuditVerify      Action = "audit.verify"
	ActAuditExport      Action = "audit.export"
	ActAdminUsers       Action = "admin.users"
	ActAdminUnits       Action = "admin.units"
	ActAdminFilePlan    Action = "admin.fileplan"
	ActAdminRouting     Action = "admin.routing"
)

// actionLabels are the German names of the actions, in the order of
// AllActions.
var actionLabels = []struct {
	a     Action
	label string
}{
	{ActDocumentUpload, "Dokumente hochladen"},
	{ActRegisterRead, "Posteingangsbuch einsehen"},
	{ActDocumentRead, "Dokumente ansehen"},
	{ActDocumentDownload, "Dokumente herunterladen"},
	{ActQuarantineRead, "Quarantäne einsehen"},
	{ActQuarantineRetry, "Quarantäne erneut einliefern"},
	{ActFileRead, "Akten einsehen"},
	{ActFileWrite, "Akten bearbeiten"},
	{ActFileClose, "Akten schließen (zdA)"},
	{ActTaskRead, "Aufgaben einsehen"},
	{ActTaskAct, "Aufgaben bearbeiten"},
	{ActTriageRead, "Klärungsfälle einsehen"},
	{ActTriageDecide, "Klärungsfälle entscheiden"},
	{ActInvoiceRead, "Rechnungen einsehen"},
	{ActInvoiceCertify, "Rechnungen sachlich oder rechnerisch bestätigen"},
	{ActInvoiceDecide, "über Rechnungen entscheiden"},
	{ActSearch, "suchen"},
	{ActAuditRead, "Prüfprotokoll einsehen"},
	{ActAuditVerify, "Prüfprotokoll verifizieren"},
	{ActAuditExport, "Prüfprotokoll exportieren"},
	{ActAdminUsers, "Benutzer verwalten"},
	{ActAdminUnits, "Organisationseinheiten verwalten"},
	{ActAdminFilePlan, "Aktenplan verwalten"},
	{ActAdminRouting, "Zuordnungsregeln verwalten"},
}

// AllActions lists every action.
var AllActions = func() []Action {
	out := make([]Action, len(actionLabels))
	for i, l := range actionLabels {
		out[i] = l.a
	}
	return out
}()

// Label is the German name of the action.
func (a Action) Label() string {
	for _, l := range actionLabels {
		if l.a == a {
			return l.label
		}
	}
	return string(a)
}

// Valid reports whether a is one of AllActions.
func (a Action) Valid() bool { return slices.Contains(AllActions, a) }

// Scope is how far a role's grant of an action reaches.
type Scope int

const (
	// ScopeNone: not granted.
	ScopeNone Scope = iota
	// ScopeOwnUnits: granted for things of the principal's units, and for
	// acts bound to no unit (a listing the caller then narrows to the
	// principal's units, the search form).
	ScopeOwnUnits
	// ScopeAll: granted for things of every unit.
	ScopeAll
)

// Rule is one grant: role may do action within scope.
type Rule struct {
	Role   Role
	Action Action
	Scope  Scope
}

// Rules is the access policy, the only place it is written down. What a
// role is not granted here, it may not do.
//
//   - mailroom: uploads, the register, quarantine — not the contents.
//   - clerk: documents, files, tasks and invoices of the own units;
//     certifies invoices (sachlich / rechnerisch richtig), as a member of
//     the ordering unit does, but orders no payment.
//   - approver: as clerk, and decides every stage of the own units'
//     invoices, the Anordnung included (the approval workflow checks the
//     Dienstanweisung: stage, four eyes, amount limits).
//   - registrar: triage, the register, and files of all units, with the
//     documents in them — a triage decision needs the letter.
//   - auditor: reads everything, changes nothing; AuditedRead makes every
//     such read an audit event.
//   - admin: users, units, file plan, routing rules, and the register;
//     no documents, no invoice decisions.
var Rules = []Rule{
	{RoleMailroom, ActDocumentUpload, ScopeAll},
	{RoleMailroom, ActRegisterRead, ScopeAll},
	{RoleMailroom, ActQuarantineRead, ScopeAll},
	{RoleMailroom, ActQuarantineRetry, ScopeAll},

	{RoleClerk, ActDocumentRead, ScopeOwnUnits},
	{RoleClerk, ActDocumentDownload, ScopeOwnUnits},
	{RoleClerk, ActFileRead, ScopeOwnUnits},
	{RoleClerk, ActFileWrite, ScopeOwnUnits},
	{RoleClerk, ActFileClose, ScopeOwnUnits},
	{RoleClerk, ActTaskRead, ScopeOwnUnits},
	{RoleClerk, ActTaskAct, ScopeOwnUnits},
	{RoleClerk, ActInvoiceRead, ScopeOwnUnits},
	{RoleClerk, ActInvoiceCertify, ScopeOwnUnits},
	{RoleClerk, ActSearch, ScopeOwnUnits},

	{RoleApprover, ActDocumentRead, ScopeOwnUnits},
	{RoleApprover, ActDocumentDownload, ScopeOwnUnits},
	{RoleApprover, ActFileRead, ScopeOwnUnits},
	{RoleApprover, ActFileWrite, ScopeOwnUnits},
	{RoleApprover, ActFileClose, ScopeOwnUnits},
	{RoleApprover, ActTaskRead, ScopeOwnUnits},
	{RoleApprover, ActTaskAct, ScopeOwnUnits},
	{RoleApprover, ActInvoiceRead, ScopeOwnUnits},
	{RoleApprover, ActInvoiceCertify, ScopeOwnUnits},
	{RoleApprover, ActInvoiceDecide, ScopeOwnUnits},
	{RoleApprover, ActSearch, ScopeOwnUnits},

	{RoleRegistrar, ActRegisterRead, ScopeAll},
	{RoleRegistrar, ActTriageRead, ScopeAll},
	{RoleRegistrar, ActTriageDecide, ScopeAll},
	{RoleRegistrar, ActFileRead, ScopeAll},
	{RoleRegistrar, ActFileWrite, ScopeAll},
	{RoleRegistrar, ActDocumentRead, ScopeAll},
	{RoleRegistrar, ActDocumentDownload, ScopeAll},
	{RoleRegistrar, ActSearch, ScopeAll},

	{RoleAuditor, ActAuditRead, ScopeAll},
	{RoleAuditor, ActAuditVerify, ScopeAll},
	{RoleAuditor, ActAuditExport, ScopeAll},
	{RoleAuditor, ActRegisterRead, ScopeAll},
	{RoleAuditor, ActDocumentRead, ScopeAll},
	{RoleAuditor, ActDocumentDownload, ScopeAll},
	{RoleAuditor, ActFileRead, ScopeAll},
	{RoleAuditor, ActTaskRead, ScopeAll},
	{RoleAuditor, ActTriageRead, ScopeAll},
	{RoleAuditor, ActQuarantineRead, ScopeAll},
	{RoleAuditor, ActInvoiceRead, ScopeAll},
	{RoleAuditor, ActSearch, ScopeAll},

	{RoleAdmin, ActAdminUsers, ScopeAll},
	{RoleAdmin, ActAdminUnits, ScopeAll},
	{RoleAdmin, ActAdminFilePlan, ScopeAll},
	{RoleAdmin, ActAdminRouting, ScopeAll},
	{RoleAdmin, ActRegisterRead, ScopeAll},
}

// grant returns the scope Rules give role for action.
func grant(r Role, a Action) Scope {
	for _, g := range Rules {
		if g.Role == r && g.Action == a {
			return g.Scope
		}
	}
	return ScopeNone
}

// Principal is who acts: a login, its roles, and the units it belongs to
// (as member or lead).
type Principal struct {
	Login string
	Roles []Role
	Units []string
}

// NewPrincipal builds the principal of a user from its roles and the
// organisation, taking every unit the user is a member or the lead of.
func NewPrincipal(login string, roles []Role, org records.Organisation) Principal {
	p := Principal{Login: login, Roles: SortRoles(roles)}
	for _, u := range org.Units {
		if u.IsMember(login) {
			p.Units = append(p.Units, u.Code)
		}
	}
	slices.Sort(p.Units)
	return p
}

// Has reports whether p holds role r.
func (p Principal) Has(r Role) bool { return slices.Contains(p.Roles, r) }

// Resource is what an action is about: the units it belongs to (a file's
// unit, the units a document is filed or routed to). No units means the
// act is bound to no unit — a listing or the search form, which the caller
// narrows to Principal.Units where the grant is ScopeOwnUnits.
type Resource struct {
	Units []string
}

// Decision is Decide's answer, with a German reason for the person.
type Decision struct {
	Allowed bool
	Reason  string
}

// Decide is the access check for API and pages alike: p may do a on r
// when one of p's roles grants a for all units, or for p's units and r
// is bound to none or to one of them.
func Decide(p Principal, a Action, r Resource) Decision {
	if !a.Valid() {
		return Decision{Reason: fmt.Sprintf("Unbekannte Aktion %q.", string(a))}
	}
	if len(p.Roles) == 0 {
		return Decision{Reason: "Ihrem Konto ist keine Rolle zugewiesen."}
	}
	ownOnly := false
	for _, role := range p.Roles {
		switch grant(role, a) {
		case ScopeAll:
			return Decision{Allowed: true, Reason: fmt.Sprintf("Erlaubt als %s.", role.Label())}
		case ScopeOwnUnits:
			if len(r.Units) == 0 {
				return Decision{Allowed: true, Reason: fmt.Sprintf("Erlaubt als %s, beschränkt auf Ihre Organisationseinheiten.", role.Label())}
			}
			if sharesUnit(p.Units, r.Units) {
				return Decision{Allowed: true, Reason: fmt.Sprintf("Erlaubt als %s Ihrer Organisationseinheit.", role.Label())}
			}
			ownOnly = true
		}
	}
	if ownOnly {
		return Decision{Reason: fmt.Sprintf("Keine Berechtigung: %s ist nur für Ihre eigenen Organisationseinheiten erlaubt.", a.Label())}
	}
	return Decision{Reason: fmt.Sprintf("Keine Berechtigung: Ihre Rollen (%s) erlauben nicht: %s.", RoleLabels(p.Roles), a.Label())}
}

// Reach is how far p may do a: all units (all=true), or the units listed —
// what a listing or a search is narrowed to.
func (p Principal) Reach(a Action) (all bool, units []string) {
	if Decide(p, a, Resource{Units: []string{NoUnit}}).Allowed {
		return true, nil
	}
	for _, u := range p.Units {
		if Decide(p, a, Resource{Units: []string{u}}).Allowed {
			units = append(units, u)
		}
	}
	return false, units
}

// NoUnit is the unit of a thing that belongs to no unit yet (a document
// neither routed nor filed, or one that does not exist, so that whether it
// exists is not told): no principal has it, so only grants for all units
// reach it.
const NoUnit = "-"

func sharesUnit(mine, theirs []string) bool {
	for _, u := range theirs {
		if u != "" && u != NoUnit && slices.Contains(mine, u) {
			return true
		}
	}
	return false
}

// AuditedRead reports whether p's act a must be written to the audit
// trail as a read: every act an auditor may do, whatever other roles the
// person holds, so that the auditor's own reading can be checked.
func AuditedRead(p Principal, a Action) bool {
	return p.Has(RoleAuditor) && grant(RoleAuditor, a) != ScopeNone
}
