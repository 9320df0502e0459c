// Package auth is who may log in and who may do what: roles, local
// passwords (argon2id), login sessions with CSRF tokens, login rate
// limiting, and the access policy — Decide — that the REST API and the
// pages both ask, so that need-to-know is enforced in one place.
//
// It knows nothing of HTTP: the web package turns cookies and forms into
// the calls here, and Decide's German reasons into responses.
package auth
