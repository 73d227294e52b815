package oauthflow

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// The JWT bearer authorization grant (RFC 7523 §2.1): a token for a JWT
// someone else signed, with no browser. Two sign-ins use it: workload
// identity federation (--workload-identity; ext-auth
// specification/draft/workload-identity-federation.mdx, SEP-1933), where
// the JWT is the one the workload's platform issued it, and
// enterprise-managed authorization (enterprise.go), where it is the
// ID-JAG the enterprise identity provider issued for this server.

const jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// unattended reports whether the sign-in asks no one, so the limit on
// sign-ins a server starts does not apply: the client credentials grant,
// a workload's JWT, an id token from --idp-id-token. An identity
// provider's browser sign-in, when its kept one has run out, is limited.
func (f *Flow) unattended() bool {
	return f.cfg.ClientCredentials || f.cfg.Workload != "" || f.cfg.IdPIDToken != ""
}

// regrants reports whether a token is obtained again ahead of expiry
// rather than refreshed: the grants above, and the ID-JAG of a kept
// identity provider sign-in.
func (f *Flow) regrants() bool { return f.unattended() || f.cfg.IdPIssuer != "" }

// workload signs in as the workload: its JWT, read from its source now
// (it rotates), is the grant. A refusal is reported as it came, neither
// retried nor answered with another grant (SEP-1933).
func (f *Flow) workload(ctx context.Context, ch Challenge, scopes []string) (*record, error) {
	as, prm, err := f.discover(ctx, ch)
	if err != nil {
		return nil, err
	}
	if len(scopes) == 0 {
		scopes = prm.ScopesSupported
	}
	assertion, err := readSource(ctx, f.cfg.Workload)
	if err != nil {
		return nil, fmt.Errorf("--workload-identity: %w", err)
	}
	return f.jwtBearer(ctx, as, f.resourceFor(prm), scopes, assertion)
}

// jwtBearer presents assertion to as's token endpoint (RFC 7523 §2.1,
// with the RFC 8707 resource the MCP spec asks for). The client
// authenticates as --static-oauth-client-info says (RFC 7523 §3.1 makes
// it optional; SEP-1933's workload has no client of its own, the ID-JAG's
// client must be the one registered, enterprise-managed authorization §5);
// without one no client is named.
func (f *Flow) jwtBearer(ctx context.Context, as *AuthServer, resource string, scopes []string, assertion string) (*record, error) {
	if len(as.GrantTypesSupported) > 0 && !slices.Contains(as.GrantTypesSupported, jwtBearerGrant) {
		f.cfg.Log.Warn("the authorization server does not list the jwt-bearer grant; trying it anyway",
			"grant_types_supported", safetext.EscapeN(strings.Join(as.GrantTypesSupported, " "), 200))
	}
	client := &Client{Issuer: as.Issuer, AuthMethod: "none", Source: "none"}
	if f.cfg.StaticClient != nil {
		var err error
		if client, err = StaticClient(f.cfg.StaticClient, as.Issuer); err != nil {
			return nil, err
		}
	}
	ctx, err := f.withDPoP(ctx, as)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {jwtBearerGrant}, "assertion": {assertion}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	setResource(form, resource)
	if client.AuthMethod == "private_key_jwt" {
		signed, err := signAssertion(f.cfg.StaticClient, client.ClientID, as.Issuer)
		if err != nil {
			return nil, err
		}
		form.Set("client_assertion_type", assertionType)
		form.Set("client_assertion", signed)
	}
	tok, err := tokenRequest(ctx, f.cfg.HTTP, as.TokenEndpoint, client, form, f.cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("the jwt-bearer grant: %w", err)
	}
	return &record{Token: *tok, Issuer: as.Issuer, TokenEndpoint: as.TokenEndpoint, Client: *client, Scopes: scopes, Resource: resource}, nil
}
