package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
)

// The administration pages: accounts, the organisation (units, leads,
// members, deputies, absences), the file plan and the routing rules. The
// forms carry out the API's operations (api.Ops), so a change in the
// browser is checked, versioned and audited as through the API. A change
// done redirects to the page with what was done (POST-redirect-GET); a
// refused one shows the form again with what was entered and the reason
// beside the field it is about.

func (s *Server) adminPages() []page {
	return []page{
		{"GET /admin", auth.ActAdminUsers, nil, s.adminPage},
		{"GET /admin/users", auth.ActAdminUsers, nil, s.adminUsersPage},
		{"POST /admin/users", auth.ActAdminUsers, nil, s.adminCreateUser},
		{"GET /admin/users/{login}", auth.ActAdminUsers, nil, s.adminUserPage},
		{"POST /admin/users/{login}", auth.ActAdminUsers, nil, s.adminUpdateUser},
		{"POST /admin/users/{login}/password", auth.ActAdminUsers, nil, s.adminSetPassword},
		{"GET /admin/units", auth.ActAdminUnits, nil, s.adminUnitsPage},
		{"POST /admin/units", auth.ActAdminUnits, nil, s.adminCreateUnit},
		{"GET /admin/units/{code}", auth.ActAdminUnits, nil, s.adminUnitPage},
		{"POST /admin/units/{code}", auth.ActAdminUnits, nil, s.adminUpdateUnit},
		{"POST /admin/units/{code}/delete", auth.ActAdminUnits, nil, s.adminDeleteUnit},
		{"POST /admin/deputies", auth.ActAdminUnits, nil, s.adminSetDeputies},
		{"POST /admin/absences", auth.ActAdminUnits, nil, s.adminAddAbsence},
		{"POST /admin/absences/{id}/delete", auth.ActAdminUnits, nil, s.adminRemoveAbsence},
		{"GET /admin/fileplan", auth.ActAdminFilePlan, nil, s.adminFilePlanPage},
		{"POST /admin/fileplan", auth.ActAdminFilePlan, nil, s.adminSaveFilePlan},
		{"GET /admin/routing", auth.ActAdminRouting, nil, s.adminRoutingPage},
		{"POST /admin/routing", auth.ActAdminRouting, nil, s.adminSaveRouting},
	}
}

// adminFieldError is a refusal shown on the form: the message, and the
// field it is about ("" when it is about the whole form), so that the
// template marks that input (aria-invalid) and ties the message to it
// (aria-describedby).
type adminFieldError struct {
	Field   string
	Message string
}

// For is the message when it is about field, else "".
func (e *adminFieldError) For(field string) string {
	if e == nil || e.Field != field {
		return ""
	}
	return e.Message
}

// adminRefused turns an operation's error into what the form shows and
// the status it is answered with; ok false: not a refusal (an internal
// error).
func adminRefused(err error) (f *flash, fe *adminFieldError, status int, ok bool) {
	var e *api.Error
	if !errors.As(err, &e) {
		return nil, nil, 0, false
	}
	fe = &adminFieldError{Message: e.Message}
	var fld *api.FieldError
	if errors.As(err, &fld) {
		fe.Field = fld.Field
	}
	text := e.Message
	if e.Status == http.StatusPreconditionFailed {
		text += " Ihre Eingaben stehen noch im Formular; bitte prüfen Sie sie gegen den aktuellen Stand und speichern Sie erneut."
	}
	return &flash{Error: true, Text: text}, fe, e.Status, true
}

// adminDone redirects to the page with what was done.
func (s *Server) adminDone(w http.ResponseWriter, r *http.Request, to, text string) {
	s.setFlash(w, r, flash{Text: text})
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// splitLogins reads a list of logins as typed: separated by commas,
// spaces or line breaks.
func splitLogins(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// ---- overview ---------------------------------------------------------------------

type adminView struct {
	Layout                        layoutView
	Users, Disabled, Units        int
	PlanNodes, Deputies, Absences int
	RulesVersion                  int64
	MayUsers, MayUnits, MayPlan   bool
	MayRouting                    bool
	RulesBy                       string
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	ctx := r.Context()
	v := adminView{Layout: s.layout(r, "Verwaltung"), MayUsers: s.may(r, auth.ActAdminUsers), MayUnits: s.may(r, auth.ActAdminUnits),
		MayPlan: s.may(r, auth.ActAdminFilePlan), MayRouting: s.may(r, auth.ActAdminRouting)}
	users, err := s.adminUsers(r)
	if err != nil {
		s.fail(w, "admin users", err)
		return
	}
	v.Users = len(users)
	for _, u := range users {
		if u.Disabled {
			v.Disabled++
		}
	}
	org, _, err := ops.Organisation(ctx)
	if err != nil {
		s.fail(w, "admin organisation", err)
		return
	}
	v.Units, v.Deputies, v.Absences = len(org.Units), len(org.Deputies), len(org.Absences)
	plan, _, err := ops.FilePlan(ctx)
	if err != nil {
		s.fail(w, "admin file plan", err)
		return
	}
	v.PlanNodes = len(plan.Nodes)
	if rules, err := ops.RoutingRules(ctx); err == nil {
		v.RulesVersion, v.RulesBy = rules.Version, rules.CreatedBy
	}
	s.render(w, "admin.html", v)
}

// ---- users ------------------------------------------------------------------------

// adminUsers are all accounts as administrators see them.
func (s *Server) adminUsers(r *http.Request) ([]api.User, error) {
	return s.Ops.Users(r.Context())
}

type adminRoleChoice struct {
	Value, Label string
	Checked      bool
}

func adminRoleChoices(checked []string) []adminRoleChoice {
	out := make([]adminRoleChoice, len(auth.AllRoles))
	for i, r := range auth.AllRoles {
		out[i] = adminRoleChoice{Value: string(r), Label: r.Label(), Checked: slices.Contains(checked, string(r))}
	}
	return out
}

type adminUserRow struct {
	api.User
	Href, RoleLabels, SignIn string
}

type adminUsersView struct {
	Layout layoutView
	Flash  *flash
	Err    *adminFieldError
	Users  []adminUserRow
	New    api.NewUser
	Roles  []adminRoleChoice
	MinPW  int
}

func (s *Server) adminUsersPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.ops(w); !ok {
		return
	}
	s.renderAdminUsers(w, r, http.StatusOK, adminUsersView{Flash: s.takeFlash(w, r), Roles: adminRoleChoices([]string{string(auth.RoleClerk)})})
}

func (s *Server) renderAdminUsers(w http.ResponseWriter, r *http.Request, status int, v adminUsersView) {
	users, err := s.adminUsers(r)
	if err != nil {
		s.fail(w, "admin users", err)
		return
	}
	v.Layout, v.MinPW = s.layout(r, "Benutzerkonten"), auth.MinPasswordLength
	for _, u := range users {
		var how []string
		if u.HasPassword {
			how = append(how, "Passwort")
		}
		if u.OIDCSubject != "" {
			how = append(how, "OIDC")
		}
		if len(how) == 0 {
			how = append(how, "noch keine")
		}
		v.Users = append(v.Users, adminUserRow{User: u, Href: "/admin/users/" + url.PathEscape(u.Login),
			RoleLabels: auth.RoleLabels(auth.RolesFromStrings(u.Roles)), SignIn: strings.Join(how, ", ")})
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderStatus(w, status, "admin_users.html", v)
}

func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	in := api.NewUser{Login: r.PostFormValue("login"), Name: r.PostFormValue("name"), Email: r.PostFormValue("email"),
		Roles: r.PostForm["roles"], Password: r.PostFormValue("password")}
	u, err := ops.CreateUser(r.Context(), principal(r), in)
	if err != nil {
		f, fe, status, ok := adminRefused(err)
		if !ok {
			s.fail(w, "admin create user", err)
			return
		}
		in.Password = "" // never sent back
		s.renderAdminUsers(w, r, status, adminUsersView{Flash: f, Err: fe, New: in, Roles: adminRoleChoices(in.Roles)})
		return
	}
	s.adminDone(w, r, "/admin/users", "Das Benutzerkonto "+u.Login+" ("+u.Name+") wurde angelegt.")
}

type adminUserView struct {
	Layout layoutView
	Flash  *flash
	Err    *adminFieldError
	User   api.User
	Form   api.UserChange
	Roles  []adminRoleChoice
	ETag   string // the version the form changes
	Self   bool
	MinPW  int
	Action string
}

func (s *Server) adminUserPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.ops(w); !ok {
		return
	}
	s.renderAdminUser(w, r, http.StatusOK, adminUserView{Flash: s.takeFlash(w, r)}, nil)
}

// renderAdminUser shows the account as stored; form, when not nil, is
// what was entered and refused, shown instead of the stored values.
func (s *Server) renderAdminUser(w http.ResponseWriter, r *http.Request, status int, v adminUserView, form *api.UserChange) {
	login := r.PathValue("login")
	u, err := s.Ops.User(r.Context(), login)
	var e *api.Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound {
		http.Error(w, "Ein Benutzerkonto "+login+" gibt es nicht.", http.StatusNotFound)
		return
	}
	if err != nil {
		s.fail(w, "admin user", err)
		return
	}
	v.Layout, v.User, v.ETag, v.MinPW = s.layout(r, "Benutzerkonto "+u.Login), u, api.UserETag(u.Version), auth.MinPasswordLength
	v.Action = "/admin/users/" + url.PathEscape(u.Login)
	v.Form = api.UserChange{Name: u.Name, Email: u.Email, Roles: u.Roles, Disabled: u.Disabled}
	if form != nil {
		v.Form = *form
	}
	v.Roles = adminRoleChoices(v.Form.Roles)
	who, _ := PrincipalFrom(r.Context())
	v.Self = who.Login == u.Login
	w.Header().Set("Cache-Control", "no-store")
	s.renderStatus(w, status, "admin_user.html", v)
}

func (s *Server) adminUpdateUser(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	login := r.PathValue("login")
	in := api.UserChange{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Roles: r.PostForm["roles"],
		Disabled: r.PostFormValue("disabled") == "ja"}
	u, err := ops.UpdateUser(r.Context(), principal(r), login, in, r.PostFormValue("version"))
	if err != nil {
		f, fe, status, ok := adminRefused(err)
		if !ok {
			s.fail(w, "admin update user", err)
			return
		}
		s.renderAdminUser(w, r, status, adminUserView{Flash: f, Err: fe}, &in)
		return
	}
	text := "Das Benutzerkonto " + u.Login + " wurde gespeichert."
	if u.Disabled {
		text += " Es ist gesperrt; seine Sitzungen wurden beendet."
	}
	s.adminDone(w, r, "/admin/users/"+url.PathEscape(u.Login), text)
}

func (s *Server) adminSetPassword(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	login := r.PathValue("login")
	pw, again := r.PostFormValue("password"), r.PostFormValue("password2")
	var err error
	var res api.PasswordSet
	if pw != again {
		err = &api.FieldError{Field: "password2", Err: api.Errorf(http.StatusBadRequest, "invalid",
			"Passwort wiederholen: Die beiden Eingaben stimmen nicht überein.")}
	} else {
		res, err = ops.SetPassword(r.Context(), principal(r), login, api.PasswordChange{Password: pw})
	}
	if err != nil {
		f, fe, status, ok := adminRefused(err)
		if !ok {
			s.fail(w, "admin set password", err)
			return
		}
		s.renderAdminUser(w, r, status, adminUserView{Flash: f, Err: fe}, nil)
		return
	}
	s.adminDone(w, r, "/admin/users/"+url.PathEscape(login),
		"Das Passwort von "+login+" wurde gesetzt; "+strconv.Itoa(res.SessionsEnded)+" Sitzung(en) wurden beendet.")
}

// ---- units, deputies, absences ----------------------------------------------------

type adminUnitForm struct {
	Code, Name, Lead, Members, Parent, LeitwegID string
}

func unitForm(u records.Unit) adminUnitForm {
	return adminUnitForm{Code: u.Code, Name: u.Name, Lead: u.Lead, Members: strings.Join(u.Members, ", "), Parent: u.Parent, LeitwegID: u.Mailbox}
}

func (f adminUnitForm) unit() records.Unit {
	return records.Unit{Code: f.Code, Name: f.Name, Lead: f.Lead, Members: splitLogins(f.Members), Parent: f.Parent, Mailbox: f.LeitwegID}
}

func readUnitForm(r *http.Request) adminUnitForm {
	return adminUnitForm{Code: strings.TrimSpace(r.PostFormValue("code")), Name: r.PostFormValue("name"), Lead: r.PostFormValue("lead"),
		Members: r.PostFormValue("members"), Parent: r.PostFormValue("parent"), LeitwegID: r.PostFormValue("leitweg_id")}
}

type adminUnitRow struct {
	records.Unit
	Href, MemberList string
}

type adminDeputyRow struct {
	User     string
	Deputies string
}

// adminAbsenceRow is an absence with its days written the German way.
type adminAbsenceRow struct {
	records.Absence
	FromDE, UntilDE string
}

type adminUnitsView struct {
	Layout   layoutView
	Flash    *flash
	Err      *adminFieldError
	Form     string // which form Err is about: "unit", "deputies", "absence"
	ETag     string
	Units    []adminUnitRow
	Deputies []adminDeputyRow
	Absences []adminAbsenceRow
	NewUnit  adminUnitForm
	Deputy   adminDeputyRow
	Absence  records.Absence
	Logins   []string
}

// ErrFor is the error's message when it is about field of form.
func (v adminUnitsView) ErrFor(form, field string) string {
	if v.Form != form {
		return ""
	}
	return v.Err.For(field)
}

func (s *Server) adminUnitsPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.ops(w); !ok {
		return
	}
	s.renderAdminUnits(w, r, http.StatusOK, adminUnitsView{Flash: s.takeFlash(w, r)})
}

func (s *Server) renderAdminUnits(w http.ResponseWriter, r *http.Request, status int, v adminUnitsView) {
	org, etag, err := s.Ops.Organisation(r.Context())
	if err != nil {
		s.fail(w, "admin organisation", err)
		return
	}
	v.Layout, v.ETag = s.layout(r, "Organisationseinheiten"), etag
	for _, u := range org.Units {
		v.Units = append(v.Units, adminUnitRow{Unit: u, Href: "/admin/units/" + url.PathEscape(u.Code), MemberList: strings.Join(u.Members, ", ")})
	}
	byUser := map[string][]string{}
	var users []string
	for _, d := range org.Deputies { // ordered by user and rank
		if _, ok := byUser[d.User]; !ok {
			users = append(users, d.User)
		}
		byUser[d.User] = append(byUser[d.User], d.Deputy)
	}
	for _, u := range users {
		v.Deputies = append(v.Deputies, adminDeputyRow{User: u, Deputies: strings.Join(byUser[u], ", ")})
	}
	for _, a := range org.Absences {
		v.Absences = append(v.Absences, adminAbsenceRow{Absence: a, FromDE: germanDate(a.From), UntilDE: germanDate(a.Until)})
	}
	accounts, err := s.adminUsers(r)
	if err != nil {
		s.fail(w, "admin users", err)
		return
	}
	for _, u := range accounts {
		v.Logins = append(v.Logins, u.Login)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderStatus(w, status, "admin_units.html", v)
}

// adminUnitsRefused shows the units page again after a refused form.
func (s *Server) adminUnitsRefused(w http.ResponseWriter, r *http.Request, err error, v adminUnitsView) {
	f, fe, status, ok := adminRefused(err)
	if !ok {
		s.fail(w, r.Method+" "+r.URL.Path, err)
		return
	}
	v.Flash, v.Err = f, fe
	s.renderAdminUnits(w, r, status, v)
}

func (s *Server) adminCreateUnit(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	form := readUnitForm(r)
	if _, exists, err := s.adminUnitExists(r, form.Code); err != nil {
		s.fail(w, "admin unit", err)
		return
	} else if exists {
		s.adminUnitsRefused(w, r, &api.FieldError{Field: "code", Err: api.Errorf(http.StatusConflict, "exists",
			"Kennung: Die Einheit %s gibt es schon; Sie können sie über ihre Kennung in der Liste ändern.", form.Code)},
			adminUnitsView{Form: "unit", NewUnit: form})
		return
	}
	if _, err := ops.PutUnit(r.Context(), principal(r), form.Code, form.unit(), r.PostFormValue("version")); err != nil {
		s.adminUnitsRefused(w, r, err, adminUnitsView{Form: "unit", NewUnit: form})
		return
	}
	s.adminDone(w, r, "/admin/units", "Die Einheit "+form.Code+" wurde angelegt.")
}

func (s *Server) adminUnitExists(r *http.Request, code string) (records.Unit, bool, error) {
	org, _, err := s.Ops.Organisation(r.Context())
	if err != nil {
		return records.Unit{}, false, err
	}
	u, ok := org.Unit(code)
	return u, ok, nil
}

type adminUnitView struct {
	Layout layoutView
	Flash  *flash
	Err    *adminFieldError
	ETag   string
	Unit   adminUnitForm
	Action string
}

func (s *Server) adminUnitPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.ops(w); !ok {
		return
	}
	s.renderAdminUnit(w, r, http.StatusOK, adminUnitView{Flash: s.takeFlash(w, r)}, nil)
}

func (s *Server) renderAdminUnit(w http.ResponseWriter, r *http.Request, status int, v adminUnitView, form *adminUnitForm) {
	code := r.PathValue("code")
	org, etag, err := s.Ops.Organisation(r.Context())
	if err != nil {
		s.fail(w, "admin organisation", err)
		return
	}
	u, ok := org.Unit(code)
	if !ok {
		http.Error(w, "Eine Organisationseinheit "+code+" gibt es nicht.", http.StatusNotFound)
		return
	}
	v.Layout, v.ETag, v.Unit, v.Action = s.layout(r, "Organisationseinheit "+u.Code), etag, unitForm(u), "/admin/units/"+url.PathEscape(u.Code)
	if form != nil {
		v.Unit = *form
		v.Unit.Code = u.Code
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderStatus(w, status, "admin_unit.html", v)
}

func (s *Server) adminUpdateUnit(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	code := r.PathValue("code")
	form := readUnitForm(r)
	form.Code = code
	if _, err := ops.PutUnit(r.Context(), principal(r), code, form.unit(), r.PostFormValue("version")); err != nil {
		f, fe, status, ok := adminRefused(err)
		if !ok {
			s.fail(w, "admin update unit", err)
			return
		}
		s.renderAdminUnit(w, r, status, adminUnitView{Flash: f, Err: fe}, &form)
		return
	}
	s.adminDone(w, r, "/admin/units/"+url.PathEscape(code), "Die Einheit "+code+" wurde gespeichert.")
}

func (s *Server) adminDeleteUnit(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	code := r.PathValue("code")
	if _, err := ops.DeleteUnit(r.Context(), principal(r), code, r.PostFormValue("version")); err != nil {
		f, fe, status, ok := adminRefused(err)
		if !ok {
			s.fail(w, "admin delete unit", err)
			return
		}
		s.renderAdminUnit(w, r, status, adminUnitView{Flash: f, Err: fe}, nil)
		return
	}
	s.adminDone(w, r, "/admin/units", "Die Einheit "+code+" wurde gelöscht.")
}

func (s *Server) adminSetDeputies(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	row := adminDeputyRow{User: strings.TrimSpace(r.PostFormValue("user")), Deputies: r.PostFormValue("deputies")}
	var err error
	if row.User == "" {
		err = &api.FieldError{Field: "user", Err: api.Errorf(http.StatusBadRequest, "invalid", "Vertretene Person: Bitte angeben, wer vertreten wird.")}
	} else {
		_, err = ops.SetDeputies(r.Context(), principal(r), row.User, api.Deputies{Deputies: splitLogins(row.Deputies)}, r.PostFormValue("version"))
	}
	if err != nil {
		s.adminUnitsRefused(w, r, err, adminUnitsView{Form: "deputies", Deputy: row})
		return
	}
	text := "Die Vertretung von " + row.User + " wurde gespeichert."
	if len(splitLogins(row.Deputies)) == 0 {
		text = row.User + " hat keine Vertretung mehr."
	}
	s.adminDone(w, r, "/admin/units", text)
}

func (s *Server) adminAddAbsence(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	in := records.Absence{User: r.PostFormValue("user"), From: r.PostFormValue("from"), Until: r.PostFormValue("until"), Reason: r.PostFormValue("reason")}
	a, err := ops.AddAbsence(r.Context(), principal(r), in)
	if err != nil {
		s.adminUnitsRefused(w, r, err, adminUnitsView{Form: "absence", Absence: in})
		return
	}
	s.adminDone(w, r, "/admin/units", "Die Abwesenheit von "+a.User+" vom "+germanDate(a.From)+" bis "+germanDate(a.Until)+" wurde eingetragen.")
}

func (s *Server) adminRemoveAbsence(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "Unbekannte Abwesenheit", http.StatusNotFound)
		return
	}
	if err := ops.RemoveAbsence(r.Context(), principal(r), id); err != nil {
		s.adminUnitsRefused(w, r, err, adminUnitsView{})
		return
	}
	s.adminDone(w, r, "/admin/units", "Die Abwesenheit wurde aufgehoben.")
}

// germanDate writes YYYY-MM-DD as DD.MM.YYYY.
func germanDate(d string) string {
	if y, rest, ok := strings.Cut(d, "-"); ok {
		if m, day, ok := strings.Cut(rest, "-"); ok {
			return day + "." + m + "." + y
		}
	}
	return d
}

// ---- file plan ----------------------------------------------------------------------

type adminFilePlanView struct {
	Layout layoutView
	Flash  *flash
	Err    *adminFieldError
	ETag   string
	Nodes  []records.PlanNode // effective values
	YAML   string
}

func (s *Server) adminFilePlanPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.ops(w); !ok {
		return
	}
	s.renderAdminFilePlan(w, r, http.StatusOK, adminFilePlanView{Flash: s.takeFlash(w, r)}, nil)
}

func (s *Server) renderAdminFilePlan(w http.ResponseWriter, r *http.Request, status int, v adminFilePlanView, entered *string) {
	plan, etag, err := s.Ops.FilePlan(r.Context())
	if err != nil {
		s.fail(w, "admin file plan", err)
		return
	}
	v.Layout, v.ETag = s.layout(r, "Aktenplan verwalten"), etag
	for _, n := range plan.Nodes {
		e, _ := plan.Effective(n.Code)
		v.Nodes = append(v.Nodes, e)
	}
	if entered != nil {
		v.YAML = *entered
	} else {
		raw, err := plan.MarshalYAML()
		if err != nil {
			s.fail(w, "admin file plan yaml", err)
			return
		}
		v.YAML = string(raw)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderStatus(w, status, "admin_fileplan.html", v)
}

func (s *Server) adminSaveFilePlan(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	text := r.PostFormValue("plan")
	plan, err := api.ParseFilePlanYAML(text)
	if err == nil {
		plan, err = ops.ReplaceFilePlan(r.Context(), principal(r), plan.Nodes, "web", "yaml", r.PostFormValue("version"))
	}
	if err != nil {
		f, fe, status, ok := adminRefused(err)
		if !ok {
			s.fail(w, "admin save file plan", err)
			return
		}
		s.renderAdminFilePlan(w, r, status, adminFilePlanView{Flash: f, Err: fe}, &text)
		return
	}
	s.adminDone(w, r, "/admin/fileplan", "Der Aktenplan wurde gespeichert: "+strconv.Itoa(len(plan.Nodes))+" Positionen.")
}

// ---- routing rules ------------------------------------------------------------------

type adminRoutingView struct {
	Layout  layoutView
	Flash   *flash
	Err     *adminFieldError
	ETag    string
	Rules   api.RoutingRules
	Content string
}

func (s *Server) adminRoutingPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.ops(w); !ok {
		return
	}
	s.renderAdminRouting(w, r, http.StatusOK, adminRoutingView{Flash: s.takeFlash(w, r)}, nil)
}

func (s *Server) renderAdminRouting(w http.ResponseWriter, r *http.Request, status int, v adminRoutingView, entered *string) {
	rules, err := s.Ops.RoutingRules(r.Context())
	var e *api.Error
	if errors.As(err, &e) {
		http.Error(w, e.Message, e.Status)
		return
	}
	if err != nil {
		s.fail(w, "admin routing rules", err)
		return
	}
	v.Layout, v.ETag, v.Rules, v.Content = s.layout(r, "Zuordnungsregeln"), api.RoutingRulesETag(rules.Version), rules, rules.Content
	if entered != nil {
		v.Content = *entered
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderStatus(w, status, "admin_routing.html", v)
}

func (s *Server) adminSaveRouting(w http.ResponseWriter, r *http.Request) {
	ops, ok := s.ops(w)
	if !ok {
		return
	}
	text := r.PostFormValue("content")
	rules, err := ops.SaveRoutingRules(r.Context(), principal(r), api.RoutingRulesChange{Content: text}, r.PostFormValue("version"))
	if err != nil {
		f, fe, status, ok := adminRefused(err)
		if !ok {
			s.fail(w, "admin save routing rules", err)
			return
		}
		s.renderAdminRouting(w, r, status, adminRoutingView{Flash: f, Err: fe}, &text)
		return
	}
	s.adminDone(w, r, "/admin/routing", "Die Zuordnungsregeln wurden als Version "+strconv.FormatInt(rules.Version, 10)+
		" gespeichert; sie gelten ab dem nächsten eingehenden Dokument.")
}
