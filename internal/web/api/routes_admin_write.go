package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/routing"
	"github.com/aktenfluss/aktenfluss/internal/store"
)

// The write side of administration: accounts, the organisation (units,
// leads, members, deputies, absences), the file plan and the routing
// rules. Every change goes into the audit trail with the login of who
// made it, under the same actions and details as the command line's
// (cmd/aktenfluss users, units, fileplan), which uses the helpers below.

// Audit actions of administration. The command line logs the same.
const (
	ActionUserCreated          = "user.created"
	ActionUserUpdated          = "user.updated"
	ActionUserRolesChanged     = "user.roles-changed"
	ActionUserPasswordSet      = "user.password-set"
	ActionUserDisabled         = "user.disabled"
	ActionUserEnabled          = "user.enabled"
	ActionOrganisationImported = "organisation.imported"
	ActionAbsenceAdded         = "unit.absence.added"
	ActionAbsenceRemoved       = "unit.absence.removed"
	ActionFilePlanImported     = "fileplan.imported"
	ActionRoutingRulesChanged  = "routing.rules-changed"
)

// maxAdminBody bounds a request body of administration (a whole file plan
// or organisation is the largest).
const maxAdminBody = 4 << 20

// ---- request and response types -----------------------------------------------

// NewUser is a new account.
type NewUser struct {
	Login string   `json:"login"`
	Name  string   `json:"name"`
	Email string   `json:"email,omitempty"`
	Roles []string `json:"roles"`
	// Password is the initial password (at least auth.MinPasswordLength
	// characters); "" creates the account without one (OIDC only, or set
	// later).
	Password string `json:"password,omitempty"`
}

// UserChange is the new state of an account's name, e-mail, roles and
// whether it is disabled.
type UserChange struct {
	Name     string   `json:"name"`
	Email    string   `json:"email,omitempty"`
	Roles    []string `json:"roles"`
	Disabled bool     `json:"disabled"`
}

// PasswordChange sets an account's password.
type PasswordChange struct {
	Password string `json:"password"`
}

// PasswordSet is the answer to a password change.
type PasswordSet struct {
	Login         string `json:"login"`
	SessionsEnded int    `json:"sessions_ended"`
}

// Deputies are a user's deputies, the first asked first.
type Deputies struct {
	Deputies []string `json:"deputies"`
}

// RoutingRules is the rule text in force, as administrators edit it.
type RoutingRules struct {
	// Version is the stored version (1, 2, …); 0: none was saved, the
	// worker uses its configured rule file, and Content is the built-in
	// example as a starting point.
	Version   int64     `json:"version"`
	Source    string    `json:"source"` // "store" or "file"
	Content   string    `json:"content"`
	SHA256    string    `json:"sha256"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	CreatedBy string    `json:"created_by,omitempty"`
}

// RoutingRulesChange is a new version of the rule text.
type RoutingRulesChange struct {
	Content string `json:"content"`
}

// ---- errors -----------------------------------------------------------------------

// FieldError is an *Error about one input field: the pages tie its
// message to the field (aria-describedby); the API sends the *Error.
type FieldError struct {
	Field string // the input's name, e.g. "password"
	Err   *Error
}

func (e *FieldError) Error() string { return e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// invalid is a 400 about field, whose German label starts the message.
func invalid(field, label, format string, args ...any) error {
	return &FieldError{Field: field, Err: Errorf(http.StatusBadRequest, "invalid", "%s: %s", label, fmt.Sprintf(format, args...))}
}

// conflictOnChange turns the store's lost update into 412.
func conflictOnChange(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return Errorf(http.StatusPreconditionFailed, "changed", "Der Datensatz wurde inzwischen geändert; bitte neu laden.")
	}
	return err
}

// ---- shared with the command line ---------------------------------------------------

// CheckLogin keeps login names to what units, tasks and the audit trail
// can show unambiguously: lower-case letters, digits, '.', '_', '-', '@'.
func CheckLogin(login string) error {
	if login == "" || len(login) > 64 {
		return errors.New("der Login hat 1 bis 64 Zeichen")
	}
	for _, r := range login {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && !strings.ContainsRune("._-@", r) {
			return fmt.Errorf("der Login %q enthält %q; erlaubt sind a–z, 0–9 und . _ - @", login, r)
		}
	}
	return nil
}

// CheckOrganisation checks units, deputies and absences: every unit valid,
// codes unique, parents known, deputies other people, absences well
// formed.
func CheckOrganisation(org records.Organisation) error {
	seen := map[string]bool{}
	for _, u := range org.Units {
		if err := u.Validate(); err != nil {
			return err
		}
		if seen[u.Code] {
			return fmt.Errorf("unit %s appears twice", u.Code)
		}
		seen[u.Code] = true
	}
	for _, u := range org.Units {
		if u.Parent != "" && !seen[u.Parent] {
			return fmt.Errorf("unit %s: parent %s is not defined", u.Code, u.Parent)
		}
		if u.Parent == u.Code && u.Code != "" {
			return fmt.Errorf("unit %s: parent of itself", u.Code)
		}
	}
	for _, d := range org.Deputies {
		if d.User == "" || d.Deputy == "" || d.User == d.Deputy {
			return fmt.Errorf("a deputy needs a user and another user as deputy")
		}
	}
	for _, a := range org.Absences {
		if err := a.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// AbsenceReason is the personal data of an absence: its reason may be
// health data (Krankheit), so it is kept erasable.
func AbsenceReason(a records.Absence) any {
	if a.Reason == "" {
		return nil
	}
	return map[string]string{"reason": a.Reason}
}

// FilePlanChanges is what a change did to the plan, for the audit trail:
// the codes added, removed and changed (title, retention or responsible
// unit).
func FilePlanChanges(before, after records.FilePlan) map[string]any {
	old := map[string]records.PlanNode{}
	for _, n := range before.Nodes {
		old[n.Code] = n
	}
	added, removed, changed := []string{}, []string{}, []string{}
	seen := map[string]bool{}
	for _, n := range after.Nodes {
		seen[n.Code] = true
		o, ok := old[n.Code]
		switch {
		case !ok:
			added = append(added, n.Code)
		case o.Title != n.Title || o.RetentionYears != n.RetentionYears || o.Unit != n.Unit:
			changed = append(changed, n.Code)
		}
	}
	for _, n := range before.Nodes {
		if !seen[n.Code] {
			removed = append(removed, n.Code)
		}
	}
	return map[string]any{"added": added, "removed": removed, "changed": changed}
}

// unitChange is what a change did to one unit: who leads it and who
// belongs to it decide who sees and works its documents.
type unitChange struct {
	Added          bool     `json:"added,omitempty"`
	Removed        bool     `json:"removed,omitempty"`
	Lead           *fromTo  `json:"lead,omitempty"`
	MembersAdded   []string `json:"members_added,omitempty"`
	MembersRemoved []string `json:"members_removed,omitempty"`
	Parent         *fromTo  `json:"parent,omitempty"`
	LeitwegID      *fromTo  `json:"leitweg_id,omitempty"`
}

type fromTo struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type fromToList struct {
	From []string `json:"from"`
	To   []string `json:"to"`
}

type fromToCount struct {
	From int `json:"from"`
	To   int `json:"to"`
}

func changedTo(from, to string) *fromTo {
	if from == to {
		return nil
	}
	return &fromTo{from, to}
}

// OrganisationChanges is what a change did to the organisation, for the
// audit trail: per unit the lead, the members (the lead counts as a
// member), the parent and the Leitweg-ID; per user the deputies in order
// of rank; and the number of absences. Unchanged units and users are left
// out, so the event stays small.
func OrganisationChanges(before, after records.Organisation) map[string]any {
	units := map[string]unitChange{}
	old := map[string]records.Unit{}
	for _, u := range before.Units {
		old[u.Code] = u
	}
	members := func(u records.Unit) []string {
		m := slices.Clone(u.Members)
		if u.Lead != "" {
			m = append(m, u.Lead)
		}
		slices.Sort(m)
		return slices.Compact(m)
	}
	minus := func(a, b []string) []string {
		var out []string
		for _, x := range a {
			if !slices.Contains(b, x) {
				out = append(out, x)
			}
		}
		return out
	}
	seen := map[string]bool{}
	for _, u := range after.Units {
		seen[u.Code] = true
		o, ok := old[u.Code]
		mNew, mOld := members(u), members(o)
		c := unitChange{
			Added: !ok, Lead: changedTo(o.Lead, u.Lead), Parent: changedTo(o.Parent, u.Parent), LeitwegID: changedTo(o.Mailbox, u.Mailbox),
			MembersAdded: minus(mNew, mOld), MembersRemoved: minus(mOld, mNew),
		}
		if c.Added || c.Lead != nil || c.Parent != nil || c.LeitwegID != nil || c.MembersAdded != nil || c.MembersRemoved != nil {
			units[u.Code] = c
		}
	}
	for _, o := range before.Units {
		if !seen[o.Code] {
			units[o.Code] = unitChange{Removed: true, Lead: changedTo(o.Lead, ""), MembersRemoved: members(o)}
		}
	}
	deputies := map[string]fromToList{}
	byUser := func(ds []records.Deputy) map[string][]string {
		ds = slices.Clone(ds)
		slices.SortStableFunc(ds, func(a, b records.Deputy) int { return a.Rank - b.Rank })
		m := map[string][]string{}
		for _, d := range ds {
			m[d.User] = append(m[d.User], d.Deputy)
		}
		return m
	}
	dOld, dNew := byUser(before.Deputies), byUser(after.Deputies)
	for user, to := range dNew {
		if from := dOld[user]; !slices.Equal(from, to) {
			if from == nil {
				from = []string{}
			}
			deputies[user] = fromToList{from, to}
		}
	}
	for user, from := range dOld {
		if _, ok := dNew[user]; !ok {
			deputies[user] = fromToList{from, []string{}}
		}
	}
	return map[string]any{
		"units": len(after.Units), "unit_changes": units, "deputy_changes": deputies,
		"absences": fromToCount{len(before.Absences), len(after.Absences)},
	}
}

// ---- operations -------------------------------------------------------------------

// event appends one administrative act by p to the audit trail.
func (o *Ops) event(ctx context.Context, p auth.Principal, action, objectType, objectID string, details, personal any) error {
	ev, err := audit.NewEvent(time.Now(), p.Login, action, objectType, objectID, details, personal)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	if _, err := o.d.Store.AppendEvent(ctx, ev); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

func apiUser(u store.User) User {
	out := User{Login: u.Login, Name: u.Name, Email: u.Email, HasPassword: u.PasswordHash != "",
		OIDCIssuer: u.OIDCIssuer, OIDCSubject: u.OIDCSubject, Roles: u.Roles, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, Version: u.Version}
	if out.Roles == nil {
		out.Roles = []string{}
	}
	return out
}

// UserETag is the entity tag of an account: its version.
func UserETag(version int64) string { return ETag(strconv.FormatInt(version, 10)) }

func parseRoles(roles []string) ([]string, error) {
	rs, err := auth.ParseRoles(strings.Join(roles, ","))
	if err != nil {
		return nil, invalid("roles", "Rollen", "%s", err.Error())
	}
	return auth.RoleStrings(rs), nil
}

func hashPassword(pw string) (string, error) {
	hash, err := auth.HashPassword(pw, auth.DefaultArgon2Params)
	if errors.Is(err, auth.ErrPasswordEmpty) || errors.Is(err, auth.ErrPasswordTooShort) || errors.Is(err, auth.ErrPasswordTooLong) {
		return "", invalid("password", "Passwort", "%s", err.Error())
	}
	return hash, err
}

// Users lists all accounts by login, without password hashes.
func (o *Ops) Users(ctx context.Context) ([]User, error) {
	us, err := o.d.Store.Users(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]User, len(us))
	for i, u := range us {
		out[i] = apiUser(u)
	}
	return out, nil
}

// User returns one account.
func (o *Ops) User(ctx context.Context, login string) (User, error) {
	u, err := o.d.Store.User(ctx, login)
	if err != nil {
		return User{}, notFound(err, "Benutzer %s gibt es nicht.", login)
	}
	return apiUser(u), nil
}

// CreateUser creates an account with roles and, when given, an initial
// password (argon2id).
func (o *Ops) CreateUser(ctx context.Context, p auth.Principal, in NewUser) (User, error) {
	in.Login, in.Name, in.Email = strings.TrimSpace(in.Login), strings.TrimSpace(in.Name), strings.TrimSpace(in.Email)
	if err := CheckLogin(in.Login); err != nil {
		return User{}, invalid("login", "Login", "%s", err.Error())
	}
	if in.Name == "" {
		return User{}, invalid("name", "Name", "Bitte den Namen angeben.")
	}
	if err := checkEmail(in.Email); err != nil {
		return User{}, err
	}
	roles, err := parseRoles(in.Roles)
	if err != nil {
		return User{}, err
	}
	var hash string
	if in.Password != "" {
		if hash, err = hashPassword(in.Password); err != nil {
			return User{}, err
		}
	}
	u, err := o.d.Store.PutUser(ctx, store.User{Login: in.Login, Name: in.Name, Email: in.Email, PasswordHash: hash, Roles: roles})
	if errors.Is(err, store.ErrConflict) {
		return User{}, &FieldError{Field: "login", Err: Errorf(http.StatusConflict, "exists", "Login: Benutzer %s gibt es schon.", in.Login)}
	}
	if err != nil {
		return User{}, badInput(err)
	}
	if err := o.event(ctx, p, ActionUserCreated, "user", u.Login, map[string]any{
		"roles_before": []string{}, "roles_after": u.Roles, "password_set": hash != "",
	}, nil); err != nil {
		return User{}, err
	}
	return apiUser(u), nil
}

func checkEmail(email string) error {
	if email == "" {
		return nil
	}
	at := strings.IndexByte(email, '@')
	if at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n<>,;") {
		return invalid("email", "E-Mail", "%q ist keine E-Mail-Adresse.", email)
	}
	return nil
}

// UpdateUser changes an account's name, e-mail, roles and whether it is
// disabled. ifMatch is the If-Match the change names (the account's
// version as UserETag): 428 without, 412 when the account has changed.
// Administrators cannot take the administration role from themselves or
// disable their own account: someone must be left to administer.
func (o *Ops) UpdateUser(ctx context.Context, p auth.Principal, login string, in UserChange, ifMatch string) (User, error) {
	before, err := o.d.Store.User(ctx, login)
	if err != nil {
		return User{}, notFound(err, "Benutzer %s gibt es nicht.", login)
	}
	if err := RequireIfMatch(ifMatch, UserETag(before.Version)); err != nil {
		return User{}, err
	}
	in.Name, in.Email = strings.TrimSpace(in.Name), strings.TrimSpace(in.Email)
	if in.Name == "" {
		return User{}, invalid("name", "Name", "Bitte den Namen angeben.")
	}
	if err := checkEmail(in.Email); err != nil {
		return User{}, err
	}
	roles, err := parseRoles(in.Roles)
	if err != nil {
		return User{}, err
	}
	if login == p.Login && !slices.Contains(roles, string(auth.RoleAdmin)) {
		return User{}, invalid("roles", "Rollen", "Sie können sich die Rolle Administration nicht selbst entziehen.")
	}
	if login == p.Login && in.Disabled {
		return User{}, invalid("disabled", "Gesperrt", "Sie können Ihr eigenes Konto nicht sperren.")
	}
	u := before
	u.Name, u.Email, u.Disabled = in.Name, in.Email, in.Disabled
	after := before
	if u.Name != before.Name || u.Email != before.Email || u.Disabled != before.Disabled {
		// PutUser compares the version again: a change in between is 412.
		if after, err = o.d.Store.PutUser(ctx, u); err != nil {
			return User{}, badInput(conflictOnChange(err))
		}
	}
	var changed []string
	if before.Name != after.Name {
		changed = append(changed, "name")
	}
	if before.Email != after.Email {
		changed = append(changed, "email")
	}
	if changed != nil {
		// The values are personal data; the trail names the fields.
		if err := o.event(ctx, p, ActionUserUpdated, "user", login, map[string]any{"changed": changed},
			map[string]string{"name": after.Name, "email": after.Email}); err != nil {
			return User{}, err
		}
	}
	if before.Disabled != after.Disabled {
		action := ActionUserDisabled
		if !after.Disabled {
			action = ActionUserEnabled
		}
		if err := o.event(ctx, p, action, "user", login, map[string]any{"roles_before": before.Roles, "roles_after": before.Roles}, nil); err != nil {
			return User{}, err
		}
	}
	if !slices.Equal(before.Roles, roles) {
		if err := o.d.Store.SetRoles(ctx, login, roles); err != nil {
			return User{}, notFound(err, "Benutzer %s gibt es nicht.", login)
		}
		if err := o.event(ctx, p, ActionUserRolesChanged, "user", login, map[string]any{
			"roles_before": before.Roles, "roles_after": roles,
		}, nil); err != nil {
			return User{}, err
		}
	}
	return o.User(ctx, login)
}

// SetPassword sets an account's password; the sessions opened with the
// old one end.
func (o *Ops) SetPassword(ctx context.Context, p auth.Principal, login string, in PasswordChange) (PasswordSet, error) {
	if _, err := o.d.Store.User(ctx, login); err != nil {
		return PasswordSet{}, notFound(err, "Benutzer %s gibt es nicht.", login)
	}
	hash, err := hashPassword(in.Password)
	if err != nil {
		return PasswordSet{}, err
	}
	if err := o.d.Store.SetPassword(ctx, login, hash); err != nil {
		return PasswordSet{}, notFound(err, "Benutzer %s gibt es nicht.", login)
	}
	n, err := o.d.Store.DeleteSessionsOf(ctx, login)
	if err != nil {
		return PasswordSet{}, err
	}
	if err := o.event(ctx, p, ActionUserPasswordSet, "user", login, map[string]any{"sessions_ended": n}, nil); err != nil {
		return PasswordSet{}, err
	}
	return PasswordSet{Login: login, SessionsEnded: n}, nil
}

// Organisation returns the organisation and its entity tag, which a
// change of it names in If-Match.
func (o *Ops) Organisation(ctx context.Context) (records.Organisation, string, error) {
	org, err := o.d.Store.Organisation(ctx)
	if err != nil {
		return org, "", err
	}
	if org.Units == nil {
		org.Units = []records.Unit{}
	}
	return org, contentETag(org), nil
}

// ReplaceOrganisation replaces units, deputies and absences at once, as
// "aktenfluss units import" does.
func (o *Ops) ReplaceOrganisation(ctx context.Context, p auth.Principal, org records.Organisation, ifMatch string) (records.Organisation, error) {
	return o.changeOrganisation(ctx, p, ifMatch, func(records.Organisation) (records.Organisation, error) {
		return org, nil
	})
}

// changeOrganisation reads the organisation, checks ifMatch against it,
// lets change make the new one, checks and stores it and logs what
// changed.
func (o *Ops) changeOrganisation(ctx context.Context, p auth.Principal, ifMatch string,
	change func(records.Organisation) (records.Organisation, error)) (records.Organisation, error) {
	before, etag, err := o.Organisation(ctx)
	if err != nil {
		return records.Organisation{}, err
	}
	if err := RequireIfMatch(ifMatch, etag); err != nil {
		return records.Organisation{}, err
	}
	after, err := change(cloneOrganisation(before))
	if err != nil {
		return records.Organisation{}, err
	}
	if err := CheckOrganisation(after); err != nil {
		return records.Organisation{}, Errorf(http.StatusBadRequest, "invalid", "Die Organisation ist ungültig: %s", err.Error())
	}
	if err := o.d.Store.ReplaceOrganisation(ctx, after); err != nil {
		return records.Organisation{}, badInput(err)
	}
	raw, err := json.Marshal(after)
	if err != nil {
		return records.Organisation{}, err
	}
	details := OrganisationChanges(before, after)
	details["sha256"] = store.ContentSHA256(string(raw))
	if err := o.event(ctx, p, ActionOrganisationImported, "organisation", "units", details, nil); err != nil {
		return records.Organisation{}, err
	}
	stored, _, err := o.Organisation(ctx)
	return stored, err
}

func cloneOrganisation(org records.Organisation) records.Organisation {
	out := records.Organisation{Units: make([]records.Unit, len(org.Units)),
		Deputies: slices.Clone(org.Deputies), Absences: slices.Clone(org.Absences)}
	for i, u := range org.Units {
		u.Members = slices.Clone(u.Members)
		out.Units[i] = u
	}
	return out
}

// userExists refuses a login that is no account, naming the field.
func (o *Ops) userExists(ctx context.Context, field, label, login string) error {
	_, err := o.d.Store.User(ctx, login)
	if errors.Is(err, store.ErrNotFound) {
		return invalid(field, label, "Benutzer %s gibt es nicht.", login)
	}
	return err
}

// PutUnit creates the unit code or replaces it (name, lead, members,
// parent, Leitweg-ID); lead and members must be accounts.
func (o *Ops) PutUnit(ctx context.Context, p auth.Principal, code string, u records.Unit, ifMatch string) (records.Organisation, error) {
	u.Code = strings.TrimSpace(code)
	u.Name, u.Lead, u.Parent, u.Mailbox = strings.TrimSpace(u.Name), strings.TrimSpace(u.Lead), strings.TrimSpace(u.Parent), strings.TrimSpace(u.Mailbox)
	if u.Code == "" || strings.ContainsAny(u.Code, " /\t") {
		return records.Organisation{}, invalid("code", "Kennung", "Bitte eine Kennung ohne Leerzeichen und Schrägstrich angeben, z. B. 63 oder 20.1.")
	}
	if u.Name == "" {
		return records.Organisation{}, invalid("name", "Bezeichnung", "Bitte die Bezeichnung angeben.")
	}
	if u.Lead == "" {
		return records.Organisation{}, invalid("lead", "Leitung", "Bitte die Leitung angeben (an sie gehen Eskalationen).")
	}
	if err := o.userExists(ctx, "lead", "Leitung", u.Lead); err != nil {
		return records.Organisation{}, err
	}
	var members []string
	for _, m := range u.Members {
		if m = strings.TrimSpace(m); m != "" && !slices.Contains(members, m) {
			if err := o.userExists(ctx, "members", "Mitglieder", m); err != nil {
				return records.Organisation{}, err
			}
			members = append(members, m)
		}
	}
	u.Members = members
	return o.changeOrganisation(ctx, p, ifMatch, func(org records.Organisation) (records.Organisation, error) {
		if u.Parent != "" {
			if u.Parent == u.Code {
				return org, invalid("parent", "Übergeordnete Einheit", "Eine Einheit kann nicht über sich selbst stehen.")
			}
			if _, ok := org.Unit(u.Parent); !ok {
				return org, invalid("parent", "Übergeordnete Einheit", "Die Einheit %s gibt es nicht.", u.Parent)
			}
		}
		if i := slices.IndexFunc(org.Units, func(x records.Unit) bool { return x.Code == u.Code }); i >= 0 {
			org.Units[i] = u
		} else {
			org.Units = append(org.Units, u)
			slices.SortFunc(org.Units, func(a, b records.Unit) int { return strings.Compare(a.Code, b.Code) })
		}
		return org, nil
	})
}

// DeleteUnit removes a unit no other unit, file plan position or file
// names.
func (o *Ops) DeleteUnit(ctx context.Context, p auth.Principal, code, ifMatch string) (records.Organisation, error) {
	plan, err := o.d.Store.FilePlan(ctx)
	if err != nil {
		return records.Organisation{}, err
	}
	for _, n := range plan.Nodes {
		if n.Unit == code {
			return records.Organisation{}, Errorf(http.StatusConflict, "in_use",
				"Die Einheit %s ist im Aktenplan für %s %s federführend; bitte zuerst den Aktenplan ändern.", code, n.Code, n.Title)
		}
	}
	files, err := o.d.Store.Files(ctx, store.FileFilter{Unit: code, Limit: 1})
	if err != nil {
		return records.Organisation{}, err
	}
	if len(files) > 0 {
		return records.Organisation{}, Errorf(http.StatusConflict, "in_use", "Die Einheit %s führt Akten (z. B. %s) und kann nicht gelöscht werden.", code, files[0].Number)
	}
	return o.changeOrganisation(ctx, p, ifMatch, func(org records.Organisation) (records.Organisation, error) {
		i := slices.IndexFunc(org.Units, func(x records.Unit) bool { return x.Code == code })
		if i < 0 {
			return org, Errorf(http.StatusNotFound, "not_found", "Die Einheit %s gibt es nicht.", code)
		}
		for _, u := range org.Units {
			if u.Parent == code {
				return org, Errorf(http.StatusConflict, "in_use", "Die Einheit %s steht über %s und kann nicht gelöscht werden.", code, u.Code)
			}
		}
		org.Units = slices.Delete(org.Units, i, i+1)
		return org, nil
	})
}

// SetDeputies replaces a user's deputies, in the order they are asked.
func (o *Ops) SetDeputies(ctx context.Context, p auth.Principal, user string, in Deputies, ifMatch string) (records.Organisation, error) {
	if err := o.userExists(ctx, "user", "Vertretene Person", user); err != nil {
		return records.Organisation{}, err
	}
	var deps []string
	for _, d := range in.Deputies {
		d = strings.TrimSpace(d)
		switch {
		case d == "" || slices.Contains(deps, d):
			continue
		case d == user:
			return records.Organisation{}, invalid("deputies", "Vertretungen", "%s kann sich nicht selbst vertreten.", user)
		}
		if err := o.userExists(ctx, "deputies", "Vertretungen", d); err != nil {
			return records.Organisation{}, err
		}
		deps = append(deps, d)
	}
	return o.changeOrganisation(ctx, p, ifMatch, func(org records.Organisation) (records.Organisation, error) {
		org.Deputies = slices.DeleteFunc(org.Deputies, func(d records.Deputy) bool { return d.User == user })
		for i, d := range deps {
			org.Deputies = append(org.Deputies, records.Deputy{User: user, Deputy: d, Rank: i + 1})
		}
		return org, nil
	})
}

// AddAbsence records an absence (whole days, both inclusive).
func (o *Ops) AddAbsence(ctx context.Context, p auth.Principal, a records.Absence) (records.Absence, error) {
	a.User, a.From, a.Until, a.Reason = strings.TrimSpace(a.User), strings.TrimSpace(a.From), strings.TrimSpace(a.Until), strings.TrimSpace(a.Reason)
	a.ID = 0
	if a.User == "" {
		return a, invalid("user", "Person", "Bitte angeben, wer abwesend ist.")
	}
	if err := o.userExists(ctx, "user", "Person", a.User); err != nil {
		return a, err
	}
	from, err := time.Parse(time.DateOnly, a.From)
	if err != nil {
		return a, invalid("from", "Von", "Bitte ein Datum wie 2026-12-24 angeben.")
	}
	until, err := time.Parse(time.DateOnly, a.Until)
	if err != nil {
		return a, invalid("until", "Bis", "Bitte ein Datum wie 2026-12-31 angeben.")
	}
	if until.Before(from) {
		return a, invalid("until", "Bis", "Das Ende (%s) liegt vor dem Beginn (%s).", a.Until, a.From)
	}
	stored, err := o.d.Store.AddAbsence(ctx, a)
	if err != nil {
		return a, badInput(err)
	}
	// The reason may be health data (Krankheit): personal, erasable.
	if err := o.event(ctx, p, ActionAbsenceAdded, "user", stored.User,
		map[string]any{"absence_id": stored.ID, "from": stored.From, "until": stored.Until}, AbsenceReason(stored)); err != nil {
		return records.Absence{}, err
	}
	return stored, nil
}

// RemoveAbsence ends an absence record.
func (o *Ops) RemoveAbsence(ctx context.Context, p auth.Principal, id int64) error {
	org, err := o.d.Store.Organisation(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(org.Absences, func(a records.Absence) bool { return a.ID == id })
	if i < 0 {
		return Errorf(http.StatusNotFound, "not_found", "Die Abwesenheit %d gibt es nicht (mehr).", id)
	}
	a := org.Absences[i]
	if err := o.d.Store.RemoveAbsence(ctx, id); err != nil {
		return notFound(err, "Die Abwesenheit %d gibt es nicht (mehr).", id)
	}
	return o.event(ctx, p, ActionAbsenceRemoved, "user", a.User,
		map[string]any{"absence_id": a.ID, "from": a.From, "until": a.Until}, nil)
}

// FilePlan returns the plan and its entity tag.
func (o *Ops) FilePlan(ctx context.Context) (records.FilePlan, string, error) {
	plan, err := o.d.Store.FilePlan(ctx)
	if err != nil {
		return plan, "", err
	}
	if plan.Nodes == nil {
		plan.Nodes = []records.PlanNode{}
	}
	return plan, contentETag(plan), nil
}

// ParseFilePlanYAML reads a plan as the pages' text area holds it (the
// YAML of "aktenfluss fileplan export"), with a German message.
func ParseFilePlanYAML(raw string) (records.FilePlan, error) {
	plan, err := records.ParsePlanYAML([]byte(raw))
	if err != nil {
		return plan, invalid("plan", "Aktenplan", "Der Aktenplan ist ungültig und wurde nicht gespeichert. Meldung der Prüfung: %s", err.Error())
	}
	return plan, nil
}

// ReplaceFilePlan replaces the plan, as "aktenfluss fileplan import"
// does; a position under which files were opened cannot be removed.
// source ("api", "web") and format ("json", "yaml") say for the trail
// how the plan came.
func (o *Ops) ReplaceFilePlan(ctx context.Context, p auth.Principal, nodes []records.PlanNode, source, format, ifMatch string) (records.FilePlan, error) {
	before, etag, err := o.FilePlan(ctx)
	if err != nil {
		return records.FilePlan{}, err
	}
	if err := RequireIfMatch(ifMatch, etag); err != nil {
		return records.FilePlan{}, err
	}
	plan, err := records.NewFilePlan(nodes)
	if err != nil {
		return records.FilePlan{}, invalid("plan", "Aktenplan", "Der Aktenplan ist ungültig und wurde nicht gespeichert. Meldung der Prüfung: %s", err.Error())
	}
	if err := o.d.Store.ReplaceFilePlan(ctx, plan); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			return records.FilePlan{}, invalid("plan", "Aktenplan",
				"Positionen, unter denen Akten angelegt sind, können nicht entfernt werden (%s).", err.Error())
		}
		return records.FilePlan{}, err
	}
	raw, err := plan.MarshalYAML()
	if err != nil {
		return records.FilePlan{}, err
	}
	details := FilePlanChanges(before, plan)
	details["nodes"] = len(plan.Nodes)
	details["sha256"] = store.ContentSHA256(string(raw))
	details["source"] = source
	details["format"] = format
	if err := o.event(ctx, p, ActionFilePlanImported, "fileplan", "plan", details, nil); err != nil {
		return records.FilePlan{}, err
	}
	stored, _, err := o.FilePlan(ctx)
	return stored, err
}

func (o *Ops) routingRuleStore() (store.RoutingRules, error) {
	rr, ok := store.RoutingRulesOf(o.d.Store)
	if !ok {
		return nil, unavailable("Das Bearbeiten der Zuordnungsregeln")
	}
	return rr, nil
}

// RoutingRulesETag is the entity tag of a version of the rules (0: none
// stored).
func RoutingRulesETag(version int64) string { return ETag("rules-" + strconv.FormatInt(version, 10)) }

// RoutingRules returns the rule text in force: the newest stored version,
// or, when none was saved, the built-in example as a starting point
// (Source "file": the worker uses its configured rule file).
func (o *Ops) RoutingRules(ctx context.Context) (RoutingRules, error) {
	rr, err := o.routingRuleStore()
	if err != nil {
		return RoutingRules{}, err
	}
	rs, err := rr.RoutingRules(ctx)
	if errors.Is(err, store.ErrNotFound) {
		ex := string(routing.Example())
		return RoutingRules{Source: "file", Content: ex, SHA256: store.ContentSHA256(ex)}, nil
	}
	if err != nil {
		return RoutingRules{}, err
	}
	return RoutingRules{Version: rs.Version, Source: "store", Content: rs.Content, SHA256: rs.SHA256,
		CreatedAt: rs.CreatedAt, CreatedBy: rs.CreatedBy}, nil
}

// SaveRoutingRules checks the text with the routing parser and stores
// it as the next version; the worker routes the next document with it.
func (o *Ops) SaveRoutingRules(ctx context.Context, p auth.Principal, in RoutingRulesChange, ifMatch string) (RoutingRules, error) {
	rr, err := o.routingRuleStore()
	if err != nil {
		return RoutingRules{}, err
	}
	before, err := o.RoutingRules(ctx)
	if err != nil {
		return RoutingRules{}, err
	}
	if err := RequireIfMatch(ifMatch, RoutingRulesETag(before.Version)); err != nil {
		return RoutingRules{}, err
	}
	content := strings.ReplaceAll(in.Content, "\r\n", "\n")
	rules, err := routing.Parse([]byte(content))
	if err != nil {
		return RoutingRules{}, invalid("content", "Regeln", "Die Regeln sind ungültig und wurden nicht gespeichert. Meldung der Prüfung: %s", err.Error())
	}
	rs, err := rr.SaveRoutingRules(ctx, content, p.Login, before.Version)
	if err != nil {
		return RoutingRules{}, badInput(conflictOnChange(err))
	}
	if err := o.event(ctx, p, ActionRoutingRulesChanged, "config", "routing_rules", map[string]any{
		"version": rs.Version, "sha256_before": before.SHA256, "sha256_after": rs.SHA256,
		"source_before": before.Source, "rules": rules.Names(), "size": len(content),
	}, nil); err != nil {
		return RoutingRules{}, err
	}
	return o.RoutingRules(ctx)
}

// ---- routes -----------------------------------------------------------------------

func (h *handlers) adminWriteRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/api/absences", Action: auth.ActAdminUnits, Tag: "Verwaltung",
			Summary: "Abwesenheit eintragen (ganze Tage, Von und Bis einschließlich)", Body: records.Absence{}, Response: records.Absence{}, Handle: h.addAbsence},
		{Method: "DELETE", Path: "/api/absences/{id}", Action: auth.ActAdminUnits, Tag: "Verwaltung",
			Summary: "Abwesenheit aufheben", Handle: h.removeAbsence},
		{Method: "POST", Path: "/api/users", Action: auth.ActAdminUsers, Tag: "Verwaltung",
			Summary: "Benutzerkonto anlegen (Passwort mindestens 12 Zeichen, argon2id)", Body: NewUser{}, Response: User{}, Handle: h.createUser},
		{Method: "GET", Path: "/api/users/{login}", Action: auth.ActAdminUsers, Tag: "Verwaltung",
			Summary: "Ein Benutzerkonto (ETag: Version)", Response: User{}, Handle: h.user},
		{Method: "PUT", Path: "/api/users/{login}", Action: auth.ActAdminUsers, Tag: "Verwaltung",
			Summary: "Name, E-Mail, Rollen und Sperre eines Kontos ändern (If-Match: Version)", Body: UserChange{}, Response: User{}, Handle: h.updateUser},
		{Method: "PUT", Path: "/api/users/{login}/password", Action: auth.ActAdminUsers, Tag: "Verwaltung",
			Summary: "Passwort setzen; offene Sitzungen des Kontos enden", Body: PasswordChange{}, Response: PasswordSet{}, Handle: h.setPassword},
		{Method: "PUT", Path: "/api/units", Action: auth.ActAdminUnits, Tag: "Verwaltung",
			Summary: "Organisation ersetzen: Einheiten, Vertretungen, Abwesenheiten (If-Match)", Body: records.Organisation{}, Response: records.Organisation{}, Handle: h.replaceOrganisation},
		{Method: "PUT", Path: "/api/units/{code}", Action: auth.ActAdminUnits, Tag: "Verwaltung",
			Summary: "Organisationseinheit anlegen oder ändern: Leitung, Mitglieder, übergeordnete Einheit, Leitweg-ID (If-Match)", Body: records.Unit{}, Response: records.Organisation{}, Handle: h.putUnit},
		{Method: "DELETE", Path: "/api/units/{code}", Action: auth.ActAdminUnits, Tag: "Verwaltung",
			Summary: "Organisationseinheit löschen, die weder Akten führt noch im Aktenplan steht (If-Match)", Response: records.Organisation{}, Handle: h.deleteUnit},
		{Method: "PUT", Path: "/api/deputies/{user}", Action: auth.ActAdminUnits, Tag: "Verwaltung",
			Summary: "Vertretungen einer Person in der Reihenfolge, in der sie gefragt werden (If-Match)", Body: Deputies{}, Response: records.Organisation{}, Handle: h.setDeputies},
		{Method: "PUT", Path: "/api/fileplan", Action: auth.ActAdminFilePlan, Tag: "Verwaltung",
			Summary: "Aktenplan ersetzen (If-Match); Positionen mit Akten bleiben", Body: records.FilePlan{}, Response: records.FilePlan{}, Handle: h.replaceFilePlan},
		{Method: "GET", Path: "/api/routing-rules", Action: auth.ActAdminRouting, Tag: "Verwaltung",
			Summary: "Zuordnungsregeln (YAML) in Kraft", Response: RoutingRules{}, Handle: h.routingRules},
		{Method: "PUT", Path: "/api/routing-rules", Action: auth.ActAdminRouting, Tag: "Verwaltung",
			Summary: "Zuordnungsregeln prüfen und als neue Version speichern (If-Match); gilt ab dem nächsten Dokument", Body: RoutingRulesChange{}, Response: RoutingRules{}, Handle: h.saveRoutingRules},
	}
}

// decodeBody reads a JSON request body into v; unknown fields are
// refused, so a misspelt field is not silently dropped. An empty body
// leaves v as it is (a claim needs none); what a route requires, its
// operation checks.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return Errorf(http.StatusBadRequest, "bad_body", "Der Inhalt der Anfrage ist kein gültiges JSON dieser Form: %s", err.Error())
	}
	return nil
}

func (h *handlers) createUser(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in NewUser
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	u, err := h.ops.CreateUser(r.Context(), p, in)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", UserETag(u.Version))
	w.Header().Set("Location", "/api/users/"+u.Login)
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (h *handlers) user(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	u, err := h.ops.User(r.Context(), r.PathValue("login"))
	if err != nil {
		return err
	}
	WriteJSON(w, r, u, UserETag(u.Version))
	return nil
}

func (h *handlers) updateUser(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in UserChange
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	u, err := h.ops.UpdateUser(r.Context(), p, r.PathValue("login"), in, r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", UserETag(u.Version))
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (h *handlers) setPassword(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in PasswordChange
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	res, err := h.ops.SetPassword(r.Context(), p, r.PathValue("login"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (h *handlers) writeOrganisation(w http.ResponseWriter, org records.Organisation) {
	w.Header().Set("ETag", contentETag(org))
	writeJSON(w, http.StatusOK, org)
}

func (h *handlers) replaceOrganisation(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in records.Organisation
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	org, err := h.ops.ReplaceOrganisation(r.Context(), p, in, r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	h.writeOrganisation(w, org)
	return nil
}

func (h *handlers) putUnit(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in records.Unit
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	code := r.PathValue("code")
	if in.Code != "" && in.Code != code {
		return invalid("code", "Kennung", "Die Kennung im Inhalt (%s) ist nicht die der Adresse (%s).", in.Code, code)
	}
	org, err := h.ops.PutUnit(r.Context(), p, code, in, r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	h.writeOrganisation(w, org)
	return nil
}

func (h *handlers) deleteUnit(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	org, err := h.ops.DeleteUnit(r.Context(), p, r.PathValue("code"), r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	h.writeOrganisation(w, org)
	return nil
}

func (h *handlers) setDeputies(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in Deputies
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	org, err := h.ops.SetDeputies(r.Context(), p, r.PathValue("user"), in, r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	h.writeOrganisation(w, org)
	return nil
}

func (h *handlers) addAbsence(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in records.Absence
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	a, err := h.ops.AddAbsence(r.Context(), p, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/absences/"+strconv.FormatInt(a.ID, 10))
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (h *handlers) removeAbsence(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return Errorf(http.StatusNotFound, "not_found", "Die Abwesenheit %s gibt es nicht.", r.PathValue("id"))
	}
	if err := h.ops.RemoveAbsence(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handlers) replaceFilePlan(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in records.FilePlan
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	plan, err := h.ops.ReplaceFilePlan(r.Context(), p, in.Nodes, "api", "json", r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", contentETag(plan))
	writeJSON(w, http.StatusOK, plan)
	return nil
}

func (h *handlers) routingRules(w http.ResponseWriter, r *http.Request, _ auth.Principal) error {
	rs, err := h.ops.RoutingRules(r.Context())
	if err != nil {
		return err
	}
	WriteJSON(w, r, rs, RoutingRulesETag(rs.Version))
	return nil
}

func (h *handlers) saveRoutingRules(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in RoutingRulesChange
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	rs, err := h.ops.SaveRoutingRules(r.Context(), p, in, r.Header.Get("If-Match"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", RoutingRulesETag(rs.Version))
	writeJSON(w, http.StatusOK, rs)
	return nil
}
