package oauthflow

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
)

// The well-known suffixes of RFC 8414 §3 and OpenID Connect Discovery §4.
const (
	wellKnownOAuth  = "/.well-known/oauth-authorization-server"
	wellKnownOpenID = "/.well-known/openid-configuration"
)

// IssuerOfMetadataURL is the issuer a well-known metadata URL was formed
// from: RFC 8414 §3.1 inserts the well-known string between host and path
// (OpenID Connect Discovery may also insert it, or §4 append it to the
// issuer). ok is false for a URL of no well-known form: nothing to
// compare the document's issuer with.
func IssuerOfMetadataURL(u *url.URL) (issuer string, ok bool) {
	origin := u.Scheme + "://" + u.Host
	p := u.EscapedPath()
	for _, wk := range []string{wellKnownOAuth, wellKnownOpenID} {
		if rest, found := strings.CutPrefix(p, wk); found && (rest == "" || strings.HasPrefix(rest, "/")) {
			return origin + rest, true // inserted
		}
	}
	if before, found := strings.CutSuffix(p, wellKnownOpenID); found {
		return origin + before, true // appended
	}
	return "", false
}

// AuthServerAt fetches authorization server metadata from a URL the user
// named (--auth-server-metadata-url, for servers whose discovery is
// broken), held to the rules discovered metadata is held to: the URL and
// every endpoint https or loopback (netrule), and — when the URL has a
// well-known form — the issuer identical to the one the URL was formed
// from (RFC 8414 §3.3). The issuer must be an issuer identifier either way
// (RFC 8414 §2: https, no query or fragment).
func (d *Discoverer) AuthServerAt(ctx context.Context, metadataURL string) (*AuthServer, error) {
	u, err := netrule.Check("--auth-server-metadata-url", metadataURL)
	if err != nil {
		return nil, err
	}
	var as AuthServer
	if err := d.fetch(ctx, u.String(), &as); err != nil {
		return nil, fmt.Errorf("%s: %w", safetext.EscapeN(u.String(), 0), err)
	}
	if _, err := AuthServerMetadataURLs(as.Issuer); err != nil {
		return nil, fmt.Errorf("%s: %w", safetext.EscapeN(u.String(), 0), err)
	}
	if _, err := netrule.CheckString("issuer", as.Issuer); err != nil {
		return nil, fmt.Errorf("%s: %w", safetext.EscapeN(u.String(), 0), err)
	}
	// RFC 8414 §3.1 drops the issuer's trailing "/" before inserting: with
	// or without it, the issuer formed the same URL.
	if want, ok := IssuerOfMetadataURL(u); ok && strings.TrimSuffix(as.Issuer, "/") != strings.TrimSuffix(want, "/") {
		return nil, fmt.Errorf("%s: %w: %s, not %s", safetext.EscapeN(u.String(), 0), ErrIssuerMismatch, safetext.Escape(as.Issuer), safetext.Escape(want))
	}
	if err := as.checkEndpoints(); err != nil {
		return nil, fmt.Errorf("%s: %w", safetext.EscapeN(u.String(), 0), err)
	}
	return &as, nil
}

// discoverAt is discovery with the authorization server's metadata from
// Config.AuthServerMetadataURL: the protected resource metadata is still
// read when there is one (for the resource and scopes, and a wrong one is
// still refused), but its absence is no failure.
func (f *Flow) discoverAt(ctx context.Context, ch Challenge) (*AuthServer, *ProtectedResource, error) {
	d := &Discoverer{HTTP: f.cfg.HTTP}
	prm, err := d.Resource(ctx, f.cfg.Server, ch.ResourceMetadata)
	switch {
	case errors.Is(err, ErrNoMetadata):
		prm = &ProtectedResource{}
	case err != nil:
		return nil, nil, fmt.Errorf("the server's protected resource metadata: %w", err)
	}
	as, err := d.AuthServerAt(ctx, f.cfg.AuthServerMetadataURL)
	if err != nil {
		return nil, nil, fmt.Errorf("--auth-server-metadata-url: %w", err)
	}
	if len(prm.AuthorizationServers) > 0 && !slices.Contains(prm.AuthorizationServers, as.Issuer) {
		f.cfg.Log.Warn("--auth-server-metadata-url names an authorization server the server's metadata does not list; using it as asked",
			"issuer", safetext.Escape(as.Issuer))
	}
	return as, prm, nil
}

// authServerOf is the metadata of the issuer that issued a record's
// tokens: from Config.AuthServerMetadataURL when set (the issuer's own
// well-known URIs may be the broken part), else discovered (RFC 8414).
func (f *Flow) authServerOf(ctx context.Context, issuer string) (*AuthServer, error) {
	d := &Discoverer{HTTP: f.cfg.HTTP}
	if f.cfg.AuthServerMetadataURL == "" {
		return d.AuthServer(ctx, issuer)
	}
	as, err := d.AuthServerAt(ctx, f.cfg.AuthServerMetadataURL)
	if err == nil && as.Issuer != issuer {
		return nil, fmt.Errorf("%w: %s, not %s", ErrIssuerMismatch, safetext.Escape(as.Issuer), safetext.Escape(issuer))
	}
	return as, err
}
