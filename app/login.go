package app

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/aktenfluss/aktenfluss/internal/audit"
	"github.com/aktenfluss/aktenfluss/internal/auth"
	"github.com/aktenfluss/aktenfluss/internal/config"
	"github.com/aktenfluss/aktenfluss/internal/records"
	"github.com/aktenfluss/aktenfluss/internal/store"
	"github.com/aktenfluss/aktenfluss/internal/web"
	"github.com/aktenfluss/aktenfluss/internal/web/api"
)

// sessionPurgeEvery is how often the server removes ended sessions from
// the store; Lookup refuses them anyway, so this only bounds the table.
const sessionPurgeEvery = 10 * time.Minute

// webServer builds the web server for the configuration: with login
// (sessions over the records store, local accounts, OIDC when configured)
// unless http.login is off.
func (d *Deps) webServer(checks []web.Check) (*web.Server, error) {
	s := &web.Server{Register: d.Store, Blobs: d.Blobs, Checks: checks, Metrics: d.Metrics, Log: d.Log, AuditTimeline: d.auditTimeline, AuditVerify: d.auditVerify}
	if !d.Cfg.HTTP.Login {
		d.Log.Warn("http.login is off: every page is served without login")
		return s, nil
	}
	sessions, err := auth.NewSessions(d.Store, auth.SessionConfig{IdleTimeout: d.Cfg.HTTP.SessionIdle, Lifetime: d.Cfg.HTTP.SessionLifetime})
	if err != nil {
		return nil, err
	}
	s.Sessions, s.Users, s.SecureCookies = sessions, d.Store, d.Cfg.HTTP.SecureCookies
	numbers, err := records.NewFileNumberFormat(d.Cfg.Records.FileNumberLayout)
	if err != nil {
		return nil, fmt.Errorf("config records.file_number_layout: %w", err)
	}
	ad := api.Deps{Store: d.Store, Blobs: d.Blobs, Log: d.Log, Timeline: d.auditTimeline, Verify: d.auditVerify,
		Commands: newCommands(d), Numbers: numbers}
	s.APIRoutes, s.Ops = api.Routes(ad), api.NewOps(ad)
	if o := d.Cfg.OIDC; o.Enabled() {
		oc, err := oidcConfig(o)
		if err != nil {
			return nil, err
		}
		s.OIDC = &oc
	}
	return s, nil
}

// auditInputs are the keys and the checkpoints kept outside the database
// that a verification checks the trail against.
func (d *Deps) auditInputs(ctx context.Context) ([]ed25519.PublicKey, []audit.Checkpoint, error) {
	keys, err := VerificationKeys(d.Cfg.Audit)
	if err != nil {
		return nil, nil, err
	}
	outside, _, err := OutsideCheckpoints(ctx, d.Cfg.Audit.CheckpointFile, d.JS)
	return keys, outside, err
}

// auditVerify checks the whole chain for GET /api/audit/verify.
func (d *Deps) auditVerify(ctx context.Context) (audit.Result, error) {
	keys, outside, err := d.auditInputs(ctx)
	if err != nil {
		return audit.Result{}, err
	}
	return store.VerifyAudit(ctx, d.Store, keys, outside)
}

// auditTimeline is the history of a case for GET /api/audit/timeline,
// joined with the Temporal histories when the server has a client.
func (d *Deps) auditTimeline(ctx context.Context, kind, id, actor string) (audit.Report, error) {
	keys, outside, err := d.auditInputs(ctx)
	if err != nil {
		return audit.Report{}, err
	}
	return BuildReport(ctx, d.Store, d.Temporal, ReportRequest{Kind: kind, ID: id, Actor: actor, Keys: keys, Outside: outside})
}

func oidcConfig(o config.OIDCConfig) (web.OIDCConfig, error) {
	oc := web.OIDCConfig{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret,
		RedirectURL: o.RedirectURL, AutoCreate: o.AutoCreate}
	for _, r := range o.DefaultRoles {
		role, err := auth.ParseRole(r)
		if err != nil {
			return oc, fmt.Errorf("config: oidc.default_roles: %w", err)
		}
		oc.DefaultRoles = append(oc.DefaultRoles, role)
	}
	return oc, nil
}

// purgeSessions removes ended sessions every sessionPurgeEvery until ctx
// ends.
func (d *Deps) purgeSessions(ctx context.Context) {
	t := time.NewTicker(sessionPurgeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := d.Store.PurgeExpiredSessions(ctx, time.Now(), d.Cfg.HTTP.SessionIdle)
			if err != nil {
				d.Log.Error("purge expired sessions", "error", err)
				continue
			}
			if n > 0 {
				d.Log.Debug("purged expired sessions", "count", n)
			}
		}
	}
}
