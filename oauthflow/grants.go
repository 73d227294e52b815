package oauthflow

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/mcpbridge/mcpbridge/internal/ledger"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// StoreIn is a sign-in's token store in so.Dir, opened on first use
// (tokencache.OpenLazily), and the grant ledger beside it, which records
// the flow's events: Config.Store and Config.Recorder.
func StoreIn(so tokencache.Options) (*tokencache.Lazy, Recorder, error) {
	st, err := tokencache.OpenLazily(so)
	if err != nil {
		return nil, nil, err
	}
	r, err := ledger.New(ledger.Options{Dir: so.Dir, Lock: st})
	if err != nil {
		return nil, nil, err
	}
	return st, r, nil
}

// Recorder keeps the grant ledger (Config.Recorder; internal/ledger's
// Ledger). The flow calls it at every event that changes what mcpbridge may
// do: sign-in, refresh, step-up, refusal, logout, credentials forgotten.
// An event never carries a secret.
type Recorder interface {
	Record(ctx context.Context, e ledger.Event) error
}

// The grant types (RFC 6749 §4.1.3, §4.4.2, §6; RFC 8628 §3.4) a ledger
// event names; and jwtBearerGrant (jwtbearer.go).
const (
	grantAuthorizationCode = "authorization_code"
	grantClientCredentials = "client_credentials"
	grantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	grantRefreshToken      = "refresh_token"
)

// grantType is the grant a sign-in of this flow uses.
func (f *Flow) grantType() string {
	switch {
	case f.cfg.ClientCredentials:
		return grantClientCredentials
	case f.cfg.Workload != "" || f.cfg.IdPIssuer != "":
		return jwtBearerGrant // the workload's JWT, or the identity provider's ID-JAG (RFC 7523 §2.1)
	case f.cfg.DeviceCode:
		return grantDeviceCode
	}
	return grantAuthorizationCode
}

// remember hands e, completed with the server and account, to the
// recorder. A ledger that cannot be written is logged, never fatal: the
// sign-in it records has happened.
func (f *Flow) remember(ctx context.Context, e ledger.Event) {
	if f.cfg.Recorder == nil {
		return
	}
	e.Server, e.Account = ledger.ServerOf(f.cfg.Server), f.cfg.Account
	if f.cfg.Now != nil { // the flow's clock (a stored record's flow has none: the ledger's)
		e.Time = f.cfg.Now()
	}
	if err := f.cfg.Recorder.Record(ctx, e); err != nil {
		f.cfg.Log.Warn("could not write the grant ledger", "error", err)
	}
}

// event is what a record says of its grant.
func event(kind, grantType string, rec *record) ledger.Event {
	return ledger.Event{Event: kind, GrantType: grantType, Resource: rec.Resource, Issuer: rec.Issuer,
		ClientID: rec.Client.ClientID, RequestedScopes: rec.Scopes, Scopes: granted(rec),
		ExpiresAt: rec.Token.Expiry, RefreshToken: rec.Token.RefreshToken != ""}
}

// granted is the scope the token carries: the answer's scope, else the
// scope asked for (RFC 6749 §5.1: omitted when identical).
func granted(rec *record) []string {
	if rec.Token.Scope != "" {
		return strings.Fields(rec.Token.Scope)
	}
	return rec.Scopes
}

// signedIn records a sign-in: granted, or stepped-up when the server's
// insufficient_scope challenge (RFC 6750 §3.1) started it; and warns when
// the authorization server granted more than was asked for.
func (f *Flow) signedIn(ctx context.Context, ch Challenge, rec *record) {
	e := event(ledger.Granted, f.grantType(), rec)
	if ch.Error == "insufficient_scope" {
		e.Event, e.DemandedScopes = ledger.SteppedUp, ch.Scope
	}
	if extra := ledger.Wider(rec.Scopes, e.Scopes); len(extra) > 0 {
		e.Note = "granted more than asked: " + strings.Join(extra, " ")
		f.cfg.Notify("warning: the authorization server granted " + f.shown() + " more than was asked for: " +
			safetext.Escape(strings.Join(extra, " ")))
	}
	f.remember(ctx, e)
}

// refreshed records a refresh, noting when the scope changed.
func (f *Flow) refreshed(ctx context.Context, had, rec *record) {
	e := event(ledger.Refreshed, grantRefreshToken, rec)
	before, after := slices.Sorted(slices.Values(granted(had))), slices.Sorted(slices.Values(e.Scopes))
	if !slices.Equal(before, after) {
		e.Note = "scope changed from " + strings.Join(before, " ")
	}
	f.remember(ctx, e)
}

// refused records a token request the authorization server refused (RFC
// 6749 §5.2) or an authorization it refused (§4.1.2.1), with its code,
// and what was forgotten for it: the tokens after invalid_grant, the tokens
// and the registration after invalid_client (on a refresh); on a sign-in,
// the registration after invalid_client (forgetClient). Other errors (the
// network, the user) are not the authorization server's answer.
func (f *Flow) refused(ctx context.Context, grantType string, had *record, err error) {
	var te *TokenError
	var ae *AuthError
	code := ""
	switch {
	case errors.As(err, &te):
		code = te.Code
	case errors.As(err, &ae):
		code = ae.Code
	default:
		return
	}
	var at *signInRefusal
	switch {
	case had != nil:
	case errors.As(err, &at): // a sign-in: what it asked of whom
		had = &record{Issuer: at.issuer, Client: Client{ClientID: at.clientID}, Scopes: at.scopes, Resource: at.resource}
	default:
		had = &record{}
	}
	e := event(ledger.Refused, grantType, had)
	e.Scopes, e.ExpiresAt, e.RefreshToken = nil, time.Time{}, false // nothing was granted
	e.Error = safetext.EscapeN(code, 80)
	f.remember(ctx, e)
	if had == nil || grantType != grantRefreshToken {
		return
	}
	switch code {
	case "invalid_grant":
		f.forgotten(ctx, had, "tokens")
	case "invalid_client":
		f.forgotten(ctx, had, "tokens and registration")
	}
}

// signInRefusal is a sign-in's error with what it asked of whom, for the
// ledger's refused event.
type signInRefusal struct {
	issuer, clientID, resource string
	scopes                     []string
	err                        error
}

func (r *signInRefusal) Error() string { return r.err.Error() }
func (r *signInRefusal) Unwrap() error { return r.err }

// refusedAt wraps a sign-in's error with the authorization server, client,
// scopes and resource it was for.
func refusedAt(as *AuthServer, c *Client, scopes []string, resource string, err error) error {
	return &signInRefusal{issuer: as.Issuer, clientID: c.ClientID, resource: resource, scopes: scopes, err: err}
}

// forgotten records credentials dropped: what says which.
func (f *Flow) forgotten(ctx context.Context, rec *record, what string) {
	e := event(ledger.Forgotten, "", rec)
	e.Scopes, e.ExpiresAt, e.RefreshToken, e.Note = nil, rec.Token.Expiry, false, what
	f.remember(ctx, e)
}

// forgetClient records a registration the authorization server refused on
// a sign-in (invalid_client), dropped to register again.
func (f *Flow) forgetClient(ctx context.Context, issuer, clientID string) {
	f.remember(ctx, ledger.Event{Event: ledger.Forgotten, Issuer: issuer, ClientID: clientID, Note: "registration"})
}

// loggedOut records a logout before the tokens are deleted: whether the
// authorization server revoked them (RFC 7009 §2.2).
func (f *Flow) loggedOut(ctx context.Context, rec *record, revokeErr error) {
	e := event(ledger.Revoked, "", rec)
	switch {
	case errors.Is(revokeErr, errNoRevocation):
		e.Revocation = "not offered"
	case revokeErr != nil:
		e.Revocation = "failed"
	default:
		e.Revocation = "revoked"
	}
	f.remember(ctx, e)
}

// storedFlow is a Flow for recording what is done to a stored record of
// the index entry m, without its settings (logout --all).
func storedFlow(hc *http.Client, r Recorder, m tokencache.Meta) *Flow {
	server, _ := url.Parse(m.Server)
	if server == nil {
		server = &url.URL{}
	}
	return &Flow{cfg: Config{HTTP: hc, Recorder: r, Server: server, Log: slog.New(slog.DiscardHandler), Account: m.Account}}
}
