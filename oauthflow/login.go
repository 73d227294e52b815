package oauthflow

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/mcpbridge/mcpbridge/internal/netrule"
	"github.com/mcpbridge/mcpbridge/internal/safetext"
	"github.com/mcpbridge/mcpbridge/tokencache"
)

// justSignedIn is how long after a sign-in a 401 is taken as the server
// refusing the new token, not as a reason to sign in again (no loops).
const justSignedIn = 10 * time.Second

// login signs in through the browser (authorization code with PKCE over a
// loopback redirect, MCP authorization §Authorization Flow Steps), one at a
// time in this process and across processes. Requests that arrive meanwhile
// wait for it; when it fails they get its error. asked: the user asked
// (mcpbridge login); otherwise the server did, and the sign-ins it starts
// are limited (ratelimit.go).
func (f *Flow) login(ctx context.Context, had *record, ch Challenge, scopes []string, stepUp, asked bool) error {
	f.signIn.Lock()
	defer f.signIn.Unlock()
	f.mu.Lock()
	// Signed in (or refreshed) while this caller waited. A record dropped
	// meanwhile (a refresh refused with invalid_grant forgets it) is no
	// sign-in: this caller signs in.
	changed := f.rec != had && f.rec != nil
	recent := f.cfg.Now().Sub(f.lastLogin) < justSignedIn
	f.mu.Unlock()
	if changed {
		return nil
	}
	if recent && !stepUp {
		return errors.New("the server refused the token its authorization server has just issued; check the server's configuration (--resource, scopes)")
	}
	// The sign-in outlives the request that started it: others wait on it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.cfg.AuthTimeout)
	defer cancel()
	unlock, err := f.cfg.Store.Lock(ctx, f.names.tokens)
	if err != nil {
		return fmt.Errorf("another mcpbridge is signing in to this server and did not finish: %w", err)
	}
	defer unlock()
	if rec := f.adopt(ctx, had); rec != nil && !stepUp {
		return nil // another process signed in
	}
	if !asked && !f.unattended() { // client credentials and jwt-bearer prompt no one
		if err := f.mayPrompt(ch); err != nil {
			return err
		}
		if why := f.whySignIn(had, ch); why != "" {
			f.cfg.Notify(why) // never an unexplained browser window
		}
	}
	rec, err := f.signInNow(ctx, ch, scopes, stepUp)
	if err != nil {
		f.refused(ctx, f.grantType(), nil, err)
		return fmt.Errorf("sign-in to %s did not complete: %w. The next request tries again; or sign in from a terminal with: mcpbridge login %s",
			f.shown(), err, f.shown())
	}
	if err := f.save(ctx, rec); err != nil {
		return fmt.Errorf("signed in, but the token could not be stored: %w", err)
	}
	f.signedIn(ctx, ch, rec)
	f.mu.Lock()
	f.lastLogin = f.cfg.Now()
	f.mu.Unlock()
	f.cfg.Notify("signed in to " + f.shown())
	f.noticeLifetime(rec)
	return nil
}

// discover finds the server's authorization server (MCP authorization
// server discovery), falling back to the 2025-03-26 rules for servers
// without protected resource metadata.
func (f *Flow) discover(ctx context.Context, ch Challenge) (*AuthServer, *ProtectedResource, error) {
	if f.cfg.AuthServerMetadataURL != "" {
		return f.discoverAt(ctx, ch) // asmetadata.go
	}
	d := &Discoverer{HTTP: f.cfg.HTTP}
	prm, err := d.Resource(ctx, f.cfg.Server, ch.ResourceMetadata)
	var as *AuthServer
	switch {
	case errors.Is(err, ErrNoMetadata) && ch.ResourceMetadata == "":
		f.cfg.Log.Info("the server publishes no protected resource metadata; using its origin as the authorization server (protocol 2025-03-26)")
		prm = &ProtectedResource{}
		as, err = d.LegacyAuthServer(ctx, f.cfg.Server)
	case err != nil:
		return nil, nil, fmt.Errorf("finding the server's authorization server: %w", err)
	default:
		as, err = d.AuthServer(ctx, prm.AuthorizationServers[0])
	}
	return as, prm, err
}

// signInNow runs discovery, client identity and the browser step (or,
// with --client-credentials, the client credentials grant).
func (f *Flow) signInNow(ctx context.Context, ch Challenge, scopes []string, stepUp bool) (*record, error) {
	fixed, isFixed := f.fixedScopes(ch, scopes) // --scope (scope.go)
	if isFixed {
		scopes = fixed
	}
	switch {
	case f.cfg.ClientCredentials:
		return f.clientCredentials(ctx, ch, scopes)
	case f.cfg.Workload != "":
		return f.workload(ctx, ch, scopes)
	case f.cfg.IdPIssuer != "":
		return f.enterprise(ctx, ch, scopes)
	}
	as, prm, err := f.discover(ctx, ch)
	if err != nil {
		return nil, err
	}
	if s, _ := f.cfg.ClientMetadata["scope"].(string); s != "" {
		// --static-oauth-client-metadata's scope wins, as in mcp-remote;
		// a step-up adds to it.
		if stepUp {
			scopes = union(strings.Fields(s), scopes)
		} else {
			scopes = strings.Fields(s)
		}
	}
	if len(scopes) == 0 {
		scopes = prm.ScopesSupported // the spec's order: challenge scope, then scopes_supported, else none
	}
	// A client MAY add offline_access when the authorization server's
	// metadata lists it in scopes_supported (MCP authorization §Refresh
	// Tokens) — with no scope defined by the challenge or the metadata
	// too, where it is then the only scope asked for: servers that issue
	// refresh tokens only for it would otherwise send the user to the
	// browser at every expiry. The conformance suite's
	// auth/scope-omitted-when-undefined scenario (0.2.0-alpha.12) checks
	// that no scope is sent when none is defined; its authorization
	// server's metadata has no scopes_supported at all (so no
	// offline_access), and the scope stays omitted there.
	if slices.Contains(as.ScopesSupported, "offline_access") && !slices.Contains(scopes, "offline_access") {
		scopes = append(slices.Clone(scopes), "offline_access")
	}
	if isFixed { // exactly what the user named, nothing added
		scopes = fixed
	}
	resource := f.resourceFor(prm)
	f.announce(as, scopes)
	if ctx, err = f.withDPoP(ctx, as); err != nil {
		return nil, err
	}
	if f.cfg.DeviceCode {
		return f.deviceRecord(ctx, as, scopes, resource)
	}
	if err := as.CheckPKCE(); err != nil {
		return nil, err
	}
	stored := f.storedClient(ctx, as.Issuer)
	cb, err := ListenLoopback(f.cfg.CallbackHost, append(registeredPorts(stored), f.cfg.CallbackPorts...), f.cfg.CallbackPath,
		Expect{State: randomString(), Issuer: as.Issuer, IssRequired: as.AuthorizationResponseIssParameterSupported, SuccessURL: f.cfg.SuccessURL})
	if err != nil {
		return nil, err
	}
	defer cb.Close()
	client, err := f.client(ctx, as, stored, cb.RedirectURI())
	if err != nil {
		return nil, err
	}
	verifier := oauth2.GenerateVerifier()
	authURL, err := f.authorizeURL(as, client, cb, verifier, scopes, resource)
	if err != nil {
		return nil, err
	}
	code, err := f.browserCode(ctx, cb, f.shown(), authURL)
	if err != nil {
		return nil, refusedAt(as, client, scopes, resource, err) // grants.go
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {cb.RedirectURI()}, "code_verifier": {verifier}}
	setResource(form, resource)
	tok, err := tokenRequest(ctx, f.cfg.HTTP, as.TokenEndpoint, client, form, f.cfg.Now)
	if isTokenError(err, "invalid_client") && client.Source == "registered" {
		_ = f.cfg.Store.Delete(ctx, clientName(as.Issuer)) // stale: register again next time
		f.forgetClient(ctx, as.Issuer, client.ClientID)
	}
	if err != nil {
		return nil, refusedAt(as, client, scopes, resource, err)
	}
	rec := &record{Token: *tok, Issuer: as.Issuer, TokenEndpoint: as.TokenEndpoint, Client: *client, Scopes: scopes, Resource: resource}
	return rec, nil
}

// browserCode sends the user to authURL to sign in to what (shown as it
// is: the caller escapes it) and waits for the code at the loopback
// callback, or pasted, when Config.Paste reads addresses.
func (f *Flow) browserCode(ctx context.Context, cb *Loopback, what, authURL string) (string, error) {
	f.cfg.Notify("sign in to " + what + " in your browser; if it does not open, open this link: " + safetext.EscapeN(authURL, 0))
	if err := f.cfg.Open(authURL); err != nil {
		f.cfg.Log.Warn("could not open a browser; open the link above by hand", "error", err)
	}
	if f.cfg.Paste != nil {
		go f.readPasted(ctx, cb)
	}
	return cb.Wait(ctx)
}

// readPasted feeds pasted addresses to the callback until one is accepted.
func (f *Flow) readPasted(ctx context.Context, cb *Loopback) {
	for {
		addr, err := f.cfg.Paste(ctx)
		if err != nil {
			return
		}
		if addr = strings.TrimSpace(addr); addr == "" {
			continue
		}
		err = cb.Deliver(addr)
		if err == nil || !(errors.Is(err, ErrStateMismatch) || strings.Contains(err.Error(), "not the address")) {
			return
		}
		f.cfg.Notify(safetext.EscapeN(err.Error(), 0) + "; paste it again")
	}
}

// authorizeURL builds the authorization request (RFC 6749 §4.1.1 with PKCE,
// RFC 8707 resource and the user's extra parameters).
func (f *Flow) authorizeURL(as *AuthServer, c *Client, cb *Loopback, verifier string, scopes []string, resource string) (string, error) {
	u, err := netrule.Check("authorization_endpoint", as.AuthorizationEndpoint)
	if err != nil {
		return "", fmt.Errorf("the authorization request: %w", err)
	}
	q := url.Values{}
	for k, vs := range f.cfg.AuthorizeParams {
		q[k] = vs
	}
	q.Set("response_type", "code")
	q.Set("client_id", c.ClientID)
	q.Set("redirect_uri", cb.RedirectURI())
	q.Set("state", cb.expect.State)
	q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
	q.Set("code_challenge_method", "S256")
	if len(scopes) > 0 {
		q.Set("scope", strings.Join(scopes, " "))
	}
	setResource(q, resource)
	if u.RawQuery != "" { // the endpoint's own query is kept (RFC 6749 §3.1)
		u.RawQuery += "&" + q.Encode()
	} else {
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}

// storedClient returns the registration kept for this issuer, if any.
func (f *Flow) storedClient(ctx context.Context, issuer string) *Client {
	if f.cfg.StaticClient != nil {
		return nil
	}
	raw, err := f.cfg.Store.Get(ctx, clientName(issuer))
	if err != nil {
		return nil
	}
	var c Client
	if json.Unmarshal(raw, &c) != nil || c.ClientID == "" || c.Issuer != issuer {
		return nil
	}
	return &c
}

// registeredPorts are the callback ports of a stored registration, tried
// first so its redirect URI stays valid.
func registeredPorts(c *Client) []int {
	if c == nil {
		return nil
	}
	var ports []int
	for _, r := range c.RedirectURIs {
		if u, err := url.Parse(r); err == nil {
			if p, err := strconv.Atoi(u.Port()); err == nil {
				ports = append(ports, p)
			}
		}
	}
	return ports
}

// client returns the client identity for the authorization server, in the
// spec's priority (MCP client registration): pre-registered, then a Client
// ID Metadata Document URL when the server takes them, then the
// registration stored for this issuer when its redirect URI is the one
// bound now, then dynamic registration (kept for next time).
func (f *Flow) client(ctx context.Context, as *AuthServer, stored *Client, redirectURI string) (*Client, error) {
	if f.cfg.StaticClient != nil {
		return StaticClient(f.cfg.StaticClient, as.Issuer)
	}
	if f.cfg.ClientMetadataURL != "" {
		if as.ClientIDMetadataDocumentSupported {
			return &Client{Issuer: as.Issuer, ClientID: f.cfg.ClientMetadataURL, AuthMethod: "none",
				RedirectURIs: []string{redirectURI}, Source: "metadata-document"}, nil
		}
		f.cfg.Log.Info("the authorization server does not take client metadata documents; registering instead")
	}
	if stored != nil && slices.Contains(stored.RedirectURIs, redirectURI) {
		return stored, nil
	}
	c, err := Register(ctx, f.cfg.HTTP, as, redirectURI, f.cfg.ClientMetadata)
	if err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(c)
	if err := f.cfg.Store.Put(ctx, clientName(as.Issuer), raw, clientMeta(f, as.Issuer)); err != nil {
		f.cfg.Log.Warn("could not store the client registration; it will be made again next time", "error", err)
	}
	return c, nil
}

func clientMeta(f *Flow, issuer string) tokencache.Meta {
	return tokencache.Meta{Kind: "client", Server: f.shown(), Issuer: issuer}
}

// clientName is where the registration for an issuer is kept (the spec
// binds client ids to the authorization server that issued them); the
// store derives it.
func clientName(issuer string) string { return tokencache.ClientName(issuer) }

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
