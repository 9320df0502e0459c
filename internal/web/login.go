package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
)

// Users is what login needs of the store beyond sessions: OIDC identities,
// creating users (OIDC auto-provisioning), and the organisation that gives
// a principal its units.
type Users interface {
	UserByOIDC(ctx context.Context, issuer, subject string) (store.User, error)
	PutUser(ctx context.Context, u store.User) (store.User, error)
	Organisation(ctx context.Context) (records.Organisation, error)
}

const (
	// sessionCookie carries the session token.
	sessionCookie = "aktenfluss_session"
	// loginCSRFCookie carries the double-submit token of the login form:
	// before login there is no session to bind a CSRF token to.
	loginCSRFCookie = "aktenfluss_login_csrf"
	// csrfField and csrfHeader carry a session's CSRF token.
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
	// maxFormBytes bounds the bodies of the login and logout forms.
	maxFormBytes = 64 << 10
)

// German messages of the login layer.
const (
	msgLoginRequired = "Bitte melden Sie sich an."
	msgCSRF          = "Die Anfrage wurde abgewiesen, weil ihr Sicherheitsmerkmal (CSRF-Token) fehlt oder nicht passt. Bitte laden Sie die Seite neu und versuchen Sie es erneut."
	msgLoginCSRF     = "Das Anmeldeformular ist abgelaufen. Bitte versuchen Sie es erneut."
)

type ctxKey int

const (
	principalKey ctxKey = iota
	sessionKey
)

// PrincipalFrom returns who is logged in for the request; false when the
// server runs without login (Server.Sessions is nil) or the path needs none.
func PrincipalFrom(ctx context.Context) (auth.Principal, bool) {
	p, ok := ctx.Value(principalKey).(auth.Principal)
	return p, ok
}

// sessionFrom returns the request's session (with its CSRF token).
func sessionFrom(ctx context.Context) (auth.Session, bool) {
	s, ok := ctx.Value(sessionKey).(auth.Session)
	return s, ok
}

// CSRFTokenFrom is the token a page puts into its forms (field "csrf");
// "" without a session.
func CSRFTokenFrom(ctx context.Context) string {
	s, _ := sessionFrom(ctx)
	return s.CSRFToken
}

// publicPath reports whether a path is served without a session: the login
// itself, probes and metrics (scraped by machines; keep /metrics off the
// public network), and static assets.
func publicPath(p string) bool {
	switch p {
	case "/login", "/healthz", "/readyz", "/metrics", "/favicon.ico":
		return true
	}
	return strings.HasPrefix(p, "/auth/oidc/") || strings.HasPrefix(p, "/static/")
}

// stateChanging reports whether a method may change state and so needs a
// CSRF token.
func stateChanging(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// requireLogin finds the request's session, puts the principal into the
// context, refuses requests without a session on non-public paths, and
// checks the CSRF token of every state-changing request.
func (s *Server) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var sess auth.Session
		found := false
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			ss, err := s.Sessions.Lookup(ctx, c.Value)
			switch {
			case err == nil:
				sess, found = ss, true
			case errors.Is(err, auth.ErrNoSession):
				s.clearSessionCookie(w, r)
			default:
				s.fail(w, "session lookup", err)
				return
			}
		}
		public := publicPath(r.URL.Path)
		if found {
			// Without Users the principal has no units: own-unit grants
			// then cover nothing, which errs on the side of refusal.
			var org records.Organisation
			if s.Users != nil {
				o, err := s.Users.Organisation(ctx)
				if err != nil {
					s.fail(w, "organisation", err)
					return
				}
				org = o
			}
			ctx = context.WithValue(ctx, sessionKey, sess)
			ctx = context.WithValue(ctx, principalKey, auth.NewPrincipal(sess.User.Login, sess.Roles, org))
			r = r.WithContext(ctx)
		} else if !public {
			s.refuseAnonymous(w, r)
			return
		}
		// The login form has its own pre-session token (see postLogin).
		if stateChanging(r.Method) && r.URL.Path != "/login" {
			if !found || !sess.CheckCSRF(requestCSRF(w, r)) || crossSite(r) {
				s.refuse(w, r, http.StatusForbidden, msgCSRF)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// requestCSRF reads the CSRF token from the header or, for forms, the
// field. Reading the field parses the body, bounded.
func requestCSRF(w http.ResponseWriter, r *http.Request) string {
	if v := r.Header.Get(csrfHeader); v != "" {
		return v
	}
	ct := r.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") || strings.HasPrefix(ct, "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes(ct))
		if strings.HasPrefix(ct, "multipart/") {
			_ = r.ParseMultipartForm(32 << 20)
		} else {
			_ = r.ParseForm()
		}
		return r.PostFormValue(csrfField)
	}
	return ""
}

// maxUploadBytes bounds what requestCSRF reads: forms are small, uploads
// (multipart) may carry a scan batch.
func maxUploadBytes(contentType string) int64 {
	if strings.HasPrefix(contentType, "multipart/") {
		return 512 << 20
	}
	return maxFormBytes
}

// crossSite reports a browser's own statement that the request comes from
// another site (Fetch Metadata); older browsers send nothing and rely on
// the token alone.
func crossSite(r *http.Request) bool {
	return r.Header.Get("Sec-Fetch-Site") == "cross-site"
}

// wantsHTML tells browsers (redirect to the form) from API clients (401).
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

func (s *Server) refuseAnonymous(w http.ResponseWriter, r *http.Request) {
	if wantsHTML(r) {
		next := "/"
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next = r.URL.RequestURI()
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(next)), http.StatusSeeOther)
		return
	}
	writeJSONError(w, http.StatusUnauthorized, msgLoginRequired)
}

// refuse answers with a German message, as a page for browsers and as JSON
// for other clients.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if wantsHTML(r) {
		http.Error(w, msg, status)
		return
	}
	writeJSONError(w, status, msg)
}

// writeJSONError answers in the REST API's one error shape
// ({"error":{"code","message"}}, api.WriteError), so a client sees
// the same whether the login layer or an endpoint refused.
func writeJSONError(w http.ResponseWriter, status int, msg string) {
	code := map[int]string{http.StatusUnauthorized: "unauthenticated", http.StatusForbidden: "forbidden",
		http.StatusTooManyRequests: "too_many_attempts"}[status]
	if code == "" {
		code = "error"
	}
	api.WriteError(w, &api.Error{Status: status, Code: code, Message: msg})
}

// safeNext keeps a redirect target after login on this site: a path
// starting with a single "/", nothing with a scheme or host ("//evil",
// "/\evil" and "https://evil" become "/").
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// secure reports whether cookies get the Secure attribute: over TLS, or
// when the operator says TLS ends in front of the server.
func (s *Server) secure(r *http.Request) bool { return r.TLS != nil || s.SecureCookies }

// setSessionCookie hands out a session's token, living no longer than the
// session's absolute lifetime.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, sess auth.Session) {
	maxAge := int(time.Until(sess.ExpiresAt).Seconds())
	if maxAge < 1 {
		maxAge = 1
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

// clientAddr is the remote address for rate limiting. Forwarded headers
// are not trusted: behind a proxy all clients share its address, which
// the limiter's higher per-address limit allows for.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type loginView struct {
	Layout layoutView
	CSRF   string
	Next   string
	Login  string
	// Error is the refusal of the form's input, tied to both fields.
	Error string
	// Notice is a refusal not about the fields (OIDC, expired form).
	Notice string
	OIDC   bool
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if c, err := r.Cookie(sessionCookie); err == nil {
		if _, err := s.Sessions.Lookup(r.Context(), c.Value); err == nil {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
	}
	s.renderLogin(w, r, http.StatusOK, loginView{Next: next})
}

// renderLogin shows the form with a fresh double-submit token.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	tok, err := auth.NewSessionToken()
	if err != nil {
		s.fail(w, "login csrf token", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: tok, Path: "/login", MaxAge: 3600,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	v.CSRF = tok
	v.OIDC = s.OIDC != nil
	v.Layout = layoutView{Title: "Anmeldung"}
	w.Header().Set("Cache-Control", "no-store")
	s.renderStatus(w, status, "login.html", v)
}

func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Ungültiges Formular", http.StatusBadRequest)
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	login := strings.TrimSpace(r.PostForm.Get("login"))
	c, err := r.Cookie(loginCSRFCookie)
	form := r.PostForm.Get(csrfField)
	if err != nil || form == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) != 1 || crossSite(r) {
		s.renderLogin(w, r, http.StatusForbidden, loginView{Next: next, Login: login, Notice: msgLoginCSRF})
		return
	}
	sess, err := s.Sessions.Login(r.Context(), login, r.PostForm.Get("password"), clientAddr(r))
	var locked *auth.LockedOutError
	switch {
	case errors.As(err, &locked):
		w.Header().Set("Retry-After", strconv.Itoa(int(locked.Wait.Seconds())+1))
		s.renderLogin(w, r, http.StatusTooManyRequests, loginView{Next: next, Login: login, Error: locked.Error()})
		return
	case errors.Is(err, auth.ErrInvalidCredentials):
		if err != auth.ErrInvalidCredentials { // a wrapped one carries a cause for the operator
			s.logger().Error("login refused on a broken hash", "error", err)
		}
		s.renderLogin(w, r, http.StatusUnauthorized, loginView{Next: next, Login: login, Error: auth.ErrInvalidCredentials.Error()})
		return
	case err != nil:
		s.fail(w, "login", err)
		return
	}
	s.startSession(w, r, sess, next)
}

// startSession sets the cookie of a new session and sends the person on.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, sess auth.Session, next string) {
	s.setSessionCookie(w, r, sess)
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: "", Path: "/login", MaxAge: -1,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

// postLogout ends the session; requireLogin has checked its CSRF token.
func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Sessions.Logout(r.Context(), c.Value); err != nil {
			s.fail(w, "logout", err)
			return
		}
	}
	s.clearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// actor is who the audit trail names for a request: the login, or
// actorWeb when the server runs without login.
func actor(ctx context.Context) string {
	if p, ok := PrincipalFrom(ctx); ok {
		return p.Login
	}
	return actorWeb
}

// routeLogin adds the login routes to mux.
func (s *Server) routeLogin(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.postLogin)
	mux.HandleFunc("POST /logout", s.postLogout)
	if s.OIDC != nil {
		o := newOIDCClient(*s.OIDC)
		mux.HandleFunc("GET /auth/oidc/login", func(w http.ResponseWriter, r *http.Request) { s.oidcLogin(w, r, o) })
		mux.HandleFunc("GET /auth/oidc/callback", func(w http.ResponseWriter, r *http.Request) { s.oidcCallback(w, r, o) })
	}
}
