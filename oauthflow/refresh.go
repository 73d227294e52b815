package oauthflow

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// refresh trades the refresh token for a new token (RFC 6749 §6), with the
// resource and scope the MCP spec asks for. It holds the cross-process lock
// and re-reads the store first: with several mcpbridge processes for one
// server, one refreshes and the others use what it stored, so a rotating
// refresh token is never spent twice.
func (f *Flow) refresh(ctx context.Context, had *record) (*record, error) {
	f.signIn.Lock()
	defer f.signIn.Unlock()
	unlock, err := f.cfg.Store.Lock(ctx, f.names.tokens)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if rec := f.adopt(ctx, had); rec != nil {
		return rec, nil
	}
	if ctx, err = f.withDPoP(ctx, nil); err != nil { // the refresh token may be bound to the key (RFC 9449 §5)
		return nil, err
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {had.Token.RefreshToken}}
	setResource(form, had.Resource)
	// The scope granted, not the one asked for: a refresh must not ask for
	// a scope that was not granted (RFC 6749 §6), and servers often grant
	// less (offline_access without prompt=consent, OIDC Core §11).
	switch {
	case had.Token.Scope != "":
		form.Set("scope", had.Token.Scope)
	case len(had.Scopes) > 0:
		form.Set("scope", strings.Join(had.Scopes, " "))
	}
	tok, err := tokenRequest(ctx, f.cfg.HTTP, had.TokenEndpoint, &had.Client, form, f.cfg.Now)
	if isTokenError(err, "invalid_scope") && form.Has("scope") {
		form.Del("scope") // then the grant's own scope (RFC 6749 §6)
		tok, err = tokenRequest(ctx, f.cfg.HTTP, had.TokenEndpoint, &had.Client, form, f.cfg.Now)
	}
	f.refused(ctx, grantRefreshToken, had, err)
	switch {
	case isTokenError(err, "invalid_grant"):
		f.forget(ctx) // the grant is gone: sign in again
		return nil, fmt.Errorf("the refresh token was refused: %w", err)
	case isTokenError(err, "invalid_client"):
		f.forget(ctx)
		_ = f.cfg.Store.Delete(ctx, clientName(had.Issuer))
		return nil, fmt.Errorf("the client registration was refused: %w", err)
	case err != nil:
		return nil, err
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = had.Token.RefreshToken // the server kept the old one (RFC 6749 §6)
	}
	if tok.Scope == "" {
		tok.Scope = had.Token.Scope // unchanged when the answer leaves it out (RFC 6749 §5.1)
	}
	rec := *had
	rec.Token = *tok
	if err := f.save(ctx, &rec); err != nil {
		return nil, err
	}
	f.refreshed(ctx, had, &rec)
	f.cfg.Log.Debug("refreshed the access token", "expiry", tok.Expiry)
	return &rec, nil
}
